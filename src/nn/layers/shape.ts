/** Flatten and Unflatten. */
import { ArgumentError, ShapeError, fmtShape, fmtValue, fmtArg } from '../../errors';
import { flatten, reshape } from '../../ops/shape';
import { assertTensor } from '../../ops/util';
import { normalizeDim, sizeOf } from '../../tensor/shape';
import type { Tensor } from '../../tensor/tensor';
import { Module, reprArgs } from '../module';

/**
 * Merges dims startDim..endDim (default 1..-1: keeps the batch dim).
 * @example `new nn.Flatten()` maps [N, C, H, W] to [N, C·H·W]
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(startDim = 1, endDim = -1) {
    super();
    if (!Number.isInteger(startDim) || !Number.isInteger(endDim)) throw new ArgumentError(`Flatten: startDim and endDim must be integers, got ${fmtArg(startDim)} and ${fmtArg(endDim)}`);
    this.startDim = startDim;
    this.endDim = endDim;
  }
  forward(x: Tensor): Tensor {
    assertTensor('Flatten', 'x', x);
    return flatten(x, this.startDim, this.endDim);
  }
  protected override extraRepr(): string {
    return reprArgs([['startDim', this.startDim], ['endDim', this.endDim]]);
  }
}

/**
 * Splits dim `dim` into `sizes` (one entry may be -1).
 * @example `new nn.Unflatten(1, [16, 4, 4])` maps [N, 256] to [N, 16, 4, 4]
 */
export class Unflatten extends Module {
  readonly dim: number;
  readonly sizes: number[];
  constructor(dim: number, sizes: number[]) {
    super();
    if (!Number.isInteger(dim)) throw new ArgumentError(`Unflatten: dim must be an integer, got ${fmtArg(dim)}`);
    if (!Array.isArray(sizes) || sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || (s < 0 && s !== -1)) || sizes.filter((s) => s === -1).length > 1) {
      throw new ArgumentError(`Unflatten: sizes must be a non-empty list of sizes (at most one -1), got ${fmtValue(sizes)}`);
    }
    this.dim = dim;
    this.sizes = sizes.slice();
  }
  forward(x: Tensor): Tensor {
    assertTensor('Unflatten', 'x', x);
    const d = normalizeDim('Unflatten', this.dim, x.ndim);
    const size = x.shape[d];
    const known = sizeOf(this.sizes.filter((s) => s !== -1));
    const sizes = this.sizes.map((s) => (s === -1 ? (known === 0 ? 0 : size / known) : s));
    if (sizeOf(sizes) !== size || sizes.some((s) => !Number.isInteger(s))) {
      throw new ShapeError(`Unflatten: dim ${d} of ${x.describe()} has size ${size}, which ${fmtShape(this.sizes)} does not split`);
    }
    return reshape(x, [...x.shape.slice(0, d), ...sizes, ...x.shape.slice(d + 1)]);
  }
  protected override extraRepr(): string {
    return reprArgs([['dim', this.dim], ['sizes', this.sizes]]);
  }
}
