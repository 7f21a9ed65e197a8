/**
 * Finite-difference gradcheck (float64) of the composite ops outside einsum: first order for
 * all differentiable ones, second order where the gradient is itself smooth. Inputs stay away
 * from the kinks (remainder's jumps, cdist's zero distances, logit's clamp edges).
 */
import { beforeEach, describe, it } from 'vitest';
import * as L from '../../src/index';
import * as E from '../../src/ops/elementwise-extra';
import * as LA from '../../src/ops/linalg-basic';
import * as S from '../../src/ops/shape-extra';
import { expectBoth, expectGrad, leaf, leafAway, leafIn } from '../helpers/gradcheck';

beforeEach(() => L.manualSeed(19));

describe('linalg-basic gradients', () => {
  it('outer, kron and tensordot (both orders)', () => {
    expectBoth((a, b) => LA.outer(a, b), [leaf([3]), leaf([2])]);
    expectBoth((a, b) => LA.kron(a, b), [leaf([2, 3]), leaf([2, 2])]);
    expectBoth((a, b) => LA.tensordot(a, b, [[1, 0], [0, 2]]), [leaf([3, 2, 2]), leaf([2, 3, 3])]);
  });

  it('diagonal, diag (both directions) and trace', () => {
    expectBoth((x) => LA.diagonal(x, 1, 2, 0), [leaf([2, 3, 4])]);
    expectBoth((x) => LA.diagonal(x, -1, -2, -1), [leaf([2, 4, 3])]);
    expectBoth((x) => LA.diag(x, -1), [leaf([3])]);
    expectBoth((x) => LA.diag(x, 1), [leaf([3, 4])]);
    expectBoth((x) => LA.trace(x), [leaf([3, 3])]);
  });

  it('cdist: p = 2 (direct and GEMM forms), 1.5, 3 and Infinity, with broadcast batch dims', () => {
    // Distinct random points: no zero distances and (for Infinity) no ties.
    expectBoth((a, b) => LA.cdist(a, b), [leaf([2, 4, 3]), leaf([1, 3, 3])]);
    expectBoth((a, b) => LA.cdist(a, b, 2, { computeMode: 'use_mm_for_euclid_dist' }), [leaf([4, 3]), leaf([3, 3])]);
    expectBoth((a, b) => LA.cdist(a, b, 1.5), [leaf([3, 2]), leaf([4, 2])]);
    expectBoth((a, b) => LA.cdist(a, b, 3), [leaf([3, 2]), leaf([2, 2])]);
    expectGrad((a, b) => LA.cdist(a, b, Infinity), [leaf([3, 4]), leaf([2, 4])]);
    expectGrad((a, b) => LA.cdist(a, b, 1), [leaf([3, 4]), leaf([2, 4])]);
  });
});

describe('elementwise-extra gradients', () => {
  it('lerp with a number and with a tensor weight (both sides of 0.5)', () => {
    expectBoth((a, b) => E.lerp(a, b, 0.3), [leaf([2, 3]), leaf([3])]);
    expectBoth((a, b) => E.lerp(a, b, 0.8), [leaf([2, 3]), leaf([2, 3])]);
    expectBoth((a, b, w) => E.lerp(a, b, w), [leaf([2, 3]), leaf([3]), leafAway([2, 1], [0.5, -0.5])]);
  });

  it('addcmul and addcdiv', () => {
    expectBoth((x, a, b) => E.addcmul(x, a, b, { value: 0.5 }), [leaf([2, 3]), leaf([3]), leaf([2, 1])]);
    expectBoth((x, a, b) => E.addcdiv(x, a, b, { value: -2 }), [leaf([2, 3]), leaf([2, 3]), leafAway([3], [0], 0.3)]);
  });

  it('logaddexp, logit (with and without eps) and xlogy', () => {
    expectBoth((a, b) => E.logaddexp(a, b), [leaf([2, 3]), leaf([3])]);
    expectBoth((x) => E.logit(x), [leafIn([2, 3], 0.05, 0.95)]);
    // 0.5 + x/2 for normal x: inside and outside [0.2, 0.8], away from its edges.
    const x = L.add(L.mul(leafAway([3, 4], [-0.6, 0.6], 0.04).detach(), 0.5), 0.5).requiresGrad_();
    expectBoth((t) => E.logit(t, 0.2), [x]);
    expectBoth((x, y) => E.xlogy(x, y), [leaf([2, 3]), leafIn([2, 3], 0.2, 2)]);
  });

  it('remainder and fmod away from their jumps; trunc, frac and nanToNum', () => {
    const b = leafAway([3], [0], 0.5);
    // a = b·(k + f) with f in (0.1, 0.9): a / b stays away from integers.
    const a = L.mul(b.detach(), L.add(L.randint(-3, 4, [2, 3]).to('float64'), leafIn([2, 3], 0.1, 0.9).detach())).requiresGrad_();
    expectBoth((x, y) => E.remainder(x, y), [a, b]);
    expectBoth((x, y) => E.fmod(x, y), [a, b]);
    expectGrad((x) => E.trunc(x), [leafAway([2, 3], [-2, -1, 0, 1, 2])]);
    expectGrad((x) => E.frac(x), [leafAway([2, 3], [-2, -1, 0, 1, 2])]);
    expectBoth((x) => E.nanToNum(x), [leaf([2, 3])]);
  });

  it('maskedFill, with a number and with a 0-d tensor value', () => {
    const m = L.tensor([[true, false, true]]);
    expectBoth((x) => E.maskedFill(x, m, 1.5), [leaf([2, 3])]);
    expectBoth((x, v) => E.maskedFill(x, m, v), [leaf([2, 3]), leaf([])]);
  });
});

describe('shape-extra gradients', () => {
  it('repeat, tile and repeatInterleave (number and tensor counts)', () => {
    expectBoth((x) => S.repeat(x, [2, 1, 3]), [leaf([2, 3])]);
    expectBoth((x) => S.tile(x, [2]), [leaf([2, 3])]);
    expectBoth((x) => S.repeatInterleave(x, 2), [leaf([2, 3])]);
    expectBoth((x) => S.repeatInterleave(x, L.tensor([2, 0, 1], { dtype: 'int32' }), 1), [leaf([2, 3])]);
  });

  it('broadcastTo, broadcastTensors, expandAs, meshgrid, movedim and unflatten', () => {
    expectBoth((x) => S.broadcastTo(x, [2, 3, -1]), [leaf([3, 1])]);
    expectBoth((a, b) => S.broadcastTensors(a, b), [leaf([3, 1]), leaf([4])]);
    expectBoth((x) => S.expandAs(x, L.zeros([2, 3, 4])), [leaf([3, 1])]);
    expectBoth((a, b) => S.meshgrid([a, b], { indexing: 'xy' }), [leaf([3]), leaf([2])]);
    expectBoth((x) => S.movedim(x, [0, 1], [2, 0]), [leaf([2, 3, 4])]);
    expectBoth((x) => S.unflatten(x, 1, [2, -1]), [leaf([3, 4])]);
  });
});
