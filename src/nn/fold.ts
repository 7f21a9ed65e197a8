/**
 * unfold and fold (PyTorch's F.unfold / F.fold, im2col and col2im): sliding local blocks of
 * [N, C, H, W] images as the columns of [N, C·kh·kw, L], and back, summing where blocks overlap.
 *
 * Both are composed from existing ops, so autograd differentiates them (twice too) on every
 * backend: the int32 table of every (channel, tap, block) position in a sample's flattened
 * plane is built once per call in JS; unfold is an `indexSelect` through it and fold an
 * `indexAdd` into zeros, each the other's adjoint. Taps that fall in the zero padding read
 * (unfold) or write (fold) one extra slot past the plane: a zero column appended to the
 * input, or a column cut off the output.
 *
 * The `…Named` forms take the name errors should carry (the module's, when a module calls).
 */
import { ArgumentError, ShapeError, fmtShape, fmtValue } from '../errors';
import { zeros } from '../ops/creation';
import { indexAdd, indexSelect } from '../ops/indexing';
import { cat, narrow, reshape } from '../ops/shape';
import { assertFloatTensor, assertTensor, checkOutputSize } from '../ops/util';
import { Tensor } from '../tensor/tensor';

/** One number for both spatial dims, or [height, width]. */
export type Pair2d = number | [number, number];

/** dilation, padding and stride of `unfold` and `fold` (PyTorch's keyword arguments). @example `{ padding: 1, stride: 2 }` */
export interface FoldOptions {
  /** Spacing between a block's taps (default 1). */
  dilation?: Pair2d;
  /** Implicit zeros on both sides of each spatial dim (default 0). */
  padding?: Pair2d;
  /** Step between blocks (default 1). */
  stride?: Pair2d;
}

/** @internal The checked geometry of one unfold/fold. */
export interface Geometry {
  kernel: [number, number];
  dilation: [number, number];
  padding: [number, number];
  stride: [number, number];
}

/** @internal An integer pair (each >= min) from a number or a 2-array, or an ArgumentError naming op and argument. */
export function pairArg(op: string, name: string, v: unknown, fallback: number, min: number): [number, number] {
  const p: unknown[] = v === undefined ? [fallback, fallback] : Array.isArray(v) ? v : [v, v];
  if (p.length !== 2 || !p.every((e) => typeof e === 'number' && Number.isInteger(e) && e >= min)) {
    const what = min === 0 ? 'a non-negative integer' : 'a positive integer';
    throw new ArgumentError(`${op}: ${name} must be ${what} or a pair of them ([height, width]), got ${fmtValue(v)}`);
  }
  return [p[0] as number, p[1] as number];
}

/** @internal kernelSize and the options, checked. */
export function geometryArgs(op: string, kernelSize: unknown, opts: FoldOptions | undefined): Geometry {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new ArgumentError(`${op}: options must be an object { dilation, padding, stride }, got ${fmtValue(opts)}`);
  return {
    kernel: pairArg(op, 'kernelSize', kernelSize, 1, 1),
    dilation: pairArg(op, 'dilation', opts?.dilation, 1, 1),
    padding: pairArg(op, 'padding', opts?.padding, 0, 0),
    stride: pairArg(op, 'stride', opts?.stride, 1, 1),
  };
}

const fmtPair = (p: [number, number]): string => `(${p[0]}, ${p[1]})`;

function describeGeometry(g: Geometry, withStride: boolean): string {
  return `kernelSize=${fmtPair(g.kernel)}, dilation=${fmtPair(g.dilation)}, padding=${fmtPair(g.padding)}${withStride ? `, stride=${fmtPair(g.stride)}` : ''}`;
}

/** The number of blocks along one dim of size n (may be < 1: the caller rejects it). */
function blocksAlong(n: number, k: number, d: number, p: number, s: number): number {
  return Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
}


/**
 * The int32 table of one sample: entry ((c·kh + i)·kw + j)·L + (by·bw + bx) is the position in the
 * flattened [C, H, W] plane that block (by, bx) reads at tap (i, j) of channel c, or C·H·W (the
 * extra zero slot) where that tap lies in the padding. Returned with whether any tap does.
 */
