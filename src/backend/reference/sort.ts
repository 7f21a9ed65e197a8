import type { TypedArray } from '../../tensor/dtype';

/** Ascending order with NaN as the largest value (PyTorch's); -0 and +0 compare equal. */
function compareNanLargest(a: number, b: number): number {
  const aNan = a !== a, bNan = b !== b;
  if (aNan || bNan) return aNan === bNan ? 0 : aNan ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The first k entries of each line [o, :, i] of x in stable sorted order: values[o,j,i] = x[o, p_j, i] and
 * indices[o,j,i] = p_j, where p orders the line ascending (or descending) and equal values keep their
 * original order (the tie-break on the position makes the order total, whatever Array.sort does).
 */
export function sort(x: TypedArray, values: TypedArray, indices: Int32Array, outer: number, len: number, inner: number,
  k: number, descending: boolean): void {
  const order = new Array<number>(len);
  const line = new Array<number>(len);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      for (let j = 0; j < len; j++) { order[j] = j; line[j] = x[(o * len + j) * inner + i]; }
      order.sort((p, q) => (descending ? -compareNanLargest(line[p], line[q]) : compareNanLargest(line[p], line[q])) || p - q);
      for (let j = 0; j < k; j++) {
        const at = (o * k + j) * inner + i;
        values[at] = line[order[j]];
        indices[at] = order[j];
      }
    }
  }
}
