/**
 * Reference resampling kernels behind interpolate and gridSample: plain loops, the definition
 * that native/kernels/resample.cc matches bit for bit (double arithmetic in the same order).
 *
 * resample2d: separable resampling of planes [planes, h, w] -> [planes, oh, ow]. Output column
 * xo mixes input columns cols.index[xo·kx + t] with weights cols.weight[xo·kx + t]; output row yo
 * mixes rows likewise. Columns first, into a double buffer tmp [h, ow], then rows. Each sum starts
 * from its first term and adds the others in tap order (one tap of weight 1 copies exactly).
 *
 * gridSample2d: PyTorch's grid_sample on x [n, c, h, w] at grid [n, oh, ow, 2] (x, y in −1 … 1):
 * pixel = alignCorners ? (g + 1)/2 · (size − 1) : ((g + 1)·size − 1)/2, clipped to [0, size − 1]
 * with border padding (NaN to 0); bilinear taps nw, ne, sw, se with weights (1−fx)(1−fy), fx(1−fy),
 * (1−fx)fy, fx·fy (taps outside read 0), or the nearest pixel (half to even).
 */
import type { GridSampleGeometry, ResampleTaps } from '../backend';
import type { FloatArray } from '../../tensor/dtype';
import { roundHalfEven } from './math';

export function resample2d(x: FloatArray, out: FloatArray, planes: number, h: number, w: number, oh: number, ow: number,
  rows: ResampleTaps, cols: ResampleTaps): void {
  const ky = rows.taps, kx = cols.taps;
  const tmp = new Float64Array(h * ow), acc = new Float64Array(ow);
  for (let p = 0; p < planes; p++) {
    const src = p * h * w;
    for (let iy = 0; iy < h; iy++) {
      const row = src + iy * w;
      for (let xo = 0; xo < ow; xo++) {
        let sum = cols.weight[xo * kx] * x[row + cols.index[xo * kx]];
        for (let t = 1; t < kx; t++) sum += cols.weight[xo * kx + t] * x[row + cols.index[xo * kx + t]];
        tmp[iy * ow + xo] = sum;
      }
    }
    const dst = p * oh * ow;
    for (let yo = 0; yo < oh; yo++) {
      const first = rows.index[yo * ky] * ow, w0 = rows.weight[yo * ky];
      for (let xo = 0; xo < ow; xo++) acc[xo] = w0 * tmp[first + xo];
      for (let t = 1; t < ky; t++) {
        const r = rows.index[yo * ky + t] * ow, wt = rows.weight[yo * ky + t];
        for (let xo = 0; xo < ow; xo++) acc[xo] += wt * tmp[r + xo];
      }
      for (let xo = 0; xo < ow; xo++) out[dst + yo * ow + xo] = acc[xo];
    }
  }
}

/** The adjoint of resample2d: rows first (yo, then t, in order) into dtmp [h, ow], then columns, a row summed in double. */
export function resample2dBackward(gradOut: FloatArray, gradIn: FloatArray, planes: number, h: number, w: number, oh: number,
  ow: number, rows: ResampleTaps, cols: ResampleTaps): void {
  const ky = rows.taps, kx = cols.taps;
  const dtmp = new Float64Array(h * ow), acc = new Float64Array(w);
  for (let p = 0; p < planes; p++) {
    dtmp.fill(0);
    const g = p * oh * ow;
    for (let yo = 0; yo < oh; yo++) {
      for (let t = 0; t < ky; t++) {
        const d = rows.index[yo * ky + t] * ow, wt = rows.weight[yo * ky + t];
        for (let xo = 0; xo < ow; xo++) dtmp[d + xo] += wt * gradOut[g + yo * ow + xo];
      }
    }
    const dst = p * h * w;
    for (let iy = 0; iy < h; iy++) {
      acc.fill(0);
      for (let xo = 0; xo < ow; xo++) {
        const v = dtmp[iy * ow + xo];
        for (let t = 0; t < kx; t++) acc[cols.index[xo * kx + t]] += cols.weight[xo * kx + t] * v;
      }
      for (let ix = 0; ix < w; ix++) gradIn[dst + iy * w + ix] = acc[ix];
    }
  }
}

/** The taps of one grid point: plane offsets (−1: outside) and weights, fractions and d(pixel)/d(grid). */
interface PointTaps { offset: Int32Array; weight: Float64Array; fx: number; fy: number; slopeX: number; slopeY: number }

function sourceIndex(coord: number, size: number, g: GridSampleGeometry): [number, number] {
  let pixel = g.alignCorners ? ((coord + 1) / 2) * (size - 1) : ((coord + 1) * size - 1) / 2;
  let slope = g.alignCorners ? (size - 1) / 2 : size / 2;
  if (g.border) {
    if (!(pixel > 0)) [pixel, slope] = [0, 0];
    else if (!(pixel < size - 1)) [pixel, slope] = [size - 1, 0];
  }
  return [pixel, slope];
}

