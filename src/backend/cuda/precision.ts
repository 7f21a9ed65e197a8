/**
 * The float32 matmul precision on CUDA, after PyTorch's `torch.set_float32_matmul_precision`:
 * 'highest' (the default) keeps float32 GEMM exact FP32; 'high' and 'medium' let it round its
 * inputs to TF32 (10 mantissa bits) on the tensor cores (sm_80+), through cuBLAS's TF32 math mode
 * or the built-in wmma kernel: several times faster, with a relative error near 1e-3 per product.
 * float64 GEMM, convolutions and every CPU kernel are not affected.
 */
import { ArgumentError } from '../../errors';

/** The precisions `setFloat32MatmulPrecision` takes. @example `const p: Float32MatmulPrecision = 'high'` */
export type Float32MatmulPrecision = 'highest' | 'high' | 'medium';

let precision: Float32MatmulPrecision = 'highest';

/**
 * Sets the precision of float32 matmul on CUDA: 'highest' (default, exact FP32), 'high' or
 * 'medium' (TF32 tensor cores allowed). As PyTorch's `torch.set_float32_matmul_precision`.
 * @example `setFloat32MatmulPrecision('high')  // TF32 for float32 matmul on cuda`
 */
export function setFloat32MatmulPrecision(p: Float32MatmulPrecision): void {
  if (p !== 'highest' && p !== 'high' && p !== 'medium') {
    throw new ArgumentError(`setFloat32MatmulPrecision: precision must be 'highest', 'high' or 'medium', got ${JSON.stringify(p)}`);
  }
  precision = p;
}

/**
 * The precision of float32 matmul on CUDA (see {@link setFloat32MatmulPrecision}).
 * @example `getFloat32MatmulPrecision()  // 'highest'`
 */
export function getFloat32MatmulPrecision(): Float32MatmulPrecision {
  return precision;
}

/** @internal Whether float32 GEMM may use TF32. */
export function float32MatmulAllowsTf32(): boolean {
  return precision !== 'highest';
}
