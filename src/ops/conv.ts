/**
 * Convolutions (NCHW): conv2d, conv1d and convTranspose2d, with PyTorch's
 * arguments, defaults and output sizes.
 *
 * Three recorded ops carry all the calculus. conv2d(x, w) is bilinear, so its
 * two backward maps are its adjoints, and each is an op of its own:
 *   conv2dBackwardInput(gy, w)  = dL/dx        <gy, conv2d(x, w)> = <x, BI(gy, w)>
 *   conv2dBackwardWeight(x, gy) = dL/dw        <gy, conv2d(x, w)> = <w, BW(x, gy)>
 * Differentiating those identities once more gives each op's backward in terms
 * of the other two (see the record calls), so second derivatives come for free.
 * convTranspose2d is conv2dBackwardInput with the roles of the shapes swapped.
 */
import { backendFor } from '../backend/device';
import type { ConvGeometry, ConvPass } from '../backend/backend';
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtValue, fmtArg } from '../errors';
import type { DType, FloatArray } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { add, gt, where } from './binary';
import { randn } from './creation';
import { record } from './record';
import { sum } from './reduce';
import { registerOp, type SampleDType } from './registry';
import { reshape } from './shape';
import { chooseConvAlgorithm, directSmallCRefusal, getConvAlgorithm, implicitGemmRefusal, winogradFilter, winogradRefusal, type ConvAlgorithmName, type ConvAlgorithmReason } from './conv-algorithm';
import { assertFloat, assertTensor, checkOutputSize, emptyForOverwrite, sameDevice } from './util';
import { relu as reluOp } from './unary';

type Pair = number | [number, number];

/** Stride, padding, dilation and groups of `conv2d`. @example `conv2d(x, w, b, { stride: 2, padding: 1 })` */
export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: Pair;
  /** Zeros added on each side, or 'same' (output size = input size; stride 1 only) or 'valid' (none). Default 0. */
  padding?: Pair | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  dilation?: Pair;
  /** Channel groups: input and output channels split into `groups` independent convolutions (default 1). */
  groups?: number;
}

/** Stride, padding, dilation and groups of `conv1d`. @example `conv1d(x, w, null, { padding: 2 })` */
export interface Conv1dOptions {
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
}

/** Options of `convTranspose2d`. @example `convTranspose2d(x, w, null, { stride: 2 })` */
export interface ConvTranspose2dOptions {
  stride?: Pair;
  /** PyTorch's `padding`: dilation*(k-1) - padding zeros are implied around the input on each side (default 0). */
  padding?: Pair;
  /** Extra rows/columns added to one side of the output to pick among the input sizes a strided conv maps alike (default 0). */
  outputPadding?: Pair;
  groups?: number;
  dilation?: Pair;
}

/** A positive or non-negative integer pair from a number or a 2-array. */
function pairArg(op: string, name: string, v: Pair | undefined, fallback: number, min: number): [number, number] {
  const p: unknown[] = v === undefined ? [fallback, fallback] : Array.isArray(v) ? v : [v, v];
  if (p.length !== 2 || !p.every((e) => Number.isInteger(e) && (e as number) >= min)) {
    const what = min === 0 ? 'non-negative' : 'positive';
    throw new ArgumentError(`${op}: ${name} must be a ${what} integer or a pair of them, got ${fmtValue(v)}`);
  }
  return p as [number, number];
}

function groupsArg(op: string, groups: number | undefined): number {
  const g = groups ?? 1;
  if (!Number.isInteger(g) || g < 1) throw new ArgumentError(`${op}: groups must be a positive integer, got ${fmtArg(groups)}`);
  return g;
}

function checkOperands(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined): void {
  assertTensor(op, 'x', x);
  assertTensor(op, 'weight', weight);
  assertFloat(op, 'x', x);
  if (weight.dtype !== x.dtype) throw new DTypeError(`${op}: weight ${weight.describe()} and x ${x.describe()} must have the same dtype`);
  if (bias !== undefined && bias !== null) {
    assertTensor(op, 'bias', bias);
    if (bias.dtype !== x.dtype) throw new DTypeError(`${op}: bias ${bias.describe()} and x ${x.describe()} must have the same dtype`);
  }
}

