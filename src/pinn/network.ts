/**
 * The usual PINN network: input normalisation onto [-1, 1], then a tanh MLP
 * with Glorot-normal weights and zero biases (Raissi et al. 2019). Derivatives
 * are taken with respect to the raw input, so the normalisation's scale enters
 * them by the chain rule and the PDE is written in physical coordinates.
 */
import { ArgumentError, fmtArg } from '../errors';
import { Sequential } from '../nn/containers';
import * as init from '../nn/init';
import { Sigmoid, SiLU, Tanh } from '../nn/layers/activation';
import { Linear } from '../nn/layers/linear';
import { Module, reprArgs, type AnyModule } from '../nn/module';
import { tensor } from '../ops/creation';
import type { Tensor } from '../tensor/tensor';
import type { Domain } from './domains';

/**
 * x -> 2 (x - lower) / (upper - lower) - 1 per column: the bounding box onto [-1, 1].
 * @example `const norm = new pinn.InputNormalization([-1, 0], [1, 1])`
 */
export class InputNormalization extends Module {
  readonly lower: number[];
  readonly upper: number[];

  constructor(lower: number[], upper: number[], opts: { dtype?: 'float32' | 'float64' } = {}) {
    super();
    if (!Array.isArray(lower) || !Array.isArray(upper) || lower.length === 0 || lower.length !== upper.length || lower.some((a, i) => !(upper[i] > a))) {
      throw new ArgumentError(`pinn.InputNormalization: need lower < upper per column, got ${JSON.stringify(lower)} and ${JSON.stringify(upper)}`);
    }
    this.lower = lower.slice();
    this.upper = upper.slice();
    const dtype = opts.dtype ?? 'float64';
    this.registerBuffer('center', tensor(lower.map((a, i) => (a + upper[i]) / 2), { dtype }));
    this.registerBuffer('scale', tensor(lower.map((a, i) => 2 / (upper[i] - a)), { dtype }));
  }

  forward(x: Tensor): Tensor {
    return x.sub(this.getBuffer('center')!).mul(this.getBuffer('scale')!);
  }

  protected override extraRepr(): string {
    return reprArgs([['lower', this.lower], ['upper', this.upper]]);
  }
}

/** Options of `pinn.mlp`: the smooth hidden activation ('tanh' default, 'sigmoid', 'silu'), the parameter dtype (default float64), and a domain or box whose bounds an input normalisation maps onto [-1, 1]. @example `pinn.mlp([2, 20, 20, 1], { activation: 'tanh', normalize: domain })` */
export interface MlpOptions {
  /** Hidden activation (default 'tanh'; PDE residuals need smooth ones). */
  activation?: 'tanh' | 'sigmoid' | 'silu';
  /** Parameter dtype (default float64). */
  dtype?: 'float32' | 'float64';
  /** Prepend an InputNormalization of this domain's bounding box (or of [lower, upper]). */
  normalize?: Domain | { lower: number[]; upper: number[] };
}

/**
 * A fully connected network of the given widths (input, hidden..., output).
 * @example `const net = pinn.mlp([2, 20, 20, 20, 1], { normalize: domain })`
 */
export function mlp(widths: number[], opts: MlpOptions = {}): Sequential {
  if (!Array.isArray(widths) || widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new ArgumentError(`pinn.mlp: widths must list at least an input and an output width, positive integers, got ${JSON.stringify(widths)}`);
  }
  const dtype = opts.dtype ?? 'float64';
  const activation = opts.activation ?? 'tanh';
  const make = { tanh: () => new Tanh(), sigmoid: () => new Sigmoid(), silu: () => new SiLU() }[activation];
  if (!make) throw new ArgumentError(`pinn.mlp: activation must be 'tanh', 'sigmoid' or 'silu', got ${fmtArg(activation)}`);
  const layers: AnyModule[] = [];
  if (opts.normalize) {
    const { lower, upper } = opts.normalize;
    if (lower.length !== widths[0]) throw new ArgumentError(`pinn.mlp: the normalisation box has ${lower.length} columns but the input width is ${widths[0]}`);
    layers.push(new InputNormalization(lower, upper, { dtype }));
  }
  for (let i = 0; i + 1 < widths.length; i++) {
    const fc = new Linear(widths[i], widths[i + 1], { dtype });
    init.xavierNormal(fc.weight);
    init.zeros(fc.bias!);
    layers.push(fc);
    if (i + 2 < widths.length) layers.push(make());
  }
  return new Sequential(...layers);
}
