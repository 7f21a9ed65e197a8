/**
 * Hue rotation of RGB pixels, torchvision's adjust_hue: RGB -> HSV, h' = (h + factor) mod 1,
 * HSV -> RGB. Shared by colorJitter's `hue` and `adjustHue`.
 */
import { ArgumentError, DTypeError, ShapeError, fmtArg } from '../errors';
import type { FloatArray } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';

/**
 * Rotates the hue of one image's planes in place: r, g, b start at offsets base,
 * base + plane, base + 2·plane of `data`. Follows torchvision's _rgb2hsv/_hsv2rgb step for step
 * (including its clamping of p, q, t to [0, 1]) so results agree to rounding.
 */
export function rotateHueInPlace(data: FloatArray, base: number, plane: number, factor: number): void {
  for (let k = 0; k < plane; k++) {
    const ir = base + k, ig = ir + plane, ib = ig + plane;
    const r = data[ir], g = data[ig], b = data[ib];
    const maxc = Math.max(r, g, b), minc = Math.min(r, g, b);
    const eqc = maxc === minc;
    const cr = maxc - minc;
    const s = cr / (eqc ? 1 : maxc);
    const div = eqc ? 1 : cr;
    const rc = (maxc - r) / div, gc = (maxc - g) / div, bc = (maxc - b) / div;
    let h = maxc === r ? bc - gc : maxc === g ? 2 + rc - bc : 4 + gc - rc;
    h = (h / 6 + 1) % 1;
    h = (((h + factor) % 1) + 1) % 1;
    const v = maxc;
    const i6 = Math.floor(h * 6);
    const f = h * 6 - i6;
    const clamp = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);
    const p = clamp(v * (1 - s)), q = clamp(v * (1 - s * f)), t = clamp(v * (1 - s * (1 - f)));
    const rgb = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][((i6 % 6) + 6) % 6];
    data[ir] = rgb[0];
    data[ig] = rgb[1];
    data[ib] = rgb[2];
  }
}

/**
 * Shifts the hue of RGB images in [0, 1] ([N, 3, H, W] or [3, H, W]) by `factor` turns of the
 * colour wheel, factor in [-0.5, 0.5] (torchvision's adjust_hue); a 1-channel image is returned
 * unchanged (it has no hue).
 * @example const shifted = data.adjustHue(images, 0.25)
 */
export function adjustHue(x: Tensor, factor: number): Tensor {
  const op = 'adjustHue';
  if (typeof factor !== 'number' || !(factor >= -0.5 && factor <= 0.5)) throw new ArgumentError(`${op}: factor must be in [-0.5, 0.5], got ${fmtArg(factor)}`);
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: x must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${op}: x must be float32 or float64, got ${x.describe()}`);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`${op}: x must be an image batch [N, C, H, W] or an image [C, H, W], got ${x.describe()}`);
  const c = x.shape[x.ndim - 3], plane = x.shape[x.ndim - 1] * x.shape[x.ndim - 2];
  if (c !== 1 && c !== 3) throw new ShapeError(`${op}: x must have 1 or 3 channels (grayscale or RGB), got ${x.describe()}`);
  const dst = (x.values as FloatArray).slice();
  if (c === 3) for (let base = 0; base < dst.length; base += 3 * plane) rotateHueInPlace(dst, base, plane, factor);
  return Tensor.fromData(dst, x.shape.slice(), x.dtype);
}
