/**
 * Initialisation (nn.init): fills a tensor in place, without recording, from
 * the Philox generator (the global one unless `generator` is given), so that a
 * seed gives the same weights on both backends. Each function returns its
 * tensor. Formulas and defaults follow torch.nn.init.
 */
import { noGrad } from '../autograd/api';
import type { PhiloxStream } from '../backend/philox';
import { ArgumentError, DTypeError, ShapeError, fmtArg } from '../errors';
import { add, mul } from '../ops/binary';
import { rand, randn, tensor as makeTensor } from '../ops/creation';
import { copy_, fill_ } from '../ops/inplace';
import { reshape } from '../ops/shape';
import { assertTensor } from '../ops/util';
import { sizeOf } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';

/** Activations `calculateGain` knows. @example `calculateGain('leakyRelu', 0.2)` */
export type Nonlinearity =
  | 'linear' | 'identity' | 'conv1d' | 'conv2d' | 'conv3d' | 'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

/** Which fan the Kaiming initialisers preserve. @example `kaimingNormal(w, { mode: 'fanOut' })` */
export type FanMode = 'fanIn' | 'fanOut';

/** A Philox stream for the initialiser (default the global generator). @example `xavierUniform(w, { generator: new PhiloxStream(1) })` */
export interface GeneratorOption {
  /** Draw from this stream instead of the global one. */
  generator?: PhiloxStream;
}

function checkFloat(op: string, t: Tensor): void {
  assertTensor(op, 'tensor', t);
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new DTypeError(`init.${op}: tensor must be float32 or float64, got ${t.describe()}`);
}

function checkFinite(op: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(`init.${op}: ${name} must be a finite number, got ${fmtArg(v)}`);
}

/** Writes `values` (computed inside a tidy) into t without recording. */
function assign(t: Tensor, make: () => Tensor): Tensor {
  noGrad(() => tidy(() => { copy_(t, make()); }));
  return t;
}

/**
 * The recommended gain for a nonlinearity: 1 for linear/conv/sigmoid, 5/3 for tanh,
 * √2 for relu, √(2 / (1 + slope²)) for leakyRelu (slope `param`, default 0.01), 3/4 for selu.
 * @example `calculateGain('leakyRelu', 0.2)`
 */
export function calculateGain(nonlinearity: Nonlinearity | 'leaky_relu' | 'conv_transpose2d', param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'identity': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'convTranspose1d': case 'convTranspose2d': case 'convTranspose3d': case 'conv_transpose2d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': case 'leaky_relu': {
      const slope = param ?? 0.01;
      checkFinite('calculateGain', 'param (negative slope)', slope);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ArgumentError(`init.calculateGain: unsupported nonlinearity '${fmtArg(nonlinearity)}' (expected linear, conv1d/2d/3d, convTranspose1d/2d/3d, sigmoid, tanh, relu, leakyRelu or selu)`);
  }
}

/**
 * fanIn = size(1) · receptive field, fanOut = size(0) · receptive field, where the
 * receptive field is the product of dims 2.. (a Linear weight [out, in]; a conv weight [out, in/groups, k...]).
 * @example `calculateFanInAndFanOut(w) // { fanIn: 27, fanOut: 144 }`
 */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  assertTensor('calculateFanInAndFanOut', 'tensor', t);
  if (t.ndim < 2) throw new ShapeError(`init: fan in and fan out need a tensor of at least 2 dims, got ${t.describe()}`);
  const receptive = sizeOf(t.shape.slice(2));
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

function fan(op: string, t: Tensor, mode: FanMode): number {
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new ArgumentError(`init.${op}: mode must be 'fanIn' or 'fanOut', got '${fmtArg(mode)}'`);
  const f = calculateFanInAndFanOut(t);
  const n = mode === 'fanIn' ? f.fanIn : f.fanOut;
  if (n === 0) throw new ShapeError(`init.${op}: ${mode} of ${t.describe()} is 0`);
  return n;
}

/**
 * Fills with U(a, b).
 * @example `init.uniform(w, { a: -0.1, b: 0.1 })`
 */
