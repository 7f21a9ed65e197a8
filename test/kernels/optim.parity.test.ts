/** Fused optimizer kernels: native (every ISA) vs the reference loops, over several steps. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { adamUpdate_, rmspropUpdate_, sgdUpdate_ } from '../../src/ops/fused_optim';
import { availableIsas, closeness, onBackend, withIsa } from '../helpers/backends';

// Sizes around the vector widths (1, 8, 16 lanes), a chunk boundary (32768) and enough work for two threads.
const SIZES = [0, 1, 7, 16, 17, 33, 1000, 32769, 70001];

type Dt = 'float32' | 'float64';

function make(sizes: number[], dtype: Dt, seed: number, scale = 1, positive = false): L.Tensor[] {
  L.manualSeed(seed);
  return sizes.map((n) => {
    const t = L.randn([n], { dtype }).mul(scale);
    return positive ? t.abs() : t;
  });
}

const copyAll = (ts: L.Tensor[]): L.Tensor[] => ts.map((t) => L.clone(t));

// The native loops are compiled without FMA contraction and round where the reference does,
// so the two agree bitwise (NaN matching NaN); `dtype` stays for the message.
function expectClose(nat: L.Tensor[], ref: L.Tensor[], dtype: Dt, what: string): void {
  const tol = 0;
  nat.forEach((t, i) => expect(closeness(t.values, ref[i].values, tol, tol), `${what} ${dtype} tensor ${i}`).toBeLessThanOrEqual(1));
}

/** Runs `steps` updates on copies of the same state on both backends and compares every array. */
function compare(dtype: Dt, state: L.Tensor[][], step: (s: L.Tensor[][], k: number) => void, what: string, steps = 3): void {
  const ref = state.map(copyAll);
  const nat = state.map(copyAll);
  for (let k = 0; k < steps; k++) {
    onBackend('reference', () => step(ref, k));
    onBackend('native', () => step(nat, k));
  }
  ref.forEach((list, j) => expectClose(nat[j], list, dtype, `${what} array ${j}`));
}

