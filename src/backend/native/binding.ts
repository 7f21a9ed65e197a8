/** The raw addon's shape, as native/addon.cc registers it. */
export interface NativeBinding {
  info(): { isa: string; bestIsa: string; threads: number; blas: string; cuda: boolean };
  opNames(): { unary: string[]; binary: string[]; reduce: string[] };
  setIsa(isa: string): void;
  setNumThreads(n: number): void;
  unary(op: number, x: unknown, out: unknown, p0: number, p1: number): void;
  binary(op: number, a: unknown, b: unknown, out: unknown, shape: unknown, aStrides: unknown, bStrides: unknown): void;
  where(cond: unknown, a: unknown, b: unknown, out: unknown, shape: unknown, cS: unknown, aS: unknown, bS: unknown): void;
  reduce(op: number, x: unknown, out: unknown, outer: number, len: number, inner: number): void;
  argReduce(isMax: boolean, x: unknown, values: unknown, indices: unknown, outer: number, len: number, inner: number): void;
  softmax(log: boolean, x: unknown, out: unknown, outer: number, len: number, inner: number): void;
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, a: unknown, aOffsets: unknown, lda: number,
    b: unknown, bOffsets: unknown, ldb: number, beta: number, c: unknown, cOffsets: unknown, ldc: number): void;
  copyStrided(src: unknown, srcOffset: number, srcStrides: unknown, dst: unknown, dstOffset: number, dstStrides: unknown, shape: unknown): void;
  cast(src: unknown, dst: unknown): void;
  gather(x: unknown, index: unknown, out: unknown, outer: number, len: number, idxLen: number, inner: number): void;
  scatterAdd(src: unknown, index: unknown, out: unknown, outer: number, len: number, idxLen: number, inner: number): void;
  indexSelect(x: unknown, index: unknown, out: unknown, outer: number, len: number, inner: number): void;
  indexAdd(src: unknown, index: unknown, out: unknown, outer: number, len: number, inner: number): void;
  philoxUniform(seedLo: number, seedHi: number, offsetLo: number, offsetHi: number, out: unknown): void;
}
