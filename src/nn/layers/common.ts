/** Option types and argument checks shared by the layer files. */
import type { PhiloxStream } from '../../backend/philox';
import { ArgumentError, DTypeError, ShapeError, fmtArg } from '../../errors';
import { assertTensor } from '../../ops/util';
import type { Tensor } from '../../tensor/tensor';

/** dtype and generator of a layer's parameters. @example `new nn.Linear(4, 2, { dtype: 'float64' })` */
export interface FactoryOptions {
  /** Parameter dtype (default float32); `model.to('float64')` converts later. */
  dtype?: 'float32' | 'float64';
  /** The generator default init draws from (default: the global one). */
  generator?: PhiloxStream;
}

export function checkDtypeOption(layer: string, dtype: unknown): 'float32' | 'float64' {
  const d = dtype ?? 'float32';
  if (d !== 'float32' && d !== 'float64') throw new DTypeError(`${layer}: dtype must be float32 or float64, got ${fmtArg(d)}`);
  return d;
}

export function positiveInt(layer: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ArgumentError(`${layer}: ${name} must be a positive integer, got ${fmtArg(v)}`);
  return v;
}

/** A finite number (>= min when given), or an ArgumentError naming the layer or op and the option. */
export function finiteOption(layer: string, name: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new ArgumentError(`${layer}: ${name} must be a finite number${min > -Infinity ? ` >= ${min}` : ''}, got ${fmtArg(v)}`);
  }
  return v;
}

export function epsOption(layer: string, eps: unknown): number {
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ArgumentError(`${layer}: eps must be a finite number >= 0, got ${fmtArg(eps)}`);
  return eps;
}

/** A boolean option, `fallback` when undefined. */
export function boolOption(layer: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ArgumentError(`${layer}: ${name} must be a boolean, got ${fmtArg(v)}`);
  return v;
}

export function probability(layer: string, name: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ArgumentError(`${layer}: ${name} must be a probability in [0, 1], got ${fmtArg(p)}`);
  return p;
}

/** Checks that x is a float tensor of the parameters' dtype. */
export function checkInput(layer: string, x: Tensor, paramDtype: string): void {
  assertTensor(layer, 'x', x);
  if (x.dtype !== paramDtype) {
    throw new DTypeError(`${layer}: x is ${x.describe()} but the parameters are ${paramDtype}; convert the input (x.to('${paramDtype}')) or the module (module.to('${x.dtype === 'float64' ? 'float64' : 'float32'}'))`);
  }
}

export function checkRank(layer: string, x: Tensor, ranks: number[], meaning: string): void {
  if (!ranks.includes(x.ndim)) throw new ShapeError(`${layer}: x must be ${meaning}, got ${x.describe()}`);
}