/** How messages show the operands: the 1-d ops run as 2-d ones over a height of 1 but report the caller's shapes. */
interface Shown { oneD: boolean; x: string; weight: string }

/** "5x5", or "5" for the 1-d ops (which run as 2-d ops over a height of 1). */
function fmt2(oneD: boolean, a: number, b: number): string {
  return oneD ? `${b}` : `${a}x${b}`;
}

/** Geometry of conv2d(x [N,C,H,W], weight [O,C/groups,kH,kW]) with PyTorch's checks and output size. */
function convGeometry(op: string, x: Tensor, weight: Tensor, opts: Conv2dOptions | undefined, shown: Shown): ConvGeometry {
  return convGeometryOf(op, x.shape, weight.shape, x.dtype, opts, shown);
}

function convGeometryOf(op: string, xShape: number[], wShape: number[], dtype: DType, opts: Conv2dOptions | undefined, shown: Shown): ConvGeometry {
  const oneD = shown.oneD;
  const [n, c, h, w] = xShape;
  const [o, cg, kh, kw] = wShape;
  const groups = groupsArg(op, opts?.groups);
  const [strideH, strideW] = pairArg(op, 'stride', opts?.stride, 1, 1);
  const [dilationH, dilationW] = pairArg(op, 'dilation', opts?.dilation, 1, 1);
  if (c % groups !== 0) throw new ShapeError(`${op}: input channels ${c} of x ${shown.x} are not divisible by groups=${groups}`);
  if (o % groups !== 0) throw new ShapeError(`${op}: output channels ${o} of weight ${shown.weight} are not divisible by groups=${groups}`);
  if (cg * groups !== c) {
    throw new ShapeError(`${op}: weight ${shown.weight} with groups=${groups} expects ${cg * groups} input channels, but x ${shown.x} has ${c}`);
  }
  if (kh === 0 || kw === 0) throw new ShapeError(`${op}: weight ${shown.weight} has an empty kernel`);
  const ekh = dilationH * (kh - 1) + 1, ekw = dilationW * (kw - 1) + 1;
  let padH: number, padW: number, oh: number, ow: number;
  const padding = opts?.padding ?? 0;
  if (padding === 'same') {
    if (strideH !== 1 || strideW !== 1) throw new ArgumentError(`${op}: padding='same' needs stride 1, got stride ${fmtShape([strideH, strideW])}`);
    // Total padding d*(k-1) per axis; PyTorch puts the odd one on the bottom/right.
    padH = Math.floor((ekh - 1) / 2);
    padW = Math.floor((ekw - 1) / 2);
    oh = h;
    ow = w;
  } else {
    [padH, padW] = padding === 'valid' ? [0, 0] : pairArg(op, 'padding', padding, 0, 0);
    const ph = h + 2 * padH, pw = w + 2 * padW;
    if (ekh > ph || ekw > pw) {
      throw new ShapeError(`${op}: kernel ${fmt2(oneD, kh, kw)} (dilated ${fmt2(oneD, ekh, ekw)}) is larger than the padded input ${fmt2(oneD, ph, pw)}`);
    }
    oh = Math.floor((ph - ekh) / strideH) + 1;
    ow = Math.floor((pw - ekw) / strideW) + 1;
  }
  checkOutputSize(op, oneD ? [n, o, ow] : [n, o, oh, ow], dtype, () => `x ${shown.x}, weight ${shown.weight}, padding ${fmt2(oneD, padH, padW)}, stride ${fmt2(oneD, strideH, strideW)}`);
  return { n, c, h, w, o, oh, ow, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups };
}

function checkBias(op: string, bias: Tensor | null | undefined, channels: number): Tensor | null {
  if (bias === undefined || bias === null) return null;
  if (bias.ndim !== 1 || bias.shape[0] !== channels) {
    throw new ShapeError(`${op}: bias must be [${channels}] (one per output channel), got ${bias.describe()}`);
  }
  return bias;
}

