/**
 * Reference image-batch augmentation kernels over x [n, c, h, w]: plain loops,
 * the definition the native kernels (native/kernels/augment.cc) must match
 * bit for bit. The random parameters (offsets, flags, angles, boxes) are drawn
 * by the caller (src/data/augment.ts) and passed in as arrays.
 */
import type { CropGeometry } from '../backend';
import type { FloatArray } from '../../tensor/dtype';
import { roundHalfEven } from './math';

/**
 * Index i of a line of n pixels extended by mirroring about the edge pixels
 * without repeating them (PyTorch's 'reflect' padding: ... 2 1 | 0 1 2 ... n-1 | n-2 ...).
 * The extension is periodic with period 2(n-1), so every integer maps into [0, n).
 */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let r = i % period;
  if (r < 0) r += period;
  return r < n ? r : period - r;
}

/**
 * Per-sample crop of the padded batch, with an optional horizontal flip:
 *   col(xo) = flip[b] ? ow - 1 - xo : xo
 *   out[b, ch, yo, xo] = x[b, ch, top[b] + yo, left[b] + col(xo)]
 * Rows and columns outside [0, h) x [0, w) read `fill`, or with `reflect` the
 * mirrored pixel (reflectIndex). top/left are in input coordinates, so a crop of
 * an image padded by p starts at (offset - p).
 */
export function cropFlip2d(x: FloatArray, out: FloatArray, g: CropGeometry, top: Int32Array, left: Int32Array,
  flip: Uint8Array | null, reflect: boolean, fill: number): void {
  const { n, c, h, w, oh, ow } = g;
  for (let b = 0; b < n; b++) {
    const flipped = flip !== null && flip[b] !== 0;
    for (let ch = 0; ch < c; ch++) {
      const src = (b * c + ch) * h * w;
      const dst = (b * c + ch) * oh * ow;
      for (let yo = 0; yo < oh; yo++) {
        let iy = top[b] + yo;
        const rowInside = iy >= 0 && iy < h;
        if (!rowInside && reflect) iy = reflectIndex(iy, h);
        for (let xo = 0; xo < ow; xo++) {
          let ix = left[b] + (flipped ? ow - 1 - xo : xo);
          const inside = rowInside && ix >= 0 && ix < w;
          if (inside) {
            out[dst + yo * ow + xo] = x[src + iy * w + ix];
          } else if (reflect) {
            if (ix < 0 || ix >= w) ix = reflectIndex(ix, w);
            out[dst + yo * ow + xo] = x[src + iy * w + ix];
          } else {
            out[dst + yo * ow + xo] = fill;
          }
        }
      }
    }
  }
}

/**
 * Per-sample affine warp about the image centre (cx, cy) = ((w-1)/2, (h-1)/2). matrices[6b..6b+5]
 * is the row-major 2x3 inverse map M_b (torchvision's `_get_inverse_affine_matrix` convention):
 * the output pixel (x, y) reads the input at
 *   sx = cx + (m0 dx + m1 dy + m2),   sy = cy + (m3 dx + m4 dy + m5),   dx = x - cx, dy = y - cy.
 * Bilinear: with x0 = floor(sx), fx = sx - x0 (same for y),
 *   out = (1-fx)(1-fy) v(y0, x0) + fx(1-fy) v(y0, x0+1) + (1-fx)fy v(y0+1, x0) + fx fy v(y0+1, x0+1),
 * summed in double in that order, taps of weight exactly 0 skipped (so whole-pixel moves copy
 * exactly). Nearest: v(round(sy), round(sx)), rounding half to even. Taps outside the image read
 * fill[ch], which is torchvision's `img * mask + (1 - mask) * fill`.
 */
export function affine2d(x: FloatArray, out: FloatArray, n: number, c: number, h: number, w: number,
  matrices: Float64Array, nearest: boolean, fill: Float64Array): void {
  const cx = (w - 1) / 2, cy = (h - 1) / 2;
  for (let b = 0; b < n; b++) {
    const [m0, m1, m2, m3, m4, m5] = matrices.subarray(6 * b, 6 * b + 6);
    for (let ch = 0; ch < c; ch++) {
      const base = (b * c + ch) * h * w;
      const fillValue = fill[ch];
      const tap = (iy: number, ix: number): number => (iy >= 0 && iy < h && ix >= 0 && ix < w ? x[base + iy * w + ix] : fillValue);
      for (let y = 0; y < h; y++) {
        const dy = y - cy;
        for (let xo = 0; xo < w; xo++) {
          const dx = xo - cx;
          const sx = cx + (m0 * dx + m1 * dy + m2);
          const sy = cy + (m3 * dx + m4 * dy + m5);
          const at = base + y * w + xo;
          // Outside (-1, w) x (-1, h) every tap (and every rounded position) is outside; also catches NaN.
          if (!(sx > -1 && sx < w && sy > -1 && sy < h)) {
            out[at] = fillValue;
            continue;
          }
          if (nearest) {
            out[at] = tap(roundHalfEven(sy), roundHalfEven(sx));
            continue;
          }
          const x0 = Math.floor(sx), y0 = Math.floor(sy);
          const fx = sx - x0, fy = sy - y0;
          const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
          let acc = 0;
          if (w00 !== 0) acc += w00 * tap(y0, x0);
          if (w01 !== 0) acc += w01 * tap(y0, x0 + 1);
          if (w10 !== 0) acc += w10 * tap(y0 + 1, x0);
          if (w11 !== 0) acc += w11 * tap(y0 + 1, x0 + 1);
          out[at] = acc;
        }
      }
    }
  }
}

/**
 * out = x, except that sample b's box rows [top, top + height) x columns
 * [left, left + width) (boxes[4b .. 4b+3] = top, left, height, width; clipped to
 * the image; an empty box erases nothing) holds values[ch] in channel ch.
 */
export function erase2d(x: FloatArray, out: FloatArray, n: number, c: number, h: number, w: number,
  boxes: Int32Array, values: Float64Array): void {
  out.set(x.subarray(0, n * c * h * w));
  for (let b = 0; b < n; b++) {
    const y0 = Math.max(0, boxes[4 * b]), x0 = Math.max(0, boxes[4 * b + 1]);
    const y1 = Math.min(h, boxes[4 * b] + boxes[4 * b + 2]), x1 = Math.min(w, boxes[4 * b + 1] + boxes[4 * b + 3]);
    for (let ch = 0; ch < c; ch++) {
      const base = (b * c + ch) * h * w;
      for (let y = y0; y < y1; y++) out.fill(values[ch], base + y * w + x0, base + y * w + Math.max(x0, x1));
    }
  }
}
