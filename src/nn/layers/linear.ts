/** Linear (y = x Wᵀ + b) and Identity. */
import { ShapeError } from '../../errors';
import { empty } from '../../ops/util';
import { linear } from '../../ops/linear';
import type { Tensor } from '../../tensor/tensor';
import * as init from '../init';
import { Module, reprArgs } from '../module';
import { Parameter } from '../parameter';
import { checkDtypeOption, checkInput, positiveInt, type FactoryOptions } from './common';

/**
 * PyTorch's default init for Linear and conv layers: weight kaimingUniform(a = √5), which is
 * U(-1/√fanIn, 1/√fanIn), and bias U(-1/√fanIn, 1/√fanIn).
 */
export function resetLinearLike(weight: Parameter, bias: Parameter | null, opts?: FactoryOptions): void {
  init.kaimingUniform(weight, { a: Math.sqrt(5), generator: opts?.generator });
  if (bias) {
    const { fanIn } = init.calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    init.uniform(bias, { a: -bound, b: bound, generator: opts?.generator });
  }
}

/**
 * Fully connected layer on the last dim: y = x Wᵀ + b, W [outFeatures, inFeatures].
 * The product reads W transposed in place (no copy).
 * @example `const fc = new nn.Linear(784, 256); const y = fc.call(x)`
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, opts?: { bias?: boolean } & FactoryOptions) {
    super();
    this.inFeatures = positiveInt('Linear', 'inFeatures', inFeatures);
    this.outFeatures = positiveInt('Linear', 'outFeatures', outFeatures);
    const dtype = checkDtypeOption('Linear', opts?.dtype);
    this.weight = new Parameter(empty([outFeatures, inFeatures], dtype));
    this.bias = opts?.bias === false ? null : new Parameter(empty([outFeatures], dtype));
    this.resetParameters(opts);
  }

  /** Re-draws the default init. @example `fc.resetParameters()` */
  resetParameters(opts?: FactoryOptions): void {
    resetLinearLike(this.weight, this.bias, opts);
  }

  forward(x: Tensor): Tensor {
    checkInput('Linear', x, this.weight.dtype);
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError(`Linear: x is ${x.describe()} but inFeatures is ${this.inFeatures}: the last dim must be ${this.inFeatures}`);
    }
    // One GEMM over all leading dims, [rows, in] x Wᵀ, accumulated onto the bias rows.
    return linear(x, this.weight, this.bias);
  }

  protected override extraRepr(): string {
    return reprArgs([['inFeatures', this.inFeatures], ['outFeatures', this.outFeatures], ['bias', this.bias !== null]]);
  }
}

/**
 * Returns its input (a placeholder, e.g. for an optional layer).
 * @example `const norm = useNorm ? new nn.LayerNorm(64) : new nn.Identity()`
 */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
