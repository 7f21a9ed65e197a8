/**
 * The op registry: one entry per op, naming the Backend kernels it runs, whether
 * it is differentiable, and sample inputs. test/registry.coverage.test.ts walks
 * it: every kernel of the Backend interface must be reached by some entry's
 * samples (run native vs reference), and every differentiable entry must have a
 * sample that gradcheck passes in float64. So a kernel without a parity case, or
 * a gradient without a check, fails CI instead of reaching a user.
 *
 * An op family registers itself from its own file, after defining its ops:
 *
 *   registerOp({
 *     name: 'conv2d', kernels: ['conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight'], differentiable: true,
 *     run: (x, w) => conv2d(x, w, { padding: 1 }),
 *     samples: [{ label: 'padded 3x3', inputs: (dt) => [randn([2, 3, 5, 5], { dtype: dt }), randn([4, 3, 3, 3], { dtype: dt })] }],
 *   });
 *
 * This file registers the foundation families (elementwise, reductions,
 * softmax, matmul, shape and copy ops, casts, indexing, random numbers).
 */
import type { Backend } from '../backend/backend';
import { UNARY_OPS } from '../backend/opcodes';
import { ArgumentError } from '../errors';
import type { Tensor } from '../tensor/tensor';
import * as binary from './binary';
import { to } from './cast';
import { manualSeed } from '../backend/philox';
import { rand, randint, randn, tensor } from './creation';
import { gather, indexAdd, indexSelect, scatterAdd } from './indexing';
import { matmul } from './matmul';
import * as reduce from './reduce';
import { cat, chunk, clone, expand, flatten, narrow, permute, reshape, split, squeeze, stack, transpose, unsqueeze } from './shape';
import { logSoftmax, softmax } from './softmax';
import * as special from './special';
import { tanhBackward, tanhBackwardBackward } from './tanh-backward';
import * as unary from './unary';

/** A kernel of the Backend interface, by name. */
export type KernelName = Exclude<keyof Backend, 'name'>;
export type SampleDType = 'float32' | 'float64';

export interface OpSample {
  /** Names the sample in failure messages. */
  label: string;
  /**
   * Fresh inputs. Float inputs take `dtype` (float64 for gradcheck, both floats
   * for parity); index and mask inputs keep their own dtype. Called after a
   * manualSeed, so random inputs repeat.
   */
  inputs: (dtype: SampleDType) => Tensor[];
  /** Inputs that gradcheck differentiates (default: every float input; [] skips gradcheck for this sample). */
  wrt?: number[];
  /** Finite-difference settings where the defaults do not fit (e.g. a float32 round trip). */
  gradcheck?: { eps?: number; atol?: number; rtol?: number };
}

export interface OpRegistration {
  /** The public name, unique in the registry. */
  name: string;
  /** The Backend kernels its samples reach (the coverage test checks they do). */
  kernels: readonly KernelName[];
  /** Whether gradients flow through it (then some sample must pass gradcheck). */
  differentiable: boolean;
  /** Calls the op on a sample's inputs. */
  run: (...inputs: Tensor[]) => Tensor | Tensor[];
  samples: OpSample[];
  /** Float dtypes the parity check runs (default both). */
  dtypes?: readonly SampleDType[];
  /** Parity tolerance (absolute and relative) per dtype; defaults 1e-5 (float32) and 1e-12 (float64). */
  tolerance?: Partial<Record<SampleDType, number>>;
}

const registry = new Map<string, OpRegistration>();

/**
 * Adds an op to the registry; a second entry with the same name is an error.
 * @example `registerOp({ name: 'relu6', kernels: ['unary'], differentiable: true, run: (x) => relu6(x), samples: [...] })`
 */
export function registerOp(entry: OpRegistration): void {
  if (!entry || typeof entry.name !== 'string' || entry.name === '') throw new ArgumentError('registerOp: entry.name must be a non-empty string');
  if (registry.has(entry.name)) throw new ArgumentError(`registerOp: '${entry.name}' is already registered`);
  if (typeof entry.run !== 'function') throw new ArgumentError(`registerOp: '${entry.name}' needs a run function`);
  if (!Array.isArray(entry.samples) || entry.samples.length === 0) throw new ArgumentError(`registerOp: '${entry.name}' needs at least one sample`);
  registry.set(entry.name, entry);
}

/** Every registered op, in registration order. @example `registeredOps().map((op) => op.name)` */
export function registeredOps(): OpRegistration[] {
  return [...registry.values()];
}

// ---- foundation registrations