const vals = (t: Tensor): FloatArray => t.deviceValues as FloatArray;
// Winograd, direct-small-c and implicit-gemm are CPU kernels: they read host memory (t.values).
const f32 = (t: Tensor): Float32Array => t.values as Float32Array;

/**
 * The conv2d op: out = conv(x, w) + bias, recorded; with relu, out = max(that, 0) in the
 * same kernel (the epilogue), and the backward first zeroes gy where out is 0.
 */
function conv2dOp(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry, relu = false): Tensor {
  const device = sameDevice('conv2d', ['x', x], ['weight', weight], ['bias', bias]);
  // The fused epilogue exists on the CPU only; elsewhere the ReLU is its own op.
  if (relu && device !== 'cpu') return reluOp(conv2dOp(x, weight, bias, g, false));
  const out = emptyForOverwrite([g.n, g.o, g.oh, g.ow], x.dtype, device);
  const algorithm = device === 'cpu' ? chooseConvAlgorithm(g, x.dtype)[0] : 'direct';
  if (algorithm === 'winograd') {
    backendFor(device).winograd!.forward(f32(x), winogradFilter(weight, g, false), bias ? f32(bias) : null, f32(out), g, relu);
  } else if (algorithm === 'direct-small-c') {
    backendFor(device).directSmallC!.forward(f32(x), f32(weight), bias ? f32(bias) : null, f32(out), g, relu);
  } else if (algorithm === 'implicit-gemm') {
    backendFor(device).implicitGemm!.forward(f32(x), f32(weight), bias ? f32(bias) : null, f32(out), g, relu);
  } else {
    backendFor(device).conv2d(vals(x), vals(weight), bias ? vals(bias) : null, vals(out), g, relu);
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  // needs (grad()'s mask, PyTorch's needs_input_grad): a gradient with respect to the input
  // alone (input saliency, a gradient penalty, an adversarial step) skips the weight-gradient pass.
  return record(out, relu ? 'conv2dRelu' : 'conv2d', inputs, (gy, needs) => {
    const gz = relu ? where(gt(out, 0), gy, 0) : gy;
    return [
      (needs ? needs[0] : x.requiresGrad) ? conv2dBackwardInputOp(gz, weight, g) : null,
      (needs ? needs[1] : weight.requiresGrad) ? conv2dBackwardWeightOp(x, gz, g) : null,
      ...(bias ? [(needs ? needs[2] : bias.requiresGrad) ? sum(gz, [0, 2, 3]) : null] : []),
    ];
  }, relu ? [x, weight, out] : [x, weight]);
}

/**
 * dL/dx of conv2d for output gradient gy: BI(gy, w). Linear in each argument:
 * <gx', BI(gy, w)> = <conv2d(gx', w), gy> = <BW(gx', gy), w>, so its backward
 * for an incoming gradient gx' is (conv2d(gx', w), BW(gx', gy)).
 */
function conv2dBackwardInputOp(gy: Tensor, weight: Tensor, g: ConvGeometry, name = 'conv2dBackwardInput'): Tensor {
  const gx = emptyForOverwrite([g.n, g.c, g.h, g.w], gy.dtype, gy.device);  // the kernels zero it themselves
  const algorithm = gy.device === 'cpu' ? chooseConvAlgorithm(g, gy.dtype, 'backwardInput')[0] : 'direct';
  if (algorithm === 'winograd') {
    backendFor(gy.device).winograd!.backwardInput(f32(gy), winogradFilter(weight, g, true), f32(gx), g);
  } else if (algorithm === 'direct-small-c') {
    backendFor(gy.device).directSmallC!.backwardInput(f32(gy), f32(weight), f32(gx), g);
  } else if (algorithm === 'implicit-gemm') {
    backendFor(gy.device).implicitGemm!.backwardInput(f32(gy), f32(weight), f32(gx), g);
  } else {
    backendFor(gy.device).conv2dBackwardInput(vals(gy), vals(weight), vals(gx), g);
  }
  return record(gx, name, [gy, weight], (gg, needs) => [
    (needs ? needs[0] : gy.requiresGrad) ? conv2dOp(gg, weight, null, g) : null,
    (needs ? needs[1] : weight.requiresGrad) ? conv2dBackwardWeightOp(gg, gy, g) : null,
  ], [gy, weight]);
}

/**
 * dL/dw of conv2d: BW(x, gy), summed over the batch. <gw', BW(x, gy)> =
 * <conv2d(x, gw'), gy> = <BI(gy, gw'), x>, so its backward for gw' is
 * (BI(gy, gw'), conv2d(x, gw')).
 */
function conv2dBackwardWeightOp(x: Tensor, gy: Tensor, g: ConvGeometry): Tensor {
  const gw = emptyForOverwrite([g.o, g.c / g.groups, g.kh, g.kw], x.dtype, x.device);  // likewise
  const algorithm = x.device === 'cpu' ? chooseConvAlgorithm(g, x.dtype, 'backwardWeight')[0] : 'direct';
  const be = backendFor(x.device);
  if (algorithm === 'winograd') be.winograd!.backwardWeight(f32(x), f32(gy), f32(gw), g);
  else if (algorithm === 'direct-small-c') be.directSmallC!.backwardWeight(f32(x), f32(gy), f32(gw), g);
  else if (algorithm === 'implicit-gemm') be.implicitGemm!.backwardWeight(f32(x), f32(gy), f32(gw), g);
  else be.conv2dBackwardWeight(vals(x), vals(gy), vals(gw), g);
  return record(gw, 'conv2dBackwardWeight', [x, gy], (gg, needs) => [
    (needs ? needs[0] : x.requiresGrad) ? conv2dBackwardInputOp(gy, gg, g) : null,
    (needs ? needs[1] : gy.requiresGrad) ? conv2dOp(x, gg, null, g) : null,
  ], [x, gy]);
}

/** Adds a leading batch dim of 1 to an unbatched input (rank `rank - 1`). */
function batched(op: string, x: Tensor, rank: number, layout: string): [Tensor, boolean] {
  if (x.ndim === rank) return [x, false];
  if (x.ndim === rank - 1) return [reshape(x, [1, ...x.shape]), true];
  throw new ShapeError(`${op}: x must be ${layout} (or unbatched without N), got ${x.describe()}`);
}

function conv2dImpl(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: Conv2dOptions | undefined, shown: Shown, relu = false): Tensor {
  const g = convGeometry(op, x, weight, opts, shown);
  return conv2dOp(x, weight, checkBias(op, bias, g.o), g, relu);
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch) of x [N, C, H, W] (or [C, H, W])
 * with weight [O, C/groups, kH, kW], plus bias [O].
 * @example `conv2d(x, w, b, { stride: 2, padding: 1 })`
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: Conv2dOptions): Tensor {
  return conv2dWith('conv2d', x, weight, bias, opts, false);
}

