/** PyTorch-style printing: `tensor([[1., 2.], [3., 4.]], dtype=float64)`. */
import type { DType } from './dtype';
import type { NestedArray } from './tensor';

function formatNumber(x: number, dtype: DType, allIntegral: boolean): string {
  if (dtype === 'int32') return String(x);
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (allIntegral) return `${x}.`;
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e6)) return x.toExponential(4);
  return x.toFixed(4);
}

function flatten(a: NestedArray, out: (number | boolean)[]): void {
  if (Array.isArray(a)) for (const x of a) flatten(x, out);
  else out.push(a);
}

export function formatTensor(values: NestedArray, shape: number[], dtype: DType, requiresGrad: boolean, gradFnName?: string): string {
  const flat: (number | boolean)[] = [];
  flatten(values, flat);
  // Non-finite values do not decide the style, as in PyTorch: [nan, 1., inf].
  const allIntegral = flat.every((x) => typeof x === 'number' && (Number.isInteger(x) || !Number.isFinite(x)));
  const strs = flat.map((x) => (typeof x === 'boolean' ? (x ? 'True' : 'False') : formatNumber(x, dtype, allIntegral)));
  // Column width comes from the finite values only (PyTorch pads numbers, not nan/inf).
  const finite = strs.filter((_, i) => typeof flat[i] !== 'number' || Number.isFinite(flat[i] as number));
  const width = (finite.length ? finite : strs).reduce((w, s) => Math.max(w, s.length), 0);
  let k = 0;
  const build = (dim: number, indent: string): string => {
    if (dim === shape.length) return strs[k++].padStart(width);
    const parts: string[] = [];
    for (let i = 0; i < shape[dim]; i++) parts.push(build(dim + 1, indent + ' '));
    const sep = dim === shape.length - 1 ? ', ' : ',\n' + '\n'.repeat(Math.max(0, shape.length - dim - 2)) + indent + ' ';
    return `[${parts.join(sep)}]`;
  };
  const body = shape.length === 0 ? strs[0] : flat.length === 0 ? '[]' : build(0, '       ');
  const extras: string[] = [];
  if (shape.length > 1 && flat.length === 0) extras.push(`size=(${shape.join(', ')})`);
  if (dtype === 'float64' || dtype === 'int32') extras.push(`dtype=${dtype}`);
  if (gradFnName) extras.push(`gradFn=<${gradFnName}>`);
  else if (requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${body}${extras.length ? ', ' + extras.join(', ') : ''})`;
}
