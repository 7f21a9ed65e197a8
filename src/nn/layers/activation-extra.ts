/**
 * The rest of torch.nn's activation modules (SELU, CELU, Mish, the hard* family, the shrinkage
 * layers, Threshold, GLU, Softmin, PReLU, AlphaDropout): thin wrappers over the functional forms
 * in nn/activations-extra.ts, with PyTorch's defaults. Options are checked when the layer is built.
 */
import { ArgumentError, fmtArg } from '../../errors';
import { full } from '../../ops/creation';
import type { Tensor } from '../../tensor/tensor';
import {
  alphaDropout, celu, glu, hardshrink, hardsigmoid, hardswish, hardtanh, logSigmoid, mish, prelu, selu, softmin,
  softshrink, softsign, tanhshrink, threshold,
} from '../activations-extra';
import * as init from '../init';
import { Module, reprArgs } from '../module';
import { Parameter } from '../parameter';
import { checkDtypeOption, checkInput, positiveInt, probability, type FactoryOptions, finiteOption } from './common';


function integerDim(layer: string, dim: unknown): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) throw new ArgumentError(`${layer}: dim must be an integer, got ${fmtArg(dim)}`);
  return dim;
}

/**
 * SELU: scale · ELU(x, alpha) with PyTorch's constants (alpha ≈ 1.6733, scale ≈ 1.0507).
 * @example `new nn.Sequential(new nn.Linear(64, 64), new nn.SELU(), new nn.AlphaDropout(0.1))`
 */
export class SELU extends Module {
  forward(x: Tensor): Tensor {
    return selu(x);
  }
}

/**
 * CELU: x for x > 0, alpha (e^{x/alpha} - 1) below (default alpha 1; 0 is refused).
 * @example `new nn.CELU(0.5)`
 */
export class CELU extends Module {
  readonly alpha: number;
  constructor(alpha = 1.0) {
    super();
    this.alpha = finiteOption('CELU', 'alpha', alpha);
    if (alpha === 0) throw new ArgumentError(`CELU: alpha must be non-zero (it divides x), got ${fmtArg(alpha)}`);
  }
  forward(x: Tensor): Tensor {
    return celu(x, this.alpha);
  }
  protected override extraRepr(): string {
    return reprArgs([['alpha', this.alpha]]);
  }
}

/**
 * Mish: x · tanh(softplus(x)).
 * @example `new nn.Mish()`
 */
export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return mish(x);
  }
}

/**
 * Hardswish: x · min(max(x + 3, 0), 6) / 6 (MobileNetV3).
 * @example `new nn.Hardswish()`
 */
export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return hardswish(x);
  }
}

/**
 * Hardsigmoid: min(max(x + 3, 0), 6) / 6.
 * @example `new nn.Hardsigmoid()`
 */
export class Hardsigmoid extends Module {
  forward(x: Tensor): Tensor {
    return hardsigmoid(x);
  }
}

/**
 * Hardtanh: x clamped into [minVal, maxVal] (default [-1, 1]); maxVal must be greater than minVal.
 * @example `new nn.Hardtanh(-2, 2)`
 */
export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;
  constructor(minVal = -1, maxVal = 1) {
    super();
    this.minVal = finiteOption('Hardtanh', 'minVal', minVal);
    this.maxVal = finiteOption('Hardtanh', 'maxVal', maxVal);
    if (!(maxVal > minVal)) throw new ArgumentError(`Hardtanh: maxVal (${maxVal}) must be greater than minVal (${minVal})`);
  }
  forward(x: Tensor): Tensor {
    return hardtanh(x, this.minVal, this.maxVal);
  }
  protected override extraRepr(): string {
    return reprArgs([['minVal', this.minVal], ['maxVal', this.maxVal]]);
  }
}

/**
 * Softsign: x / (1 + |x|).
 * @example `new nn.Softsign()`
 */
export class Softsign extends Module {
  forward(x: Tensor): Tensor {
    return softsign(x);
  }
}

/**
 * log(sigmoid(x)), computed stably.
 * @example `new nn.LogSigmoid()`
 */
export class LogSigmoid extends Module {
  forward(x: Tensor): Tensor {
    return logSigmoid(x);
  }
}

/**
 * Tanhshrink: x - tanh(x).
 * @example `new nn.Tanhshrink()`
 */
export class Tanhshrink extends Module {
  forward(x: Tensor): Tensor {
    return tanhshrink(x);
  }
}

/**
 * Softshrink: moves x towards 0 by lambd, zeroing [-lambd, lambd] (default lambd 0.5, >= 0).
 * @example `new nn.Softshrink(0.3)`
 */
