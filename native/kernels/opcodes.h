// Op codes, in the same order as src/backend/opcodes.ts (a parity test compares
// the names the addon exports with the TS lists).
#pragma once

#define LATTICE_UNARY_OPS(X)                                                              \
  X(neg) X(abs) X(sign) X(exp) X(expm1) X(log) X(log1p) X(sqrt) X(rsqrt) X(square)        \
  X(reciprocal) X(sin) X(cos) X(tanh) X(sigmoid) X(relu) X(leakyRelu) X(elu) X(gelu)      \
  X(geluTanh) X(silu) X(softplus) X(clamp) X(floor) X(ceil) X(round) X(logicalNot) X(erf)      \
  X(lgamma) X(digamma) X(polygamma) X(erfc) X(erfcx) X(erfinv) X(ndtri) X(logNdtr) X(i0) X(i0e) \
  X(i1) X(i1e)

#define LATTICE_BINARY_OPS(X)                                                             \
  X(add) X(sub) X(mul) X(div) X(pow) X(maximum) X(minimum) X(eq) X(ne) X(lt) X(le) X(gt)  \
  X(ge) X(logicalAnd) X(logicalOr)

#define LATTICE_REDUCE_OPS(X) X(sum) X(mean) X(prod) X(max) X(min) X(logsumexp)

namespace lattice {
#define LATTICE_ENUM_ITEM(name) name,
enum class UnaryOp : int { LATTICE_UNARY_OPS(LATTICE_ENUM_ITEM) Count };
enum class BinaryOp : int { LATTICE_BINARY_OPS(LATTICE_ENUM_ITEM) Count };
enum class ReduceOp : int { LATTICE_REDUCE_OPS(LATTICE_ENUM_ITEM) Count };
#undef LATTICE_ENUM_ITEM
}  // namespace lattice
