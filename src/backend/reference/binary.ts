import type { TypedArray } from '../../tensor/dtype';
import type { BinaryOp } from '../opcodes';
import { forEachStrided } from './strided';

type Fn = (a: number, b: number) => number;

const maximum: Fn = (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b);
const minimum: Fn = (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b);

export const BINARY_FUNCTIONS: Record<BinaryOp, Fn> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
  maximum,
  minimum,
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  logicalAnd: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  logicalOr: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
};

function functionFor(op: BinaryOp, a: TypedArray): Fn {
  // int32 products wrap like C's 32-bit multiply, not via a rounded double.
  if (op === 'mul' && a instanceof Int32Array) return Math.imul;
  if (op === 'pow' && a instanceof Int32Array) return (x, y) => (y < 0 ? (x === 1 ? 1 : x === -1 ? (y % 2 ? -1 : 1) : 0) : Number(BigInt.asIntN(32, BigInt(x) ** BigInt(y))));
  return BINARY_FUNCTIONS[op];
}

export function binary(op: BinaryOp, a: TypedArray, b: TypedArray, out: TypedArray,
  shape: Int32Array | null, aStrides: Int32Array | null, bStrides: Int32Array | null): void {
  const f = functionFor(op, a);
  if (shape === null || aStrides === null || bStrides === null) {
    const sa = a.length === 1 ? 0 : 1, sb = b.length === 1 ? 0 : 1;
    for (let i = 0; i < out.length; i++) out[i] = f(a[i * sa], b[i * sb]);
    return;
  }
  forEachStrided(shape, [aStrides, bStrides], (i, oa, ob) => { out[i] = f(a[oa], b[ob]); });
}

export function where(cond: Uint8Array, a: TypedArray, b: TypedArray, out: TypedArray, shape: Int32Array,
  condStrides: Int32Array, aStrides: Int32Array, bStrides: Int32Array): void {
  forEachStrided(shape, [condStrides, aStrides, bStrides], (i, oc, oa, ob) => {
    out[i] = cond[oc] !== 0 ? a[oa] : b[ob];
  });
}
