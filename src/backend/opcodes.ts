/**
 * Op codes shared by the reference and native kernels. The native addon exports
 * the same lists (native/kernels/opcodes.h); a parity test checks they agree.
 */
export const UNARY_OPS = [
  'neg', 'abs', 'sign', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal',
  'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'leakyRelu', 'elu', 'gelu', 'geluTanh', 'silu',
  'softplus', 'clamp', 'floor', 'ceil', 'round', 'logicalNot', 'erf',
  // torch.special (cpu only: the CUDA unary kernel stops at erf); polygamma's order n rides in p0.
  'lgamma', 'digamma', 'polygamma', 'erfc', 'erfcx', 'erfinv', 'ndtri', 'logNdtr', 'i0', 'i0e', 'i1', 'i1e',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

export const BINARY_OPS = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum',
  'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr',
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];
/** Binary ops whose result is bool whatever the input dtype. */
export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr']);

export const REDUCE_OPS = ['sum', 'mean', 'prod', 'max', 'min', 'logsumexp'] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

export const unaryCode = (op: UnaryOp): number => UNARY_OPS.indexOf(op);
export const binaryCode = (op: BinaryOp): number => BINARY_OPS.indexOf(op);
export const reduceCode = (op: ReduceOp): number => REDUCE_OPS.indexOf(op);