export function uniform(t: Tensor, opts?: { a?: number; b?: number } & GeneratorOption): Tensor {
  checkFloat('uniform', t);
  const a = opts?.a ?? 0, b = opts?.b ?? 1;
  checkFinite('uniform', 'a', a);
  checkFinite('uniform', 'b', b);
  if (b < a) throw new ArgumentError(`init.uniform: need a <= b, got a ${a} and b ${b}`);
  return assign(t, () => add(mul(rand(t.shape, { dtype: t.dtype, generator: opts?.generator }), b - a), a));
}

/**
 * Fills with N(mean, std²).
 * @example `init.normal(w, { std: 0.02 })`
 */
export function normal(t: Tensor, opts?: { mean?: number; std?: number } & GeneratorOption): Tensor {
  checkFloat('normal', t);
  const mean = opts?.mean ?? 0, std = opts?.std ?? 1;
  checkFinite('normal', 'mean', mean);
  checkFinite('normal', 'std', std);
  if (std < 0) throw new ArgumentError(`init.normal: std must be >= 0, got ${std}`);
  return assign(t, () => add(mul(randn(t.shape, { dtype: t.dtype, generator: opts?.generator }), std), mean));
}

/** Fills with `value`. @example `init.constant(b, 0.1)` */
export function constant(t: Tensor, value: number): Tensor {
  checkFloat('constant', t);
  checkFinite('constant', 'value', value);
  noGrad(() => fill_(t, value));
  return t;
}

/** Fills with 0. @example `init.zeros(layer.bias!)` */
export function zeros(t: Tensor): Tensor {
  return constant(t, 0);
}

/** Fills with 1. @example `init.ones(norm.weight!)` */
export function ones(t: Tensor): Tensor {
  return constant(t, 1);
}

/**
 * Glorot/Xavier uniform: U(-a, a), a = gain · √(6 / (fanIn + fanOut)).
 * @example `init.xavierUniform(w, { gain: init.calculateGain('tanh') })`
 */
export function xavierUniform(t: Tensor, opts?: { gain?: number } & GeneratorOption): Tensor {
  checkFloat('xavierUniform', t);
  const gain = opts?.gain ?? 1;
  checkFinite('xavierUniform', 'gain', gain);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, { a: -a, b: a, generator: opts?.generator });
}

/**
 * Glorot/Xavier normal: N(0, std²), std = gain · √(2 / (fanIn + fanOut)).
 * @example `init.xavierNormal(w)`
 */
export function xavierNormal(t: Tensor, opts?: { gain?: number } & GeneratorOption): Tensor {
  checkFloat('xavierNormal', t);
  const gain = opts?.gain ?? 1;
  checkFinite('xavierNormal', 'gain', gain);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal(t, { std: gain * Math.sqrt(2 / (fanIn + fanOut)), generator: opts?.generator });
}

/** Slope, fan mode and nonlinearity of the Kaiming initialisers. @example `kaimingNormal(w, { mode: 'fanIn', nonlinearity: 'relu' })` */
export interface KaimingOptions extends GeneratorOption {
  /** Negative slope of the leaky ReLU that follows (default 0). */
  a?: number;
  /** 'fanIn' (default) keeps forward activations' variance; 'fanOut' keeps backward gradients'. */
  mode?: FanMode;
  /** Default 'leakyRelu' (with slope a; a = 0 makes it ReLU's √2). */
  nonlinearity?: Nonlinearity | 'leaky_relu';
}

function kaimingStd(op: string, t: Tensor, opts: KaimingOptions | undefined): number {
  const a = opts?.a ?? 0;
  checkFinite(op, 'a', a);
  const gain = calculateGain(opts?.nonlinearity ?? 'leakyRelu', a);
  return gain / Math.sqrt(fan(op, t, opts?.mode ?? 'fanIn'));
}

/**
 * He/Kaiming uniform: U(-bound, bound), bound = gain · √(3 / fan).
 * @example `init.kaimingUniform(w, { a: Math.sqrt(5) })`
 */
