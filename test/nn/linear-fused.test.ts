/**
 * nn.Linear runs the fused linear op (bias as the GEMM's starting value, one backward node):
 * its values and gradients must be those of matmul + add, on both backends and dtypes, and
 * a recorded backward (createGraph) must keep second derivatives exact.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { linear } from '../../src/ops/linear';
import { closeness, hasNative, onBackend } from '../helpers/backends';

const backends = (): ('native' | 'reference')[] => (hasNative() ? ['native', 'reference'] : ['reference']);

function both(fused: boolean, x: L.Tensor, w: L.Tensor, b: L.Tensor | null): L.Tensor[] {
  const y = fused ? linear(x, w, b) : (b ? L.add(L.matmul(x, L.transpose(w, 0, 1)), b) : L.matmul(x, L.transpose(w, 0, 1)));
  L.manualSeed(9);
  const gy = L.randn(y.shape, { dtype: y.dtype as 'float32' | 'float64' });
  const inputs = b ? [x, w, b] : [x, w];
  return [y, ...(L.grad(y, inputs, { gradOutputs: [gy] }) as L.Tensor[])];
}

describe('linear (fused x Wᵀ + b)', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`equals matmul + add in values and gradients, ${dtype}, odd shapes, with and without bias`, () => {
      const tol = dtype === 'float32' ? 1e-5 : 1e-12;
      for (const be of backends()) {
        for (const [xs, out, bias] of [[[13, 17], 9, true], [[2, 5, 33], 7, true], [[1, 3], 1, false], [[129, 64], 31, true]] as const) {
          L.manualSeed(xs.length * 100 + out);
          const x = L.randn([...xs], { dtype, requiresGrad: true });
          const w = L.randn([out, xs[xs.length - 1]], { dtype, requiresGrad: true });
          const b = bias ? L.randn([out], { dtype, requiresGrad: true }) : null;
          const f = onBackend(be, () => both(true, x, w, b)), p = onBackend(be, () => both(false, x, w, b));
          f.forEach((t, i) => {
            expect(t.shape, `${be} ${xs} #${i}`).toEqual(p[i].shape);
            expect(closeness(t.values, p[i].values, tol, tol), `${be} ${xs} #${i}`).toBeLessThanOrEqual(1);
          });
        }
      }
    });
  }

  it('nn.Linear records one linear node; second derivatives pass gradgradcheck', () => {
    const fc = new L.nn.Linear(4, 3, { dtype: 'float64' });
    const x = L.randn([5, 4], { dtype: 'float64', requiresGrad: true });
    const y = fc.call(x);
    expect(y.gradFn?.name).toBe('linear');
    // tanh makes the second derivative non-zero in x and in the parameters.
    expect(L.gradgradcheck((xx, ww, bb) => L.tanh(linear(xx, ww, bb)), [x, fc.weight, fc.bias!])).toBe(true);
  });

  it('names the op and the shapes on bad input', () => {
    const w = L.randn([3, 4]);
    expect(() => linear(L.randn([2, 5]), w)).toThrow(/linear: x is .*\[2,5\].*the last dim of x must be 4/);
    expect(() => linear(L.randn([2, 4]), w, L.randn([4]))).toThrow(/linear: bias .* must be \[3\]/);
    expect(() => linear(L.randn([2, 4], { dtype: 'float64' }), w)).toThrow(/one float dtype/);
  });
});

// From the second call on an unchanged weight, a batch of up to 16 rows reads a transposed copy
// of the weight (ops/linear.ts) when the built-in GEMM runs every product.
describe.runIf(hasNative())('linear on few rows (the transposed weight copy)', () => {
  const builtin = <T>(fn: () => T): T => {
    L.setGemmPath('builtin');
    try { return onBackend('native', fn); } finally { L.setGemmPath('auto'); }
  };
  const bits = (t: L.Tensor): Buffer => Buffer.from((t.values as Float32Array | Float64Array).slice().buffer);

  it('gives the bits of the first call on later calls, and of the same rows in a batch of 64', () => builtin(() => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [rows, K, N] of [[1, 784, 256], [3, 70, 33], [16, 300, 130], [5, 17, 1]] as const) {
        L.manualSeed(rows + K);
        const w = L.randn([N, K], { dtype }), b = L.randn([N], { dtype });
        const big = L.randn([64, K], { dtype });
        const x = L.narrow(big, 0, 0, rows);
        const first = linear(x, w, b), second = linear(x, w, b), third = linear(x, w, b);
        const what = `${dtype} [${rows}, ${K}] -> ${N}`;
        expect(bits(second), what).toEqual(bits(first));
        expect(bits(third), what).toEqual(bits(first));
        const rowsOfBig = L.narrow(linear(big, w, b), 0, 0, rows);
        expect(bits(third), what).toEqual(bits(rowsOfBig));
      }
    }
  }));

  it('follows the weight through in-place updates and optimizer steps (no stale copy)', () => builtin(() => {
    const fc = new L.nn.Linear(40, 7);
    const x = L.randn([2, 40]);
    fc.call(x); fc.call(x);  // the copy now exists
    L.noGrad(() => L.mul_(fc.weight, 2));
    const fresh = (): L.Tensor => linear(x, L.clone(fc.weight), L.clone(fc.bias!));
    expect(bits(fc.call(x))).toEqual(bits(fresh()));
    expect(bits(fc.call(x))).toEqual(bits(fresh()));
    const opt = new L.optim.SGD(fc.parameters(), { lr: 0.1 });
    for (let step = 0; step < 3; step++) {
      opt.zeroGrad();
      L.backward(L.sum(fc.call(x)));
      opt.step();
      expect(bits(fc.call(x)), `after step ${step}`).toEqual(bits(fresh()));
      expect(bits(fc.call(x)), `after step ${step}, again`).toEqual(bits(fresh()));
    }
  }));

  it('keeps two views of one storage with different shapes apart', () => builtin(() => {
    const w = L.randn([6, 4]);
    const v = L.reshape(w, [4, 6]);
    const x4 = L.randn([1, 4]), x6 = L.randn([1, 6]);
    for (let i = 0; i < 3; i++) {
      expect(bits(linear(x4, w))).toEqual(bits(linear(x4, L.clone(w))));
      expect(bits(linear(x6, v))).toEqual(bits(linear(x6, L.clone(v))));
    }
  }));
});
