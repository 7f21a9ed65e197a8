/**
 * What the volumetric (3-D) ops share: their triple arguments, their [N, C, D, H, W] input
 * (or unbatched [C, D, H, W]), and the int32 index tables they gather and scatter depth
 * slices with.
 */
import { ArgumentError, ShapeError, fmtValue } from '../errors';
import type { Device } from '../tensor/device';
import { isGradEnabled } from '../tensor/graph';
import { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';
import { reshape } from './shape';
import { assertFloat, assertTensor } from './util';

/** A size per spatial dim (depth, height, width), or one number for all three. @example `[1, 2, 2]` */
export type Triple = number | [number, number, number];

/** A non-negative (min 0) or positive (min 1) integer triple from a number or a 3-array; `fallback` when undefined or null. */
export function tripleArg(op: string, name: string, v: Triple | null | undefined, fallback: [number, number, number], min: number): [number, number, number] {
  const t: unknown[] = v === undefined || v === null ? fallback : Array.isArray(v) ? v : [v, v, v];
  if (t.length !== 3 || !t.every((e) => Number.isInteger(e) && (e as number) >= min)) {
    throw new ArgumentError(`${op}: ${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer or a triple of them, got ${fmtValue(v)}`);
  }
  return t as [number, number, number];
}

/** "3x3x3": a triple as messages show it. */
export function fmt3(t: readonly number[]): string {
  return t.join('x');
}

/**
 * x checked as a float [N, C, D, H, W] or unbatched [C, D, H, W] tensor; returns the batched
 * view and whether x was unbatched (the caller drops the batch dim of its result).
 */
export function volumeInput(op: string, x: Tensor): [Tensor, boolean] {
  assertTensor(op, 'x', x);
  assertFloat(op, 'x', x);
  if (x.ndim === 5) return [x, false];
  if (x.ndim === 4) return [reshape(x, [1, ...x.shape]), true];
  throw new ShapeError(`${op}: x must be [N,C,D,H,W] (or unbatched [C,D,H,W]), got ${x.describe()}`);
}

/** A result for a batched view back to the caller's unbatched form. */
export function unbatch(y: Tensor, unbatched: boolean): Tensor {
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
}

/**
 * The depth taps of a strided, dilated window: entry o·k + t is o·stride + t·dilation, the
 * (padded) input depth that tap t of output depth o reads. conv3d gathers with it;
 * convTranspose3d, its adjoint, scatters with it.
 */
export function depthTaps(outSize: number, k: number, stride: number, dilation: number): Int32Array {
  const taps = new Int32Array(outSize * k);
  for (let o = 0; o < outSize; o++) for (let t = 0; t < k; t++) taps[o * k + t] = o * stride + t * dilation;
  return taps;
}

/** An int32 tensor of `values` (1-D, or of `shape`) on `device`. */
export function indexOn(values: Int32Array, device: Device, shape = [values.length]): Tensor {
  const host = Tensor.fromData(values, shape, 'int32');
  if (device === 'cpu') return host;
  const moved = host.to(device);
  host.dispose();
  return moved;
}

/**
 * Runs a composite op's body; where no gradient will flow (grad mode off, or no input needs
 * one), inside tidy, so that its intermediates (copies of the whole input, many MB) go back to
 * the buffer pool at once instead of at the next GC: a fresh large buffer costs page faults on
 * every call. Where a gradient will flow, the graph keeps what backward reads.
 */
export function composite<T>(inputs: (Tensor | null | undefined)[], body: () => T): T {
  return isGradEnabled() && inputs.some((t) => t?.requiresGrad) ? body() : tidy(body);
}
