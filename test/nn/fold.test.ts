/**
 * unfold / fold (nn/fold.ts) and nn.Unfold / nn.Fold (nn/layers/fold.ts) against PyTorch 2.13:
 * test/fixtures/fold_torch.json, written by test/fixtures/generators/fold_fixtures.py, holds per
 * case the op's arguments, the input, the output and the gradient of sum(out · r) with respect to
 * the input, plus fold(unfold(x)) and the divisor map fold(unfold(ones)). Checked in float64 and
 * float32 on the native and the reference backend, plus gradcheck and gradgradcheck, agreement
 * with conv2d, the adjoint identity, the modules and the error messages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';
import { ArgumentError, DTypeError, ShapeError } from '../../src/errors';
import { closeness, hasNative, onBackend } from '../helpers/backends';
import { type Dt, type Enc, torchFixtureChecker } from '../helpers/torch-fixture';

const F = nn.functional;

type Pair = number | [number, number];
interface Options { dilation?: Pair; padding?: Pair; stride?: Pair }
interface Case {
  op: 'unfold' | 'fold' | 'divisor'; kernelSize: Pair; options: Options; outputSize?: [number, number];
  input: Enc; output: Enc; r?: Enc; gradInput?: Enc; divisor?: Enc;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/fold_torch.json', import.meta.url), 'utf8')) as {
  torch: string; cases: Record<string, Case>;
};
const cases = Object.entries(fixture.cases);

const dec = (e: Enc, dtype: Dt = 'float64'): L.Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);
const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];
const TOL: Record<Dt, number> = { float64: 1e-12, float32: 1e-5 };

describe('unfold / fold against PyTorch', () => {
  const check = torchFixtureChecker(TOL);

  it('covers the geometries the fixtures were asked for', () => {
    expect(fixture.torch).toMatch(/^2\./);
    const ops = new Set(cases.map(([, c]) => c.op));
    expect(ops).toEqual(new Set(['unfold', 'fold', 'divisor']));
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const [name, c] of cases.filter(([, cc]) => cc.op !== 'divisor')) {
    for (const backend of backends) {
      for (const dtype of ['float64', 'float32'] as const) {
        it(`${name} (${backend}, ${dtype}): output and input gradient`, () => {
          onBackend(backend, () => {
            const x = dec(c.input, dtype).requiresGrad_();
            const y = c.op === 'unfold' ? F.unfold(x, c.kernelSize, c.options) : F.fold(x, c.outputSize!, c.kernelSize, c.options);
            check(y, c.output, dtype, `${name} output`);
            L.sum(L.mul(y, dec(c.r!, dtype))).backward();
            check(x.grad!, c.gradInput!, dtype, `${name} grad`);
            // The module gives the same values.
            const m = c.op === 'unfold' ? new nn.Unfold(c.kernelSize, c.options) : new nn.Fold(c.outputSize!, c.kernelSize, c.options);
            expect(Array.from(m.call(x).values)).toEqual(Array.from(y.values));
          });
        });
      }
    }
  }

  for (const [name, c] of cases.filter(([, cc]) => cc.op === 'divisor')) {
    it(`${name}: fold(unfold(x)) is x times the divisor map`, () => {
      for (const backend of backends) {
        onBackend(backend, () => {
          const x = dec(c.input);
          const size = c.outputSize!;
          const back = F.fold(F.unfold(x, c.kernelSize, c.options), size, c.kernelSize, c.options);
          check(back, c.output, 'float64', `${name} fold(unfold(x))`);
          const divisor = F.fold(F.unfold(L.onesLike(x), c.kernelSize, c.options), size, c.kernelSize, c.options);
          check(divisor, c.divisor!, 'float64', `${name} divisor`);
          // The divisor map counts blocks: whole numbers; dividing by it undoes the fold where it is nonzero.
          const dv = Array.from(divisor.values), xv = Array.from(x.values), bv = Array.from(back.values);
          for (let i = 0; i < dv.length; i++) {
            expect(Number.isInteger(dv[i])).toBe(true);
            expect(bv[i]).toBeCloseTo(xv[i] * dv[i], 12);
          }
        });
      }
    });
  }
});

describe('unfold / fold: layout, adjointness, conv2d', () => {
  it('unfold lays out channel-major, kernel-row-major rows and row-major blocks', () => {
    // x[c, y, x] = 100c + 10y + x on a [2, 3, 3] image, 2x2 kernel: 4 blocks.
    const vals: number[] = [];
    for (let ch = 0; ch < 2; ch++) for (let y = 0; y < 3; y++) for (let xx = 0; xx < 3; xx++) vals.push(100 * ch + 10 * y + xx);
    const x = L.tensor(vals).reshape([2, 3, 3]);
    const cols = F.unfold(x, 2);
    expect(cols.shape).toEqual([8, 4]);
    const rows = cols.toArray() as number[][];
    expect(rows[0]).toEqual([0, 1, 10, 11]);     // channel 0, tap (0, 0)
    expect(rows[1]).toEqual([1, 2, 11, 12]);     // channel 0, tap (0, 1)
    expect(rows[2]).toEqual([10, 11, 20, 21]);   // channel 0, tap (1, 0)
    expect(rows[7]).toEqual([111, 112, 121, 122]); // channel 1, tap (1, 1)
    // Padding reads zeros.
    const p = F.unfold(L.ones([1, 1, 2, 2]), 2, { padding: 1 });
    expect(p.shape).toEqual([1, 4, 9]);
    expect(Array.from(p.values.slice(0, 9))).toEqual([0, 0, 0, 0, 1, 1, 0, 1, 1]);
  });

  it('fold is the adjoint of unfold: <unfold(x), c> = <x, fold(c)>', () => {
    L.manualSeed(3);
    for (const [shape, k, o] of [
      [[2, 3, 7, 6], [3, 2], { stride: [2, 1], padding: [1, 2], dilation: [1, 2] }],
      [[3, 5, 5], 2, { stride: 3, padding: 1 }],
    ] as [number[], Pair, Options][]) {
      const x = L.randn(shape, { dtype: 'float64' });
      const u = F.unfold(x, k, o);
      const c = L.randn(u.shape, { dtype: 'float64' });
      const lhs = L.sum(L.mul(u, c)).item();
      const rhs = L.sum(L.mul(x, F.fold(c, shape.slice(-2) as [number, number], k, o))).item();
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-10 * Math.max(1, Math.abs(lhs)));
    }
  });

  it('unfold + matmul + reshape agrees with conv2d on random weights (both backends)', () => {
    L.manualSeed(11);
    for (const [xs, ws, o] of [
      [[2, 3, 7, 8], [4, 3, 3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2] }],
      [[1, 2, 6, 6], [5, 2, 3, 3], { padding: 1 }],
      [[3, 1, 9, 5], [2, 1, 2, 2], { stride: 2, dilation: 2, padding: 2 }],
    ] as [number[], number[], Options][]) {
      for (const dtype of ['float64', 'float32'] as const) {
        const x = L.randn(xs, { dtype }), w = L.randn(ws, { dtype });
        for (const backend of backends) {
          onBackend(backend, () => {
            const ref = L.conv2d(x, w, null, o);
            const cols = F.unfold(x, [ws[2], ws[3]], o);                 // [N, C·kh·kw, L]
            const y = L.matmul(w.reshape([ws[0], -1]), cols).reshape(ref.shape);
            const tol = dtype === 'float64' ? 1e-12 : 1e-5;
            expect(closeness(Array.from(y.values), Array.from(ref.values), tol, tol), `${backend} ${dtype} ${JSON.stringify(o)}`).toBeLessThanOrEqual(1);
          });
        }
      }
    }
  });

  it('unfold\'s gradient is fold of the output gradient, fold\'s is unfold of it', () => {
    L.manualSeed(5);
    const o: Options = { stride: 2, padding: [1, 2], dilation: [2, 1] };
    const x = L.randn([2, 3, 6, 7], { dtype: 'float64', requiresGrad: true });
    const u = F.unfold(x, [2, 3], o);
    const g = L.randn(u.shape, { dtype: 'float64' });
    const [gx] = L.grad(L.sum(L.mul(u, g)), [x]);
    expect(Array.from(gx!.values)).toEqual(Array.from(F.fold(g, [6, 7], [2, 3], o).values));
    const c = L.randn(u.shape, { dtype: 'float64', requiresGrad: true });
    const f = F.fold(c, [6, 7], [2, 3], o);
    const h = L.randn(f.shape, { dtype: 'float64' });
    const [gc] = L.grad(L.sum(L.mul(f, h)), [c]);
    expect(Array.from(gc!.values)).toEqual(Array.from(F.unfold(h, [2, 3], o).values));
  });

  it('an empty batch gives an empty result', () => {
    expect(F.unfold(L.zeros([0, 2, 4, 4]), 2, { padding: 1 }).shape).toEqual([0, 8, 25]);
    expect(F.fold(L.zeros([0, 8, 9]), [4, 4], 2).shape).toEqual([0, 2, 4, 4]);
  });
});

describe('unfold / fold: autograd', () => {
  const geometries: [number[], Pair, Options][] = [
    [[2, 2, 5, 4], [3, 2], { stride: [2, 1], padding: [1, 2], dilation: [1, 2] }],
    [[2, 4, 4], 2, { padding: 1 }],
  ];

  it('gradcheck in float64', () => {
    L.manualSeed(7);
    for (const [shape, k, o] of geometries) {
      const x = L.randn(shape, { dtype: 'float64', requiresGrad: true });
      expect(L.gradcheck((t) => F.unfold(t, k, o), [x]), `unfold ${JSON.stringify(o)}`).toBe(true);
      const cols = L.randn(F.unfold(x, k, o).shape, { dtype: 'float64', requiresGrad: true });
      const size = shape.slice(-2) as [number, number];
      expect(L.gradcheck((t) => F.fold(t, size, k, o), [cols]), `fold ${JSON.stringify(o)}`).toBe(true);
    }
  });

  it('gradgradcheck in float64, through products that make the second derivative nonzero', () => {
    L.manualSeed(8);
    for (const [shape, k, o] of geometries) {
      const x = L.randn(shape, { dtype: 'float64', requiresGrad: true });
      const cshape = F.unfold(x, k, o).shape;
      const size = shape.slice(-2) as [number, number];
      const kk = typeof k === 'number' ? k * k : k[0] * k[1];
      const w = L.randn([3, cshape[cshape.length - 2]], { dtype: 'float64', requiresGrad: true });
      // im2col convolution: bilinear in (x, w), so the mixed second derivative runs through unfold's backward (fold).
      expect(L.gradgradcheck((t, ww) => L.matmul(ww, F.unfold(t, k, o)), [x, w]), `unfold·w ${JSON.stringify(o)}`).toBe(true);
      expect(L.gradgradcheck((t) => L.mul(F.unfold(t, k, o), F.unfold(t, k, o)), [x])).toBe(true);
      const cols = L.randn(cshape, { dtype: 'float64', requiresGrad: true });
      const v = L.randn([...shape.slice(0, -3), cshape[cshape.length - 2] / kk, ...size], { dtype: 'float64', requiresGrad: true });
      expect(L.gradgradcheck((t, vv) => L.mul(F.fold(t, size, k, o), vv), [cols, v]), `fold·v ${JSON.stringify(o)}`).toBe(true);
      expect(L.gradgradcheck((t) => L.tanh(F.fold(t, size, k, o)), [cols])).toBe(true);
    }
  });

  it('the modules differentiate too', () => {
    L.manualSeed(9);
    const x = L.randn([1, 2, 4, 5], { dtype: 'float64', requiresGrad: true });
    const un = new nn.Unfold([2, 3], { padding: 1, stride: [1, 2] });
    const fo = new nn.Fold([4, 5], [2, 3], { padding: 1, stride: [1, 2] });
    expect(L.gradcheck((t) => fo.call(L.mul(un.call(t), un.call(t))), [x])).toBe(true);
  });
});

describe('nn.Unfold / nn.Fold', () => {
  it('keep their options as given and print them', () => {
    const un = new nn.Unfold(2, { padding: [1, 2] });
    expect([un.kernelSize, un.dilation, un.padding, un.stride]).toEqual([2, 1, [1, 2], 1]);
    expect(String(un)).toContain('Unfold(kernelSize=2, dilation=1, padding=[1, 2], stride=1)');
    const fo = new nn.Fold([4, 5], [3, 2], { stride: 2 });
    expect(String(fo)).toContain('Fold(outputSize=[4, 5], kernelSize=[3, 2], dilation=1, padding=0, stride=2)');
    expect(Object.keys(fo.stateDict())).toEqual([]);
    expect(new nn.Fold(3, 2).call(L.ones([4, 4])).shape).toEqual([1, 3, 3]);
  });

  it('reject bad options when built, naming the module', () => {
    expect(() => new nn.Unfold(0)).toThrow(ArgumentError);
    expect(() => new nn.Unfold(0)).toThrow(/^Unfold: kernelSize must be a positive integer/);
    expect(() => new nn.Unfold(2, { padding: -1 })).toThrow(/Unfold: padding must be a non-negative integer/);
    expect(() => new nn.Fold([4, 0], 2)).toThrow(/Fold: outputSize must be a positive integer/);
    expect(() => new nn.Fold(4, 2, { stride: [1, 2, 3] as unknown as [number, number] })).toThrow(/Fold: stride must be a positive integer or a pair/);
    expect(() => new nn.Fold([4, 4], 2).call(L.ones([1, 8, 5]))).toThrow(/^Fold: .*9 sliding blocks.*is 5/);
  });
});

describe('unfold / fold: errors', () => {
  const err = (fn: () => unknown): Error => {
    try { fn(); } catch (e) { return e as Error; }
    throw new Error('did not throw');
  };

  it('unfold: a kernel larger than the padded input', () => {
    const e = err(() => F.unfold(L.ones([1, 2, 3, 4]), [4, 2], { padding: [0, 1] }));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toMatch(/^unfold: x float32\[1,2,3,4\] with spatial size \(3, 4\), kernelSize=\(4, 2\), dilation=\(1, 1\), padding=\(0, 1\) gives 0 x 5 sliding blocks.*padded input \(3, 6\)/);
    // Dilation widens the kernel's extent: 2·(2 - 1) + 1 = 3 > 2.
    expect(() => F.unfold(L.ones([1, 1, 2, 5]), 2, { dilation: 2 })).toThrow(/extent.*\(3, 3\).*padded input \(2, 5\)/);
    expect(() => F.unfold(L.ones([1, 1, 2, 5]), 2, { dilation: 2, padding: [1, 0] })).not.toThrow();
  });

  it('unfold: bad ranks, empty dims, dtypes and arguments', () => {
    expect(() => F.unfold(L.ones([3, 3]), 2)).toThrow(ShapeError);
    expect(() => F.unfold(L.ones([3, 3]), 2)).toThrow(/unfold: x must be \[N, C, H, W\] or unbatched \[C, H, W\], got/);
    expect(() => F.unfold(L.ones([1, 1, 1, 3, 3]), 2)).toThrow(ShapeError);
    expect(() => F.unfold(L.ones([1, 0, 3, 3]), 2)).toThrow(/empty channel or spatial dim/);
    expect(() => F.unfold(L.ones([1, 1, 3, 3], { dtype: 'int32' }), 2)).toThrow(DTypeError);
    expect(() => F.unfold(L.ones([1, 1, 3, 3]), 2.5)).toThrow(/unfold: kernelSize must be a positive integer or a pair of them/);
    expect(() => F.unfold(L.ones([1, 1, 3, 3]), [2, 2, 2] as unknown as [number, number])).toThrow(ArgumentError);
    expect(() => F.unfold(L.ones([1, 1, 3, 3]), 2, { stride: 0 })).toThrow(/unfold: stride must be a positive integer/);
    expect(() => F.unfold(L.ones([1, 1, 3, 3]), 2, { dilation: [1, 0] })).toThrow(/unfold: dilation must be a positive integer/);
    expect(() => F.unfold(L.ones([1, 1, 3, 3]), 2, { padding: [0, -1] })).toThrow(/unfold: padding must be a non-negative integer/);
    expect(() => F.unfold([1, 2] as unknown as L.Tensor, 2)).toThrow(/unfold/);
  });

  it('fold: L that does not match outputSize', () => {
    const e = err(() => F.fold(L.ones([1, 8, 4]), [3, 4], 2));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe('fold: outputSize=(3, 4), kernelSize=(2, 2), dilation=(1, 1), padding=(0, 0), stride=(1, 1) gives 2 x 3 = 6 sliding blocks, but the last dim of cols float32[1,8,4] is 4');
    expect(() => F.fold(L.ones([8, 4]), [3, 3], 2, { stride: 2 })).toThrow(/^fold: .*gives 1 x 1 = 1 sliding blocks, but the last dim of cols float32\[8,4\] is 4/);
    expect(() => F.fold(L.ones([8, 4]), [3, 3], 2)).not.toThrow();
    // outputSize too small for the kernel: no blocks at all.
    expect(() => F.fold(L.ones([1, 16, 1]), [3, 3], 4, { stride: 2 })).toThrow(/fold: .*too small \(non-positive\).*padded output \(3, 3\)/);
  });

  it('fold: C·kh·kw not divisible, bad ranks, dtypes and arguments', () => {
    const e = err(() => F.fold(L.ones([1, 7, 4]), [3, 3], 2));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toMatch(/^fold: dim 1 of cols float32\[1,7,4\] is 7, which is not divisible by the product of kernelSize \(2, 2\) = 4/);
    expect(() => F.fold(L.ones([7, 4]), [3, 3], 2)).toThrow(/fold: dim 0 of cols/);
    expect(() => F.fold(L.ones([4]), [3, 3], 2)).toThrow(/fold: cols must be \[N, C·kh·kw, L\] or unbatched \[C·kh·kw, L\], got/);
    expect(() => F.fold(L.ones([1, 8, 4, 1]), [3, 3], 2)).toThrow(ShapeError);
    expect(() => F.fold(L.ones([1, 0, 4]), [3, 3], 2)).toThrow(/empty channel or block dim/);
    expect(() => F.fold(L.ones([1, 8, 4], { dtype: 'int32' }), [3, 3], 2)).toThrow(DTypeError);
    expect(() => F.fold(L.ones([1, 8, 4]), [3, 0], 2)).toThrow(/fold: outputSize must be a positive integer or a pair of them/);
    expect(() => F.fold(L.ones([1, 8, 4]), 3, 0)).toThrow(/fold: kernelSize must be a positive integer/);
    expect(() => F.fold(L.ones([1, 8, 4]), 3, 2, null as unknown as Options)).toThrow(/fold: options must be an object/);
  });
});
