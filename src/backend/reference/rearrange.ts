import type { TypedArray } from '../../tensor/dtype';

/** Reverses the middle axis of x viewed as [outer, len, inner]: out[o,j,i] = x[o, len-1-j, i]. */
export function flip(x: TypedArray, out: TypedArray, outer: number, len: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < len; j++) {
      const to = (o * len + j) * inner, from = (o * len + len - 1 - j) * inner;
      for (let i = 0; i < inner; i++) out[to + i] = x[from + i];
    }
  }
}

/** Rolls the middle axis of x viewed as [outer, len, inner]: out[o, (j + shift) mod len, i] = x[o,j,i], 0 <= shift < len. */
export function roll(x: TypedArray, out: TypedArray, outer: number, len: number, inner: number, shift: number): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < len; j++) {
      const to = (o * len + ((j + shift) % len)) * inner, from = (o * len + j) * inner;
      for (let i = 0; i < inner; i++) out[to + i] = x[from + i];
    }
  }
}

/** tril (lower) or triu of `batch` matrices [rows, cols]: x where j - i <= diagonal (lower) or >= diagonal (upper), else 0. */
export function triangle(lower: boolean, x: TypedArray, out: TypedArray, batch: number, rows: number, cols: number, diagonal: number): void {
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const k = (b * rows + i) * cols + j;
        out[k] = (lower ? j - i <= diagonal : j - i >= diagonal) ? x[k] : 0;
      }
    }
  }
}
