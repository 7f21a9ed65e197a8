/** The `reduction` option shared by the losses, and argument checks. */
import { ArgumentError, ShapeError, fmtShape, fmtArg } from '../errors';
import { mean, sum } from '../ops/reduce';
import { assertFloatTensor } from '../ops/util';
import { Tensor } from '../tensor/tensor';

/** How per-element losses become the result: their mean (default), their sum, or none (per element). */
export type Reduction = 'mean' | 'sum' | 'none';

export interface ReductionOptions {
  /** 'mean' (default), 'sum', or 'none' (the per-element losses). */
  reduction?: Reduction;
}

/** @internal Validates `reduction` (default 'mean'); `extra` lists further accepted values. */
export function reductionOf(op: string, opts: { reduction?: string } | undefined, extra: readonly string[] = []): string {
  const r = opts?.reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none' && !extra.includes(r)) {
    const all = ['mean', 'sum', 'none', ...extra].map((s) => `'${s}'`).join(', ');
    throw new ArgumentError(`${op}: reduction must be one of ${all}, got '${fmtArg(r)}'`);
  }
  return r;
}

/** @internal Applies 'mean' | 'sum' | 'none' to per-element losses. */
export function reduce(loss: Tensor, reduction: string): Tensor {
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? sum(loss) : mean(loss);
}

/** @internal Checks a float input tensor. */
export function floatInput(op: string, arg: string, x: unknown): Tensor {
  assertFloatTensor(op, arg, x);
  return x;
}

/** @internal Checks that target has input's shape (PyTorch only warns and broadcasts; a mismatch is nearly always a bug). */
export function sameShape(op: string, input: Tensor, target: Tensor, names: [string, string] = ['input', 'target']): void {
  if (input.ndim !== target.ndim || input.shape.some((s, i) => s !== target.shape[i])) {
    throw new ShapeError(`${op}: ${names[1]} ${target.describe()} must have the shape of ${names[0]} ${fmtShape(input.shape)}`);
  }
}

/** @internal Checks a finite number option. */
export function numberOption(op: string, name: string, v: unknown, min = -Infinity, strictMin = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (strictMin ? v <= min : v < min)) {
    const bound = min === -Infinity ? 'a finite number' : `a finite number ${strictMin ? '>' : '>='} ${min}`;
    throw new ArgumentError(`${op}: ${name} must be ${bound}, got ${fmtArg(v)}`);
  }
  return v;
}

/** @internal A constant (no grad) float tensor from values. */
export function constant(values: ArrayLike<number>, shape: number[], dtype: 'float32' | 'float64'): Tensor {
  const data = dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  return Tensor.fromData(data, shape, dtype);
}