describe.runIf(nativeAddon() !== null)('fused optimizer kernels: native vs reference', () => {
  for (const isa of availableIsas()) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`sgd, every flag combination (${isa}, ${dtype})`, () => withIsa(isa, () => {
        for (const momentum of [0, 0.9]) {
          for (const nesterov of momentum ? [false, true] : [false]) {
            for (const [weightDecay, dampening, maximize] of [[0, 0, false], [0.01, 0.1, true]] as const) {
              const p = make(SIZES, dtype, 1), g = make(SIZES, dtype, 2), b = SIZES.map((n) => L.zeros([n], { dtype }));
              compare(dtype, [p, g, b], ([pp, gg, bb], k) => sgdUpdate_(pp, gg, bb, SIZES.map(() => k === 0), {
                lr: 0.05, momentum, dampening, weightDecay, nesterov, maximize,
              }), `sgd m=${momentum} n=${nesterov} wd=${weightDecay}`);
            }
          }
        }
      }));

      it(`adam and adamw, amsgrad, L2, maximize (${isa}, ${dtype})`, () => withIsa(isa, () => {
        for (const decoupled of [false, true]) {
          for (const amsgrad of [false, true]) {
            for (const [weightDecay, maximize] of [[0, false], [0.05, true]] as const) {
              const z = () => SIZES.map((n) => L.zeros([n], { dtype }));
              const state = [make(SIZES, dtype, 3), make(SIZES, dtype, 4, 0.1), z(), z(), z()];
              compare(dtype, state, ([p, g, m, v, vmax], k) => adamUpdate_(p, g, m, v, amsgrad ? vmax : null, SIZES.map(() => k + 1), {
                lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupledWeightDecay: decoupled, maximize,
              }), `adam decoupled=${decoupled} amsgrad=${amsgrad} wd=${weightDecay}`);
            }
          }
        }
      }));

      it(`rmsprop, centered and momentum (${isa}, ${dtype})`, () => withIsa(isa, () => {
        for (const centered of [false, true]) {
          for (const momentum of [0, 0.9]) {
            for (const [weightDecay, maximize] of [[0, false], [0.1, true]] as const) {
              const z = () => SIZES.map((n) => L.zeros([n], { dtype }));
              const state = [make(SIZES, dtype, 5), make(SIZES, dtype, 6), z(), z(), z()];
              compare(dtype, state, ([p, g, sq, ga, b]) => rmspropUpdate_(p, g, sq, centered ? ga : null, momentum ? b : null, {
                lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay, momentum, maximize,
              }), `rmsprop centered=${centered} momentum=${momentum}`);
            }
          }
        }
      }));
    }

    it(`mixed float32/float64 group and special values (${isa})`, () => withIsa(isa, () => {
      const p = [L.tensor([1, -2, 0, 3]), L.tensor([0.5, 0.25], { dtype: 'float64' })];
      const g = [L.tensor([Infinity, NaN, 0, -1]), L.tensor([1e-30, -1e30], { dtype: 'float64' })];
      const z = () => [L.zeros([4]), L.zeros([2], { dtype: 'float64' })];
      const state = [p, g, z(), z()];
      const ref = state.map(copyAll), nat = state.map(copyAll);
      const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupledWeightDecay: true, maximize: false };
      onBackend('reference', () => adamUpdate_(ref[0], ref[1], ref[2], ref[3], null, [1, 1], o));
      onBackend('native', () => adamUpdate_(nat[0], nat[1], nat[2], nat[3], null, [1, 1], o));
      expect(closeness(nat[0][0].values, ref[0][0].values, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
      expect(closeness(nat[0][1].values, ref[0][1].values, 1e-12, 1e-12)).toBeLessThanOrEqual(1);
    }));
  }

  it('results do not depend on the thread count', () => {
    const run = (threads: number) => {
      L.setNumThreads(threads);
      const p = make([200000, 3], 'float32', 7), g = make([200000, 3], 'float32', 8);
      const m = p.map((t) => L.zerosLike(t)), v = p.map((t) => L.zerosLike(t));
      adamUpdate_(p, g, m, v, null, [1, 1], { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, maximize: false });
      return p.map((t) => Array.from(t.values));
    };
    const one = run(1), two = run(2);
    L.setNumThreads(2);
    expect(two).toEqual(one);
  });

  it('bumps the storage version of what it writes', () => {
    const p = [L.tensor([1, 2])], g = [L.tensor([0.1, 0.2])], b = [L.zeros([2])];
    const before = [p[0].storage.version, g[0].storage.version, b[0].storage.version];
    sgdUpdate_(p, g, b, [true], { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
    expect([p[0].storage.version, g[0].storage.version, b[0].storage.version]).toEqual([before[0] + 1, before[1], before[2] + 1]);
  });

  it('the raw binding rejects malformed calls with clear errors', () => {
    const addon = nativeAddon()!;
    const f = new Float32Array(4), d = new Float64Array(4);
    expect(() => addon.sgdStep([f], [new Float32Array(3)], null, null, 0.1, 0, 0, 0, false, false)).toThrow(/grads\[0\] has 3 elements but params\[0\] has 4/);
    expect(() => addon.sgdStep([f], [d], null, null, 0.1, 0, 0, 0, false, false)).toThrow(/grads\[0\] is a Float64Array/);
    expect(() => addon.sgdStep([f, d], [f, d], null, null, 0.1, 0, 0, 0, false, false)).toThrow(/one call updates one dtype/);
    expect(() => addon.sgdStep([f], [f], null, null, 0.1, 0, 0, 0, false, false)).toThrow(/overlaps params\[0\]/);
    expect(() => addon.sgdStep([f], [new Float32Array(4)], null, null, 0.1, 0.9, 0, 0, false, false)).toThrow(/momentumBuffers are required/);
    expect(() => addon.sgdStep(f, [f], null, null, 0.1, 0, 0, 0, false, false)).toThrow(/params must be an array/);
    expect(() => addon.sgdStep([new Int32Array(2)], [f], null, null, 0.1, 0, 0, 0, false, false)).toThrow(/Float32Array or Float64Array/);
    const g = new Float32Array(4), m = new Float32Array(4), v = new Float32Array(4);
    expect(() => addon.adamStep([f], [g], [m], [v], null, new Float64Array(2), new Float64Array(1), 0.9, 0.999, 1e-8, 0, 1, false)).toThrow(/stepSize has 2 elements, expected 1/);
    expect(() => addon.adamStep([f], [g], [m], [v], null, new Float32Array(1), new Float64Array(1), 0.9, 0.999, 1e-8, 0, 1, false)).toThrow(/stepSize must be a Float64Array/);
    expect(() => addon.adamStep([f], [g], [m], [v], null, new Float64Array(1), new Float64Array(1), 0.9, 0.999, 'x' as unknown as number, 0, 1, false)).toThrow(/eps must be a number/);
    expect(() => addon.rmspropStep([f], [g], [m, v], null, null, 0.1, 0.99, 1e-8, 0, 0, false)).toThrow(/squareAvg has 2 arrays but params has 1/);
  });
});