export class Softshrink extends Module {
  readonly lambd: number;
  constructor(lambd = 0.5) {
    super();
    this.lambd = finiteOption('Softshrink', 'lambd', lambd);
    if (lambd < 0) throw new ArgumentError(`Softshrink: lambd must be >= 0, got ${fmtArg(lambd)}`);
  }
  forward(x: Tensor): Tensor {
    return softshrink(x, this.lambd);
  }
  protected override extraRepr(): string {
    return reprArgs([['lambd', this.lambd]]);
  }
}

/**
 * Hardshrink: zeroes x where |x| <= lambd (default 0.5).
 * @example `new nn.Hardshrink(0.3)`
 */
export class Hardshrink extends Module {
  readonly lambd: number;
  constructor(lambd = 0.5) {
    super();
    this.lambd = finiteOption('Hardshrink', 'lambd', lambd);
  }
  forward(x: Tensor): Tensor {
    return hardshrink(x, this.lambd);
  }
  protected override extraRepr(): string {
    return reprArgs([['lambd', this.lambd]]);
  }
}

/**
 * Threshold: x where x > threshold, else value.
 * @example `new nn.Threshold(0.1, 20)`
 */
export class Threshold extends Module {
  readonly threshold: number;
  readonly value: number;
  constructor(threshold: number, value: number) {
    super();
    this.threshold = finiteOption('Threshold', 'threshold', threshold);
    if (typeof value !== 'number' || Number.isNaN(value)) throw new ArgumentError(`Threshold: value must be a number, got ${fmtArg(value)}`);
    this.value = value;
  }
  forward(x: Tensor): Tensor {
    return threshold(x, this.threshold, this.value);
  }
  protected override extraRepr(): string {
    return reprArgs([['threshold', this.threshold], ['value', this.value]]);
  }
}

/**
 * Gated linear unit: a · sigmoid(b) for the two halves of x along dim (default -1).
 * @example `new nn.GLU(1)` maps [N, 2C, L] to [N, C, L]
 */
export class GLU extends Module {
  readonly dim: number;
  constructor(dim = -1) {
    super();
    this.dim = integerDim('GLU', dim);
  }
  forward(x: Tensor): Tensor {
    return glu(x, this.dim);
  }
  protected override extraRepr(): string {
    return reprArgs([['dim', this.dim]]);
  }
}

/**
 * Softmin along dim: softmax(-x, dim). dim is required (PyTorch's implicit dim is deprecated).
 * @example `new nn.Softmin(1)`
 */
export class Softmin extends Module {
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = integerDim('Softmin', dim);
  }
  forward(x: Tensor): Tensor {
    return softmin(x, this.dim);
  }
  protected override extraRepr(): string {
    return reprArgs([['dim', this.dim]]);
  }
}

/** PReLU's options: PyTorch's num_parameters and init, and the weight's dtype. @example `new nn.PReLU({ numParameters: 64 })` */
export interface PReLUOptions extends Pick<FactoryOptions, 'dtype'> {
  /** 1 (one slope for every channel, the default) or the channel count C = x.shape[1]. */
  numParameters?: number;
  /** The slopes' initial value (default 0.25). */
  init?: number;
}

/**
 * PReLU: x for x > 0, weight · x below, with a learnable slope per channel (dim 1 of x) or one
 * for all. `weight` is a Parameter of shape [numParameters], filled with init (default 0.25).
 * @example `new nn.Sequential(new nn.Conv2d(3, 16, 3), new nn.PReLU({ numParameters: 16 }))`
 */
export class PReLU extends Module {
  // numParameters (PyTorch's num_parameters) is weight.shape[0]: Module.numParameters() counts parameters.
  /** The slopes' initial value. */
  readonly init: number;
  readonly weight: Parameter;
  constructor(opts?: PReLUOptions) {
    super();
    const numParameters = positiveInt('PReLU', 'numParameters', opts?.numParameters ?? 1);
    this.init = finiteOption('PReLU', 'init', opts?.init ?? 0.25);
    this.weight = new Parameter(full([numParameters], this.init, { dtype: checkDtypeOption('PReLU', opts?.dtype) }));
  }

  /** Refills the slopes with init. @example `prelu.resetParameters()` */
  resetParameters(): void {
    init.constant(this.weight, this.init);
  }

  forward(x: Tensor): Tensor {
    checkInput('PReLU', x, this.weight.dtype);
    return prelu(x, this.weight);
  }
  protected override extraRepr(): string {
    return reprArgs([['numParameters', this.weight.shape[0]]]);
  }
}

/**
 * Alpha dropout for SELU networks: while training, drops elements to SELU's saturation value and
 * rescales so that mean 0, variance 1 inputs keep mean and variance (identity in eval).
 * @example `new nn.AlphaDropout(0.1)`
 */
export class AlphaDropout extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    this.p = probability('AlphaDropout', 'p', p);
  }
  forward(x: Tensor): Tensor {
    return alphaDropout(x, this.p, { training: this.training });
  }
  protected override extraRepr(): string {
    return reprArgs([['p', this.p]]);
  }
}
