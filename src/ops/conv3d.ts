/**
 * Volumetric convolutions (NCDHW): conv3d and convTranspose3d, with PyTorch's arguments,
 * defaults and output sizes, written over the native 2-D convolutions.
 *
 * conv3d folds the depth into the batch and the kernel's depth taps into the channels:
 *   y[n, o, d] = Σ_kd conv2d_hw(x[n, :, d·sD − pD + kd·dD], w[o, :, kd])
 * so the slices x[n, :, d·sD + kd·dD] of the depth-padded input, gathered for every output
 * depth d and tap kd (one indexSelect), form a [N·oD, kD·C, H, W] batch, and one conv2d with
 * weight [O, kD·C/groups, kH, kW] (w's depth taps moved next to its channels) computes all
 * output depths at once. convTranspose3d is its adjoint: one convTranspose2d per input depth
 * gives every tap's contribution, and one indexAdd scatters them onto the output depths.
 * Every step is a recorded op, so gradients (and second derivatives) come from autograd.
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors';
import type { Tensor } from '../tensor/tensor';
import { add } from './binary';
import { conv2d, convTranspose2d } from './conv';
import { randn, zeros } from './creation';
import { indexAdd, indexSelect } from './indexing';
import { pad } from './pad';
import { registerOp, type SampleDType } from './registry';
import { narrow, permute, reshape } from './shape';
import { assertTensor, checkOutputSize } from './util';
import { composite, depthTaps, fmt3, indexOn, tripleArg, unbatch, volumeInput, type Triple } from './volumetric-args';

/** Stride, padding, dilation and groups of `conv3d`. @example `conv3d(x, w, b, { stride: [1, 2, 2], padding: 1 })` */
export interface Conv3dOptions {
  /** Step between windows per dim (default 1). */
  stride?: Triple;
  /** Zeros added on each side per dim, or 'same' (output size = input size; stride 1 only) or 'valid' (none). Default 0. */
  padding?: Triple | 'same' | 'valid';
  /** Spacing between kernel taps per dim (default 1). */
  dilation?: Triple;
  /** Channel groups: input and output channels split into `groups` independent convolutions (default 1). */
  groups?: number;
}

/** Options of `convTranspose3d`. @example `convTranspose3d(x, w, null, { stride: 2, outputPadding: 1 })` */
export interface ConvTranspose3dOptions {
  stride?: Triple;
  /** PyTorch's `padding`: dilation·(k − 1) − padding zeros are implied around the input on each side (default 0). */
  padding?: Triple;
  /** Extra size on one side of the output per dim, to pick among the input sizes a strided conv3d maps alike (default 0). */
  outputPadding?: Triple;
  groups?: number;
  dilation?: Triple;
}

/** What both convolutions check and take alike: x batched, and groups, stride and dilation. */
interface Operands { xb: Tensor; unbatched: boolean; groups: number; stride: [number, number, number]; dilation: [number, number, number] }

function operands(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: Conv3dOptions | ConvTranspose3dOptions | undefined, layout: string): Operands {
  const [xb, unbatched] = volumeInput(op, x);
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t === undefined || t === null) continue;
    assertTensor(op, name, t);
    if (t.dtype !== x.dtype) throw new DTypeError(`${op}: ${name} ${t.describe()} and x ${x.describe()} must have the same dtype`);
  }
  if (weight.ndim !== 5) throw new ShapeError(`${op}: weight must be ${layout}, got ${weight.describe()}`);
  if (weight.shape.slice(2).includes(0)) throw new ShapeError(`${op}: weight ${weight.describe()} has an empty kernel`);
  const groups = opts?.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new ArgumentError(`${op}: groups must be a positive integer, got ${String(opts?.groups)}`);
  const stride = tripleArg(op, 'stride', opts?.stride, [1, 1, 1], 1);
  return { xb, unbatched, groups, stride, dilation: tripleArg(op, 'dilation', opts?.dilation, [1, 1, 1], 1) };
}

function biasArg(op: string, bias: Tensor | null | undefined, channels: number): Tensor | null {
  if (bias === undefined || bias === null) return null;
  if (bias.ndim !== 1 || bias.shape[0] !== channels) throw new ShapeError(`${op}: bias must be [${channels}] (one per output channel), got ${bias.describe()}`);
  return bias;
}

/** [N, A, B, ...] to [N, B, A, ...]: a reshape where A or B is 1, else a permute (a copy). */
function swapDims12(t: Tensor): Tensor {
  const s = t.shape;
  if (s[1] === 1 || s[2] === 1) return reshape(t, [s[0], s[2], s[1], ...s.slice(3)]);
  return permute(t, [0, 2, 1, ...s.slice(3).map((_, i) => i + 3)]);
}

