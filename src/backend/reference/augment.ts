/**
 * Reference image-batch augmentation kernels over x [n, c, h, w]: plain loops,
 * the definition the native kernels (native/kernels/augment.cc) must match
 * bit for bit. The random parameters (offsets, flags, angles, boxes) are drawn
 * by the caller (src/data/augment.ts) and passed in as arrays.
 */
import type { CropGeometry } from '../backend';
import type { FloatArray } from '../../tensor/dtype';

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
 * Per-sample rotation about the image centre (cx, cy) = ((w-1)/2, (h-1)/2),
 * counter-clockwise on screen by angle a_b, with cosSin[2b] = cos a_b and
 * cosSin[2b+1] = sin a_b. Rows grow downwards, so the output pixel (x, y) reads
 * the input at the inversely rotated point
 *   sx = cx + (dx cos a - dy sin a),   sy = cy + (dx sin a + dy cos a),   dx = x - cx, dy = y - cy,
 * by bilinear interpolation: with x0 = floor(sx), fx = sx - x0 (same for y),
 *   out = (1-fx)(1-fy) v(y0, x0) + fx(1-fy) v(y0, x0+1) + (1-fx)fy v(y0+1, x0) + fx fy v(y0+1, x0+1),
 * summed in double in that order. Taps outside the image read `fill`; taps of
 * weight exactly 0 are skipped, so a 0° or 90° rotation copies pixels exactly.
 */
export function rotate2d(x: FloatArray, out: FloatArray, n: number, c: number, h: number, w: number,
  cosSin: Float64Array, fill: number): void {
  const cx = (w - 1) / 2, cy = (h - 1) / 2;
  for (let b = 0; b < n; b++) {
    const cos = cosSin[2 * b], sin = cosSin[2 * b + 1];
    for (let ch = 0; ch < c; ch++) {
      const base = (b * c + ch) * h * w;
      for (let y = 0; y < h; y++) {
        const dy = y - cy;
        for (let xo = 0; xo < w; xo++) {
          const dx = xo - cx;
          const sx = cx + (dx * cos - dy * sin);
          const sy = cy + (dx * sin + dy * cos);
          const at = base + y * w + xo;
          // Outside (-1, w) x (-1, h) every tap of non-zero weight is outside; also catches NaN.
          if (!(sx > -1 && sx < w && sy > -1 && sy < h)) {
            out[at] = fill;
            continue;
          }
          const x0 = Math.floor(sx), y0 = Math.floor(sy);
          const fx = sx - x0, fy = sy - y0;
          const tap = (iy: number, ix: number): number => (iy >= 0 && iy < h && ix >= 0 && ix < w ? x[base + iy * w + ix] : fill);
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
