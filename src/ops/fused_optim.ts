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
import { backendFor } from '../backend/device';
import { DTypeError, ShapeError } from '../errors';
import type { Device } from '../tensor/device';
import type { FloatArray } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { randn } from './creation';
import { registerOp, type SampleDType } from './registry';
import { clone } from './shape';
import { assertTensor, sameDevice } from './util';

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
      sameDevice(op, [`params[${i}]`, p], [`${name}[${i}]`, t]);
    });
  }
  return out;
}

const pick = (list: (Tensor | null)[] | null, idx: number[]): FloatArray[] | null =>
  list === null ? null : idx.map((i) => list[i]!.deviceValues as FloatArray);

/** Splits a dtype group by device: one kernel call per (dtype, device). */
function byDevice(params: Tensor[], idx: number[]): [Device, number[]][] {
  const groups = new Map<Device, number[]>();
  for (const i of idx) {
    const list = groups.get(params[i].device);
    if (list) list.push(i);
    else groups.set(params[i].device, [i]);
  }
  return [...groups.entries()];
}

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
  for (const [device, idx] of [parts.float32, parts.float64].flatMap((group) => byDevice(params, group))) {
    const freshFlags = fresh ? Uint8Array.from(idx, (i) => (fresh[i] ? 1 : 0)) : null;
    backendFor(device).sgdStep(pick(params, idx)!, pick(grads, idx)!, pick(bufs, idx), freshFlags, o);
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
  for (const [device, idx] of [parts.float32, parts.float64].flatMap((group) => byDevice(params, group))) {
    // Bias corrections in double, as PyTorch computes them in Python floats.
    const stepSize = Float64Array.from(idx, (i) => o.lr / (1 - o.beta1 ** steps[i]));
    const bias2Sqrt = Float64Array.from(idx, (i) => Math.sqrt(1 - o.beta2 ** steps[i]));
    backendFor(device).adamStep(pick(params, idx)!, pick(grads, idx)!, pick(expAvg, idx)!, pick(expAvgSq, idx)!, pick(maxExpAvgSq, idx),
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
  for (const [device, idx] of [parts.float32, parts.float64].flatMap((group) => byDevice(params, group))) {
    backendFor(device).rmspropStep(pick(params, idx)!, pick(grads, idx)!, pick(squareAvg, idx)!, pick(gradAvg, idx), pick(bufs, idx), o);
  }
  bump([params, squareAvg, gradAvg, bufs]);
}

// ---------------------------------------------------------------- registry

/*
 * The updates are in place and not differentiable. Each sample's run copies the
 * state it is given (the parity check hands the same inputs to both backends),
 * takes two steps on two tensors of different sizes, and returns the updated
 * params and buffers for comparison.
 */
const state = (dt: SampleDType, count: number): Tensor[] => {
  const out: Tensor[] = [];
  for (let k = 0; k < count; k++) out.push(randn([5], { dtype: dt }), randn([2, 3], { dtype: dt }));
  return out;
};
/** Splits [a0, a1, b0, b1, ...] into copies [[a0, a1], [b0, b1], ...]. */
const pairs = (xs: Tensor[]): Tensor[][] => {
  const out: Tensor[][] = [];
  for (let k = 0; k < xs.length; k += 2) out.push([clone(xs[k]), clone(xs[k + 1])]);
  return out;
};
/** Second moments must be non-negative. */
const nonNegative = (ts: Tensor[]): Tensor[] => ts.map((t) => t.abs());

registerOp({
  name: 'sgdUpdate_', kernels: ['sgdStep'], differentiable: false,
  run: (...xs) => {
    const [p, g] = pairs(xs);
    sgdUpdate_(p, g, null, null, { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0.01, nesterov: false, maximize: false });
    return p;
  },
  samples: [{ label: 'plain, weight decay', inputs: (dt) => state(dt, 2) }],
});
registerOp({
  name: 'sgdUpdate_(momentum)', kernels: ['sgdStep'], differentiable: false,
  run: (...xs) => {
    const [p, g, m] = pairs(xs);
    const o = { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false, maximize: true };
    sgdUpdate_(p, g, m, [true, false], o);
    sgdUpdate_(p, g, m, null, { ...o, nesterov: true, dampening: 0 });
    return [...p, ...m];
  },
  samples: [{ label: 'momentum, fresh buffer, then nesterov', inputs: (dt) => state(dt, 3) }],
});
registerOp({
  name: 'adamUpdate_', kernels: ['adamStep'], differentiable: false,
  run: (...xs) => {
    const [p, g, m, v] = pairs(xs);
    const o = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupledWeightDecay: false, maximize: false };
    adamUpdate_(p, g, m, v, null, [1, 3], o);
    adamUpdate_(p, g, m, v, null, [2, 4], { ...o, decoupledWeightDecay: true, maximize: true });
    return [...p, ...m, ...v];
  },
  samples: [{ label: 'Adam then AdamW', inputs: (dt) => { const s = state(dt, 4); return [...s.slice(0, 6), ...nonNegative(s.slice(6))]; } }],
});
registerOp({
  name: 'adamUpdate_(amsgrad)', kernels: ['adamStep'], differentiable: false,
  run: (...xs) => {
    const [p, g, m, v, vmax] = pairs(xs);
    const o = { lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0, decoupledWeightDecay: false, maximize: false };
    adamUpdate_(p, g, m, v, vmax, [5, 1], o);
    adamUpdate_(p, g, m, v, vmax, [6, 2], o);
    return [...p, ...m, ...v, ...vmax];
  },
  samples: [{ label: 'amsgrad', inputs: (dt) => { const s = state(dt, 5); return [...s.slice(0, 6), ...nonNegative(s.slice(6))]; } }],
});
registerOp({
  name: 'rmspropUpdate_', kernels: ['rmspropStep'], differentiable: false,
  run: (...xs) => {
    const [p, g, sq] = pairs(xs);
    const o = { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0.01, momentum: 0, maximize: false };
    rmspropUpdate_(p, g, sq, null, null, o);
    rmspropUpdate_(p, g, sq, null, null, o);
    return [...p, ...sq];
  },
  samples: [{ label: 'plain', inputs: (dt) => { const s = state(dt, 3); return [...s.slice(0, 4), ...nonNegative(s.slice(4))]; } }],
});
registerOp({
  name: 'rmspropUpdate_(centered,momentum)', kernels: ['rmspropStep'], differentiable: false,
  run: (...xs) => {
    const [p, g, sq, ga, buf] = pairs(xs);
    const o = { lr: 0.01, alpha: 0.9, eps: 1e-6, weightDecay: 0, momentum: 0.5, maximize: true };
    rmspropUpdate_(p, g, sq, ga, buf, o);
    rmspropUpdate_(p, g, sq, ga, buf, o);
    return [...p, ...sq, ...ga, ...buf];
  },
  // gradAvg^2 <= squareAvg keeps the centered variance positive: gradAvg starts at 0, squareAvg at |.| + 1.
  samples: [{
    label: 'centered, momentum, maximize',
    inputs: (dt) => { const s = state(dt, 5); return [...s.slice(0, 4), ...s.slice(4, 6).map((t) => t.abs().add(1)), ...s.slice(6, 8).map((t) => t.mul(0)), ...s.slice(8)]; },
  }],
});
