/**
 * Fused multi-tensor optimizer updates: the op layer over backend().sgdStep,
 * adamStep and rmspropStep. Each call updates a whole parameter group in place
 * with one kernel call per dtype (the formulas are in
 * src/backend/reference/optim.ts), then bumps the storage version of every
 * tensor it wrote so that a tensor saved for backward is caught if it changed.
 *
 * These are the kernels behind `optim.SGD`, `optim.Adam`, `optim.AdamW` and
 * `optim.RMSprop`; they record nothing on the tape.
 */
import type { AdamKernelOptions, RmspropKernelOptions, SgdKernelOptions } from '../backend/backend';
import { backend } from '../backend/index';
import { DTypeError, ShapeError } from '../errors';
import type { FloatArray } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { assertTensor } from './util';

type Lists = Record<string, (Tensor | null)[] | null>;

/** Checks every list against params (same count, dtype and size) and returns the indices per dtype. */
function partition(op: string, params: Tensor[], lists: Lists): { float32: number[]; float64: number[] } {
  const out = { float32: [] as number[], float64: [] as number[] };
  params.forEach((p, i) => {
    assertTensor(op, `params[${i}]`, p);
    if (p.dtype !== 'float32' && p.dtype !== 'float64') {
      throw new DTypeError(`${op}: params[${i}] is ${p.describe()}; optimizers update float32 or float64 tensors`);
    }
    out[p.dtype].push(i);
  });
  for (const [name, list] of Object.entries(lists)) {
    if (list === null) continue;
    if (list.length !== params.length) throw new ShapeError(`${op}: ${name} has ${list.length} tensors but params has ${params.length}`);
    list.forEach((t, i) => {
      assertTensor(op, `${name}[${i}]`, t);
      const p = params[i];
      if (t.dtype !== p.dtype) throw new DTypeError(`${op}: ${name}[${i}] is ${t.describe()} but params[${i}] is ${p.describe()}`);
      if (t.size !== p.size) throw new ShapeError(`${op}: ${name}[${i}] is ${t.describe()} but params[${i}] is ${p.describe()}`);
    });
  }
  return out;
}

const pick = (list: (Tensor | null)[] | null, idx: number[]): FloatArray[] | null =>
  list === null ? null : idx.map((i) => list[i]!.values as FloatArray);

function bump(lists: ((Tensor | null)[] | null)[]): void {
  for (const list of lists) if (list) for (const t of list) if (t) t.storage.version++;
}

/**
 * One SGD step over params (see reference/optim.ts sgdStep). momentumBuffers is
 * required when momentum != 0; fresh[i] marks a buffer on its first step.
 * @example `sgdUpdate_(params, grads, null, null, { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false })`
 */
export function sgdUpdate_(params: Tensor[], grads: Tensor[], momentumBuffers: Tensor[] | null, fresh: boolean[] | null,
  o: SgdKernelOptions): void {
  const op = 'sgdUpdate_';
  const bufs = o.momentum !== 0 ? momentumBuffers : null;
  if (o.momentum !== 0 && bufs === null) throw new ShapeError(`${op}: momentum is ${o.momentum} but no momentum buffers were given`);
  const parts = partition(op, params, { grads, momentumBuffers: bufs });
  for (const idx of [parts.float32, parts.float64]) {
    if (idx.length === 0) continue;
    const freshFlags = fresh ? Uint8Array.from(idx, (i) => (fresh[i] ? 1 : 0)) : null;
    backend().sgdStep(pick(params, idx)!, pick(grads, idx)!, pick(bufs, idx), freshFlags, o);
  }
  bump([params, bufs]);
}

/** Scalars of one Adam/AdamW step; `decoupledWeightDecay` selects AdamW's p *= 1 - lr*wd over Adam's L2 term. */
export interface AdamUpdateOptions {
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number;
  decoupledWeightDecay: boolean; maximize: boolean;
}

/**
 * One Adam (or AdamW) step over params (see reference/optim.ts adamStep); steps[i]
 * is tensor i's step count after this step (1 on the first), which sets its bias corrections.
 * @example `adamUpdate_(params, grads, m, v, null, [1, 1], { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, maximize: false })`
 */
export function adamUpdate_(params: Tensor[], grads: Tensor[], expAvg: Tensor[], expAvgSq: Tensor[], maxExpAvgSq: Tensor[] | null,
  steps: number[], o: AdamUpdateOptions): void {
  const op = 'adamUpdate_';
  const parts = partition(op, params, { grads, expAvg, expAvgSq, maxExpAvgSq });
  const kernel: AdamKernelOptions = {
    beta1: o.beta1, beta2: o.beta2, eps: o.eps, maximize: o.maximize,
    weightDecay: o.decoupledWeightDecay ? 0 : o.weightDecay,
    decay: o.decoupledWeightDecay ? 1 - o.lr * o.weightDecay : 1,
  };
  for (const idx of [parts.float32, parts.float64]) {
    if (idx.length === 0) continue;
    // Bias corrections in double, as PyTorch computes them in Python floats.
    const stepSize = Float64Array.from(idx, (i) => o.lr / (1 - o.beta1 ** steps[i]));
    const bias2Sqrt = Float64Array.from(idx, (i) => Math.sqrt(1 - o.beta2 ** steps[i]));
    backend().adamStep(pick(params, idx)!, pick(grads, idx)!, pick(expAvg, idx)!, pick(expAvgSq, idx)!, pick(maxExpAvgSq, idx),
      stepSize, bias2Sqrt, kernel);
  }
  bump([params, expAvg, expAvgSq, maxExpAvgSq]);
}

/**
 * One RMSprop step over params (see reference/optim.ts rmspropStep); gradAvg is
 * used when non-null (centered), momentumBuffers when momentum > 0.
 * @example `rmspropUpdate_(params, grads, sq, null, null, { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, maximize: false })`
 */
export function rmspropUpdate_(params: Tensor[], grads: Tensor[], squareAvg: Tensor[], gradAvg: Tensor[] | null,
  momentumBuffers: Tensor[] | null, o: RmspropKernelOptions): void {
  const op = 'rmspropUpdate_';
  const bufs = o.momentum > 0 ? momentumBuffers : null;
  if (o.momentum > 0 && bufs === null) throw new ShapeError(`${op}: momentum is ${o.momentum} but no momentum buffers were given`);
  const parts = partition(op, params, { grads, squareAvg, gradAvg, momentumBuffers: bufs });
  for (const idx of [parts.float32, parts.float64]) {
    if (idx.length === 0) continue;
    backend().rmspropStep(pick(params, idx)!, pick(grads, idx)!, pick(squareAvg, idx)!, pick(gradAvg, idx), pick(bufs, idx), o);
  }
  bump([params, squareAvg, gradAvg, bufs]);
}
