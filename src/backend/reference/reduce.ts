import type { FloatArray, TypedArray } from '../../tensor/dtype';
import type { ReduceOp } from '../opcodes';

/**
 * Reductions accumulate in double (JS numbers), as the native kernels do, except
 * integer sums and products: those wrap modulo 2^32 like int32 arithmetic
 * (`| 0`, Math.imul), so that overflow gives the same bits on both backends.
 */
export function reduce(op: ReduceOp, x: TypedArray, out: TypedArray, outer: number, len: number, inner: number): void {
  const wrapInt = !(out instanceof Float32Array || out instanceof Float64Array) && (op === 'sum' || op === 'prod');
  if (wrapInt) {
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        let acc = op === 'prod' ? 1 : 0;
        for (let j = 0; j < len; j++) acc = op === 'prod' ? Math.imul(acc, x[base + j * inner]) : (acc + x[base + j * inner]) | 0;
        out[o * inner + i] = acc;
      }
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let acc: number;
      switch (op) {
        case 'sum':
        case 'mean':
          acc = 0;
          for (let j = 0; j < len; j++) acc += x[base + j * inner];
          if (op === 'mean') acc /= len;
          break;
        case 'prod':
          acc = 1;
          for (let j = 0; j < len; j++) acc *= x[base + j * inner];
          break;
        case 'max':
        case 'min': {
          acc = op === 'max' ? -Infinity : Infinity;
          for (let j = 0; j < len; j++) {
            const v = x[base + j * inner];
            if (v !== v) { acc = NaN; break; }
            if (op === 'max' ? v > acc : v < acc) acc = v;
          }
          break;
        }
        case 'logsumexp': {
          let m = -Infinity;
          for (let j = 0; j < len; j++) { const v = x[base + j * inner]; if (v > m || v !== v) m = v; }
          if (m === -Infinity || m === Infinity || m !== m) { acc = m; break; }
          let s = 0;
          for (let j = 0; j < len; j++) s += Math.exp(x[base + j * inner] - m);
          acc = m + Math.log(s);
          break;
        }
      }
      out[o * inner + i] = acc;
    }
  }
}

export function argReduce(isMax: boolean, x: TypedArray, values: TypedArray | null, indices: Int32Array,
  outer: number, len: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let best = x[base], at = 0;
      if (best === best) {
        for (let j = 1; j < len; j++) {
          const v = x[base + j * inner];
          if (v !== v) { best = v; at = j; break; }
          if (isMax ? v > best : v < best) { best = v; at = j; }
        }
      }
      indices[o * inner + i] = at;
      if (values) values[o * inner + i] = best;
    }
  }
}

export function softmax(log: boolean, x: FloatArray, out: FloatArray, outer: number, len: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let m = -Infinity;
      for (let j = 0; j < len; j++) { const v = x[base + j * inner]; if (v > m || v !== v) m = v; }
      if (m === -Infinity) m = 0;
      let s = 0;
      for (let j = 0; j < len; j++) s += Math.exp(x[base + j * inner] - m);
      const logS = Math.log(s);
      for (let j = 0; j < len; j++) {
        const k = base + j * inner;
        out[k] = log ? x[k] - m - logS : Math.exp(x[k] - m) / s;
      }
    }
  }
}
