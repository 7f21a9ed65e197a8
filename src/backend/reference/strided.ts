/** Walks an n-d index space calling visit(aOffset, bOffset, ...) with running offsets. */

/**
 * Iterates over `shape` in row-major order; for each element calls
 * visit(linearIndex, off0, off1, off2) where off_k = sum(i_d * strides_k[d]).
 */
export function forEachStrided(
  shape: Int32Array, strides: Int32Array[], visit: (i: number, o0: number, o1: number, o2: number) => void,
): void {
  const nd = shape.length;
  let total = 1;
  for (let d = 0; d < nd; d++) total *= shape[d];
  if (total === 0) return;
  const idx = new Int32Array(nd);
  const offs = [0, 0, 0];
  for (let i = 0; i < total; i++) {
    visit(i, offs[0], offs[1], offs[2]);
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < strides.length; k++) offs[k] += strides[k][d];
      if (idx[d] < shape[d]) break;
      for (let k = 0; k < strides.length; k++) offs[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
    }
  }
}