export function kaimingUniform(t: Tensor, opts?: KaimingOptions): Tensor {
  checkFloat('kaimingUniform', t);
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform', t, opts);
  return uniform(t, { a: -bound, b: bound, generator: opts?.generator });
}

/**
 * He/Kaiming normal: N(0, std²), std = gain / √fan.
 * @example `init.kaimingNormal(w, { mode: 'fanOut', nonlinearity: 'relu' })`
 */
export function kaimingNormal(t: Tensor, opts?: KaimingOptions): Tensor {
  checkFloat('kaimingNormal', t);
  return normal(t, { std: kaimingStd('kaimingNormal', t, opts), generator: opts?.generator });
}

// ---------------------------------------------------------------- truncated normal

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * erfc(x) for x >= 0 to near double precision: for x < 3 the everywhere-positive series
 * erf(x) = (2/√π) e^{-x²} Σ_n 2^n x^{2n+1} / (1·3·…·(2n+1)) (no cancellation); beyond,
 * the continued fraction erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))).
 */
function erfcNonNegative(x: number): number {
  if (x < 3) {
    let term = x, total = x;
    for (let n = 1; n < 200 && term > 1e-17 * total; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      total += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * total;
  }
  let frac = 0;
  for (let k = 60; k >= 1; k--) frac = (k / 2) / (x + frac);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + frac);
}

/** Standard normal CDF Φ(x) = erfc(-x/√2)/2, accurate in both tails. */
export function normalCdf(x: number): number {
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  const z = x / Math.SQRT2;
  return z >= 0 ? 1 - erfcNonNegative(z) / 2 : erfcNonNegative(-z) / 2;
}

/**
 * Φ⁻¹(p): Acklam's rational approximation (relative error < 1.2e-9), then one Halley
 * step on Φ(x) - p, which brings it to double precision.
 */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5, r = q * q;
    x = ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * SQRT_2PI * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * Fills with N(mean, std²) truncated to [a, b] (absolute bounds, default ±2), by inverse
 * CDF: x = Φ⁻¹(Φ(α) + u (Φ(β) - Φ(α))) with α, β the bounds in std units. An interval in
 * the upper tail is sampled as its mirror image, where the probabilities are small and exact.
 * @example `init.truncNormal(w, { std: 0.02 })`
 */
export function truncNormal(t: Tensor, opts?: { mean?: number; std?: number; a?: number; b?: number } & GeneratorOption): Tensor {
  checkFloat('truncNormal', t);
  const mean = opts?.mean ?? 0, std = opts?.std ?? 1, a = opts?.a ?? -2, b = opts?.b ?? 2;
  for (const [k, v] of [['mean', mean], ['std', std]] as const) checkFinite('truncNormal', k, v);
  if (typeof a !== 'number' || typeof b !== 'number' || Number.isNaN(a) || Number.isNaN(b) || !(a < b)) {
    throw new ArgumentError(`init.truncNormal: need bounds a < b, got a ${fmtArg(a)} and b ${fmtArg(b)}`);
  }
  if (!(std > 0)) throw new ArgumentError(`init.truncNormal: std must be > 0, got ${std}`);
  let lo = (a - mean) / std, hi = (b - mean) / std;
  const mirror = lo > 0;
  if (mirror) [lo, hi] = [-hi, -lo];
  const pLo = normalCdf(lo), pHi = normalCdf(hi);
  if (!(pHi > pLo)) throw new ArgumentError(`init.truncNormal: [${a}, ${b}] holds no probability mass of N(${mean}, ${std}²) in double precision`);
  return assign(t, () => {
    const u = rand([t.size], { dtype: 'float64', generator: opts?.generator }).values as Float64Array;
    const out = new Float64Array(u.length);
    for (let i = 0; i < u.length; i++) {
      let z = normalQuantile(pLo + u[i] * (pHi - pLo));
      z = Math.min(Math.max(z, lo), hi);
      const v = mean + std * (mirror ? -z : z);
      out[i] = Math.min(Math.max(v, a), b);
    }
    return reshape(makeTensor(out, { dtype: t.dtype }), t.shape.slice());
  });
}

