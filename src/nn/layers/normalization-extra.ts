/** InstanceNorm1d, InstanceNorm2d, RMSNorm and LocalResponseNorm modules over nn/norm-extra.ts. */
import { ShapeError, fmtShape } from '../../errors';
import { full } from '../../ops/creation';
import { squeeze, unsqueeze } from '../../ops/shape';
import { assertFloatTensor } from '../../ops/util';
import type { Tensor } from '../../tensor/tensor';
import * as init from '../init';
import { Module, reprArgs } from '../module';
import { RunningStatsNorm } from './normalization';
import { instanceNorm, localResponseNorm, normalizedShapeArg, rmsNorm } from '../norm-extra';
import { Parameter } from '../parameter';
import { boolOption, checkDtypeOption, checkInput, epsOption, finiteOption, positiveInt, type FactoryOptions } from './common';




// ---------------------------------------------------------------- InstanceNorm

/** Options of the InstanceNorm modules (PyTorch's defaults). @example `new nn.InstanceNorm2d(64, { affine: true })` */
export interface InstanceNormModuleOptions extends FactoryOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of each batch in the running averages (default 0.1); null leaves them unchanged, as PyTorch (momentum 0). */
  momentum?: number | null;
  /** Learnable per-channel weight (1) and bias (0) (default false). */
  affine?: boolean;
  /** With affine, also learn the bias (default true). */
  bias?: boolean;
  /** Keep running statistics, used in eval mode (default false: every mode uses each instance's statistics). */
  trackRunningStats?: boolean;
}

/**
 * @internal The shared InstanceNorm module: with affine, the parameters `weight` (1) and `bias` (0) per
 * channel; with trackRunningStats, the buffers `running_mean` (0), `running_var` (1) and
 * `num_batches_tracked` under PyTorch's names. As in PyTorch, `num_batches_tracked` is kept for
 * state-dict compatibility but never counts.
 */
export abstract class InstanceNormBase extends RunningStatsNorm {
  /** The rank of an unbatched input ([C, L]: 2, [C, H, W]: 3); a batched one has one more. */
  protected abstract readonly noBatchRank: number;
  protected abstract readonly layout: string;

  constructor(numFeatures: number, opts?: InstanceNormModuleOptions) {
    super(new.target.name, numFeatures, opts, { affine: false, trackRunningStats: false });
  }

  forward(x: Tensor): Tensor {
    const name = this.typeName;
    assertFloatTensor(name, 'x', x);
    checkInput(name, x, this.weight?.dtype ?? this.runningMean?.dtype ?? x.dtype);
    const unbatched = x.ndim === this.noBatchRank;
    if (!unbatched && x.ndim !== this.noBatchRank + 1) throw new ShapeError(`${name}: x must be ${this.layout}, got ${x.describe()}`);
    const channelDim = unbatched ? 0 : 1;
    if (x.shape[channelDim] !== this.numFeatures) {
      throw new ShapeError(`${name}: x ${x.describe()} has ${x.shape[channelDim]} channels (dim ${channelDim}) but numFeatures is ${this.numFeatures}`);
    }
    const spatial = x.shape.slice(channelDim + 1);
    const useInputStats = this.training || !this.trackRunningStats;
    if (useInputStats && spatial.reduce((a, b) => a * b, 1) <= 1) {
      throw new ShapeError(`${name}: expected more than 1 spatial element per channel when using the input's statistics, got x ${x.describe()} (spatial ${fmtShape(spatial)})`);
    }
    const y = instanceNorm(unbatched ? unsqueeze(x, 0) : x, {
      runningMean: this.runningMean, runningVar: this.runningVar, weight: this.weight, bias: this.bias,
      useInputStats, momentum: this.momentum ?? 0, eps: this.eps,
    });
    return unbatched ? squeeze(y, 0) : y;
  }

}

/**
 * Instance normalisation of [N, C, L] (or unbatched [C, L]): each sample's channel normalised
 * over L with its own statistics (torch.nn.InstanceNorm1d; no affine, no running statistics by
 * default).
 * @example
 * const m = new nn.InstanceNorm1d(16, { affine: true });
 * const y = m.call(randn([8, 16, 100]));
 */
export class InstanceNorm1d extends InstanceNormBase {
  protected readonly noBatchRank = 2;
  protected readonly layout = '[N, C, L] or unbatched [C, L]';
}

/**
 * Instance normalisation of [N, C, H, W] (or unbatched [C, H, W]): each sample's channel
 * normalised over H·W with its own statistics (torch.nn.InstanceNorm2d), as in style transfer.
 * @example
 * const m = new nn.InstanceNorm2d(64, { affine: true, trackRunningStats: true });
 * const y = m.call(randn([4, 64, 32, 32]));
 */
