import type { TypedArray } from '../../tensor/dtype';
import type { UnaryOp } from '../opcodes';
import { erf, gelu, geluTanh, roundHalfEven, sigmoid, softplus } from './math';
import * as special from './special-math';

type Fn = (x: number, p0: number, p1: number) => number;

export const UNARY_FUNCTIONS: Record<UnaryOp, Fn> = {
  neg: (x) => -x,
  abs: (x) => Math.abs(x),
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === x ? 0 : NaN),
  exp: (x) => Math.exp(x),
  expm1: (x) => Math.expm1(x),
  log: (x) => Math.log(x),
  log1p: (x) => Math.log1p(x),
  sqrt: (x) => Math.sqrt(x),
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  sin: (x) => Math.sin(x),
  cos: (x) => Math.cos(x),
  tanh: (x) => Math.tanh(x),
  sigmoid,
  relu: (x) => (x < 0 ? 0 : x),
  leakyRelu: (x, slope) => (x < 0 ? x * slope : x),
  elu: (x, alpha) => (x > 0 ? x : alpha * Math.expm1(x)),
  gelu,
  geluTanh,
  silu: (x) => x * sigmoid(x),
  softplus: (x, beta, threshold) => softplus(x, beta, threshold),
  clamp: (x, lo, hi) => (x !== x ? x : x < lo ? lo : x > hi ? hi : x),
  floor: (x) => Math.floor(x),
  ceil: (x) => Math.ceil(x),
  round: roundHalfEven,
  logicalNot: (x) => (x === 0 ? 1 : 0),
  erf,
  lgamma: special.lgamma,
  digamma: special.digamma,
  polygamma: (x, n) => special.polygamma(n, x),
  erfc: special.erfc,
  erfcx: special.erfcx,
  erfinv: special.erfinv,
  ndtri: special.ndtri,
  logNdtr: special.logNdtr,
  i0: special.i0,
  i0e: special.i0e,
  i1: special.i1,
  i1e: special.i1e,
};

export function unary(op: UnaryOp, x: TypedArray, out: TypedArray, p0: number, p1: number): void {
  const f = UNARY_FUNCTIONS[op];
  for (let i = 0; i < x.length; i++) out[i] = f(x[i], p0, p1);
}