/**
 * 3-D convolution (cross-correlation, as in PyTorch) of x [N, C, D, H, W] (or [C, D, H, W])
 * with weight [O, C/groups, kD, kH, kW], plus bias [O]. Output size per dim:
 * floor((size + 2·padding − dilation·(k − 1) − 1) / stride) + 1.
 *
 * Computed as one native conv2d: the kD depth taps of every output depth are gathered from the
 * depth-padded input into a [N·oD, kD·C, H, W] batch (one indexSelect) and convolved with the
 * weight's depth taps folded into its channels, [O, kD·C/groups, kH, kW]; height and width keep
 * their stride, padding and dilation in the conv2d. Memory: kD/stride copies of the input.
 * Gradients come from autograd through those ops.
 * @example
 * const x = randn([2, 3, 8, 32, 32]);                      // [N, C, D, H, W]
 * const w = randn([16, 3, 3, 3, 3]);
 * const y = conv3d(x, w, null, { padding: 1 });              // [2, 16, 8, 32, 32]
 */
export function conv3d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: Conv3dOptions): Tensor {
  const op = 'conv3d';
  const { xb, unbatched, groups, stride, dilation } = operands(op, x, weight, bias, opts, '[O,C/groups,kD,kH,kW]');
  const [n, c, d, h, w] = xb.shape;
  const [o, cg, kd, kh, kw] = weight.shape;
  if (c % groups !== 0) throw new ShapeError(`${op}: input channels ${c} of x ${x.describe()} are not divisible by groups=${groups}`);
  if (o % groups !== 0) throw new ShapeError(`${op}: output channels ${o} of weight ${weight.describe()} are not divisible by groups=${groups}`);
  if (cg * groups !== c) throw new ShapeError(`${op}: weight ${weight.describe()} with groups=${groups} expects ${cg * groups} input channels, but x ${x.describe()} has ${c}`);
  const kernel = [kd, kh, kw], size = [d, h, w];
  const span = kernel.map((k, i) => dilation[i] * (k - 1) + 1);
  const padding = opts?.padding ?? 0;
  // (before, after) per dim; 'same' puts the odd one after, as PyTorch does.
  let pads: [number, number][];
  if (padding === 'same') {
    if (stride.some((s) => s !== 1)) throw new ArgumentError(`${op}: padding='same' needs stride 1, got stride ${fmtShape(stride)}`);
    pads = span.map((e) => [Math.floor((e - 1) / 2), e - 1 - Math.floor((e - 1) / 2)]);
  } else {
    const p = padding === 'valid' ? [0, 0, 0] : tripleArg(op, 'padding', padding, [0, 0, 0], 0);
    pads = p.map((v) => [v, v]);
  }
  const padded = size.map((s, i) => s + pads[i][0] + pads[i][1]);
  if (span.some((e, i) => e > padded[i])) {
    throw new ShapeError(`${op}: kernel ${fmt3(kernel)} (dilated ${fmt3(span)}) is larger than the padded input ${fmt3(padded)}`);
  }
  const [od, oh, ow] = padded.map((p, i) => Math.floor((p - span[i]) / stride[i]) + 1);
  checkOutputSize(op, [n, o, od, oh, ow], x.dtype, () => `x ${x.describe()}, weight ${weight.describe()}, stride ${fmtShape(stride)}`);
  const b = biasArg(op, bias, o);
  return composite([x, weight, b], () => {
    // [N, D, C, H, W], depth-padded, then the kD taps of every output depth: [N, oD·kD, C, H, W].
    let slices = swapDims12(xb);
    if (pads[0][0] || pads[0][1]) slices = pad(slices, [0, 0, 0, 0, 0, 0, pads[0][0], pads[0][1]]);
    if (!(kd === 1 && stride[0] === 1 && od === padded[0])) slices = indexSelect(slices, 1, indexOn(depthTaps(od, kd, stride[0], dilation[0]), x.device));
    // Channels [kd][g][c/g] per output depth; conv2d's groups need [g][kd][c/g].
    const batch = reshape(swapDims12(reshape(slices, [n * od, kd, groups, cg * h * w])), [n * od, kd * c, h, w]);
    const w2 = kd === 1 ? reshape(weight, [o, cg, kh, kw]) : reshape(swapDims12(weight), [o, kd * cg, kh, kw]);
    const hw = padding === 'same' ? 'same' as const : [pads[1][0], pads[2][0]] as [number, number];
    const y = conv2d(batch, w2, b, { stride: [stride[1], stride[2]], padding: hw, dilation: [dilation[1], dilation[2]], groups });
    return unbatch(swapDims12(reshape(y, [n, od, o, oh, ow])), unbatched);
  });
}

/**
 * Transposed 3-D convolution (the gradient of conv3d with respect to its input) of
 * x [N, C, D, H, W] (or [C, D, H, W]) with weight [C, O/groups, kD, kH, kW], plus bias [O].
 * Output size per dim: (size − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
 *
 * Computed as conv3d's adjoint: one native convTranspose2d over every input depth (folded into
 * the batch), with the weight's depth taps folded into its output channels, gives each tap's
 * contribution [N·D, kD·O, oH, oW]; one indexAdd scatters them onto the output depths
 * d·stride + kd·dilation, and the depth padding is cropped. Gradients come from autograd.
 * @example
 * const x = randn([2, 16, 4, 8, 8]);
 * const w = randn([16, 8, 2, 2, 2]);
 * const y = convTranspose3d(x, w, null, { stride: 2 });    // [2, 8, 8, 16, 16]
 */