type Fn = (...xs: Tensor[]) => Tensor | Tensor[];
const f = (shape: number[], dt: SampleDType, scale = 1): Tensor => randn(shape, { dtype: dt }).mul(scale);
/** Values bounded away from 0 (for log, sqrt, reciprocal, pow bases). */
const positive = (shape: number[], dt: SampleDType): Tensor => rand(shape, { dtype: dt }).add(0.5);
/** Values away from the kinks of abs, relu, clamp, round and friends at 0 and at half-integers. */
const awayFromKinks = (shape: number[], dt: SampleDType): Tensor => {
  const x = f(shape, dt, 2);
  const v = x.values;
  for (let i = 0; i < v.length; i++) if (Math.abs(v[i] - Math.round(v[i] * 2) / 2) < 0.05) v[i] += 0.1;
  return x;
};
const int32 = (values: number[]): Tensor => tensor(values, { dtype: 'int32' });

const UNARY_SPECIAL: Partial<Record<(typeof UNARY_OPS)[number], { call: Fn; domain?: typeof positive; differentiable?: boolean }>> = {
  log: { call: (x) => unary.log(x), domain: positive },
  log1p: { call: (x) => unary.log1p(x), domain: positive },
  sqrt: { call: (x) => unary.sqrt(x), domain: positive },
  rsqrt: { call: (x) => unary.rsqrt(x), domain: positive },
  reciprocal: { call: (x) => unary.reciprocal(x), domain: positive },
  leakyRelu: { call: (x) => unary.leakyRelu(x, 0.2) },
  elu: { call: (x) => unary.elu(x, 1.3) },
  geluTanh: { call: (x) => unary.gelu(x, { approximate: 'tanh' }) },
  softplus: { call: (x) => unary.softplus(x, { beta: 2, threshold: 3 }) },
  clamp: { call: (x) => unary.clamp(x, { min: -1, max: 1.2 }) },
  sign: { call: (x) => unary.sign(x), differentiable: false },
  floor: { call: (x) => unary.floor(x), differentiable: false },
  ceil: { call: (x) => unary.ceil(x), differentiable: false },
  round: { call: (x) => unary.round(x), differentiable: false },
  logicalNot: { call: (x) => unary.logicalNot(x), differentiable: false },
  // torch.special's kernels (their own parity test: test/kernels/special.parity.test.ts).
  lgamma: { call: (x) => special.lgamma(x) },
  digamma: { call: (x) => special.digamma(x) },
  polygamma: { call: (x) => special.polygamma(2, x) },
  erfc: { call: (x) => special.erfc(x) },
  // erfcx grows as 2 exp(x^2) below 0: a sample at -6 (1e19) would drown the others' finite differences.
  erfcx: { call: (x) => special.erfcx(x), domain: (shape, dt) => rand(shape, { dtype: dt }).mul(8).sub(1.5) },
  erfinv: { call: (x) => special.erfinv(x), domain: (shape, dt) => rand(shape, { dtype: dt }).mul(1.6).sub(0.8) },
  ndtri: { call: (x) => special.ndtri(x), domain: (shape, dt) => rand(shape, { dtype: dt }).mul(0.9).add(0.05) },
  logNdtr: { call: (x) => special.logNdtr(x) },
  i0: { call: (x) => special.i0(x) },
  i0e: { call: (x) => special.i0e(x) },
  i1: { call: (x) => special.i1(x) },
  i1e: { call: (x) => special.i1e(x) },
};

for (const op of UNARY_OPS) {
  const special = UNARY_SPECIAL[op];
  const call = special?.call ?? ((x: Tensor) => (unary as unknown as Record<string, (t: Tensor) => Tensor>)[op](x));
  const domain = special?.domain ?? awayFromKinks;
  registerOp({
    name: op, kernels: ['unary'], differentiable: special?.differentiable ?? true, run: call,
    samples: [
      { label: '[17]', inputs: (dt) => [domain([17], dt)] },
      { label: '[2,3]', inputs: (dt) => [domain([2, 3], dt)] },
      { label: 'empty', inputs: (dt) => [domain([0, 3], dt)], wrt: [] },
    ],
  });
}

const BINARY_DIFFERENTIABLE = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const;
const BINARY_COMPARE = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr'] as const;
for (const op of [...BINARY_DIFFERENTIABLE, ...BINARY_COMPARE]) {
  const differentiable = (BINARY_DIFFERENTIABLE as readonly string[]).includes(op);
  const first = op === 'pow' || op === 'div' ? positive : awayFromKinks;
  const second = op === 'div' ? positive : op === 'pow' ? (s: number[], dt: SampleDType) => f(s, dt, 0.5) : awayFromKinks;
  registerOp({
    name: op, kernels: ['binary'], differentiable, run: (a, b) => binary[op](a, b),
    samples: [
      { label: 'same shape [7]', inputs: (dt) => [first([7], dt), second([7], dt)] },
      { label: 'broadcast [3,1] x [1,4]', inputs: (dt) => [first([3, 1], dt), second([1, 4], dt)] },
      { label: 'broadcast [2,3,4] x [4]', inputs: (dt) => [first([2, 3, 4], dt), second([4], dt)] },
    ],
  });
}