function conv2dWith(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: Conv2dOptions | undefined, relu: boolean): Tensor {
  checkOperands(op, x, weight, bias);
  const [xb, unbatched] = batched(op, x, 4, '[N,C,H,W]');
  if (weight.ndim !== 4) throw new ShapeError(`${op}: weight must be [O,C/groups,kH,kW], got ${weight.describe()}`);
  const out = conv2dImpl(op, xb, weight, bias, opts, { oneD: false, x: x.describe(), weight: weight.describe() }, relu);
  return unbatched ? reshape(out, out.shape.slice(1)) : out;
}

/**
 * relu(conv2d(x, weight, bias, opts)) in one kernel: the ReLU runs in the convolution's
 * epilogue (the Winograd output transform, or the direct kernel's bias pass) instead of
 * as a separate pass over the output. Same arguments, results and gradients as
 * `relu(conv2d(...))` (the gradient is 0 where the output is 0).
 * @example `const h = conv2dRelu(x, w, b, { padding: 1 })`
 */
export function conv2dRelu(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: Conv2dOptions): Tensor {
  return conv2dWith('conv2dRelu', x, weight, bias, opts, true);
}

/** A convolution's shapes, options and dtype, for {@link convAlgorithm}. @example `{ input: [32, 64, 32, 32], weight: [64, 64, 3, 3], padding: 1 }` */
export interface ConvAlgorithmQuery extends Conv2dOptions {
  /** x's shape: [N, C, H, W], or [C, H, W]. */
  input: number[];
  /** weight's shape: [O, C/groups, kH, kW]. */
  weight: number[];
  /** The operands' dtype (default 'float32'). */
  dtype?: 'float32' | 'float64';
}

