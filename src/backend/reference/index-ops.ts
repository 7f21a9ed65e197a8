import type { FloatArray, TypedArray } from '../../tensor/dtype';

export function gather(x: TypedArray, index: Int32Array, out: TypedArray, outer: number, len: number, idxLen: number, inner: number): void {
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < idxLen; j++)
      for (let i = 0; i < inner; i++) {
        const k = (o * idxLen + j) * inner + i;
        out[k] = x[(o * len + index[k]) * inner + i];
      }
}

export function scatterAdd(src: FloatArray, index: Int32Array, out: FloatArray, outer: number, len: number, idxLen: number, inner: number): void {
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < idxLen; j++)
      for (let i = 0; i < inner; i++) {
        const k = (o * idxLen + j) * inner + i;
        out[(o * len + index[k]) * inner + i] += src[k];
      }
}

export function indexSelect(x: TypedArray, index: Int32Array, out: TypedArray, outer: number, len: number, inner: number): void {
  const n = index.length;
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < n; j++) {
      const from = (o * len + index[j]) * inner, to = (o * n + j) * inner;
      for (let i = 0; i < inner; i++) out[to + i] = x[from + i];
    }
}

export function indexAdd(src: FloatArray, index: Int32Array, out: FloatArray, outer: number, len: number, inner: number): void {
  const n = index.length;
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < n; j++) {
      const to = (o * len + index[j]) * inner, from = (o * n + j) * inner;
      for (let i = 0; i < inner; i++) out[to + i] += src[from + i];
    }
}
