/**
 * PyTorch-style printing: `tensor([[1., 2.], [3., 4.]], dtype=float64)`.
 *
 * As in PyTorch (threshold 1000, edgeitems 3), a tensor of more than 1000 elements
 * prints summarised: every dimension longer than 6 shows its first and last 3
 * entries around `...`. The printout reads only the elements it shows, so its
 * cost and length stay bounded for any size (a [10000, 10000] tensor or one with a
 * zero-size dimension prints in microseconds, not as a 100 MB string).
 */
import type { DType, TypedArray } from './dtype';
import { stridesOf } from './shape';

/** Above this many elements a printout is summarised (PyTorch's `threshold`). */
export const PRINT_THRESHOLD = 1000;
/** Entries shown at each end of a summarised dimension (PyTorch's `edgeitems`). */
export const PRINT_EDGE_ITEMS = 3;

function formatNumber(x: number, dtype: DType, allIntegral: boolean): string {
  if (dtype === 'int32') return String(x);
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (allIntegral) return `${x}.`;
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e6)) return x.toExponential(4);
  return x.toFixed(4);
}

/** The indices of a dimension of `size` that a printout shows; -1 marks the `...`. */
function shownIndices(size: number, summarise: boolean): number[] {
  if (!summarise || size <= 2 * PRINT_EDGE_ITEMS) return Array.from({ length: size }, (_, i) => i);
  const head = Array.from({ length: PRINT_EDGE_ITEMS }, (_, i) => i);
  const tail = Array.from({ length: PRINT_EDGE_ITEMS }, (_, i) => size - PRINT_EDGE_ITEMS + i);
  return [...head, -1, ...tail];
}

export function formatTensor(values: TypedArray, shape: number[], dtype: DType, requiresGrad: boolean, gradFnName?: string): string {
  const total = shape.reduce((a, b) => a * b, 1);
  const summarise = total > PRINT_THRESHOLD;
  const strides = stridesOf(shape);
  const shown = shape.map((n) => shownIndices(n, summarise));
  // The shown elements in printing order, read straight from the flat buffer.
  const flat: number[] = [];
  if (total > 0) {
    const collect = (dim: number, offset: number): void => {
      if (dim === shape.length) { flat.push(values[offset]); return; }
      for (const i of shown[dim]) if (i >= 0) collect(dim + 1, offset + i * strides[dim]);
    };
    collect(0, 0);
  }
  const isBool = dtype === 'bool';
  // Non-finite values do not decide the style, as in PyTorch: [nan, 1., inf].
  const allIntegral = !isBool && flat.every((x) => Number.isInteger(x) || !Number.isFinite(x));
  const strs = flat.map((x) => (isBool ? (x !== 0 ? 'True' : 'False') : formatNumber(x, dtype, allIntegral)));
  // Column width comes from the finite values only (PyTorch pads numbers, not nan/inf).
  const finite = strs.filter((_, i) => isBool || Number.isFinite(flat[i]));
  const width = (finite.length ? finite : strs).reduce((w, s) => Math.max(w, s.length), 0);
  let k = 0;
  const build = (dim: number, indent: string): string => {
    if (dim === shape.length) return strs[k++].padStart(width);
    const parts = shown[dim].map((i) => (i < 0 ? '...' : build(dim + 1, indent + ' ')));
    const sep = dim === shape.length - 1 ? ', ' : ',\n' + '\n'.repeat(Math.max(0, shape.length - dim - 2)) + indent + ' ';
    return `[${parts.join(sep)}]`;
  };
  const body = shape.length === 0 ? strs[0] : total === 0 ? '[]' : build(0, '       ');
  const extras: string[] = [];
  if (shape.length > 1 && total === 0) extras.push(`size=(${shape.join(', ')})`);
  if (dtype === 'float64' || dtype === 'int32') extras.push(`dtype=${dtype}`);
  if (gradFnName) extras.push(`gradFn=<${gradFnName}>`);
  else if (requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${body}${extras.length ? ', ' + extras.join(', ') : ''})`;
}
