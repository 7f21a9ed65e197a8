import type { TypedArray } from '../../tensor/dtype';

/**
 * Cumulative sums and products along len of x viewed as [outer, len, inner]:
 *   out[o,j,i] = x[o,0,i] + ... + x[o,j,i]          (or the product)
 *   reverse:     x[o,j,i] + ... + x[o,len-1,i]
 * Floats accumulate in a JS number (double) and round each output once, as the native kernel and
 * PyTorch's CPU kernel do; int32 wraps modulo 2^32 (`| 0`, Math.imul) like int32 arithmetic.
 */
export function scan(isProd: boolean, reverse: boolean, x: TypedArray, out: TypedArray, outer: number, len: number, inner: number): void {
  const wrapInt = out instanceof Int32Array;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = isProd ? 1 : 0;
      for (let step = 0; step < len; step++) {
        const j = reverse ? len - 1 - step : step;
        const k = (o * len + j) * inner + i;
        if (wrapInt) acc = isProd ? Math.imul(acc, x[k]) : (acc + x[k]) | 0;
        else acc = isProd ? acc * x[k] : acc + x[k];
        out[k] = acc;
      }
    }
  }
}
