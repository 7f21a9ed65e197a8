/**
 * Tensor methods where PyTorch has them (`x.add(y)`, `x.sum(1, { keepdim: true })`),
 * attached to Tensor.prototype here so that src/tensor imports nothing from above.
 */
import type { DType } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import * as b from './binary';
import { to } from './cast';
import type { Device } from '../tensor/device';
import * as idx from './indexing';
import * as ip from './inplace';
import * as ord from './order';
import * as re from './rearrange';
import * as sc from './scan';
import * as ee from './elementwise-extra';
import * as la from './linalg-basic';
import * as linalg from './linalg';
import * as se from './shape-extra';
import { matmul } from './matmul';
import * as r from './reduce';
import * as s from './shape';
import { logSoftmax, softmax } from './softmax';
import * as u from './unary';
import * as sp from './special';

type TL = b.TensorLike;


const P = Tensor.prototype;
type Self = Tensor;

for (const name of ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr'] as const) {
  const f = b[name];
  P[name] = function (this: Self, y: TL) { return f(this, y); };
}
for (const name of ['neg', 'abs', 'sign', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos',
  'tanh', 'sigmoid', 'relu', 'erf', 'floor', 'ceil', 'round', 'silu', 'logicalNot'] as const) {
  const f = u[name];
  P[name] = function (this: Self) { return f(this); };
}
P.leakyRelu = function (this: Self, slope?: number) { return u.leakyRelu(this, slope); };
P.elu = function (this: Self, alpha?: number) { return u.elu(this, alpha); };
P.gelu = function (this: Self, opts) { return u.gelu(this, opts); };
P.softplus = function (this: Self, opts) { return u.softplus(this, opts); };
P.clamp = function (this: Self, opts) { return u.clamp(this, opts); };
P.sum = function (this: Self, dim, opts) { return r.sum(this, dim, opts); };
P.mean = function (this: Self, dim, opts) { return r.mean(this, dim, opts); };
P.prod = function (this: Self, dim, opts) { return r.prod(this, dim, opts); };
P.logsumexp = function (this: Self, dim, opts) { return r.logsumexp(this, dim, opts); };
P.var = function (this: Self, dim, opts) { return r.variance(this, dim, opts); };
P.std = function (this: Self, dim, opts) { return r.std(this, dim, opts); };
P.max = function (this: Self, dim?: number, opts?: r.ReduceOptions) { return dim === undefined ? r.max(this) : r.max(this, dim, opts); } as Tensor['max'];
P.min = function (this: Self, dim?: number, opts?: r.ReduceOptions) { return dim === undefined ? r.min(this) : r.min(this, dim, opts); } as Tensor['min'];
P.amax = function (this: Self, dim, opts) { return r.amax(this, dim, opts); };
P.amin = function (this: Self, dim, opts) { return r.amin(this, dim, opts); };
P.argmax = function (this: Self, dim, opts) { return r.argmax(this, dim, opts); };
P.argmin = function (this: Self, dim, opts) { return r.argmin(this, dim, opts); };
P.norm = function (this: Self, p, dim, opts) { return r.norm(this, p, dim, opts); };
P.softmax = function (this: Self, dim: number) { return softmax(this, dim); };
P.logSoftmax = function (this: Self, dim: number) { return logSoftmax(this, dim); };
P.matmul = function (this: Self, y: Tensor) { return matmul(this, y); };
P.reshape = function (this: Self, shape: number[]) { return s.reshape(this, shape); };
P.view = function (this: Self, shape: number[]) { return s.view(this, shape); };
P.flatten = function (this: Self, a?: number, e?: number) { return s.flatten(this, a, e); };
P.squeeze = function (this: Self, dim?: number) { return s.squeeze(this, dim); };
P.unsqueeze = function (this: Self, dim: number) { return s.unsqueeze(this, dim); };
P.expand = function (this: Self, shape: number[]) { return s.expand(this, shape); };
P.transpose = function (this: Self, d0?: number, d1?: number) { return s.transpose(this, d0, d1); };
P.permute = function (this: Self, dims: number[]) { return s.permute(this, dims); };
P.t = function (this: Self) { return s.transpose(this, 0, 1); };
P.narrow = function (this: Self, dim: number, start: number, length: number) { return s.narrow(this, dim, start, length); };
P.contiguous = function (this: Self) { return s.contiguous(this); };
P.clone = function (this: Self) { return s.clone(this); };
P.split = function (this: Self, sz: number | number[], dim?: number) { return s.split(this, sz, dim); };
P.chunk = function (this: Self, n: number, dim?: number) { return s.chunk(this, n, dim); };
P.to = function (this: Self, target: DType | Device | 'cuda:0') { return to(this, target); };
P.float = function (this: Self) { return to(this, 'float32'); };
P.double = function (this: Self) { return to(this, 'float64'); };
P.int = function (this: Self) { return to(this, 'int32'); };
P.bool = function (this: Self) { return to(this, 'bool'); };
P.indexSelect = function (this: Self, dim: number, index: Tensor) { return idx.indexSelect(this, dim, index); };
P.gather = function (this: Self, dim: number, index: Tensor) { return idx.gather(this, dim, index); };
P.cumsum = function (this: Self, dim: number, opts?: sc.ScanOptions) { return sc.cumsum(this, dim, opts); };
P.cumprod = function (this: Self, dim: number, opts?: sc.ScanOptions) { return sc.cumprod(this, dim, opts); };
P.flip = function (this: Self, dims: number | number[]) { return re.flip(this, dims); };
P.roll = function (this: Self, shifts: number | number[], dims?: number | number[]) { return re.roll(this, shifts, dims); };
P.tril = function (this: Self, diagonal?: number) { return re.tril(this, diagonal); };
P.triu = function (this: Self, diagonal?: number) { return re.triu(this, diagonal); };
// sort/argsort/topk take (dim?, opts?) or (opts?): the arguments go through as given, and the function sorts them out.
type Forward<R> = (x: Tensor, ...args: unknown[]) => R;
P.sort = function (this: Self, ...args: unknown[]) { return (ord.sort as Forward<r.ValuesIndices>)(this, ...args); } as Tensor['sort'];
P.argsort = function (this: Self, ...args: unknown[]) { return (ord.argsort as Forward<Tensor>)(this, ...args); } as Tensor['argsort'];
P.topk = function (this: Self, ...args: unknown[]) { return (ord.topk as Forward<r.ValuesIndices>)(this, ...args); } as Tensor['topk'];
P.det = function (this: Self) { return linalg.det(this); };
P.inverse = function (this: Self) { return linalg.inv(this); };
P.slogdet = function (this: Self) { return linalg.slogdet(this); };
P.pinverse = function (this: Self, opts?: linalg.PinvOptions) { return linalg.pinv(this, opts); };
P.maskedFill = function (this: Self, mask: Tensor, value: number | Tensor) { return ee.maskedFill(this, mask, value); };
P.repeat = function (this: Self, sizes: number[]) { return se.repeat(this, sizes); };
P.tile = function (this: Self, dims: number[]) { return se.tile(this, dims); };
P.repeatInterleave = function (this: Self, repeats: number | Tensor, dim?: number) { return se.repeatInterleave(this, repeats, dim); };
P.expandAs = function (this: Self, other: Tensor) { return se.expandAs(this, other); };
P.broadcastTo = function (this: Self, shape: number[]) { return se.broadcastTo(this, shape); };
P.movedim = function (this: Self, source: number | number[], destination: number | number[]) { return se.movedim(this, source, destination); };
P.unflatten = function (this: Self, dim: number, sizes: number[]) { return se.unflatten(this, dim, sizes); };
P.diagonal = function (this: Self, offset?: number, dim1?: number, dim2?: number) { return la.diagonal(this, offset, dim1, dim2); };
P.diag = function (this: Self, diagonal?: number) { return la.diag(this, diagonal); };
P.trace = function (this: Self) { return la.trace(this); };
P.outer = function (this: Self, other: Tensor) { return la.outer(this, other); };
P.kron = function (this: Self, other: Tensor) { return la.kron(this, other); };
P.lerp = function (this: Self, end: Tensor, weight: TL) { return ee.lerp(this, end, weight); };
P.addcmul = function (this: Self, t1: Tensor, t2: Tensor, opts?: ee.AddcOptions) { return ee.addcmul(this, t1, t2, opts); };
P.addcdiv = function (this: Self, t1: Tensor, t2: Tensor, opts?: ee.AddcOptions) { return ee.addcdiv(this, t1, t2, opts); };
P.nanToNum = function (this: Self, opts?: ee.NanToNumOptions) { return ee.nanToNum(this, opts); };
P.logit = function (this: Self, eps?: number) { return ee.logit(this, eps); };
P.isclose = function (this: Self, other: Tensor, opts?: ee.IscloseOptions) { return ee.isclose(this, other, opts); };
P.allclose = function (this: Self, other: Tensor, opts?: ee.IscloseOptions) { return ee.allclose(this, other, opts); };
P.equal = function (this: Self, other: Tensor) { return ee.equal(this, other); };
for (const name of ['trunc', 'frac', 'isnan', 'isinf', 'isfinite'] as const) {
  const f = ee[name];
  P[name] = function (this: Self) { return f(this); };
}
for (const name of ['logaddexp', 'xlogy', 'fmod', 'remainder', 'floorDivide'] as const) {
  const f = ee[name];
  P[name] = function (this: Self, y: TL) { return f(this, y); };
}
P.add_ = function (this: Self, y: TL) { return ip.add_(this, y); };
P.sub_ = function (this: Self, y: TL) { return ip.sub_(this, y); };
P.mul_ = function (this: Self, y: TL) { return ip.mul_(this, y); };
P.div_ = function (this: Self, y: TL) { return ip.div_(this, y); };
P.copy_ = function (this: Self, src: Tensor) { return ip.copy_(this, src); };
P.fill_ = function (this: Self, v: number) { return ip.fill_(this, v); };
P.zero_ = function (this: Self) { return ip.zero_(this); };
for (const name of ['lgamma', 'digamma', 'erfc', 'erfinv', 'i0', 'sinc', 'atan'] as const) {
  const f = sp[name];
  P[name] = function (this: Self) { return f(this); };
}
P.polygamma = function (this: Self, n: number) { return sp.polygamma(n, this); };
P.mvlgamma = function (this: Self, p: number) { return sp.mvlgamma(this, p); };
P.igamma = function (this: Self, other: TL) { return sp.gammainc(this, other); };
P.igammac = function (this: Self, other: TL) { return sp.gammaincc(this, other); };