/** The algorithm a convolution gets and why: see {@link convAlgorithm}. @example `{ algorithm: 'winograd', reason: 'table', detail: '...' }` */
export interface ConvAlgorithmChoice {
  /** The forward pass's algorithm. */
  algorithm: ConvAlgorithmName;
  /** Each pass's algorithm: with 'auto', each pass is chosen by the tables (Winograd, 'direct-small-c', 'implicit-gemm' or im2col + GEMM, 'direct'). */
  passes: Record<ConvPass, ConvAlgorithmName>;
  /** 'backend' (no Winograd kernels), 'dtype' (float64), 'geometry' (the forced or every faster algorithm refuses the shape), 'forced' (setConvAlgorithm), 'table' (the measured choice). */
  reason: ConvAlgorithmReason;
  /** The reason in words. */
  detail: string;
}

/**
 * Which algorithm conv2d would run for these shapes and options under the current
 * {@link setConvAlgorithm} policy and backend, and why. The same choice covers the
 * convolution's two gradients. Throws what conv2d would throw for invalid shapes.
 * @example
 * ```ts
 * convAlgorithm({ input: [32, 64, 32, 32], weight: [64, 64, 3, 3], padding: 1 });
 * // { algorithm: 'winograd', reason: 'table', detail: 'the compiled-in table measured Winograd faster for this shape class' }
 * convAlgorithm({ input: [32, 64, 32, 32], weight: [128, 64, 3, 3], stride: 2, padding: 1 }).algorithm;  // 'direct'
 * ```
 */
export function convAlgorithm(query: ConvAlgorithmQuery): ConvAlgorithmChoice {
  const op = 'convAlgorithm';
  const isShape = (s: unknown, n: number[]): s is number[] =>
    Array.isArray(s) && n.includes(s.length) && s.every((d) => Number.isInteger(d) && d >= 0);
  if (!isShape(query?.input, [3, 4])) throw new ArgumentError(`${op}: input must be a shape [N,C,H,W] or [C,H,W] of non-negative integers, got ${fmtValue(query?.input)}`);
  if (!isShape(query.weight, [4])) throw new ArgumentError(`${op}: weight must be a shape [O,C/groups,kH,kW] of non-negative integers, got ${fmtValue(query.weight)}`);
  const dtype = query.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') throw new ArgumentError(`${op}: dtype must be 'float32' or 'float64', got ${fmtValue(dtype)}`);
  const x = query.input.length === 3 ? [1, ...query.input] : query.input;
  const g = convGeometryOf(op, x, query.weight, dtype, query, { oneD: false, x: fmtShape(query.input), weight: fmtShape(query.weight) });
  const [algorithm, reason] = chooseConvAlgorithm(g, dtype);
  const passes = {
    forward: algorithm,
    backwardInput: chooseConvAlgorithm(g, dtype, 'backwardInput')[0],
    backwardWeight: chooseConvAlgorithm(g, dtype, 'backwardWeight')[0],
  };
  const names = { direct: 'the direct algorithm', winograd: 'Winograd', 'direct-small-c': 'the direct small-channel kernels', 'implicit-gemm': 'the implicit-GEMM kernels' };
  const refusals = [
    `Winograd F(4x4,3x3) needs a 3x3 kernel, stride 1, dilation 1 and groups 1; this convolution has ${winogradRefusal(g)}`,
    `direct-small-c needs groups 1 and 1..4 input channels; this convolution has ${directSmallCRefusal(g)}`,
    `implicit-gemm needs float32, groups 1 and an AVX-512 CPU; this convolution has ${implicitGemmRefusal(g) ?? 'an ISA without AVX-512'}`,
  ];
  const detail = {
    backend: 'the reference backend has only the direct algorithm',
    dtype: `${dtype} always takes the exact direct algorithm`,
    geometry: { 'direct-small-c': refusals[1], winograd: refusals[0], 'implicit-gemm': refusals[2] }[getConvAlgorithm() as string] ?? refusals.join('; '),
    forced: `setConvAlgorithm('${algorithm}')`,
    table: `the compiled-in tables measured ${names[algorithm]} faster for this shape class`,
  }[reason];
  return { algorithm, passes, reason, detail };
}

