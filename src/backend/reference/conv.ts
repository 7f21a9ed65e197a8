/**
 * Reference 2-D convolution kernels: direct loops over the definition (see
 * ConvGeometry in ../backend.ts), the yardstick the native im2col + GEMM
 * kernels are tested against.
 *
 *   out[b, oc, y, x]  = bias[oc] + sum_{ic, ky, kx} xin[b, g*cg + ic, iy, ix] * w[oc, ic, ky, kx]
 *   iy = y*strideH - padH + ky*dilationH,  ix = x*strideW - padW + kx*dilationW
 *
 * where g = floor(oc / og), cg = c/groups, og = o/groups, and taps outside the
 * input read zero. The two backward kernels are the adjoints of this bilinear
 * map in x and in w: they visit the same (output, tap) pairs and accumulate.
 */
import type { ConvGeometry } from '../backend';
import type { FloatArray } from '../../tensor/dtype';

/** Calls visit(xIndex, wIndex, outIndex) for every in-range (output element, tap) pair. */
function forEachTap(g: ConvGeometry, visit: (xi: number, wi: number, oi: number) => void): void {
  const cg = g.c / g.groups, og = g.o / g.groups;
  for (let b = 0; b < g.n; b++) {
    for (let oc = 0; oc < g.o; oc++) {
      const grp = Math.floor(oc / og);
      for (let y = 0; y < g.oh; y++) {
        for (let x = 0; x < g.ow; x++) {
          const oi = ((b * g.o + oc) * g.oh + y) * g.ow + x;
          for (let ic = 0; ic < cg; ic++) {
            const plane = (b * g.c + grp * cg + ic) * g.h;
            for (let ky = 0; ky < g.kh; ky++) {
              const iy = y * g.strideH - g.padH + ky * g.dilationH;
              if (iy < 0 || iy >= g.h) continue;
              for (let kx = 0; kx < g.kw; kx++) {
                const ix = x * g.strideW - g.padW + kx * g.dilationW;
                if (ix < 0 || ix >= g.w) continue;
                visit((plane + iy) * g.w + ix, ((oc * cg + ic) * g.kh + ky) * g.kw + kx, oi);
              }
            }
          }
        }
      }
    }
  }
}

export function conv2d(x: FloatArray, weight: FloatArray, bias: FloatArray | null, out: FloatArray, g: ConvGeometry, relu = false): void {
  // Accumulate in a float64 scratch so float32 results are rounded once.
  const acc = new Float64Array(out.length);
  forEachTap(g, (xi, wi, oi) => { acc[oi] += x[xi] * weight[wi]; });
  const plane = g.oh * g.ow;
  for (let i = 0; i < out.length; i++) out[i] = acc[i] + (bias ? bias[Math.floor(i / plane) % g.o] : 0);
  if (relu) for (let i = 0; i < out.length; i++) out[i] = out[i] > 0 ? out[i] : 0;
}

export function conv2dBackwardInput(gradOut: FloatArray, weight: FloatArray, gradInput: FloatArray, g: ConvGeometry): void {
  const acc = new Float64Array(gradInput.length);
  forEachTap(g, (xi, wi, oi) => { acc[xi] += gradOut[oi] * weight[wi]; });
  gradInput.set(acc);
}

export function conv2dBackwardWeight(x: FloatArray, gradOut: FloatArray, gradWeight: FloatArray, g: ConvGeometry): void {
  const acc = new Float64Array(gradWeight.length);
  forEachTap(g, (xi, wi, oi) => { acc[wi] += gradOut[oi] * x[xi]; });
  gradWeight.set(acc);
}
