/** Native image-batch augmentation kernels: thin wrappers that flatten CropGeometry into the Int32Array the addon reads. */
import type { Backend } from '../backend';
import type { NativeBinding } from './binding';

type AugmentKernels = Pick<Backend, 'cropFlip2d' | 'affine2d' | 'erase2d'>;

export function augmentKernels(addon: NativeBinding): AugmentKernels {
  return {
    cropFlip2d: (x, out, g, top, left, flip, reflect, fill) =>
      addon.cropFlip2d(x, out, Int32Array.of(g.n, g.c, g.h, g.w, g.oh, g.ow), top, left, flip, reflect, fill),
    affine2d: (x, out, n, c, h, w, matrices, nearest, fill) => addon.affine2d(x, out, n, c, h, w, matrices, nearest, fill),
    erase2d: (x, out, n, c, h, w, boxes, values) => addon.erase2d(x, out, n, c, h, w, boxes, values),
  };
}