export function convTranspose3d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvTranspose3dOptions): Tensor {
  const op = 'convTranspose3d';
  const { xb, unbatched, groups, stride, dilation } = operands(op, x, weight, bias, opts, '[C,O/groups,kD,kH,kW]');
  const [n, c, d, h, w] = xb.shape;
  const [wc, og, kd, kh, kw] = weight.shape;
  const padding = tripleArg(op, 'padding', opts?.padding, [0, 0, 0], 0);
  const outputPadding = tripleArg(op, 'outputPadding', opts?.outputPadding, [0, 0, 0], 0);
  if (wc !== c) throw new ShapeError(`${op}: weight ${weight.describe()} expects ${wc} input channels, but x ${x.describe()} has ${c}`);
  if (c % groups !== 0) throw new ShapeError(`${op}: input channels ${c} of x ${x.describe()} are not divisible by groups=${groups}`);
  if (outputPadding.some((p, i) => p >= stride[i] && p >= dilation[i])) {
    throw new ArgumentError(`${op}: outputPadding ${fmtShape(outputPadding)} must be smaller than either stride ${fmtShape(stride)} or dilation ${fmtShape(dilation)}`);
  }
  const kernel = [kd, kh, kw];
  const out = [d, h, w].map((s, i) => (s - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + outputPadding[i] + 1);
  if (out.some((s) => s < 1)) {
    throw new ShapeError(`${op}: the output would be ${fmt3(out)} for x ${x.describe()}, weight ${weight.describe()}, stride ${fmtShape(stride)} and padding ${fmtShape(padding)}`);
  }
  const o = og * groups;
  const [od, oh, ow] = out;
  checkOutputSize(op, [n, o, od, oh, ow], x.dtype, () => `x ${x.describe()}, weight ${weight.describe()}, stride ${fmtShape(stride)}, padding ${fmtShape(padding)}`);
  const b = biasArg(op, bias, o);
  return composite([x, weight, b], () => {
    // Every input depth through convTranspose2d; output channels [g][kd][o/g].
    const rows = reshape(swapDims12(xb), [n * d, c, h, w]);
    const w2 = kd === 1 ? reshape(weight, [c, og, kh, kw]) : reshape(swapDims12(weight), [c, kd * og, kh, kw]);
    const taps = convTranspose2d(rows, w2, null, {
      stride: [stride[1], stride[2]], padding: [padding[1], padding[2]], outputPadding: [outputPadding[1], outputPadding[2]],
      dilation: [dilation[1], dilation[2]], groups,
    });
    // [N, D·kD, O, oH, oW]: tap kd of input depth i lands on padded output depth i·sD + kd·dD.
    let y = reshape(swapDims12(reshape(taps, [n * d, groups, kd, og * oh * ow])), [n, d * kd, o, oh, ow]);
    if (!(kd === 1 && stride[0] === 1 && padding[0] === 0 && outputPadding[0] === 0)) {
      const full = zeros([n, od + 2 * padding[0], o, oh, ow], { dtype: x.dtype as 'float32' | 'float64', device: x.device });
      y = indexAdd(full, 1, indexOn(depthTaps(d, kd, stride[0], dilation[0]), x.device), y);
      if (padding[0]) y = narrow(y, 1, padding[0], od);
    }
    const result = swapDims12(y);
    return unbatch(b ? add(result, reshape(b, [1, o, 1, 1, 1])) : result, unbatched);
  });
}

// ---------------------------------------------------------------- registry

const f = (shape: number[], dt: SampleDType): Tensor => randn(shape, { dtype: dt });
const CONV3D_KERNELS = ['conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight', 'indexSelect', 'indexAdd'] as const;

registerOp({
  name: 'conv3d', kernels: CONV3D_KERNELS, differentiable: true,
  run: (x, w, b) => conv3d(x, w, b, { stride: [2, 1, 1], padding: [1, 0, 1], dilation: [1, 1, 2], groups: 2 }),
  samples: [{ label: 'groups 2, stride [2,1,1], padding [1,0,1], dilation [1,1,2]', inputs: (dt) => [f([2, 4, 5, 3, 5], dt), f([4, 2, 3, 2, 2], dt), f([4], dt)] }],
});
registerOp({
  name: 'convTranspose3d', kernels: CONV3D_KERNELS, differentiable: true,
  run: (x, w, b) => convTranspose3d(x, w, b, { stride: [2, 1, 2], padding: [1, 0, 1], outputPadding: [1, 0, 1], groups: 2 }),
  samples: [{ label: 'groups 2, stride [2,1,2], padding [1,0,1], outputPadding [1,0,1]', inputs: (dt) => [f([1, 4, 3, 2, 3], dt), f([4, 1, 3, 2, 3], dt), f([2], dt)] }],
});
