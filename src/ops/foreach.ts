/**
 * Multi-tensor ("foreach") ops over lists of tensors, as PyTorch's torch._foreach_norm and
 * torch._foreach_mul_: what clipGradNorm runs over every gradient of a model. For float cpu
 * tensors each is one kernel call per dtype (backend().foreachNorm / foreachScale, formulas in
 * reference/foreach.ts) instead of several ops, temporaries and a host read per tensor: a
 * 64-layer MLP has 128 gradients. Tensors on another device, or of another dtype, go through the
 * per-tensor ops (norm, mul_), which give the same values.
 */
import { backendFor } from '../backend/device';
import { ArgumentError, AutogradError, fmtArg } from '../errors';
import type { FloatArray } from '../tensor/dtype';
import { isGradEnabled } from '../tensor/graph';
import type { Tensor } from '../tensor/tensor';
import { randn, tensor } from './creation';
import { mul_ } from './inplace';
import { norm } from './reduce';
import { registerOp } from './registry';
import { assertTensor } from './util';

function checkList(op: string, tensors: Tensor[]): void {
  if (!Array.isArray(tensors)) throw new ArgumentError(`${op}: tensors must be an array of Tensors, got ${fmtArg(tensors)}`);
  tensors.forEach((t, i) => assertTensor(op, `tensors[${i}]`, t));
}

/** Indices of the float cpu tensors per dtype (the kernel's lists), and the rest. */
function groups(tensors: Tensor[]): { float32: number[]; float64: number[]; other: number[] } {
  const out = { float32: [] as number[], float64: [] as number[], other: [] as number[] };
  tensors.forEach((t, i) => {
    if (t.device === 'cpu' && (t.dtype === 'float32' || t.dtype === 'float64')) out[t.dtype].push(i);
    else out.other.push(i);
  });
  return out;
}

const valuesAt = (tensors: Tensor[], idx: number[]): FloatArray[] => idx.map((i) => tensors[i].values as FloatArray);

/**
 * The p-norm of each tensor, as numbers (p > 0, or Infinity for max |x|); summed in double for
 * float cpu tensors. NaN for a tensor holding a NaN, 0 for an empty one.
 * @example `const norms = foreachNorm(model.parameters().map((p) => p.grad!), 2)`
 */
export function foreachNorm(tensors: Tensor[], p = 2): number[] {
  const op = 'foreachNorm';
  checkList(op, tensors);
  if (typeof p !== 'number' || !(p > 0)) throw new ArgumentError(`${op}: p must be a positive number or Infinity, got ${fmtArg(p)}`);
  const out = new Array<number>(tensors.length);
  const g = groups(tensors);
  for (const idx of [g.float32, g.float64]) {
    if (idx.length === 0) continue;
    const norms = new Float64Array(idx.length);
    backendFor('cpu').foreachNorm(valuesAt(tensors, idx), p, norms);
    idx.forEach((i, k) => { out[i] = norms[k]; });
  }
  for (const i of g.other) {
    const n = norm(tensors[i], p);
    out[i] = n.item();
    n.dispose();
  }
  return out;
}

/**
 * Multiplies every tensor by `scale` in place (scale rounded to each tensor's dtype, as
 * mul_(t, scale)), bumping each storage's version as mul_ does.
 * @example `noGrad(() => foreachScale_(grads, 0.5))`
 */
export function foreachScale_(tensors: Tensor[], scale: number): void {
  const op = 'foreachScale_';
  checkList(op, tensors);
  if (typeof scale !== 'number') throw new ArgumentError(`${op}: scale must be a number, got ${fmtArg(scale)}`);
  tensors.forEach((t, i) => {
    if (isGradEnabled() && t.requiresGrad) {
      throw new AutogradError(`${op}: tensors[${i}] ${t.describe()} requires grad; in-place updates of it must run inside noGrad()`);
    }
  });
  const g = groups(tensors);
  for (const idx of [g.float32, g.float64]) {
    if (idx.length === 0) continue;
    backendFor('cpu').foreachScale(valuesAt(tensors, idx), scale);
    for (const i of idx) tensors[i].storage.version++;
  }
  for (const i of g.other) mul_(tensors[i], scale);
}

// ---------------------------------------------------------------- registry

// Sizes around the vector widths and a chunk boundary (32768 elements): the native kernel sums
// chunks apart and adds them in order.
const list = (dt: 'float32' | 'float64'): Tensor[] => [randn([5], { dtype: dt }), randn([2, 3], { dtype: dt }), randn([0], { dtype: dt }),
  randn([32771], { dtype: dt }), randn([17], { dtype: dt })];

registerOp({
  name: 'foreachNorm', kernels: ['foreachNorm'], differentiable: false,
  run: (...xs) => [1, 2, 3.5, Infinity].map((p) => tensor(foreachNorm(xs, p), { dtype: 'float64' })),
  samples: [{ label: 'five tensors, one empty, one over a chunk', inputs: list }],
  tolerance: { float32: 1e-12, float64: 1e-12 },
});
registerOp({
  name: 'foreachScale_', kernels: ['foreachScale'], differentiable: false,
  run: (...xs) => {
    const copies = xs.map((x) => x.clone());
    foreachScale_(copies, 0.3);
    return copies;
  },
  samples: [{ label: 'five tensors, one empty, one over a chunk', inputs: list }],
  tolerance: { float32: 0, float64: 0 },
});