function indexTable(c: number, h: number, w: number, g: Geometry, bh: number, bw: number, device: Tensor['device']): { index: Tensor; padded: boolean } {
  const [kh, kw] = g.kernel, [dh, dw] = g.dilation, [ph, pw] = g.padding, [sh, sw] = g.stride;
  const L = bh * bw, plane = h * w, outside = c * plane;
  const table = new Int32Array(c * kh * kw * L);
  // Per tap, the source row of each block row and the source column of each block column (-1: padding).
  const rows = new Int32Array(bh), cols = new Int32Array(bw);
  let padded = false, at = 0;
  for (let i = 0; i < kh; i++) {
    for (let by = 0; by < bh; by++) {
      const y = by * sh + i * dh - ph;
      rows[by] = y >= 0 && y < h ? y : -1;
    }
    for (let j = 0; j < kw; j++) {
      for (let bx = 0; bx < bw; bx++) {
        const x = bx * sw + j * dw - pw;
        cols[bx] = x >= 0 && x < w ? x : -1;
      }
      // Channel 0's entries for tap (i, j), -1 in the padding.
      for (let by = 0; by < bh; by++) {
        const y = rows[by];
        for (let bx = 0; bx < bw; bx++) {
          const x = cols[bx];
          if (y < 0 || x < 0) { table[at++] = -1; padded = true; } else table[at++] = y * w + x;
        }
      }
    }
  }
  // Channel ch's entries are channel 0's plus ch·H·W (the padding's: the zero slot). Channel 0 goes
  // last, as the others read its raw entries.
  const perChannel = kh * kw * L;
  for (let ch = c - 1; ch >= 0; ch--) {
    const offset = ch * plane, base = ch * perChannel;
    for (let q = 0; q < perChannel; q++) {
      const v = table[q];
      table[base + q] = v < 0 ? outside : v + offset;
    }
  }
  const host = Tensor.fromData(table, [table.length], 'int32');
  if (device === 'cpu') return { index: host, padded };
  const index = host.to(device);
  host.dispose();
  return { index, padded };
}

/** x as [N, C, H, W] and whether it came unbatched, after unfold's rank checks. */
function unfoldInput(op: string, x: Tensor): [Tensor, boolean] {
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`${op}: x must be [N, C, H, W] or unbatched [C, H, W], got ${x.describe()}`);
  const [c, h, w] = x.shape.slice(-3);
  if (c === 0 || h === 0 || w === 0) throw new ShapeError(`${op}: x ${x.describe()} has an empty channel or spatial dim (only the batch dim may be 0)`);
  return x.ndim === 3 ? [reshape(x, [1, c, h, w]), true] : [x, false];
}

/** @internal unfold with the name errors carry and checked geometry. */
export function unfoldNamed(op: string, x: Tensor, g: Geometry): Tensor {
  assertTensor(op, 'x', x);
  assertFloatTensor(op, 'x', x);
  const [xb, unbatched] = unfoldInput(op, x);
  const [n, c, h, w] = xb.shape;
  const bh = blocksAlong(h, g.kernel[0], g.dilation[0], g.padding[0], g.stride[0]);
  const bw = blocksAlong(w, g.kernel[1], g.dilation[1], g.padding[1], g.stride[1]);
  if (bh < 1 || bw < 1) {
    throw new ShapeError(`${op}: x ${x.describe()} with spatial size (${h}, ${w}), ${describeGeometry(g, false)} gives ${bh} x ${bw} sliding blocks; `
      + `the kernel's extent (dilation·(kernelSize - 1) + 1 = ${fmtPair([g.dilation[0] * (g.kernel[0] - 1) + 1, g.dilation[1] * (g.kernel[1] - 1) + 1])}) must fit the padded input ${fmtPair([h + 2 * g.padding[0], w + 2 * g.padding[1]])}`);
  }
  const rowsOut = c * g.kernel[0] * g.kernel[1], L = bh * bw;
  checkOutputSize(op, [n, rowsOut, L], x.dtype, () => `x ${x.describe()}, ${describeGeometry(g, true)}`);
  const { index, padded } = indexTable(c, h, w, g, bh, bw, x.device);
  let flat = reshape(xb, [n, c * h * w]);
  if (padded) flat = cat([flat, zeros([n, 1], { dtype: x.dtype, device: x.device })], 1);
  const cols = reshape(indexSelect(flat, 1, index), [n, rowsOut, L]);
  return unbatched ? reshape(cols, [rowsOut, L]) : cols;
}

/**
 * Extracts sliding local blocks (im2col), as PyTorch's `F.unfold`: x [N, C, H, W] (or unbatched
 * [C, H, W]) gives [N, C·kh·kw, L] (or [C·kh·kw, L]), where column l holds block l (row-major over
 * the bh x bw grid of block positions) and row (c·kh + i)·kw + j its tap (i, j) of channel c.
 * L = bh·bw with bh = ⌊(H + 2·padding - dilation·(kh - 1) - 1) / stride⌋ + 1 (likewise bw).
 * kernelSize and each option are one integer or a [height, width] pair. Float inputs;
 * differentiable (and twice): the gradient is `fold` of the output gradient.
 * @example
 * const cols = unfold(x, 3, { padding: 1 });            // [N, C, H, W] -> [N, C·9, H·W]
 * const y = matmul(weight.reshape([O, -1]), cols);      // conv2d(x, weight, null, { padding: 1 }) as [N, O, H·W]
 */
