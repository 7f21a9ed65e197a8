/**
 * Loss modules: thin wrappers over the functional losses with PyTorch's names
 * and defaults (`new CrossEntropyLoss({ labelSmoothing: 0.1 }).call(logits, labels)`).
 * Class weights are registered as buffers named `weight` / `pos_weight`, as in
 * PyTorch, so they follow `.to(dtype)` and appear in state dicts.
 */
import { Module, reprArgs } from '../nn/module';
import type { Tensor } from '../tensor/tensor';
import { bceLoss, bceWithLogits, crossEntropy, nllLoss, type BceOptions, type BceWithLogitsOptions, type CrossEntropyOptions, type NllLossOptions } from './classification';
import { ctcLoss, type CtcOptions, type Lengths } from './ctc';
import { klDiv, type KlDivOptions } from './divergence';
import { cosineEmbeddingLoss, marginRankingLoss, type MarginOptions } from './embedding';
import type { ReductionOptions } from './reduction';
import { huberLoss, l1Loss, mseLoss, smoothL1Loss, type HuberOptions, type SmoothL1Options } from './regression';
import { softDiceLoss, softIoULoss, type OverlapLossOptions } from './segmentation';
import { gaussianNllLoss, poissonNllLoss, type GaussianNllOptions, type PoissonNllOptions } from './probabilistic';
import {
  hingeEmbeddingLoss, multiLabelSoftMarginLoss, multiMarginLoss, softMarginLoss, tripletMarginLoss,
  type HingeEmbeddingOptions, type MultiLabelSoftMarginOptions, type MultiMarginOptions, type TripletMarginOptions,
} from './margin';

type Pair = [input: Tensor, target: Tensor];

/** Options without the tensors a module keeps as buffers. */
type Plain<T> = Omit<T, 'weight' | 'posWeight'>;

abstract class PairLoss<O extends object> extends Module<Pair, Tensor> {
  readonly options: O;
  constructor(options: O | undefined, private readonly _fn: (input: Tensor, target: Tensor, opts: O) => Tensor) {
    super();
    this.options = { ...(options ?? {}) } as O;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return this._fn(input, target, this.options);
  }
  protected override extraRepr(): string {
    return reprArgs(Object.entries(this.options));
  }
}

abstract class WeightedLoss<O extends { weight?: Tensor | null }> extends Module<Pair, Tensor> {
  readonly options: Plain<O>;
  constructor(options: O | undefined, private readonly _fn: (input: Tensor, target: Tensor, opts: O) => Tensor) {
    super();
    const { weight, ...rest } = (options ?? {}) as O & { posWeight?: Tensor | null };
    delete (rest as { posWeight?: unknown }).posWeight;
    this.options = rest as Plain<O>;
    this.registerBuffer('weight', weight ?? null);
  }
  protected lossOptions(): O {
    return { ...this.options, weight: this.getBuffer('weight') } as O;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return this._fn(input, target, this.lossOptions());
  }
  protected override extraRepr(): string {
    return reprArgs(Object.entries(this.options));
  }
}

/** Module form of crossEntropy. @example `new CrossEntropyLoss({ ignoreIndex: 0 }).call(logits, labels)` */
export class CrossEntropyLoss extends WeightedLoss<CrossEntropyOptions> {
  constructor(options?: CrossEntropyOptions) { super(options, crossEntropy); }
}

/** Module form of nllLoss. @example `new NLLLoss().call(logSoftmax(x, 1), labels)` */
export class NLLLoss extends WeightedLoss<NllLossOptions> {
  constructor(options?: NllLossOptions) { super(options, nllLoss); }
}

/** Module form of bceLoss. @example `new BCELoss().call(probs, labels)` */
export class BCELoss extends WeightedLoss<BceOptions> {
  constructor(options?: BceOptions) { super(options, bceLoss); }
}

/** Module form of bceWithLogits; posWeight is the buffer `pos_weight`. @example `new BCEWithLogitsLoss({ posWeight: tensor([3]) })` */
export class BCEWithLogitsLoss extends WeightedLoss<BceWithLogitsOptions> {
  constructor(options?: BceWithLogitsOptions) {
    super(options, bceWithLogits);
    this.registerBuffer('pos_weight', options?.posWeight ?? null);
  }
  protected override lossOptions(): BceWithLogitsOptions {
    return { ...super.lossOptions(), posWeight: this.getBuffer('pos_weight') };
  }
}

/** Module form of mseLoss. @example `new MSELoss().call(pred, y)` */
export class MSELoss extends PairLoss<ReductionOptions> {
  constructor(options?: ReductionOptions) { super(options, mseLoss); }
}

/** Module form of l1Loss. @example `new L1Loss({ reduction: 'sum' })` */
export class L1Loss extends PairLoss<ReductionOptions> {
  constructor(options?: ReductionOptions) { super(options, l1Loss); }
}

/** Module form of huberLoss. @example `new HuberLoss({ delta: 2 })` */
export class HuberLoss extends PairLoss<HuberOptions> {
  constructor(options?: HuberOptions) { super(options, huberLoss); }
}

/** Module form of smoothL1Loss. @example `new SmoothL1Loss({ beta: 0.5 })` */
export class SmoothL1Loss extends PairLoss<SmoothL1Options> {
  constructor(options?: SmoothL1Options) { super(options, smoothL1Loss); }
}

