/**
 * cumsum, cumprod, flip, roll, tril, triu, sort, argsort and topk: behaviour beyond the PyTorch fixtures
 * (dtypes kept or promoted, int32 wrap-around, 0-d and empty tensors, the tensor methods, inputs left
 * untouched), every argument error with its message, and cuda tensors (host emulation): a clear error
 * naming the op where its kernel has no CUDA version (cumsum, cumprod, sort, argsort, topk), correct
 * results where the op falls back to kernels CUDA has (flip, roll, tril, triu).
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { argsort, sort, topk } from '../../src/ops/order';
import { flip, roll, tril, triu } from '../../src/ops/rearrange';
import { cumprod, cumsum } from '../../src/ops/scan';
import { hasNative, onBackend } from '../helpers/backends';
import { withEmulatedCuda } from '../cuda/with-emulation';

const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];
const int = (v: number[] | number[][]): L.Tensor => L.tensor(v, { dtype: 'int32' });

describe('behaviour', () => {
  for (const backend of backends) {
    it(`dtypes: int32 kept, bool counted as int32, int32 wraps like int32 arithmetic (${backend})`, () => onBackend(backend, () => {
      const c = cumsum(int([2147483647, 1, 5]), 0);
      expect(c.dtype).toBe('int32');
      expect(Array.from(c.values)).toEqual([2147483647, -2147483648, -2147483643]);
      const p = cumprod(int([65536, 65536, 3]), 0);
      expect(Array.from(p.values)).toEqual([65536, 0, 0]);
      const b = cumsum(L.tensor([true, false, true, true]), 0);
      expect([b.dtype, ...Array.from(b.values)]).toEqual(['int32', 1, 1, 2, 3]);
      expect(cumsum(int([1, 2]), 0, { dtype: 'float64' }).dtype).toBe('float64');
      expect(Array.from(cumprod(L.tensor([true, true, false]), 0).values)).toEqual([1, 1, 0]);
      const s = sort(L.tensor([true, false, true]));
      expect([s.values.dtype, s.indices.dtype, ...Array.from(s.values.values), ...Array.from(s.indices.values)]).toEqual(['bool', 'int32', 0, 1, 1, 1, 0, 2]);
      expect(argsort(L.tensor([0.5, -1, 2])).dtype).toBe('int32');
      expect(flip(L.tensor([true, false]), 0).dtype).toBe('bool');
      expect(tril(L.ones([2, 2], { dtype: 'bool' })).dtype).toBe('bool');
      expect(roll(int([1, 2, 3]), 1).toArray()).toEqual([3, 1, 2]);
    }));

    it(`0-d and empty tensors (${backend})`, () => onBackend(backend, () => {
      const s = L.tensor(4);
      expect(cumsum(s, 0).item()).toBe(4);
      expect(cumprod(s, -1).item()).toBe(4);
      expect(flip(s, 0).item()).toBe(4);
      expect(roll(s, 3).item()).toBe(4);
      const sorted = sort(s);
      expect([sorted.values.shape, sorted.values.item(), sorted.indices.item()]).toEqual([[], 4, 0]);
      expect(topk(s, 1).values.item()).toBe(4);
      expect(cumsum(L.zeros([0, 3]), 1).shape).toEqual([0, 3]);
      expect(cumprod(L.zeros([2, 0]), 1).shape).toEqual([2, 0]);
      expect(sort(L.zeros([2, 0])).values.shape).toEqual([2, 0]);
      expect(topk(L.zeros([2, 5]), 0).indices.shape).toEqual([2, 0]);
      expect(flip(L.zeros([0, 2]), [0, 1]).shape).toEqual([0, 2]);
      expect(roll(L.zeros([3, 0]), [1, 2], [0, 1]).shape).toEqual([3, 0]);
      expect(tril(L.zeros([2, 0, 3])).shape).toEqual([2, 0, 3]);
    }));

    it(`each result is a new tensor and the input is left as it was (${backend})`, () => onBackend(backend, () => {
      const x = L.tensor([[3, 1, 2], [0, -1, 5]]);
      const before = Array.from(x.values);
      const outs = [cumsum(x, 1), cumprod(x, 0), flip(x, []), flip(L.ones([1, 1]), [0, 1]), roll(x, 0), roll(x, 3, 1), tril(x, 5), triu(x),
        sort(x).values, sort(x, 0).indices, topk(x, 2).values];
      for (const y of outs) expect(y.storage === x.storage).toBe(false);
      expect(Array.from(x.values)).toEqual(before);
      expect(flip(x, []).toArray()).toEqual(x.toArray());
    }));
  }

  it('the tensor methods call the functions', () => {
    const x = L.tensor([[3, 1, 2], [0, -1, 5]]);
    expect(x.cumsum(1).toArray()).toEqual(cumsum(x, 1).toArray());
    expect(x.cumprod(0, { dtype: 'float64' }).dtype).toBe('float64');
    expect(x.flip(0).toArray()).toEqual([[0, -1, 5], [3, 1, 2]]);
    expect(x.flip([0, 1]).toArray()).toEqual([[5, -1, 0], [2, 1, 3]]);
    expect(x.roll(1).toArray()).toEqual([[5, 3, 1], [2, 0, -1]]);
    expect(x.roll([1, 1], [0, 1]).toArray()).toEqual([[5, 0, -1], [2, 3, 1]]);
    expect(x.tril().toArray()).toEqual([[3, 0, 0], [0, -1, 0]]);
    expect(x.triu(1).toArray()).toEqual([[0, 1, 2], [0, 0, 5]]);
    expect(x.sort().values.toArray()).toEqual([[1, 2, 3], [-1, 0, 5]]);
    expect(x.sort(0, { descending: true }).indices.toArray()).toEqual([[0, 0, 1], [1, 1, 0]]);
    expect(x.sort({ dim: 0 }).values.toArray()).toEqual([[0, -1, 2], [3, 1, 5]]);
    expect(x.argsort({ descending: true }).toArray()).toEqual([[0, 2, 1], [2, 0, 1]]);
    expect(x.argsort(0).toArray()).toEqual([[1, 1, 0], [0, 0, 1]]);
    expect(x.topk(2).indices.toArray()).toEqual([[0, 2], [2, 0]]);
    expect(x.topk(1, 0, { largest: false }).values.toArray()).toEqual([[0, -1, 2]]);
    expect(x.topk(1, { dim: 0 }).values.toArray()).toEqual([[3, 1, 5]]);
    expect(x.sort(undefined, { descending: true }).values.toArray()).toEqual([[3, 2, 1], [5, 0, -1]]);
    expect(sort(x, undefined, { dim: 0 }).values.toArray()).toEqual([[0, -1, 2], [3, 1, 5]]);
    expect(x.topk(2, undefined, { largest: false }).values.toArray()).toEqual([[1, 2], [-1, 0]]);
  });
});

describe('argument errors name the op, the argument and the values', () => {
  const x = L.randn([2, 3]);

  it('cumsum and cumprod', () => {
    expect(() => cumsum(x, 2)).toThrow(L.ArgumentError);
    expect(() => cumsum(x, 2)).toThrow(/cumsum: dim 2 is out of range for a tensor of rank 2/);
    expect(() => cumprod(x, 1.5)).toThrow(/cumprod: dim 1.5 is out of range/);
    expect(() => cumsum(x, 0, { dtype: 'bool' })).toThrow(L.DTypeError);
    expect(() => cumsum(x, 0, { dtype: 'bool' })).toThrow(/cumsum: dtype must be float32, float64 or int32, got bool/);
    expect(() => cumprod(x, 0, { dtype: 'half' as never })).toThrow(/cumprod: dtype must be float32, float64 or int32, got half/);
    expect(() => cumsum([1, 2] as never, 0)).toThrow(/cumsum: x must be a Tensor, got Array/);
    expect(() => cumsum(x, 0, 3 as never)).toThrow(/cumsum: options must be an object, got 3/);
    const gone = L.randn([2]);
    gone.dispose();
    expect(() => cumprod(gone, 0)).toThrow(/cumprod: x \(.*\) was disposed/);
  });

  it('flip and roll', () => {
    expect(() => flip(x, [0, -2])).toThrow(/flip: dims \[0,-2\] repeats a dim/);
    expect(() => flip(x, 3)).toThrow(/flip: dims 3 is out of range for a tensor of rank 2/);
    expect(() => flip(x, 'a' as never)).toThrow(/flip: dims must be a dim or an array of dims, got a/);
    expect(() => roll(x, [1, 2])).toThrow(/roll: without dims, shifts must be a single integer, got \[1,2\]/);
    expect(() => roll(x, [1, 2], [0])).toThrow(/roll: shifts \[1,2\] and dims \[0\] must have the same length/);
    expect(() => roll(x, 1.5, 0)).toThrow(/roll: shifts must be an integer or an array of integers, got 1.5/);
    expect(() => roll(x, 1, 4)).toThrow(/roll: dims 4 is out of range/);
    expect(() => roll(x, [], [])).toThrow(/roll: shifts must not be empty/);
    expect(() => roll(x, 1, {} as never)).toThrow(/roll: dims must be a dim or an array of dims/);
  });

  it('tril and triu', () => {
    expect(() => tril(L.ones([3]))).toThrow(L.ShapeError);
    expect(() => tril(L.ones([3]))).toThrow(/tril: x must have at least 2 dims .*, got float32\[3\]/);
    expect(() => triu(x, 0.5)).toThrow(/triu: diagonal must be an integer \(within ±\(2\^31-1\)\), got 0.5/);
    expect(() => tril(x, 2 ** 31)).toThrow(/tril: diagonal must be an integer .*, got 2147483648/);
  });

  it('sort, argsort and topk', () => {
    expect(() => sort(x, 2)).toThrow(/sort: dim 2 is out of range/);
    expect(() => sort(x, 1, { dim: 0 })).toThrow(/sort: dim is given twice, as 1 and as options.dim 0/);
    expect(() => sort(x, { descending: 'yes' as never })).toThrow(/sort: descending must be a boolean, got yes/);
    expect(() => argsort(x, { stable: 1 as never })).toThrow(/argsort: stable must be a boolean, got 1/);
    expect(() => sort(x, 'x' as never)).toThrow(/sort: the second argument must be a dim or an options object, got x/);
    expect(() => (sort as (...a: unknown[]) => unknown)(x, {}, {})).toThrow(/sort: options are given twice/);
    expect(() => x.argsort(0, 5 as never)).toThrow(/argsort: options must be an object, got 5/);
    expect(() => topk(x, 4)).toThrow(L.ArgumentError);
    expect(() => topk(x, 4)).toThrow(/topk: k 4 is out of range for dim 1 of x float32\[2,3\] \(expected an integer in \[0, 3\]\)/);
    expect(() => topk(x, -1, 0)).toThrow(/topk: k -1 is out of range for dim 0/);
    expect(() => topk(x, 1.5)).toThrow(/topk: k 1.5 is out of range/);
    expect(() => topk(L.tensor(2), 0)).toThrow(/topk: k 0 is out of range .* \(expected an integer in \[1, 1\]\)/);
    expect(() => topk(x, 1, { largest: 0 as never })).toThrow(/topk: largest must be a boolean, got 0/);
  });
});

describe('cuda tensors (host emulation of the bindings)', () => {
  const cuda = withEmulatedCuda();

  it('ops whose kernel has no CUDA version refuse a cuda tensor by name, before allocating anything', () => {
    const x = L.randn([3, 4]).to('cuda');
    const bytes = L.memory().deviceBytes, live = cuda.emu.live();
    const cases: [string, () => unknown][] = [
      ['cumsum', () => cumsum(x, 1)], ['cumprod', () => x.cumprod(0)],
      ['sort', () => sort(x)], ['argsort', () => x.argsort()], ['topk', () => topk(x, 2)],
    ];
    for (const [op, f] of cases) {
      expect(f, op).toThrow(L.BackendError);
      expect(f, op).toThrow(new RegExp(`^${op}: x float32\\[3,4\\].* is on cuda, and ${op} has no CUDA kernel yet \\(its kernel '(scan|sort)' runs on the cpu only\\); move the tensor with .to\\('cpu'\\) first`));
    }
    expect(L.memory().deviceBytes).toBe(bytes);
    expect(cuda.emu.live()).toBe(live);
  });

  it('flip, roll, tril and triu run on cuda (through indexSelect, strided copies and where) and match the cpu, gradients included', () => {
    L.manualSeed(5);
    const host = L.randn([2, 3, 4], { requiresGrad: true });
    for (const [name, f] of [
      ['flip', (t: L.Tensor) => flip(t, [0, 2])], ['flip adjacent', (t: L.Tensor) => flip(t, [1, 2])],
      ['roll', (t: L.Tensor) => roll(t, [1, -1], [0, 2])], ['roll flat', (t: L.Tensor) => roll(t, 7)],
      ['tril', (t: L.Tensor) => tril(t, -1)], ['triu', (t: L.Tensor) => triu(t, 1)],
    ] as const) {
      const y = f(host.to('cuda'));
      expect(y.device, name).toBe('cuda');
      expect(y.to('cpu').toArray(), name).toEqual(f(host).toArray());
      const [gDev] = L.grad(y.mul(y).sum(), [host]);
      const [gHost] = L.grad(f(host).mul(f(host)).sum(), [host]);
      expect(gDev!.toArray(), `${name} gradient`).toEqual(gHost!.toArray());
    }
  });
});
