/** Thin wrappers over the addon's scan, order and rearrangement kernels (native/bindings/scan_order.cc). */
import type { Backend } from '../backend';
import type { NativeBinding } from './binding';

type ScanOrderKernels = Pick<Backend, 'scan' | 'sort' | 'flip' | 'roll' | 'triangle'>;

export function scanOrderKernels(addon: NativeBinding): ScanOrderKernels {
  return {
    scan: (isProd, reverse, x, out, outer, len, inner) => addon.scan(isProd, reverse, x, out, outer, len, inner),
    sort: (x, values, indices, outer, len, inner, k, descending) => addon.sort(x, values, indices, outer, len, inner, k, descending),
    flip: (x, out, outer, len, inner) => addon.flip(x, out, outer, len, inner),
    roll: (x, out, outer, len, inner, shift) => addon.roll(x, out, outer, len, inner, shift),
    triangle: (lower, x, out, batch, rows, cols, diagonal) => addon.triangle(lower, x, out, batch, rows, cols, diagonal),
  };
}
