/** Native resampling kernels: thin wrappers that flatten taps and geometry into the arguments the addon reads. */
import type { Backend, GridSampleGeometry } from '../backend';
import type { NativeBinding } from './binding';

type ResampleKernels = Pick<Backend, 'resample2d' | 'resample2dBackward' | 'gridSample2d' | 'gridSample2dBackward'>;

const dims = (g: GridSampleGeometry): Int32Array => Int32Array.of(g.n, g.c, g.h, g.w, g.oh, g.ow);

export function resampleKernels(addon: NativeBinding): ResampleKernels {
  return {
    resample2d: (x, out, planes, h, w, oh, ow, r, c) =>
      addon.resample2d(x, out, planes, h, w, oh, ow, r.index, r.weight, r.taps, c.index, c.weight, c.taps),
    resample2dBackward: (gy, gx, planes, h, w, oh, ow, r, c) =>
      addon.resample2dBackward(gy, gx, planes, h, w, oh, ow, r.index, r.weight, r.taps, c.index, c.weight, c.taps),
    gridSample2d: (x, grid, out, g) => addon.gridSample2d(x, grid, out, dims(g), g.nearest, g.border, g.alignCorners),
    gridSample2dBackward: (gy, x, grid, gx, gg, g) =>
      addon.gridSample2dBackward(gy, x, grid, gx, gg, dims(g), g.nearest, g.border, g.alignCorners),
  };
}