export class InstanceNorm2d extends InstanceNormBase {
  protected readonly noBatchRank = 3;
  protected readonly layout = '[N, C, H, W] or unbatched [C, H, W]';
}

// ---------------------------------------------------------------- RMSNorm

/** Options of `nn.RMSNorm`. @example `new nn.RMSNorm(512, { eps: 1e-6 })` */
export interface RMSNormModuleOptions extends FactoryOptions {
  /** Added to the mean square (default null: torch.finfo(dtype).eps of the input). */
  eps?: number | null;
  /** A learnable elementwise weight of normalizedShape, initialised to 1 (default true). */
  elementwiseAffine?: boolean;
}

/**
 * Root mean square normalisation over the trailing `normalizedShape` dims (torch.nn.RMSNorm):
 * y = x / √(mean(x²) + eps) · weight. eps null (the default) is the input dtype's machine epsilon.
 * @example
 * const norm = new nn.RMSNorm(512, { eps: 1e-6 });
 * const y = norm.call(randn([2, 10, 512]));
 */
export class RMSNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number | null;
  readonly elementwiseAffine: boolean;
  readonly weight: Parameter | null;

  constructor(normalizedShape: number | number[], opts?: RMSNormModuleOptions) {
    super();
    this.normalizedShape = normalizedShapeArg('RMSNorm', normalizedShape);
    this.eps = opts?.eps === undefined || opts.eps === null ? null : epsOption('RMSNorm', opts.eps);
    this.elementwiseAffine = boolOption('RMSNorm', 'elementwiseAffine', opts?.elementwiseAffine, true);
    const dtype = checkDtypeOption('RMSNorm', opts?.dtype);
    this.weight = this.elementwiseAffine ? new Parameter(full(this.normalizedShape, 1, { dtype })) : null;
  }

  /** Weight back to 1. @example `norm.resetParameters()` */
  resetParameters(): void {
    if (this.weight) init.ones(this.weight);
  }

  forward(x: Tensor): Tensor {
    assertFloatTensor('RMSNorm', 'x', x);
    checkInput('RMSNorm', x, this.weight?.dtype ?? x.dtype);
    const k = this.normalizedShape.length;
    if (x.ndim < k || x.shape.slice(x.ndim - k).some((s, i) => s !== this.normalizedShape[i])) {
      throw new ShapeError(`RMSNorm: x ${x.describe()} does not end with normalizedShape ${fmtShape(this.normalizedShape)}`);
    }
    return rmsNorm(x, this.normalizedShape, this.weight, this.eps);
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.normalizedShape], ['eps', this.eps], ['elementwiseAffine', this.elementwiseAffine]]);
  }
}

// ---------------------------------------------------------------- LocalResponseNorm

/** alpha, beta and k of `nn.LocalResponseNorm`. @example `new nn.LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 })` */
export interface LocalResponseNormModuleOptions {
  /** Scale of the windowed mean of squares (default 1e-4). */
  alpha?: number;
  /** Exponent (default 0.75). */
  beta?: number;
  /** Additive constant (default 1). */
  k?: number;
}

/**
 * Local response normalisation across channels of [N, C, *] (torch.nn.LocalResponseNorm):
 * y_c = x_c / (k + alpha · mean of x² over `size` neighbouring channels)^beta. No parameters.
 * @example
 * const lrn = new nn.LocalResponseNorm(5, { k: 2 }); // AlexNet's
 * const y = lrn.call(randn([1, 96, 55, 55]));
 */
export class LocalResponseNorm extends Module {
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;

  constructor(size: number, opts?: LocalResponseNormModuleOptions) {
    super();
    this.size = positiveInt('LocalResponseNorm', 'size', size);
    this.alpha = finiteOption('LocalResponseNorm', 'alpha', opts?.alpha ?? 1e-4);
    this.beta = finiteOption('LocalResponseNorm', 'beta', opts?.beta ?? 0.75);
    this.k = finiteOption('LocalResponseNorm', 'k', opts?.k ?? 1);
  }

  forward(x: Tensor): Tensor {
    assertFloatTensor('LocalResponseNorm', 'x', x);
    if (x.ndim < 3) throw new ShapeError(`LocalResponseNorm: x must be [N, C, *] with 3 or more dims, got ${x.describe()}`);
    return localResponseNorm(x, this.size, { alpha: this.alpha, beta: this.beta, k: this.k });
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.size], ['alpha', this.alpha], ['beta', this.beta], ['k', this.k]]);
  }
}