registerOp({
  name: 'where', kernels: ['where', 'binary'], differentiable: true,
  run: (a, b) => binary.where(binary.gt(a, 0), a, b),
  samples: [
    { label: 'broadcast [3,1] x [4]', inputs: (dt) => [awayFromKinks([3, 1], dt), f([4], dt)] },
    { label: '[5]', inputs: (dt) => [awayFromKinks([5], dt), f([5], dt)] },
  ],
});

// tanh's fused gradients; y stays inside (-1, 1) like a tanh output.
registerOp({
  name: 'tanhBackward', kernels: ['tanhBackward'], differentiable: true, run: (g, y) => tanhBackward(g, y),
  samples: [
    { label: '[17]', inputs: (dt) => [f([17], dt), unary.tanh(f([17], dt))] },
    { label: '[3,4]', inputs: (dt) => [f([3, 4], dt), unary.tanh(f([3, 4], dt))] },
  ],
});
registerOp({
  name: 'tanhBackwardBackward', kernels: ['tanhBackward'], differentiable: true, run: (a, b, c) => tanhBackwardBackward(a, b, c),
  samples: [{ label: '[2,5]', inputs: (dt) => [f([2, 5], dt), f([2, 5], dt), f([2, 5], dt)] }],
});

type Dims = number | number[] | undefined;
const REDUCTIONS: [string, (x: Tensor, d: Dims, k: boolean) => Tensor][] = [
  ['sum', (x, d, k) => reduce.sum(x, d, { keepdim: k })],
  ['mean', (x, d, k) => reduce.mean(x, d, { keepdim: k })],
  ['prod', (x, d, k) => reduce.prod(x, d, { keepdim: k })],
  ['logsumexp', (x, d, k) => reduce.logsumexp(x, d, { keepdim: k })],
  ['amax', (x, d, k) => reduce.amax(x, d, { keepdim: k })],
  ['amin', (x, d, k) => reduce.amin(x, d, { keepdim: k })],
  ['var', (x, d, k) => reduce.variance(x, d, { keepdim: k })],
  ['std', (x, d, k) => reduce.std(x, d, { keepdim: k, correction: 0 })],
  ['norm', (x, d, k) => reduce.norm(x, 3, d, { keepdim: k })],
];
for (const [name, call] of REDUCTIONS) {
  // amax/amin/norm need distinct values (ties split the gradient; gradcheck would see a kink).
  const input = name === 'prod' ? positive : f;
  registerOp({
    name, kernels: ['reduce'], differentiable: true, run: (x) => call(x, undefined, false),
    samples: [{ label: 'all of [3,4]', inputs: (dt) => [input([3, 4], dt)] }],
  });
  registerOp({
    name: `${name}(dim)`, kernels: ['reduce'], differentiable: true, run: (x) => call(x, 1, true),
    samples: [{ label: 'dim 1 of [2,5,3], keepdim', inputs: (dt) => [input([2, 5, 3], dt)] }],
  });
  registerOp({
    name: `${name}(dims)`, kernels: ['reduce'], differentiable: true, run: (x) => call(x, [0, 2], false),
    samples: [{ label: 'dims [0,2] of [2,3,4]', inputs: (dt) => [input([2, 3, 4], dt)] }],
  });
}

for (const isMax of [true, false]) {
  const name = isMax ? 'max' : 'min';
  registerOp({
    name: `${name}(dim)`, kernels: ['argReduce'], differentiable: true,
    run: (x) => { const r = isMax ? reduce.max(x, 1) : reduce.min(x, 1); return [r.values, r.indices]; },
    samples: [{ label: '[3,5]', inputs: (dt) => [f([3, 5], dt)] }, { label: '[2,4,3] keepdim', inputs: (dt) => [f([2, 4, 3], dt)] }],
  });
  registerOp({
    name: isMax ? 'argmax' : 'argmin', kernels: ['argReduce'], differentiable: false,
    run: (x) => (isMax ? reduce.argmax(x, 0) : reduce.argmin(x)),
    samples: [{ label: '[4,6]', inputs: (dt) => [f([4, 6], dt)] }],
  });
}

for (const [name, call] of [['softmax', softmax], ['logSoftmax', logSoftmax]] as const) {
  registerOp({
    name, kernels: ['softmax'], differentiable: true, run: (x) => call(x, 1),
    samples: [{ label: '[3,5] dim 1', inputs: (dt) => [f([3, 5], dt, 2)] }, { label: '[2,4,3] dim 1', inputs: (dt) => [f([2, 4, 3], dt, 2)] }],
  });
}