// ---------------------------------------------------------------- structured

/**
 * The identity matrix (2-D tensors only; rectangular keeps ones on the diagonal).
 * @example `init.eye(w)`
 */
export function eye(t: Tensor): Tensor {
  checkFloat('eye', t);
  if (t.ndim !== 2) throw new ShapeError(`init.eye: tensor must be 2-D, got ${t.describe()}`);
  const [n, m] = t.shape;
  const out = new Float64Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return assign(t, () => reshape(makeTensor(out, { dtype: t.dtype }), [n, m]));
}

/**
 * The Dirac delta for 3-, 4- and 5-D conv weights [out, in, k...]: a convolution that
 * copies its input channels (the first min(out/groups, in) of each group), zero elsewhere.
 * @example `init.dirac(conv.weight)`
 */
export function dirac(t: Tensor, opts?: { groups?: number }): Tensor {
  checkFloat('dirac', t);
  const groups = opts?.groups ?? 1;
  if (t.ndim < 3 || t.ndim > 5) throw new ShapeError(`init.dirac: tensor must be 3-, 4- or 5-D, got ${t.describe()}`);
  if (!Number.isInteger(groups) || groups < 1 || t.shape[0] % groups !== 0) {
    throw new ArgumentError(`init.dirac: groups (${fmtArg(groups)}) must be a positive integer dividing dim 0 of ${t.describe()}`);
  }
  const outPerGroup = t.shape[0] / groups;
  const minDim = Math.min(outPerGroup, t.shape[1]);
  const kernel = t.shape.slice(2);
  const kSize = sizeOf(kernel);
  let center = 0;
  for (const k of kernel) center = center * k + Math.floor(k / 2);
  const out = new Float64Array(t.size);
  for (let g = 0; g < groups; g++) {
    for (let d = 0; d < minDim; d++) out[((g * outPerGroup + d) * t.shape[1] + d) * kSize + center] = 1;
  }
  return assign(t, () => reshape(makeTensor(out, { dtype: t.dtype }), t.shape.slice()));
}

/**
 * A (semi-)orthogonal matrix, from the QR decomposition of a Gaussian matrix (Saxe et al.
 * 2013): the tensor is viewed as [rows, numel/rows]. QR is computed in float64 by
 * Gram–Schmidt run twice per column ("twice is enough"), whose R has a positive diagonal,
 * so Q is Haar-distributed (PyTorch fixes LAPACK's signs with sign(diag R) for the same end).
 * @example `init.orthogonal(w, { gain: Math.SQRT2 })`
 */
export function orthogonal(t: Tensor, opts?: { gain?: number } & GeneratorOption): Tensor {
  checkFloat('orthogonal', t);
  if (t.ndim < 2) throw new ShapeError(`init.orthogonal: tensor must have at least 2 dims, got ${t.describe()}`);
  const gain = opts?.gain ?? 1;
  checkFinite('orthogonal', 'gain', gain);
  const rows = t.shape[0];
  const cols = t.size / Math.max(rows, 1);
  if (t.size === 0) return t;
  // Orthonormalise the columns of a tall n x k matrix (n >= k), stored column by column.
  const n = Math.max(rows, cols), k = Math.min(rows, cols);
  const flat = randn([rows * cols], { dtype: 'float64', generator: opts?.generator }).values as Float64Array;
  const q: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    // Column j of the tall matrix: flat is [rows, cols] row-major; if rows < cols we take its transpose.
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rows >= cols ? flat[i * cols + j] : flat[j * cols + i];
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += u[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= dot * u[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    if (!(norm > 0)) throw new ArgumentError('init.orthogonal: the random matrix was rank-deficient; draw again');
    for (let i = 0; i < n; i++) v[i] /= norm;
    q.push(v);
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? q[c][r] : q[r][c]);
  }
  return assign(t, () => reshape(makeTensor(out, { dtype: t.dtype }), t.shape.slice()));
}

