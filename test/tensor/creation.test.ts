/**
 * Tensor creation and the Tensor object: known values (PyTorch fixtures from
 * test/fixtures/generators/foundation_torch.py), dtypes, conversion back to JS,
 * printing, views, memory accounting, and the random generators.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { onBackend } from '../helpers/backends';

interface Encoded { shape: number[]; values: (number | string)[] }
const FIX = JSON.parse(readFileSync(join(__dirname, '../fixtures/foundation_torch.json'), 'utf8'));
const dec = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
const decAll = (vs: (number | string)[]): number[] => vs.map(dec);

describe('constant fills', () => {
  it('zeros, ones and full give the shape, dtype and value asked for', () => {
    const z = L.zeros([2, 3]);
    expect(z.shape).toEqual([2, 3]);
    expect(z.dtype).toBe('float32');
    expect(Array.from(z.values)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(L.ones([2], { dtype: 'int32' }).toArray()).toEqual([1, 1]);
    expect(L.ones([3], { dtype: 'bool' }).toArray()).toEqual([true, true, true]);
    expect(L.full([2, 2], 7, { dtype: 'float64' }).toArray()).toEqual([[7, 7], [7, 7]]);
    expect(L.full([2], -2.5).values).toBeInstanceOf(Float32Array);
    expect(L.full([3], 0.1).values[0]).toBe(Math.fround(0.1));
    expect(L.full([2], 2, { dtype: 'bool' }).toArray()).toEqual([true, true]);
    expect(L.full([], 3).shape).toEqual([]);
    expect(L.full([], 3).item()).toBe(3);
    expect(L.zeros([0, 4]).size).toBe(0);
    // NaN is a legitimate fill (torch.full(..., nan)).
    expect(Number.isNaN(L.full([2], NaN).values[1])).toBe(true);
    expect(Number.isNaN(L.fill_(L.zeros([2]), NaN).values[0])).toBe(true);
    expect(Number.isNaN(L.add_(L.zeros([2]), NaN).values[1])).toBe(true);
  });

  it('zerosLike and onesLike copy shape and dtype, and accept a dtype override', () => {
    const x = L.tensor([[1, 2, 3]], { dtype: 'float64' });
    const z = L.zerosLike(x);
    expect(z.shape).toEqual([1, 3]);
    expect(z.dtype).toBe('float64');
    expect(Array.from(z.values)).toEqual([0, 0, 0]);
    const o = L.onesLike(x, { dtype: 'int32' });
    expect(o.dtype).toBe('int32');
    expect(o.toArray()).toEqual([[1, 1, 1]]);
    expect(z.storage).not.toBe(x.storage);
  });

  it('eye is the identity, square or rectangular', () => {
    expect(L.eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(L.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(L.eye(3, 1, { dtype: 'int32' }).toArray()).toEqual([[1], [0], [0]]);
    expect(L.eye(0).shape).toEqual([0, 0]);
  });
});

describe('ranges match PyTorch', () => {
  it('arange with integer and float steps, both directions', () => {
    for (const c of FIX.arange as { args: number[]; dtype: L.DType; shape: number[]; values: number[] }[]) {
      const [a, b, s] = c.args;
      const t = L.arange(a, b, s, { dtype: c.dtype });
      expect(t.shape, `arange${JSON.stringify(c.args)}`).toEqual(c.shape);
      expect(t.dtype).toBe(c.dtype);
      const tol = c.dtype === 'float64' ? 1e-15 : 1e-7;
      Array.from(t.values).forEach((v, i) => expect(Math.abs(v - c.values[i]), `arange${JSON.stringify(c.args)}[${i}]`).toBeLessThanOrEqual(tol));
    }
  });

  it('arange infers int32 from integers and float32 otherwise', () => {
    expect(L.arange(4).dtype).toBe('int32');
    expect(L.arange(0, 1, 0.5).dtype).toBe('float32');
    expect(L.arange(0, 1, 0.5).toArray()).toEqual([0, 0.5]);
    expect(L.arange(3, 3).shape).toEqual([0]);
  });

  it('linspace values, including the exact endpoint, steps 0 and 1', () => {
    for (const c of FIX.linspace as { args: number[]; dtype: L.DType; shape: number[]; values: number[] }[]) {
      const [a, b, n] = c.args;
      const t = L.linspace(a, b, n, { dtype: c.dtype });
      const tag = `linspace${JSON.stringify(c.args)} ${c.dtype}`;
      expect(t.shape, tag).toEqual(c.shape);
      const tol = c.dtype === 'float64' ? 4e-16 : 1.2e-7;
      Array.from(t.values).forEach((v, i) => expect(Math.abs(v - c.values[i]), `${tag}[${i}]`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(c.values[i]))));
      if (n > 1) expect(t.values[n - 1], `${tag} endpoint`).toBe(c.values[n - 1]);
    }
  });
});

describe('tensor() from data', () => {
  it('nested arrays give the shape; numbers are float32 unless a dtype is given', () => {
    const t = L.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(L.tensor([[[1]], [[2]]]).shape).toEqual([2, 1, 1]);
    expect(L.tensor([[0.1]], { dtype: 'float64' }).values[0]).toBe(0.1);
    expect(L.tensor([0.1]).values[0]).toBe(Math.fround(0.1));
    expect(L.tensor([2.7, -2.7], { dtype: 'int32' }).toArray()).toEqual([2, -2]);
  });

  it('scalars, empty arrays and booleans', () => {
    const s = L.tensor(5);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(5);
    expect(L.tensor([]).shape).toEqual([0]);
    expect(L.tensor([[], []]).shape).toEqual([2, 0]);
    const b = L.tensor([true, false, true]);
    expect(b.dtype).toBe('bool');
    expect(b.toArray()).toEqual([true, false, true]);
    expect(Array.from(b.values)).toEqual([1, 0, 1]);
    expect(L.tensor(true).toArray()).toBe(true);
    expect(L.tensor([true, false], { dtype: 'float32' }).toArray()).toEqual([1, 0]);
  });

  it('typed arrays keep their dtype, are copied, and can be converted', () => {
    const f64 = new Float64Array([1.5, 2.5]);
    const t = L.tensor(f64);
    expect(t.dtype).toBe('float64');
    f64[0] = 99;
    expect(t.values[0]).toBe(1.5);
    expect(L.tensor(new Int32Array([1, -2])).dtype).toBe('int32');
    expect(L.tensor(new Float32Array([1])).dtype).toBe('float32');
    expect(L.tensor(new Uint8Array([0, 3])).toArray()).toEqual([false, true]);
    expect(L.tensor(new Int32Array([1, 2]), { dtype: 'float64' }).values).toBeInstanceOf(Float64Array);
  });

  it('ragged data is a ShapeError naming tensor', () => {
    expect(() => L.tensor([[1, 2], [3]])).toThrow(L.ShapeError);
    expect(() => L.tensor([[1, 2], 3] as never)).toThrow(/tensor: data is ragged/);
    expect(() => L.tensor([[1], [[2]]] as never)).toThrow(L.ArgumentError);
    expect(() => L.tensor([[[1, 2]], [[1]]])).toThrow(L.ShapeError);
  });

  it('requiresGrad only on float dtypes', () => {
    expect(L.tensor([1], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(() => L.tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(L.DTypeError);
  });
});

describe('reading tensors back', () => {
  it('data() is a copy; toArray() nests; item() needs one element', () => {
    const t = L.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    const d = t.data();
    expect(d).toBeInstanceOf(Int32Array);
    d[0] = 100;
    expect(t.values[0]).toBe(1);
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(L.tensor([[7]]).item()).toBe(7);
    expect(() => t.item()).toThrow(/item: the tensor has shape \[2,2\]/);
    expect(L.zeros([2, 0]).toArray()).toEqual([[], []]);
    expect(t.numel()).toBe(4);
    expect(t.ndim).toBe(2);
  });

  type PrintCase = Encoded & { dtype: L.DType; text: string };
  const fromPrintCase = (c: PrintCase): L.Tensor => {
    const values = decAll(c.values);
    return c.dtype === 'bool' ? L.tensor(values.map((v) => v !== 0)).reshape(c.shape) : L.tensor(values, { dtype: c.dtype }).reshape(c.shape);
  };
  const prints = FIX.print as PrintCase[];

  it("toString follows PyTorch's print style (including nan/inf and empty tensors)", () => {
    expect(prints.map((c) => c.text)).toEqual(expect.arrayContaining(['tensor([nan, 1., inf])', 'tensor([])', 'tensor([], size=(2, 0))']));
    for (const c of prints) expect(String(fromPrintCase(c)), c.text).toBe(c.text);
  });
});

describe('views share storage, copies do not', () => {
  it('reshape, view, flatten, squeeze and unsqueeze alias the data', () => {
    const x = L.arange(6, undefined, 1, { dtype: 'float32' });
    const views = [x.reshape([2, 3]), x.view([3, 2]), x.reshape([1, 6]).flatten(), x.reshape([1, 6]).squeeze(), x.unsqueeze(0)];
    for (const v of views) expect(v.storage).toBe(x.storage);
    L.noGrad(() => L.add_(x, 10));
    for (const v of views) expect(v.values[5]).toBe(15);
    const y = views[0];
    L.fill_(y, 1);
    expect(x.values[0]).toBe(1);
  });

  it('transpose, narrow, expand and clone copy', () => {
    const x = L.tensor([[1, 2], [3, 4]]);
    for (const c of [L.transpose(x, 0, 1), L.narrow(x, 0, 1, 1), L.expand(x.reshape([1, 2, 2]), [2, 2, 2]), L.clone(x)]) {
      expect(c.storage).not.toBe(x.storage);
    }
    const c = L.clone(x);
    L.fill_(c, 0);
    expect(x.toArray()).toEqual([[1, 2], [3, 4]]);
  });
});

describe('memory accounting', () => {
  it('memory() counts tensors and bytes; dispose releases them once', () => {
    const before = L.memory();
    const a = L.zeros([10]);            // 40 bytes
    const b = L.zeros([5], { dtype: 'float64' }); // 40 bytes
    const mid = L.memory();
    expect(mid.numTensors - before.numTensors).toBe(2);
    expect(mid.numBytes - before.numBytes).toBe(80);
    a.dispose();
    a.dispose();  // a second dispose is a no-op
    expect(L.memory().numTensors - before.numTensors).toBe(1);
    expect(L.memory().numBytes - before.numBytes).toBe(40);
    L.dispose([b]);
    expect(L.memory().numTensors).toBe(before.numTensors);
    expect(L.memory().numBytes).toBe(before.numBytes);
    expect(a.isDisposed).toBe(true);
    expect(() => a.data()).toThrow(L.ArgumentError);
  });

  it('a view is its own tensor but shares the bytes until the last holder goes', () => {
    const before = L.memory();
    const x = L.zeros([4, 4]);
    const v = x.reshape([16]);
    expect(L.memory().numTensors - before.numTensors).toBe(2);
    expect(L.memory().numBytes - before.numBytes).toBe(64);
    x.dispose();
    expect(L.memory().numBytes - before.numBytes).toBe(64);
    expect(v.values.length).toBe(16);
    v.dispose();
    expect(L.memory().numBytes - before.numBytes).toBe(0);
    expect(L.memory().numTensors - before.numTensors).toBe(0);
  });

  it('tidy disposes what fn made and did not return; keep() survives', () => {
    const outside = L.ones([3]);
    const before = L.memory();
    let kept: L.Tensor | null = null;
    let temp: L.Tensor | null = null;
    const result = L.tidy(() => {
      temp = outside.mul(2);
      const y = temp.add(1).exp();
      kept = L.keep(L.zeros([2]));
      return { y, list: [outside.neg()] };
    });
    expect(temp!.isDisposed).toBe(true);
    expect(kept!.isDisposed).toBe(false);
    expect(result.y.isDisposed).toBe(false);
    expect(result.list[0].isDisposed).toBe(false);
    expect(outside.isDisposed).toBe(false);
    // y, list[0] and kept are alive; the intermediates are gone.
    expect(L.memory().numTensors - before.numTensors).toBe(3);
    expect(result.y.toArray()).toEqual([Math.fround(Math.exp(3)), Math.fround(Math.exp(3)), Math.fround(Math.exp(3))]);
    L.dispose([result, kept]);
    expect(L.memory().numTensors).toBe(before.numTensors);
  });

  it('nested tidy moves a returned tensor to the outer scope', () => {
    const before = L.memory().numTensors;
    const out = L.tidy(() => {
      const inner = L.tidy(() => L.ones([2]).add(1));
      const scratch = L.zeros([2]);
      expect(scratch.isDisposed).toBe(false);
      return inner.mul(3);
    });
    expect(out.toArray()).toEqual([6, 6]);
    expect(L.memory().numTensors - before).toBe(1);
    out.dispose();
  });

  it('tidy disposes even when fn throws', () => {
    const before = L.memory().numTensors;
    let made: L.Tensor | null = null;
    expect(() => L.tidy(() => { made = L.zeros([3]); throw new Error('boom'); })).toThrow('boom');
    expect(made!.isDisposed).toBe(true);
    expect(L.memory().numTensors).toBe(before);
  });
});

describe('random numbers', () => {
  it('rand, randn and randint repeat after manualSeed', () => {
    const draw = (): number[][] => [Array.from(L.rand([7]).values), Array.from(L.randn([5], { dtype: 'float64' }).values), Array.from(L.randint(-3, 9, [6]).values)];
    L.manualSeed(123);
    const a = draw();
    L.manualSeed(123);
    const b = draw();
    expect(b).toEqual(a);
    L.manualSeed(124);
    expect(draw()[0]).not.toEqual(a[0]);
  });

  it('a separate generator does not disturb the global stream', () => {
    L.manualSeed(5);
    const first = Array.from(L.rand([4]).values);
    L.manualSeed(5);
    L.rand([3], { generator: new L.PhiloxStream(99) });
    expect(Array.from(L.rand([4]).values)).toEqual(first);
  });

  it.runIf(nativeAddon() !== null)('the native Philox kernel and the TypeScript one give the same bits', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const n of [0, 1, 3, 4, 5, 17, 1001]) {
        const draw = (): L.Tensor[] => { L.manualSeed(77); L.rand([2]); return [L.rand([n], { dtype }), L.randn([n], { dtype }), L.randint(0, 1000, [n])]; };
        const ref = onBackend('reference', draw);
        const nat = onBackend('native', draw);
        ref.forEach((r, i) => expect(Array.from(nat[i].values), `${dtype} n=${n} #${i}`).toEqual(Array.from(r.values)));
      }
    }
  });

  it('distributions look right', () => {
    L.manualSeed(2024);
    const n = 200000;
    const u = L.rand([n], { dtype: 'float64' });
    expect(L.amin(u).item()).toBeGreaterThanOrEqual(0);
    expect(L.amax(u).item()).toBeLessThan(1);
    expect(Math.abs(L.mean(u).item() - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(L.variance(u).item() - 1 / 12)).toBeLessThan(0.002);
    const g = L.randn([n], { dtype: 'float64' });
    expect(Math.abs(L.mean(g).item())).toBeLessThan(0.01);
    expect(Math.abs(L.std(g).item() - 1)).toBeLessThan(0.01);
    // About 68.3% within one sigma, 95.4% within two.
    expect(Math.abs(L.sum(L.abs(g).lt(1)).item() / n - 0.6827)).toBeLessThan(0.005);
    expect(Math.abs(L.sum(L.abs(g).lt(2)).item() / n - 0.9545)).toBeLessThan(0.003);
    const k = L.randint(-2, 3, [n]);
    expect(k.dtype).toBe('int32');
    const counts = [-2, -1, 0, 1, 2].map((v) => L.sum(k.eq(v)).item());
    expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
    for (const c of counts) expect(Math.abs(c / n - 0.2)).toBeLessThan(0.01);
    const f32 = L.rand([n]);
    expect(f32.dtype).toBe('float32');
    expect(L.amax(f32).item()).toBeLessThan(1);
  });
});
