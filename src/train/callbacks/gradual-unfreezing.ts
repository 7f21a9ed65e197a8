/** ULMFiT's gradual unfreezing (Howard & Ruder, 2018) as a fit() callback. */
import { ArgumentError, fmtArg } from '../../errors';
import { Module, type AnyModule } from '../../nn/module';
import type { Tensor } from '../../tensor/tensor';
import type { Callback, TrainContext } from '../types';

/** Options of `GradualUnfreezing`. @example `new train.GradualUnfreezing(model, { every: 2, lr: 1e-4 })` */
export interface GradualUnfreezingOptions {
  /** Epochs between two unfreezings (default 1). */
  every?: number;
  /** Passed to freeze(): keep BatchNorm in eval while frozen (default true). */
  batchNormEval?: boolean;
  /**
   * Learning rate for a layer whose parameters the optimizer does not have yet: the callback
   * then adds them with `optimizer.addParamGroup({ params, lr })` (default: the optimizer's defaults).
   */
  lr?: number;
}

interface ParamGroupAdder {
  addParamGroup(group: { params: Tensor[]; lr?: number }): void;
  paramGroups: { params?: Tensor[] }[];
}

/**
 * Trains the last layer first, then unfreezes one more layer (from the output backwards)
 * every `every` epochs, until all train: early layers hold the most general features, so
 * they are changed last and least. `layers` run from input to output (or give a model:
 * its direct children). Pair it with nn.utils.layerwiseLrGroups for ULMFiT's recipe.
 * @example
 * await train.fit(model, { optimizer, loss, trainData, epochs: 4, callbacks: [new train.GradualUnfreezing(model)] });
 */
export class GradualUnfreezing implements Callback {
  readonly layers: AnyModule[];
  readonly every: number;
  /** How many layers (counted from the output) train now. */
  unfrozen = 0;

  constructor(layers: AnyModule | AnyModule[], readonly opts: GradualUnfreezingOptions = {}) {
    const list = layers instanceof Module ? layers.children() : layers;
    if (!Array.isArray(list) || list.length === 0) throw new ArgumentError('GradualUnfreezing: layers must be a Module or a non-empty array of Modules');
    list.forEach((m, i) => {
      if (!(m instanceof Module)) throw new ArgumentError(`GradualUnfreezing: layers[${i}] must be a Module, got ${m === null ? 'null' : typeof m}`);
    });
    // Layers without parameters (activations, pooling) unfreeze with nothing to train: skip them.
    this.layers = list.filter((m) => m.parameters().length > 0);
    if (this.layers.length === 0) throw new ArgumentError('GradualUnfreezing: none of the layers has parameters');
    this.every = opts.every ?? 1;
    if (!Number.isInteger(this.every) || this.every < 1) throw new ArgumentError(`GradualUnfreezing: every must be a positive integer, got ${fmtArg(opts.every)}`);
    if (opts.lr !== undefined && !(typeof opts.lr === 'number' && opts.lr >= 0 && Number.isFinite(opts.lr))) throw new ArgumentError(`GradualUnfreezing: lr must be a finite number >= 0, got ${fmtArg(opts.lr)}`);
  }

  onTrainBegin(ctx: TrainContext): void {
    for (const m of this.layers) m.freeze({ batchNormEval: this.opts.batchNormEval });
    this.unfrozen = 0;
    this.unfreezeTo(1, ctx);
  }

  onEpochBegin(ctx: TrainContext, epoch: number): void {
    this.unfreezeTo(1 + Math.floor(epoch / this.every), ctx);
  }

  private unfreezeTo(count: number, ctx: TrainContext): void {
    const target = Math.min(count, this.layers.length);
    while (this.unfrozen < target) {
      const layer = this.layers[this.layers.length - 1 - this.unfrozen];
      layer.unfreeze();
      layer.train(ctx.model.training);
      this.addMissing(layer, ctx);
      this.unfrozen++;
    }
  }

  /** Hands the optimizer a newly trained layer's parameters if it was built without them. */
  private addMissing(layer: AnyModule, ctx: TrainContext): void {
    const opt = ctx.optimizer as unknown as Partial<ParamGroupAdder>;
    const known = new Set<Tensor>();
    for (const g of ctx.optimizer.paramGroups as { params?: Tensor[] }[]) for (const p of g.params ?? []) known.add(p);
    const missing = layer.parameters().filter((p) => !known.has(p));
    if (missing.length === 0) return;
    if (typeof opt.addParamGroup !== 'function') throw new ArgumentError(`GradualUnfreezing: the optimizer lacks ${missing.length} parameters of ${layer.typeName} and has no addParamGroup to add them`);
    opt.addParamGroup(this.opts.lr === undefined ? { params: missing } : { params: missing, lr: this.opts.lr });
  }
}