/**
 * 1-D convolution of x [N, C, L] (or [C, L]) with weight [O, C/groups, k], plus bias [O];
 * runs as conv2d over a height of 1.
 * @example `conv1d(x, w, null, { padding: 'same' })`
 */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: Conv1dOptions): Tensor {
  checkOperands('conv1d', x, weight, bias);
  const [xb, unbatched] = batched('conv1d', x, 3, '[N,C,L]');
  if (weight.ndim !== 3) throw new ShapeError(`conv1d: weight must be [O,C/groups,k], got ${weight.describe()}`);
  for (const key of ['stride', 'dilation'] as const) {
    const v = opts?.[key];
    if (v !== undefined && typeof v !== 'number') throw new ArgumentError(`conv1d: ${key} must be a number, got ${fmtValue(v)}`);
  }
  const pad = opts?.padding;
  if (pad !== undefined && typeof pad !== 'number' && pad !== 'same' && pad !== 'valid') {
    throw new ArgumentError(`conv1d: padding must be a number, 'same' or 'valid', got ${fmtValue(pad)}`);
  }
  const [n, c, l] = xb.shape;
  const opts2: Conv2dOptions = {
    stride: [1, opts?.stride ?? 1],
    dilation: [1, opts?.dilation ?? 1],
    padding: typeof pad === 'number' ? [0, pad] : pad,
    groups: opts?.groups,
  };
  const w = weight.shape;
  const shown = { oneD: true, x: x.describe(), weight: weight.describe() };
  const out = conv2dImpl('conv1d', reshape(xb, [n, c, 1, l]), reshape(weight, [w[0], w[1], 1, w[2]]), bias, opts2, shown);
  const shape = [out.shape[0], out.shape[1], out.shape[3]];
  return reshape(out, unbatched ? shape.slice(1) : shape);
}

