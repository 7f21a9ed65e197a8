/**
 * In-place iterative radix-2 complex FFT on split real/imaginary Float64Arrays,
 * for the PRV accountant's convolutions (lengths are padded to a power of two).
 */

/** Forward (sign -1) or inverse (sign +1, unnormalised) FFT of length n = 2^k, in place. */
export function fftInPlace(re: Float64Array, im: Float64Array, sign: -1 | 1): void {
  const n = re.length;
  if ((n & (n - 1)) !== 0 || im.length !== n) throw new RangeError(`fftInPlace: length ${n} is not a power of two matching im (${im.length})`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i]; re[i] = re[j]; re[j] = t;
      t = im[i]; im[i] = im[j]; im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const ang = (sign * 2 * Math.PI) / len;
    // Twiddles from cos/sin per index, not a running product: a product accumulates
    // rounding over 2^19 steps, which the n-th power in a composition would amplify.
    const wr = new Float64Array(half), wi = new Float64Array(half);
    for (let k = 0; k < half; k++) { wr[k] = Math.cos(ang * k); wi[k] = Math.sin(ang * k); }
    for (let start = 0; start < n; start += len) {
      for (let k = 0; k < half; k++) {
        const a = start + k, b = a + half;
        const xr = re[b] * wr[k] - im[b] * wi[k];
        const xi = re[b] * wi[k] + im[b] * wr[k];
        re[b] = re[a] - xr; im[b] = im[a] - xi;
        re[a] += xr; im[a] += xi;
      }
    }
  }
}

/** The smallest power of two >= n. */
export function nextPow2(n: number): number {
  let m = 1;
  while (m < n) m <<= 1;
  return m;
}
