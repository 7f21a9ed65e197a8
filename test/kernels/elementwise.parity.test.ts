import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { BINARY_OPS, UNARY_OPS } from '../../src/backend/opcodes';
import { nativeAddon } from '../../src/backend/index';
import { availableIsas, closeness, onBackend, withIsa } from '../helpers/backends';
import * as special from '../../src/ops/special';

const SHAPES: number[][] = [[], [0], [1], [7], [17], [33, 5], [2, 1, 3], [1000], [70001]];

function sample(shape: number[], dtype: 'float32' | 'float64', seed: number): L.Tensor {
  L.manualSeed(seed);
  const x = L.randn(shape, { dtype }).mul(3);
  // Specials in the first elements: zeros, ±inf, NaN, ties for round.
  const v = x.values;
  const specials = [0, -0, Infinity, -Infinity, NaN, 0.5, 1.5, -2.5, 1e-30, 50];
  for (let i = 0; i < Math.min(v.length, specials.length); i++) v[i] = specials[i];
  return x;
}

const UNARY_CALL: Record<string, (x: L.Tensor) => L.Tensor> = {
  leakyRelu: (x) => L.leakyRelu(x, 0.2),
  elu: (x) => L.elu(x, 1.3),
  gelu: (x) => L.gelu(x),
  geluTanh: (x) => L.gelu(x, { approximate: 'tanh' }),
  softplus: (x) => L.softplus(x, { beta: 2, threshold: 10 }),
  clamp: (x) => L.clamp(x, { min: -1, max: 2 }),
  // torch.special's kernels (test/kernels/special.parity.test.ts covers them over their whole ranges).
  polygamma: (x) => special.polygamma(3, x),
  erfcx: (x) => special.erfcx(x), ndtri: (x) => special.ndtri(x), logNdtr: (x) => special.logNdtr(x),
  i0e: (x) => special.i0e(x), i1: (x) => special.i1(x), i1e: (x) => special.i1e(x),
};

describe.runIf(nativeAddon() !== null)('elementwise parity: native vs reference', () => {
  it('the addon exports the same op lists as the TS code', () => {
    const names = nativeAddon()!.opNames();
    expect(names.unary).toEqual([...UNARY_OPS]);
    expect(names.binary).toEqual([...BINARY_OPS]);
  });

  for (const isa of availableIsas()) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`unary ops on ${dtype} (${isa})`, () => withIsa(isa, () => {
        for (const op of UNARY_OPS) {
          const call = UNARY_CALL[op] ?? ((x: L.Tensor) => (L as unknown as Record<string, (t: L.Tensor) => L.Tensor>)[op](x));
          for (const [k, shape] of SHAPES.entries()) {
            const x = sample(shape, dtype, k);
            const ref = onBackend('reference', () => call(x));
            const nat = onBackend('native', () => call(x));
            expect(nat.shape, `${op} ${shape}`).toEqual(ref.shape);
            // erfinv's Newton steps carry the two backends' erf difference (~1e-14) times 1/erf'(x) = sqrt(pi)/2 exp(x^2).
            const tol = dtype === 'float32' ? 2e-6 : op === 'erfinv' ? 1e-10 : 1e-13;
            expect(closeness(nat.values, ref.values, tol, tol), `${op} on ${dtype}${JSON.stringify(shape)}`).toBeLessThanOrEqual(1);
          }
        }
      }));
    }

    it(`binary ops with broadcasting (${isa})`, () => withIsa(isa, () => {
      const pairs: [number[], number[]][] = [[[5], [5]], [[3, 1], [1, 4]], [[2, 3, 4], [4]], [[], [6]], [[0, 3], [3]], [[1], [33]], [[4, 1, 5], [3, 1]], [[70000], [70000]]];
      for (const op of BINARY_OPS) {
        for (const dtype of ['float32', 'float64', 'int32'] as const) {
          for (const [k, [sa, sb]] of pairs.entries()) {
            L.manualSeed(k);
            let a = L.randn(sa, { dtype: 'float64' }).mul(4);
            let b = L.randn(sb, { dtype: 'float64' }).mul(4);
            if (dtype === 'int32') { a = a.round().to('int32'); b = b.round().to('int32'); }
            else { a = a.to(dtype); b = b.to(dtype); }
            if (op === 'pow' && dtype !== 'int32') a = a.abs();
            if (op === 'pow' && dtype === 'int32') b = b.abs();
            const f = (L as unknown as Record<string, (x: L.Tensor, y: L.Tensor) => L.Tensor>)[op];
            const ref = onBackend('reference', () => f(a, b));
            const nat = onBackend('native', () => f(a, b));
            expect(nat.shape).toEqual(ref.shape);
            expect(nat.dtype).toEqual(ref.dtype);
            const tol = dtype === 'float64' ? 1e-13 : 2e-6;
            expect(closeness(nat.values, ref.values, tol, tol), `${op} ${dtype} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`).toBeLessThanOrEqual(1);
          }
        }
      }
    }));
  }

  it('where, casts and in-place updates agree', () => {
    L.manualSeed(3);
    const c = L.rand([4, 1, 3]).gt(0.5);
    const a = L.randn([5, 3]);
    const b = L.randn([4, 5, 1]);
    const r = onBackend('reference', () => L.where(c, a, b));
    const n = onBackend('native', () => L.where(c, a, b));
    expect(Array.from(n.values)).toEqual(Array.from(r.values));
    const x = L.tensor([-2.7, -0.5, 0.5, 2.7, NaN, 3e9]);
    for (const dtype of ['int32', 'bool', 'float64'] as const) {
      expect(Array.from(onBackend('native', () => x.to(dtype)).values)).toEqual(Array.from(onBackend('reference', () => x.to(dtype)).values));
    }
  });
});