/** Module form of klDiv. @example `new KLDivLoss({ reduction: 'batchmean' })` */
export class KLDivLoss extends PairLoss<KlDivOptions> {
  constructor(options?: KlDivOptions) { super(options, klDiv); }
}

/** Module form of softDiceLoss. @example `new SoftDiceLoss({ smooth: 1 })` */
export class SoftDiceLoss extends PairLoss<OverlapLossOptions> {
  constructor(options?: OverlapLossOptions) { super(options, softDiceLoss); }
}

/** Module form of softIoULoss. @example `new SoftIoULoss()` */
export class SoftIoULoss extends PairLoss<OverlapLossOptions> {
  constructor(options?: OverlapLossOptions) { super(options, softIoULoss); }
}

/** A loss of three tensors (the third may be another type, e.g. GaussianNLLLoss's var, a tensor or a number). */
abstract class TripleLoss<O extends object = MarginOptions, C = Tensor> extends Module<[a: Tensor, b: Tensor, c: C], Tensor> {
  readonly options: O;
  constructor(options: O | undefined, private readonly _fn: (a: Tensor, b: Tensor, c: C, o: O) => Tensor) {
    super();
    this.options = { ...(options ?? {}) } as O;
  }
  forward(a: Tensor, b: Tensor, c: C): Tensor {
    return this._fn(a, b, c, this.options);
  }
  protected override extraRepr(): string {
    return reprArgs(Object.entries(this.options));
  }
}

/** Module form of cosineEmbeddingLoss. @example `new CosineEmbeddingLoss({ margin: 0.2 }).call(a, b, y)` */
export class CosineEmbeddingLoss extends TripleLoss {
  constructor(options?: MarginOptions) { super(options, cosineEmbeddingLoss); }
}

/** Module form of marginRankingLoss. @example `new MarginRankingLoss({ margin: 0.1 }).call(s1, s2, y)` */
export class MarginRankingLoss extends TripleLoss {
  constructor(options?: MarginOptions) { super(options, marginRankingLoss); }
}

/** Module form of ctcLoss. @example `new CTCLoss({ blank: 0, zeroInfinity: true }).call(logProbs, targets, inLens, tgtLens)` */
export class CTCLoss extends Module<[logProbs: Tensor, targets: Tensor, inputLengths: Lengths, targetLengths: Lengths], Tensor> {
  readonly options: CtcOptions;
  constructor(options?: CtcOptions) {
    super();
    this.options = { ...(options ?? {}) };
  }
  forward(logProbs: Tensor, targets: Tensor, inputLengths: Lengths, targetLengths: Lengths): Tensor {
    return ctcLoss(logProbs, targets, inputLengths, targetLengths, this.options);
  }
  protected override extraRepr(): string {
    return reprArgs(Object.entries(this.options));
  }
}

/**
 * Module form of gaussianNllLoss: `call(input, target, var)`, var a tensor or a number.
 * @example `new GaussianNLLLoss({ full: true }).call(mean, y, variance)`
 */
export class GaussianNLLLoss extends TripleLoss<GaussianNllOptions, Tensor | number> {
  constructor(options?: GaussianNllOptions) { super(options, gaussianNllLoss); }
}

/** Module form of poissonNllLoss. @example `new PoissonNLLLoss({ logInput: false }).call(rate, counts)` */
export class PoissonNLLLoss extends PairLoss<PoissonNllOptions> {
  constructor(options?: PoissonNllOptions) { super(options, poissonNllLoss); }
}

/** Module form of tripletMarginLoss: `call(anchor, positive, negative)`. @example `new TripletMarginLoss({ margin: 0.2, swap: true }).call(a, p, n)` */
export class TripletMarginLoss extends TripleLoss<TripletMarginOptions> {
  constructor(options?: TripletMarginOptions) { super(options, tripletMarginLoss); }
}

/** Module form of softMarginLoss. @example `new SoftMarginLoss().call(scores, labels)` */
export class SoftMarginLoss extends PairLoss<ReductionOptions> {
  constructor(options?: ReductionOptions) { super(options, softMarginLoss); }
}

/** Module form of multiLabelSoftMarginLoss; weight is the buffer `weight`. @example `new MultiLabelSoftMarginLoss({ weight: w }).call(logits, labels)` */
export class MultiLabelSoftMarginLoss extends WeightedLoss<MultiLabelSoftMarginOptions> {
  constructor(options?: MultiLabelSoftMarginOptions) { super(options, multiLabelSoftMarginLoss); }
}

/** Module form of hingeEmbeddingLoss. @example `new HingeEmbeddingLoss({ margin: 2 }).call(distances, labels)` */
export class HingeEmbeddingLoss extends PairLoss<HingeEmbeddingOptions> {
  constructor(options?: HingeEmbeddingOptions) { super(options, hingeEmbeddingLoss); }
}

/** Module form of multiMarginLoss; weight is the buffer `weight`. @example `new MultiMarginLoss({ p: 2, weight: w }).call(logits, labels)` */
export class MultiMarginLoss extends WeightedLoss<MultiMarginOptions> {
  constructor(options?: MultiMarginOptions) { super(options, multiMarginLoss); }
}
