/**
 * Reference 2-D pooling kernels over `planes` planes of [h, w]: plain loops
 * following PyTorch's CPU kernels rule for rule (window clipping, NaN
 * propagation, avg divisors), the definition the native kernels must match.
 */
import { MAX_POOL_TAP_BLOCKED, maxPool2x2TapOffset, type PoolGeometry } from '../backend';
import type { FloatArray } from '../../tensor/dtype';

/**
 * out = max over the window rows iy = y*strideH - padH + ky*dilationH (clipped to
 * the input), same for columns. A NaN replaces the running max (so NaN
 * propagates); ties keep the first position. indices hold iy*w + ix.
 */
export function maxPool2d(x: FloatArray, out: FloatArray, indices: Int32Array | null, g: PoolGeometry, relu = false,
  taps: Uint8Array | null = null): void {
  for (let p = 0; p < g.planes; p++) {
    const base = p * g.h * g.w;
    for (let y = 0; y < g.oh; y++) {
      let y0 = y * g.strideH - g.padH;
      const y1 = Math.min(y0 + (g.kh - 1) * g.dilationH + 1, g.h);
      while (y0 < 0) y0 += g.dilationH;
      for (let xo = 0; xo < g.ow; xo++) {
        let x0 = xo * g.strideW - g.padW;
        const x1 = Math.min(x0 + (g.kw - 1) * g.dilationW + 1, g.w);
        while (x0 < 0) x0 += g.dilationW;
        let best = -Infinity, at = y0 * g.w + x0;
        for (let iy = y0; iy < y1; iy += g.dilationH) {
          for (let ix = x0; ix < x1; ix += g.dilationW) {
            const v = x[base + iy * g.w + ix];
            if (v > best || Number.isNaN(v)) { best = v; at = iy * g.w + ix; }
          }
        }
        const o = (p * g.oh + y) * g.ow + xo;
        out[o] = relu && best < 0 ? 0 : best;  // the relu op's rule: a NaN stays NaN
        if (indices) indices[o] = at;
        // The 2x2 window's tap (row-major), or 4 where relu's gradient rule blocks it (the max is not > 0).
        if (taps) taps[o] = relu && !(best > 0) ? MAX_POOL_TAP_BLOCKED : 2 * (Math.floor(at / g.w) - 2 * y) + (at % g.w) - 2 * xo;
      }
    }
  }
}

/** gradInput = 0, then gradInput[p, indices[p, j]] += gradOut[p, j]; indices outside the plane are skipped. */
export function maxPool2dBackward(gradOut: FloatArray, indices: Int32Array, gradInput: FloatArray, g: PoolGeometry): void {
  gradInput.fill(0);
  const hw = g.h * g.w, ohw = g.oh * g.ow;
  for (let p = 0; p < g.planes; p++) {
    for (let j = 0; j < ohw; j++) {
      const at = indices[p * ohw + j];
      if (at >= 0 && at < hw) gradInput[p * hw + at] += gradOut[p * ohw + j];
    }
  }
}

/**
 * The 2x2 stride-2 backward from maxPool2d's tap codes: gradOut at each window's max tap, 0 at its other taps, at
 * the inputs no window covers, and at all four where the code is 4 (relu's block).
 */
export function maxPool2x2Backward(taps: Uint8Array, gradOut: FloatArray, gradInput: FloatArray, g: PoolGeometry): void {
  gradInput.fill(0);
  for (let p = 0; p < g.planes; p++) {
    for (let y = 0; y < g.oh; y++) {
      for (let xo = 0; xo < g.ow; xo++) {
        const o = (p * g.oh + y) * g.ow + xo, code = taps[o];
        if (code !== MAX_POOL_TAP_BLOCKED) gradInput[p * g.h * g.w + maxPool2x2TapOffset(code, y, xo, g.w)] = gradOut[o];
      }
    }
  }
}

/** The window [y0, y1) x [x0, x1) clipped to the input, and its divisor (PyTorch's avg_pool2d rule). */
function avgWindow(g: PoolGeometry, y: number, xo: number, countIncludePad: boolean, divisor: number): [number, number, number, number, number] {
  let y0 = y * g.strideH - g.padH, x0 = xo * g.strideW - g.padW;
  let y1 = Math.min(y0 + g.kh, g.h + g.padH), x1 = Math.min(x0 + g.kw, g.w + g.padW);
  const padded = (y1 - y0) * (x1 - x0);
  y0 = Math.max(y0, 0); x0 = Math.max(x0, 0);
  y1 = Math.min(y1, g.h); x1 = Math.min(x1, g.w);
  const d = divisor > 0 ? divisor : countIncludePad ? padded : (y1 - y0) * (x1 - x0);
  return [y0, y1, x0, x1, d];
}

export function avgPool2d(x: FloatArray, out: FloatArray, g: PoolGeometry, countIncludePad: boolean, divisor: number): void {
  for (let p = 0; p < g.planes; p++) {
    const base = p * g.h * g.w;
    for (let y = 0; y < g.oh; y++) {
      for (let xo = 0; xo < g.ow; xo++) {
        const [y0, y1, x0, x1, d] = avgWindow(g, y, xo, countIncludePad, divisor);
        let s = 0;
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) s += x[base + iy * g.w + ix];
        out[(p * g.oh + y) * g.ow + xo] = y0 < y1 && x0 < x1 ? s / d : 0;
      }
    }
  }
}

export function avgPool2dBackward(gradOut: FloatArray, gradInput: FloatArray, g: PoolGeometry, countIncludePad: boolean, divisor: number): void {
  const acc = new Float64Array(gradInput.length);
  for (let p = 0; p < g.planes; p++) {
    const base = p * g.h * g.w;
    for (let y = 0; y < g.oh; y++) {
      for (let xo = 0; xo < g.ow; xo++) {
        const [y0, y1, x0, x1, d] = avgWindow(g, y, xo, countIncludePad, divisor);
        const share = gradOut[(p * g.oh + y) * g.ow + xo] / d;
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) acc[base + iy * g.w + ix] += share;
      }
    }
  }
  gradInput.set(acc);
}

/** Adaptive window along one axis: [floor(i*n/m), ceil((i+1)*n/m)). */
function adaptiveRange(i: number, n: number, m: number): [number, number] {
  return [Math.floor((i * n) / m), Math.ceil(((i + 1) * n) / m)];
}

export function adaptiveAvgPool2d(x: FloatArray, out: FloatArray, planes: number, h: number, w: number, oh: number, ow: number): void {
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < oh; y++) {
      const [y0, y1] = adaptiveRange(y, h, oh);
      for (let xo = 0; xo < ow; xo++) {
        const [x0, x1] = adaptiveRange(xo, w, ow);
        let s = 0;
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) s += x[(p * h + iy) * w + ix];
        out[(p * oh + y) * ow + xo] = s / ((y1 - y0) * (x1 - x0));
      }
    }
  }
}

export function adaptiveAvgPool2dBackward(gradOut: FloatArray, gradInput: FloatArray, planes: number, h: number, w: number, oh: number, ow: number): void {
  const acc = new Float64Array(gradInput.length);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < oh; y++) {
      const [y0, y1] = adaptiveRange(y, h, oh);
      for (let xo = 0; xo < ow; xo++) {
        const [x0, x1] = adaptiveRange(xo, w, ow);
        const share = gradOut[(p * oh + y) * ow + xo] / ((y1 - y0) * (x1 - x0));
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) acc[(p * h + iy) * w + ix] += share;
      }
    }
  }
  gradInput.set(acc);
}