/**
 * Transposed 2-D convolution (the gradient of conv2d with respect to its input) of
 * x [N, C, H, W] with weight [C, O/groups, kH, kW], plus bias [O]. Output size per
 * axis: (H - 1)*stride - 2*padding + dilation*(k - 1) + outputPadding + 1.
 * @example `convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 })`
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvTranspose2dOptions): Tensor {
  const op = 'convTranspose2d';
  checkOperands(op, x, weight, bias);
  const [xb, unbatched] = batched(op, x, 4, '[N,C,H,W]');
  if (weight.ndim !== 4) throw new ShapeError(`${op}: weight must be [C,O/groups,kH,kW], got ${weight.describe()}`);
  const [n, c, h, w] = xb.shape;
  const [wc, og, kh, kw] = weight.shape;
  const groups = groupsArg(op, opts?.groups);
  const [strideH, strideW] = pairArg(op, 'stride', opts?.stride, 1, 1);
  const [padH, padW] = pairArg(op, 'padding', opts?.padding, 0, 0);
  const [opH, opW] = pairArg(op, 'outputPadding', opts?.outputPadding, 0, 0);
  const [dilationH, dilationW] = pairArg(op, 'dilation', opts?.dilation, 1, 1);
  if (wc !== c) throw new ShapeError(`${op}: weight ${weight.describe()} expects ${wc} input channels, but x ${xb.describe()} has ${c}`);
  if (c % groups !== 0) throw new ShapeError(`${op}: input channels ${c} of x ${xb.describe()} are not divisible by groups=${groups}`);
  if ((opH >= strideH && opH >= dilationH) || (opW >= strideW && opW >= dilationW)) {
    throw new ArgumentError(`${op}: outputPadding ${fmtShape([opH, opW])} must be smaller than either stride ${fmtShape([strideH, strideW])} or dilation ${fmtShape([dilationH, dilationW])}`);
  }
  const outH = (h - 1) * strideH - 2 * padH + dilationH * (kh - 1) + opH + 1;
  const outW = (w - 1) * strideW - 2 * padW + dilationW * (kw - 1) + opW + 1;
  if (outH < 1 || outW < 1) {
    throw new ShapeError(`${op}: the output would be ${outH}x${outW} for x ${xb.describe()}, weight ${weight.describe()}, stride ${fmtShape([strideH, strideW])} and padding ${fmtShape([padH, padW])}`);
  }
  const o = og * groups;
  checkOutputSize(op, [n, o, outH, outW], xb.dtype, () => `x ${xb.describe()}, weight ${weight.describe()}, stride ${fmtShape([strideH, strideW])}, padding ${fmtShape([padH, padW])}, dilation ${fmtShape([dilationH, dilationW])}`);
  const b = checkBias(op, bias, o);
  // The conv2d that this op is the input-gradient of: input [N, O, outH, outW] -> output x.
  const g: ConvGeometry = {
    n, c: o, h: outH, w: outW, o: c, oh: h, ow: w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups,
  };
  let out = conv2dBackwardInputOp(xb, weight, g, op);
  if (b) out = add(out, reshape(b, [1, o, 1, 1]));
  return unbatched ? reshape(out, out.shape.slice(1)) : out;
}

// ---------------------------------------------------------------- registry

const f = (shape: number[], dt: SampleDType): Tensor => randn(shape, { dtype: dt });
// The backward of every conv op runs the other two kernels (see the record calls above).
const CONV_KERNELS = ['conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight'] as const;

registerOp({
  name: 'conv2d', kernels: CONV_KERNELS, differentiable: true,
  run: (x, w, b) => conv2d(x, w, b, { padding: 1 }),
  samples: [
    { label: 'padded 3x3 with bias', inputs: (dt) => [f([2, 3, 5, 4], dt), f([4, 3, 3, 3], dt), f([4], dt)] },
    { label: 'unbatched, 1x2 kernel', inputs: (dt) => [f([2, 3, 3], dt), f([3, 2, 1, 2], dt), f([3], dt)] },
  ],
});
registerOp({
  name: 'conv2d(stride,dilation,groups)', kernels: CONV_KERNELS, differentiable: true,
  run: (x, w) => conv2d(x, w, null, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }),
  samples: [{ label: 'groups 2, stride [2,1], dilation [1,2]', inputs: (dt) => [f([1, 4, 6, 5], dt), f([6, 2, 3, 2], dt)] }],
});
registerOp({
  name: 'conv2dRelu', kernels: CONV_KERNELS, differentiable: true,
  run: (x, w, b) => conv2dRelu(x, w, b, { padding: 1 }),
  samples: [{ label: 'padded 3x3 with bias', inputs: (dt) => [f([2, 3, 5, 4], dt), f([4, 3, 3, 3], dt), f([4], dt)] }],
});
registerOp({
  name: 'conv1d', kernels: CONV_KERNELS, differentiable: true,
  run: (x, w, b) => conv1d(x, w, b, { padding: 'same', dilation: 2 }),
  samples: [{ label: "padding 'same', dilation 2", inputs: (dt) => [f([2, 3, 7], dt), f([4, 3, 3], dt), f([4], dt)] }],
});
registerOp({
  name: 'convTranspose2d', kernels: CONV_KERNELS, differentiable: true,
  run: (x, w, b) => convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
  samples: [{ label: 'stride 2, outputPadding 1, groups 2', inputs: (dt) => [f([1, 4, 3, 2], dt), f([4, 1, 3, 3], dt), f([2], dt)] }],
});