export function unfold(x: Tensor, kernelSize: Pair2d, opts?: FoldOptions): Tensor {
  return unfoldNamed('unfold', x, geometryArgs('unfold', kernelSize, opts));
}

/** @internal An output size pair (each >= 1). */
export function outputSizeArg(op: string, v: unknown): [number, number] {
  const p: unknown[] = Array.isArray(v) ? v : [v, v];
  if (p.length !== 2 || !p.every((e) => typeof e === 'number' && Number.isInteger(e) && e >= 1)) {
    throw new ArgumentError(`${op}: outputSize must be a positive integer or a pair of them ([height, width]), got ${fmtValue(v)}`);
  }
  return [p[0] as number, p[1] as number];
}

/** @internal fold with the name errors carry and checked geometry. */
export function foldNamed(op: string, cols: Tensor, outputSize: [number, number], g: Geometry): Tensor {
  assertTensor(op, 'cols', cols);
  assertFloatTensor(op, 'cols', cols);
  if (cols.ndim !== 2 && cols.ndim !== 3) throw new ShapeError(`${op}: cols must be [N, C·kh·kw, L] or unbatched [C·kh·kw, L], got ${cols.describe()}`);
  const unbatched = cols.ndim === 2;
  const cb = unbatched ? reshape(cols, [1, ...cols.shape]) : cols;
  const [n, rows, L] = cb.shape;
  if (rows === 0 || L === 0) throw new ShapeError(`${op}: cols ${cols.describe()} has an empty channel or block dim (only the batch dim may be 0)`);
  const [kh, kw] = g.kernel, [h, w] = outputSize;
  if (rows % (kh * kw) !== 0) {
    throw new ShapeError(`${op}: dim ${unbatched ? 0 : 1} of cols ${cols.describe()} is ${rows}, which is not divisible by the product of kernelSize ${fmtPair(g.kernel)} = ${kh * kw} (it must be C·kh·kw)`);
  }
  const bh = blocksAlong(h, kh, g.dilation[0], g.padding[0], g.stride[0]);
  const bw = blocksAlong(w, kw, g.dilation[1], g.padding[1], g.stride[1]);
  const where = `outputSize=${fmtPair(outputSize)}, ${describeGeometry(g, true)}`;
  if (bh < 1 || bw < 1) {
    throw new ShapeError(`${op}: ${where} gives ${bh} x ${bw} sliding blocks, which is too small (non-positive): the kernel's extent must fit the padded output ${fmtPair([h + 2 * g.padding[0], w + 2 * g.padding[1]])}`);
  }
  if (L !== bh * bw) {
    throw new ShapeError(`${op}: ${where} gives ${bh} x ${bw} = ${bh * bw} sliding blocks, but the last dim of cols ${cols.describe()} is ${L}`);
  }
  const c = rows / (kh * kw), plane = c * h * w;
  const outShape = unbatched ? [c, h, w] : [n, c, h, w];
  checkOutputSize(op, outShape, cols.dtype, () => `cols ${fmtShape(cols.shape)}, ${where}`);
  const { index, padded } = indexTable(c, h, w, g, bh, bw, cols.device);
  const base = zeros([n, plane + (padded ? 1 : 0)], { dtype: cols.dtype, device: cols.device });
  let summed = indexAdd(base, 1, index, reshape(cb, [n, rows * L]));
  if (padded) summed = narrow(summed, 1, 0, plane);
  return reshape(summed, outShape);
}

/**
 * Combines sliding local blocks into an image (col2im), as PyTorch's `F.fold`: the adjoint of
 * `unfold`. cols [N, C·kh·kw, L] (or unbatched [C·kh·kw, L]) gives [N, C, H, W] (or [C, H, W]) with
 * [H, W] = outputSize, each value added at the position unfold would have read it from; values
 * in the padding are dropped, overlapping ones summed. L must equal the number of blocks that
 * outputSize and the options give. Float inputs; differentiable (and twice): the gradient is
 * `unfold` of the output gradient.
 * @example
 * const cols = unfold(x, 2, { stride: 1 });              // [1, C, 4, 5] -> [1, C·4, 12]
 * const sums = fold(cols, [4, 5], 2);                    // each pixel times the number of blocks covering it
 * const divisor = fold(unfold(onesLike(x), 2), [4, 5], 2); // that count itself
 */
export function fold(cols: Tensor, outputSize: Pair2d, kernelSize: Pair2d, opts?: FoldOptions): Tensor {
  return foldNamed('fold', cols, outputSizeArg('fold', outputSize), geometryArgs('fold', kernelSize, opts));
}