function tapsAt(gx: number, gy: number, g: GridSampleGeometry, t: PointTaps): PointTaps {
  t.offset.fill(-1);
  t.weight.fill(0);
  t.fx = t.fy = 0;
  const [ix, slopeX] = sourceIndex(gx, g.w, g), [iy, slopeY] = sourceIndex(gy, g.h, g);
  t.slopeX = slopeX;
  t.slopeY = slopeY;
  if (!(ix > -1 && ix < g.w && iy > -1 && iy < g.h)) return t;
  const inside = (y: number, x: number): boolean => y >= 0 && y < g.h && x >= 0 && x < g.w;
  if (g.nearest) {
    const x = roundHalfEven(ix), y = roundHalfEven(iy);
    if (inside(y, x)) {
      t.offset[0] = y * g.w + x;
      t.weight[0] = 1;
    }
    return t;
  }
  const x0 = Math.floor(ix), y0 = Math.floor(iy);
  t.fx = ix - x0;
  t.fy = iy - y0;
  const ys = [y0, y0, y0 + 1, y0 + 1], xs = [x0, x0 + 1, x0, x0 + 1];
  const ws = [(1 - t.fx) * (1 - t.fy), t.fx * (1 - t.fy), (1 - t.fx) * t.fy, t.fx * t.fy];
  for (let k = 0; k < 4; k++) {
    if (!inside(ys[k], xs[k])) continue;
    t.offset[k] = ys[k] * g.w + xs[k];
    t.weight[k] = ws[k];
  }
  return t;
}

const newTaps = (): PointTaps => ({ offset: new Int32Array(4), weight: new Float64Array(4), fx: 0, fy: 0, slopeX: 0, slopeY: 0 });

export function gridSample2d(x: FloatArray, grid: FloatArray, out: FloatArray, g: GridSampleGeometry): void {
  const points = g.oh * g.ow, hw = g.h * g.w;
  const t = newTaps();
  for (let b = 0; b < g.n; b++) {
    for (let p = 0; p < points; p++) {
      tapsAt(grid[2 * (b * points + p)], grid[2 * (b * points + p) + 1], g, t);
      for (let ch = 0; ch < g.c; ch++) {
        const plane = (b * g.c + ch) * hw;
        let acc = 0;
        for (let k = 0; k < 4; k++) if (t.offset[k] >= 0) acc += t.weight[k] * x[plane + t.offset[k]];
        out[(b * g.c + ch) * points + p] = acc;
      }
    }
  }
}

export function gridSample2dBackward(gradOut: FloatArray, x: FloatArray, grid: FloatArray, gradX: FloatArray | null,
  gradGrid: FloatArray | null, g: GridSampleGeometry): void {
  const points = g.oh * g.ow, hw = g.h * g.w;
  const t = newTaps();
  if (gradX) {
    const acc = new Float64Array(hw);
    for (let plane = 0; plane < g.n * g.c; plane++) {
      acc.fill(0);
      const b = Math.floor(plane / g.c);
      for (let p = 0; p < points; p++) {
        tapsAt(grid[2 * (b * points + p)], grid[2 * (b * points + p) + 1], g, t);
        const v = gradOut[plane * points + p];
        for (let k = 0; k < 4; k++) if (t.offset[k] >= 0) acc[t.offset[k]] += t.weight[k] * v;
      }
      for (let k = 0; k < hw; k++) gradX[plane * hw + k] = acc[k];
    }
  }
  if (!gradGrid) return;
  const v = new Float64Array(4);
  for (let q = 0; q < g.n * points; q++) {
    const b = Math.floor(q / points), p = q % points;
    tapsAt(grid[2 * q], grid[2 * q + 1], g, t);
    let gix = 0, giy = 0;
    if (!g.nearest) {
      for (let ch = 0; ch < g.c; ch++) {
        const plane = (b * g.c + ch) * hw;
        for (let k = 0; k < 4; k++) v[k] = t.offset[k] >= 0 ? x[plane + t.offset[k]] : 0;
        const go = gradOut[(b * g.c + ch) * points + p];
        gix += go * ((1 - t.fy) * (v[1] - v[0]) + t.fy * (v[3] - v[2]));
        giy += go * ((1 - t.fx) * (v[2] - v[0]) + t.fx * (v[3] - v[1]));
      }
    }
    gradGrid[2 * q] = gix * t.slopeX;
    gradGrid[2 * q + 1] = giy * t.slopeY;
  }
}
