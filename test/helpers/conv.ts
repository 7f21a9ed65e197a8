/** Shared by the conv algorithm parity tests: the error measure and one forward + backward. */
import * as L from '../../src/index';

/** ||a - b|| / ||b||, 2-norm over the whole tensor. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

/** out, gradX, gradWeight (and gradBias) of conv2d with output gradient gy, on the current backend and policy. */
export function runConv(x: L.Tensor, w: L.Tensor, b: L.Tensor | null, gy: L.Tensor, opts: L.Conv2dOptions): L.Tensor[] {
  const y = L.conv2d(x, w, b, opts);
  const grads = L.grad(y, b ? [x, w, b] : [x, w], { gradOutputs: [gy] });
  return [y, ...grads.map((g) => g!)];
}

/** A float64 leaf copy of t (null stays null). */
export const f64 = (t: L.Tensor | null): L.Tensor | null => (t ? L.detach(t.double()).requiresGrad_() : null);
