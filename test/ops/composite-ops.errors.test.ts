/**
 * Bad input into the composite ops (linalg-basic, elementwise-extra, shape-extra; einsum's are
 * in einsum.test.ts): the error class and a message that names the op, the argument and the
 * shapes or values.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, DTypeError, ShapeError } from '../../src/index';
import * as E from '../../src/ops/elementwise-extra';
import * as LA from '../../src/ops/linalg-basic';
import * as S from '../../src/ops/shape-extra';

type ErrorClass = new (...args: never[]) => Error;

function check(cases: [string, () => unknown, ErrorClass, RegExp][]): void {
  for (const [what, fn, cls, message] of cases) {
    it(what, () => {
      expect(fn).toThrow(cls);
      expect(fn).toThrow(message);
    });
  }
}

const x23 = L.ones([2, 3]);
const ints = L.tensor([1, 2], { dtype: 'int32' });

describe('linalg-basic errors', () => {
  check([
    ['outer of a 2-D tensor', () => LA.outer(x23, L.ones([3])), ShapeError, /outer: a and b must be 1-D, got a float32\[2,3\] and b float32\[3\]/],
    ['tensordot with mismatched contracted sizes', () => LA.tensordot(x23, L.ones([4, 3]), 1), ShapeError, /tensordot: a float32\[2,3\] dim 1 has size 3 but b float32\[4,3\] dim 0 has size 4/],
    ['tensordot with too many dims', () => LA.tensordot(x23, L.ones([3]), 2), ShapeError, /tensordot: dims 2 exceeds the rank of a float32\[2,3\] or b float32\[3\]/],
    ['tensordot with unequal dim lists', () => LA.tensordot(x23, x23, [[0, 1], [0]]), ArgumentError, /tensordot: dims \[\[0,1\],\[0\]\] must be two lists of equal length/],
    ['tensordot with a repeated dim', () => LA.tensordot(x23, L.ones([2, 2]), [[0, 0], [0, 1]]), ArgumentError, /tensordot: dims .* repeats a dim/],
    ['tensordot with a bad dim', () => LA.tensordot(x23, x23, [[5], [0]]), ArgumentError, /tensordot: dims\[0\] 5 is out of range for a tensor of rank 2/],
    ['tensordot with a negative count', () => LA.tensordot(x23, x23, -1), ArgumentError, /tensordot: dims must be a non-negative integer or a pair of dim lists, got -1/],
    ['tensordot of bool', () => LA.tensordot(L.tensor([true]), L.tensor([true]), 1), DTypeError, /tensordot: a is bool\[1\]; bool operands are not supported/],
    ['diagonal of a 1-D tensor', () => LA.diagonal(L.ones([3])), ShapeError, /diagonal: x must have at least 2 dims, got float32\[3\]/],
    ['diagonal over one dim twice', () => LA.diagonal(x23, 0, 1, -1), ArgumentError, /diagonal: dim1 and dim2 both name dim 1 of float32\[2,3\]/],
    ['diagonal with a fractional offset', () => LA.diagonal(x23, 0.5), ArgumentError, /diagonal: offset must be an integer, got 0.5/],
    ['diag of a 3-D tensor', () => LA.diag(L.ones([2, 2, 2])), ShapeError, /diag: x must be 1-D or 2-D, got float32\[2,2,2\]/],
    ['trace of a 3-D tensor', () => LA.trace(L.ones([2, 2, 2])), ShapeError, /trace: x must be 2-D, got float32\[2,2,2\]/],
    ['trace of bool', () => LA.trace(L.ones([2, 2], { dtype: 'bool' })), DTypeError, /trace: x is bool\[2,2\]; bool is not supported/],
    ['cdist of int32', () => LA.cdist(L.ones([2, 3], { dtype: 'int32' }), x23), DTypeError, /cdist: x1 int32\[2,3\] and x2 float32\[2,3\] must be float32 or float64/],
    ['cdist of mixed floats', () => LA.cdist(L.ones([2, 3], { dtype: 'float64' }), x23), DTypeError, /cdist: x1 is float64 but x2 is float32/],
    ['cdist of a 1-D tensor', () => LA.cdist(L.ones([3]), x23), ShapeError, /cdist: x1 and x2 need at least 2 dims \(\[\.\.\., rows, features\]\), got x1 float32\[3\]/],
    ['cdist with different feature counts', () => LA.cdist(x23, L.ones([4, 2])), ShapeError, /cdist: x1 float32\[2,3\] and x2 float32\[4,2\] have 3 and 2 features/],
    ['cdist with unbroadcastable batches', () => LA.cdist(L.ones([2, 2, 3]), L.ones([3, 2, 3])), ShapeError, /cdist: shapes \[2\] and \[3\] cannot be broadcast/],
    ['cdist with a negative p', () => LA.cdist(x23, x23, -1), ArgumentError, /cdist: p must be a non-negative number or Infinity, got -1/],
    ['cdist with an unknown compute mode', () => LA.cdist(x23, x23, 2, { computeMode: 'fast' as LA.CdistComputeMode }), ArgumentError, /cdist: computeMode must be .* got fast/],
  ]);
});

describe('elementwise-extra errors', () => {
  check([
    ['integer remainder by zero', () => E.remainder(ints, L.tensor([1, 0], { dtype: 'int32' })), ArgumentError, /remainder: integer division by zero \(b int32\[2\] holds 0 at element 1\)/],
    ['integer fmod by zero', () => E.fmod(ints, 0), ArgumentError, /fmod: integer division by zero/],
    ['integer floorDivide by zero', () => E.floorDivide(ints, 0), ArgumentError, /floorDivide: integer division by zero/],
    ['remainder of two numbers', () => E.remainder(1, 2), ArgumentError, /remainder: at least one of a and b must be a Tensor/],
    ['fmod by a string', () => E.fmod(x23, '2' as unknown as number), ArgumentError, /fmod: b must be a Tensor/],
    ['remainder of unbroadcastable shapes', () => E.remainder(x23, L.ones([4])), ShapeError, /shapes \[2,3\] and \[4\] cannot be broadcast/],
    ['frac of int32', () => E.frac(ints), DTypeError, /frac: x must be float32 or float64, got int32\[2\]/],
    ['trunc of bool', () => E.trunc(L.tensor([true])), DTypeError, /trunc: x must be float32, float64 or int32, got bool\[1\]/],
    ['lerp of int32', () => E.lerp(ints, ints, 0.5), DTypeError, /lerp: start must be float32 or float64, got int32\[2\]/],
    ['lerp with a NaN weight', () => E.lerp(x23, x23, NaN), ArgumentError, /lerp: weight must be a number, got NaN/],
    ['lerp with an int32 weight tensor', () => E.lerp(x23, x23, ints), DTypeError, /lerp: weight must be float32 or float64, got int32\[2\]/],
    ['addcdiv of two integer tensors', () => E.addcdiv(x23, ints, ints), DTypeError, /addcdiv: tensor1 int32\[2\] and tensor2 int32\[2\] are both integer/],
    ['addcmul with a string value', () => E.addcmul(x23, x23, x23, { value: 'x' as unknown as number }), ArgumentError, /addcmul: value must be a number, got x/],
    ['addcmul with a missing tensor', () => E.addcmul(x23, x23, undefined as unknown as L.Tensor), ArgumentError, /addcmul: tensor2/],
    ['logaddexp of int32', () => E.logaddexp(ints, ints), DTypeError, /logaddexp: a must be float32 or float64, got int32\[2\]/],
    ['logit with a string eps', () => E.logit(x23, 'tiny' as unknown as number), ArgumentError, /logit: eps must be a number, got tiny/],
    ['nanToNum with a string bound', () => E.nanToNum(x23, { posinf: 'big' as unknown as number }), ArgumentError, /nanToNum: posinf must be a number, got big/],
    ['nanToNum with options that are not an object', () => E.nanToNum(x23, 3 as unknown as E.NanToNumOptions), ArgumentError, /nanToNum: options must be an object, got 3/],
    ['maskedFill with a float mask', () => E.maskedFill(x23, L.ones([3]), 0), DTypeError, /maskedFill: mask must be bool, got float32\[3\]/],
    ['maskedFill with an unbroadcastable mask', () => E.maskedFill(x23, L.ones([4], { dtype: 'bool' }), 0), ShapeError, /maskedFill: shapes \[2,3\] and \[4\] cannot be broadcast/],
    ['maskedFill with a 1-D value', () => E.maskedFill(x23, L.ones([3], { dtype: 'bool' }), L.ones([1])), ShapeError, /maskedFill: value must be a number or a 0-d tensor, got float32\[1\]/],
    ['maskedFill of int32 with NaN', () => E.maskedFill(ints, L.ones([2], { dtype: 'bool' }), NaN), ArgumentError, /maskedFill: value NaN does not fit x's dtype int32/],
    ['allclose of mixed dtypes', () => E.allclose(x23, L.ones([2, 3], { dtype: 'float64' })), DTypeError, /allclose: a is float32\[2,3\] and b is float64\[2,3\]; their dtypes must match/],
    ['isclose with a negative rtol', () => E.isclose(x23, x23, { rtol: -1 }), ArgumentError, /isclose: rtol \(-1\) and atol \(1e-8\) must be >= 0/],
    ['allclose of unbroadcastable shapes', () => E.allclose(x23, L.ones([4])), ShapeError, /cannot be broadcast/],
    ['equal of a non-tensor', () => E.equal(x23, [1] as unknown as L.Tensor), ArgumentError, /equal: b/],
    ['isnan of a non-tensor', () => E.isnan(3 as unknown as L.Tensor), ArgumentError, /isnan: x/],
  ]);
});

describe('shape-extra errors', () => {
  check([
    ['repeat with fewer sizes than dims', () => S.repeat(x23, [2]), ShapeError, /repeat: sizes \[2\] has 1 entries but x float32\[2,3\] has 2 dims/],
    ['repeat with a negative count', () => S.repeat(x23, [1, -2]), ArgumentError, /repeat: sizes \[1,-2\] holds -2; repeat counts are non-negative integers/],
    ['tile with a fractional count', () => S.tile(x23, [1.5]), ArgumentError, /tile: dims \[1.5\] holds 1.5/],
    ['tile without an array', () => S.tile(x23, 2 as unknown as number[]), ArgumentError, /tile: dims must be an array of non-negative integers, got 2/],
    ['repeatInterleave with a negative count', () => S.repeatInterleave(x23, -1), ArgumentError, /repeatInterleave: repeats must be a non-negative integer, got -1/],
    ['repeatInterleave with counts of the wrong length', () => S.repeatInterleave(x23, L.tensor([1, 2], { dtype: 'int32' }), 1), ShapeError, /repeatInterleave: repeats int32\[2\] must have 1 or 3 elements \(the size of dim 1 of float32\[2,3\]\)/],
    ['repeatInterleave with float counts', () => S.repeatInterleave(x23, L.ones([3]), 1), DTypeError, /repeatInterleave: repeats must be a number or an int32 tensor, got float32\[3\]/],
    ['repeatInterleave with a negative tensor count', () => S.repeatInterleave(x23, L.tensor([1, -1, 1], { dtype: 'int32' }), 1), ArgumentError, /repeats holds -1 at element 1/],
    ['repeatInterleave along a missing dim', () => S.repeatInterleave(x23, 2, 2), ArgumentError, /repeatInterleave: dim 2 is out of range for a tensor of rank 2/],
    ['broadcastTo a shape it cannot reach', () => S.broadcastTo(x23, [2, 4]), ShapeError, /broadcastTo: dim 1 of float32\[2,3\] has size 3 and cannot broadcast to 4 \(target \[2,4\]\)/],
    ['broadcastTo fewer dims', () => S.broadcastTo(x23, [3]), ShapeError, /broadcastTo: cannot broadcast float32\[2,3\] to \[3\]: the target has fewer dims/],
    ['broadcastTensors of unbroadcastable shapes', () => S.broadcastTensors(x23, L.ones([4])), ShapeError, /broadcastTensors: shapes \[2,3\] and \[4\] cannot be broadcast/],
    ['broadcastShapes of a bad shape', () => S.broadcastShapes([2, -1]), ArgumentError, /broadcastShapes: shapes\[0\] \[2, -1\] has an invalid size -1/],
    ['expandAs a smaller tensor', () => S.expandAs(x23, L.ones([3])), ShapeError, /expandAs: x float32\[2,3\] has more dims than other float32\[3\]/],
    ['expandAs a mismatched tensor', () => S.expandAs(x23, L.ones([2, 4])), ShapeError, /expandAs: dim 1 of x float32\[2,3\] has size 3, cannot expand to other float32\[2,4\]/],
    ['meshgrid of a 2-D tensor', () => S.meshgrid([x23]), ShapeError, /meshgrid: tensors\[0\] is float32\[2,3\]; every input must be 0-d or 1-D/],
    ['meshgrid of mixed dtypes', () => S.meshgrid(L.ones([2]), ints), DTypeError, /meshgrid: tensors\[1\] is int32 but tensors\[0\] is float32/],
    ['meshgrid with an unknown indexing', () => S.meshgrid([L.ones([2])], { indexing: 'ji' as 'ij' }), ArgumentError, /meshgrid: indexing must be 'ij' or 'xy', got ji/],
    ['meshgrid of nothing', () => S.meshgrid([]), ArgumentError, /meshgrid: give at least one tensor/],
    ['movedim with unequal lists', () => S.movedim(x23, [0, 1], [1]), ArgumentError, /movedim: source \[0,1\] and destination \[1\] name different numbers of dims/],
    ['movedim with a repeated dim', () => S.movedim(x23, [0, 0], [0, 1]), ArgumentError, /movedim: source \[0,0\] repeats a dim/],
    ['movedim out of range', () => S.movedim(x23, 2, 0), ArgumentError, /movedim: source 2 is out of range for a tensor of rank 2/],
    ['unflatten into the wrong count', () => S.unflatten(x23, 1, [2, 2]), ShapeError, /unflatten: sizes \[2,2\] multiply to 4, not to 3 \(dim 1 of float32\[2,3\]\)/],
    ['unflatten with an indivisible -1', () => S.unflatten(x23, 1, [2, -1]), ShapeError, /unflatten: sizes \[2,-1\] cannot split dim 1 of size 3/],
    ['unflatten with two -1s', () => S.unflatten(x23, 1, [-1, -1]), ArgumentError, /unflatten: only one size can be -1/],
  ]);

  it('a failed op leaves its inputs untouched', () => {
    const x = L.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(() => S.repeat(x, [2])).toThrow(ShapeError);
    expect(() => E.maskedFill(x, L.ones([4], { dtype: 'bool' }), 0)).toThrow(ShapeError);
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });
});
