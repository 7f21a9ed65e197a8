/**
 * The special functions with cpu-only kernels (and the composites that call them) refuse a cuda
 * tensor by their own name, before allocating anything (host emulation of the CUDA bindings).
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { digamma, erfc, erfcx, erfinv, gammainc, gammaincc, i0, i0e, i1, i1e, lgamma, logNdtr, mvlgamma, ndtri, polygamma, special } from '../../src/ops/special';
import { withEmulatedCuda } from '../cuda/with-emulation';

describe('special functions on cuda tensors (host emulation of the bindings)', () => {
  const cuda = withEmulatedCuda();

  it('refuse by name with a BackendError before allocating', () => {
    const x = L.rand([3, 4]).add(0.5).to('cuda');
    const bytes = L.memory().deviceBytes, live = cuda.emu.live();
    const cases: [string, string, () => unknown][] = [
      ['lgamma', 'x', () => lgamma(x)], ['gammaln', 'x', () => special.gammaln(x)], ['digamma', 'x', () => digamma(x)],
      ['polygamma', 'x', () => polygamma(2, x)], ['erfc', 'x', () => erfc(x)], ['erfcx', 'x', () => erfcx(x)],
      ['erfinv', 'y', () => erfinv(x)], ['ndtri', 'p', () => ndtri(x)], ['logNdtr', 'x', () => logNdtr(x)],
      ['i0', 'x', () => i0(x)], ['i0e', 'x', () => i0e(x)], ['i1', 'x', () => i1(x)], ['i1e', 'x', () => i1e(x)],
      ['mvlgamma', 'x', () => mvlgamma(x, 1)], ['gammainc', 'a', () => gammainc(x, 1)], ['gammaincc', 'x', () => gammaincc(2, x)],
    ];
    for (const [op, arg, f] of cases) {
      const name = op === 'gammaln' ? 'lgamma' : op;
      expect(f, op).toThrow(L.BackendError);
      expect(f, op).toThrow(new RegExp(`^${name}: ${arg} float32\\[3,4\\].* is on cuda, and ${name} has no CUDA kernel yet \\(its unary kernel runs on the cpu only\\); move the tensor with .to\\('cpu'\\) first`));
    }
    expect(L.memory().deviceBytes).toBe(bytes);
    expect(cuda.emu.live()).toBe(live);
  });

  it('a cpu tensor still works while cuda is present', () => {
    expect(Array.from(lgamma(L.tensor([1, 2], { dtype: 'float64' })).values)).toEqual([0, 0]);
  });
});