registerOp({
  name: 'matmul', kernels: ['gemm'], differentiable: true, run: (a, b) => matmul(a, b),
  samples: [
    { label: '[3,4] @ [4,5]', inputs: (dt) => [f([3, 4], dt), f([4, 5], dt)] },
    { label: 'vector @ vector', inputs: (dt) => [f([6], dt), f([6], dt)] },
    { label: 'broadcast batch [2,1,3,4] @ [3,4,2]', inputs: (dt) => [f([2, 1, 3, 4], dt), f([3, 4, 2], dt)] },
    { label: '[17,33] @ [33,9]', inputs: (dt) => [f([17, 33], dt), f([33, 9], dt)], wrt: [] },
  ],
});

const SHAPE_OPS: [string, Fn, (dt: SampleDType) => Tensor[]][] = [
  ['transpose', (x) => transpose(x, 0, 2), (dt) => [f([2, 3, 4], dt)]],
  ['permute', (x) => permute(x, [2, 0, 1]), (dt) => [f([2, 3, 4], dt)]],
  ['narrow', (x) => narrow(x, 1, 1, 3), (dt) => [f([2, 5], dt)]],
  ['expand', (x) => expand(x, [3, 2, 4]), (dt) => [f([2, 1], dt)]],
  ['cat', (a, b) => cat([a, b], 1), (dt) => [f([2, 3], dt), f([2, 2], dt)]],
  ['stack', (a, b) => stack([a, b], 1), (dt) => [f([2, 3], dt), f([2, 3], dt)]],
  ['split', (x) => split(x, [1, 3], 1), (dt) => [f([2, 4], dt)]],
  ['chunk', (x) => chunk(x, 3, 0), (dt) => [f([5, 2], dt)]],
];
for (const [name, run, inputs] of SHAPE_OPS) {
  registerOp({ name, kernels: ['copyStrided'], differentiable: true, run, samples: [{ label: 'small', inputs }], tolerance: { float32: 0, float64: 0 } });
}
// Views: no kernel, but their gradients are checked.
for (const [name, run] of [
  ['reshape', (x: Tensor) => reshape(x, [3, 2])], ['flatten', (x: Tensor) => flatten(x)], ['squeeze', (x: Tensor) => squeeze(unsqueeze(x, 0))],
  ['clone', (x: Tensor) => clone(x)],
] as const) {
  registerOp({ name, kernels: [], differentiable: true, run, samples: [{ label: '[2,3]', inputs: (dt) => [f([2, 3], dt)] }] });
}

registerOp({
  name: 'to', kernels: ['cast'], differentiable: true,
  run: (x) => to(to(x, x.dtype === 'float64' ? 'float32' : 'float64'), x.dtype),
  // The float32 round trip rounds to 2^-24 relative: a larger step keeps the finite difference above that noise.
  samples: [{ label: 'float round trip', inputs: (dt) => [f([6], dt)], gradcheck: { eps: 1e-2, atol: 1e-4, rtol: 1e-3 } }],
});
registerOp({
  name: 'to(int32,bool)', kernels: ['cast'], differentiable: false, run: (x) => [to(x, 'int32'), to(x, 'bool'), to(to(x, 'int32'), 'float64')],
  samples: [{ label: '[9]', inputs: (dt) => [f([9], dt, 5)] }],
});

registerOp({
  name: 'indexSelect', kernels: ['indexSelect', 'indexAdd'], differentiable: true, run: (x, i) => indexSelect(x, 1, i),
  samples: [{ label: 'dim 1 with repeats', inputs: (dt) => [f([2, 4, 3], dt), int32([3, 0, 3])] }],
});
registerOp({
  name: 'indexAdd', kernels: ['indexAdd', 'indexSelect'], differentiable: true, run: (b, i, s) => indexAdd(b, 0, i, s),
  samples: [{ label: 'dim 0 with repeats', inputs: (dt) => [f([4, 3], dt), int32([1, 3, 1]), f([3, 3], dt)] }],
});
registerOp({
  name: 'gather', kernels: ['gather', 'scatterAdd'], differentiable: true, run: (x, i) => gather(x, 1, i),
  samples: [{ label: 'dim 1', inputs: (dt) => [f([3, 4], dt), int32([0, 3, 3, 1, 2, 2, 0, 0, 1]).reshape([3, 3])] }],
});
registerOp({
  name: 'scatterAdd', kernels: ['scatterAdd', 'gather'], differentiable: true, run: (b, i, s) => scatterAdd(b, 0, i, s),
  samples: [{ label: 'dim 0', inputs: (dt) => [f([3, 2], dt), int32([2, 0, 2, 2]).reshape([2, 2]), f([2, 2], dt)] }],
});

registerOp({
  name: 'rand', kernels: ['philoxUniform'], differentiable: false,
  run: (x) => { manualSeed(7); return [rand([x.size + 5], { dtype: x.dtype as SampleDType }), randint(0, 9, [4])]; },
  samples: [{ label: '11 draws', inputs: (dt) => [f([6], dt)] }],
});
