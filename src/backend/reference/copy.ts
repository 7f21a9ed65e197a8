import type { TypedArray } from '../../tensor/dtype';
import { forEachStrided } from './strided';

export function copyStrided(src: TypedArray, srcOffset: number, srcStrides: Int32Array,
  dst: TypedArray, dstOffset: number, dstStrides: Int32Array, shape: Int32Array): void {
  forEachStrided(shape, [srcStrides, dstStrides], (_i, os, od) => {
    dst[dstOffset + od] = src[srcOffset + os];
  });
}

export function cast(src: TypedArray, dst: TypedArray): void {
  if (dst instanceof Uint8Array) {
    for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
  } else if (dst instanceof Int32Array) {
    // C's float->int conversion truncates; NaN and out-of-range give INT_MIN there, so do the same.
    for (let i = 0; i < src.length; i++) {
      const v = Math.trunc(src[i]);
      dst[i] = v >= -2147483648 && v <= 2147483647 ? v : -2147483648;
    }
  } else {
    for (let i = 0; i < src.length; i++) dst[i] = src[i];
  }
}
