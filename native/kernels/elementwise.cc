#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "select.h"
#include "special_math.h"
#include "strided.h"

namespace lattice {

namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per thread chunk: below this threads cost more than they save

template <typename T>
inline T sigmoidOf(T x) {
  if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);
  return e / (T(1) + e);
}

// tanh in plain arithmetic, within 2 ulp of libm's: no call, so the loop over it vectorises
// (libm's tanh is a scalar call of ~10 ns per element, and tanh networks run it on every
// hidden unit of every point). Float32 goes through it in double and rounds once.
inline double tanhFast(double x) {
  const double ax = std::min(std::fabs(x), 22.0);  // tanh(22) rounds to 1; NaN stays NaN
  // |x| < 0.625: x + x^3 P(x^2)/Q(x^2) (Cephes' rational approximation, ~1 ulp).
  const double z = ax * ax;
  const double p = (-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z - 1.61468768441708447952e3;
  const double q = ((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z + 4.84406305325125486048e3;
  const double small = ax + ax * z * (p / q);
  // Otherwise 1 - 2/(e^{2|x|} + 1), with e^a = 2^n e^r, n = round(a/ln 2), |r| <= ln2/2.
  const double a = 2.0 * ax;
  const double magic = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer in the low bits
  const double t = a * 1.4426950408889634074 + magic;
  const double n = t - magic;
  const double r = (a - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
  double e = 1.0 / 6227020800.0;  // Taylor to r^13 / 13!: truncation below 2e-16 for |r| <= 0.35
  e = e * r + 1.0 / 479001600.0;
  e = e * r + 1.0 / 39916800.0;
  e = e * r + 1.0 / 3628800.0;
  e = e * r + 1.0 / 362880.0;
  e = e * r + 1.0 / 40320.0;
  e = e * r + 1.0 / 5040.0;
  e = e * r + 1.0 / 720.0;
  e = e * r + 1.0 / 120.0;
  e = e * r + 1.0 / 24.0;
  e = e * r + 1.0 / 6.0;
  e = e * r + 0.5;
  e = e * r + 1.0;
  e = e * r + 1.0;
  uint64_t tb, mb;
  std::memcpy(&tb, &t, 8);
  std::memcpy(&mb, &magic, 8);
  const uint64_t sb = (tb - mb + 1023) << 52;  // 2^n
  double scale;
  std::memcpy(&scale, &sb, 8);
  const double big = 1.0 - 2.0 / (e * scale + 1.0);
  return std::copysign(ax < 0.625 ? small : big, x);
}

// One definition of each unary op; integer types compute through double.
template <typename T>
inline T applyUnary(UnaryOp op, T x, T p0, T p1) {
  switch (op) {
    case UnaryOp::neg: return -x;
    case UnaryOp::abs: return std::abs(x);
    case UnaryOp::sign: return x > T(0) ? T(1) : x < T(0) ? T(-1) : (x == x ? T(0) : x);
    case UnaryOp::exp: return std::exp(x);
    case UnaryOp::expm1: return std::expm1(x);
    case UnaryOp::log: return std::log(x);
    case UnaryOp::log1p: return std::log1p(x);
    case UnaryOp::sqrt: return std::sqrt(x);
    case UnaryOp::rsqrt: return T(1) / std::sqrt(x);
    case UnaryOp::square: return x * x;
    case UnaryOp::reciprocal: return T(1) / x;
    case UnaryOp::sin: return std::sin(x);
    case UnaryOp::cos: return std::cos(x);
    case UnaryOp::tanh: return static_cast<T>(tanhFast(static_cast<double>(x)));
    case UnaryOp::sigmoid: return sigmoidOf(x);
    case UnaryOp::relu: return x < T(0) ? T(0) : x;
    case UnaryOp::leakyRelu: return x < T(0) ? x * p0 : x;
    case UnaryOp::elu: return x > T(0) ? x : p0 * std::expm1(x);
    // gelu(x) = x/2 (1 + erf(x / sqrt 2))
    case UnaryOp::gelu: return T(0.5) * x * (T(1) + std::erf(x * T(0.70710678118654752440)));
    // tanh approximation: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    case UnaryOp::geluTanh:
      return T(0.5) * x * (T(1) + std::tanh(T(0.79788456080286535588) * (x + T(0.044715) * x * x * x)));
    case UnaryOp::silu: return x * sigmoidOf(x);
    // softplus(x) = log(1 + exp(beta x)) / beta, linear above the threshold (p0 = beta, p1 = threshold)
    case UnaryOp::softplus: return x * p0 > p1 ? x : std::log1p(std::exp(p0 * x)) / p0;
    case UnaryOp::clamp: return x != x ? x : x < p0 ? p0 : x > p1 ? p1 : x;
    case UnaryOp::floor: return std::floor(x);
    case UnaryOp::ceil: return std::ceil(x);
    case UnaryOp::round: return std::nearbyint(x);  // half to even under the default rounding mode
    case UnaryOp::logicalNot: return x == T(0) ? T(1) : T(0);
    case UnaryOp::erf: return std::erf(x);
    // torch.special (special_math.h): computed in double, rounded once for float32; p0 = polygamma's n.
    case UnaryOp::lgamma: return static_cast<T>(special::lgamma(static_cast<double>(x)));
    case UnaryOp::digamma: return static_cast<T>(special::digamma(static_cast<double>(x)));
    case UnaryOp::polygamma: return static_cast<T>(special::polygamma(static_cast<int>(p0), static_cast<double>(x)));
    case UnaryOp::erfc: return static_cast<T>(special::erfc(static_cast<double>(x)));
    case UnaryOp::erfcx: return static_cast<T>(special::erfcx(static_cast<double>(x)));
    case UnaryOp::erfinv: return static_cast<T>(special::erfinv(static_cast<double>(x)));
    case UnaryOp::ndtri: return static_cast<T>(special::ndtri(static_cast<double>(x)));
    case UnaryOp::logNdtr: return static_cast<T>(special::logNdtr(static_cast<double>(x)));
    case UnaryOp::i0: return static_cast<T>(special::i0(static_cast<double>(x)));
    case UnaryOp::i0e: return static_cast<T>(special::i0e(static_cast<double>(x)));
    case UnaryOp::i1: return static_cast<T>(special::i1(static_cast<double>(x)));
    case UnaryOp::i1e: return static_cast<T>(special::i1e(static_cast<double>(x)));
    default: return x;
  }
}

// One loop per op: with the op fixed at compile time the switch inside
// applyUnary folds away and simple ops (relu, neg, square, clamp) vectorise.
template <typename T, typename F>
void mapLoop(Context& ctx, const T* x, T* out, int64_t n, F f) {
  ctx.pool.parallelFor(0, n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = f(x[i]);
  });
}

template <typename T>
void unaryTyped(Context& ctx, UnaryOp op, const T* x, T* out, int64_t n, double p0, double p1) {
  if constexpr (std::is_floating_point_v<T>) {
    const T q0 = static_cast<T>(p0), q1 = static_cast<T>(p1);
#define LATTICE_UNARY_CASE(name)                                                                   \
  case UnaryOp::name:                                                                              \
    mapLoop(ctx, x, out, n, [q0, q1](T v) { return applyUnary<T>(UnaryOp::name, v, q0, q1); }); \
    return;
    switch (op) {
      LATTICE_UNARY_OPS(LATTICE_UNARY_CASE)
      default: return;
    }
#undef LATTICE_UNARY_CASE
  } else {
    mapLoop(ctx, x, out, n, [op, p0, p1](T v) { return static_cast<T>(applyUnary<double>(op, static_cast<double>(v), p0, p1)); });
  }
}

template <typename T>
inline T pow32(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    if (b < 0) return a == 1 ? 1 : a == -1 ? ((b & 1) ? -1 : 1) : 0;
    uint32_t result = 1, base = static_cast<uint32_t>(a);
    for (int64_t e = b; e > 0; e >>= 1) {
      if (e & 1) result *= base;
      base *= base;
    }
    return static_cast<T>(result);
  } else {
    return std::pow(a, b);
  }
}

template <typename T>
inline double applyBinary(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::add: if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b)); else return a + b;
    case BinaryOp::sub: if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b)); else return a - b;
    case BinaryOp::mul: if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b)); else return a * b;
    case BinaryOp::div: return a / b;
    case BinaryOp::pow: return pow32<T>(a, b);
    case BinaryOp::maximum: return (a != a || b != b) ? std::numeric_limits<double>::quiet_NaN() : (a > b ? a : b);
    case BinaryOp::minimum: return (a != a || b != b) ? std::numeric_limits<double>::quiet_NaN() : (a < b ? a : b);
    case BinaryOp::eq: return a == b;
    case BinaryOp::ne: return a != b;
    case BinaryOp::lt: return a < b;
    case BinaryOp::le: return a <= b;
    case BinaryOp::gt: return a > b;
    case BinaryOp::ge: return a >= b;
    case BinaryOp::logicalAnd: return a != T(0) && b != T(0);
    case BinaryOp::logicalOr: return a != T(0) || b != T(0);
    default: return 0;
  }
}

// Float arithmetic in T itself (double rounding would differ from plain float ops).
template <typename T>
inline T arith(BinaryOp op, T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case BinaryOp::add: return a + b;
      case BinaryOp::sub: return a - b;
      case BinaryOp::mul: return a * b;
      case BinaryOp::div: return a / b;
      default: break;
    }
  }
  return static_cast<T>(applyBinary<T>(op, a, b));
}

// Runs one row of a broadcast binary op. Unit or zero strides (the common
// cases: same shape, a bias row, a scalar) get loops the compiler vectorises.
template <typename T, typename O, typename F>
inline void binaryRow(const T* a, int64_t sa, const T* b, int64_t sb, O* out, int64_t n, F f) {
  if (sa == 1 && sb == 1) for (int64_t j = 0; j < n; ++j) out[j] = f(a[j], b[j]);
  else if (sa == 1 && sb == 0) { const T y = b[0]; for (int64_t j = 0; j < n; ++j) out[j] = f(a[j], y); }
  else if (sa == 0 && sb == 1) { const T x = a[0]; for (int64_t j = 0; j < n; ++j) out[j] = f(x, b[j]); }
  else for (int64_t j = 0; j < n; ++j) out[j] = f(a[j * sa], b[j * sb]);
}

template <typename T, typename O, typename F>
void binaryLoop(Context& ctx, const T* a, int64_t aLen, const T* b, int64_t bLen, O* out, int64_t n,
                const int32_t* shape, const int32_t* aStrides, const int32_t* bStrides, int nd, F f) {
  if (shape == nullptr) {
    const int64_t sa = aLen == 1 ? 0 : 1, sb = bLen == 1 ? 0 : 1;
    ctx.pool.parallelFor(0, n, kGrain, [&](int64_t s, int64_t e) {
      binaryRow(a + s * sa, sa, b + s * sb, sb, out + s, e - s, f);
    });
    return;
  }
  if (n == 0) return;
  // Walk the outer dims as an odometer; the last dim is one row.
  const int64_t rowLen = nd > 0 ? shape[nd - 1] : 1;
  const int64_t rowA = nd > 0 ? aStrides[nd - 1] : 0, rowB = nd > 0 ? bStrides[nd - 1] : 0;
  const int64_t rows = n / rowLen;
  ctx.pool.parallelFor(0, rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, rowLen)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t rem = r, oa = 0, ob = 0;
      for (int d = nd - 2; d >= 0; --d) {
        const int64_t idx = rem % shape[d];
        rem /= shape[d];
        oa += idx * aStrides[d];
        ob += idx * bStrides[d];
      }
      binaryRow(a + oa, rowA, b + ob, rowB, out + r * rowLen, rowLen, f);
    }
  });
}

// One instantiation per op, so the op's switch folds away inside the loops.
template <typename T, typename O, bool Compare>
void binaryTyped(Context& ctx, BinaryOp op, const T* a, int64_t aLen, const T* b, int64_t bLen, O* out, int64_t n,
                 const int32_t* shape, const int32_t* aStrides, const int32_t* bStrides, int nd) {
#define LATTICE_BINARY_CASE(name)                                                                       \
  case BinaryOp::name:                                                                                  \
    binaryLoop(ctx, a, aLen, b, bLen, out, n, shape, aStrides, bStrides, nd, [](T x, T y) -> O {        \
      if constexpr (Compare) return static_cast<O>(applyBinary<T>(BinaryOp::name, x, y) != 0);          \
      else return arith<T>(BinaryOp::name, x, y);                                                       \
    });                                                                                                 \
    return;
  switch (op) {
    LATTICE_BINARY_OPS(LATTICE_BINARY_CASE)
    default: return;
  }
#undef LATTICE_BINARY_CASE
}

template <typename T>
void binaryDispatch(Context& ctx, BinaryOp op, const void* a, int64_t aLen, const void* b, int64_t bLen, void* out, int64_t n,
                    const int32_t* shape, const int32_t* aS, const int32_t* bS, int nd) {
  if (isComparison(op))
    binaryTyped<T, uint8_t, true>(ctx, op, static_cast<const T*>(a), aLen, static_cast<const T*>(b), bLen,
                                  static_cast<uint8_t*>(out), n, shape, aS, bS, nd);
  else
    binaryTyped<T, T, false>(ctx, op, static_cast<const T*>(a), aLen, static_cast<const T*>(b), bLen,
                             static_cast<T*>(out), n, shape, aS, bS, nd);
}

// How an operand of where() is laid out against the output: element i at i, one value for all,
// or something else (a broadcast along some dims only).
enum class Flat { dense, scalar, other };

Flat flatLayout(const int32_t* shape, const int32_t* strides, int nd) {
  bool dense = true, scalar = true;
  int64_t expect = 1;
  for (int d = nd - 1; d >= 0; --d) {
    if (shape[d] == 1) continue;  // any stride will do along a size-1 dim
    if (strides[d] != expect) dense = false;
    if (strides[d] != 0) scalar = false;
    expect *= shape[d];
  }
  return dense ? Flat::dense : scalar ? Flat::scalar : Flat::other;
}

template <typename T, int kC, int kA, int kB>
void whereFlat(Context& ctx, const uint8_t* cond, const T* a, const T* b, T* out, int64_t n) {
  ctx.pool.parallelFor(0, n, kGrain, [&](int64_t s, int64_t e) {
    // Both operands are loaded and the choice is made on their bits: no jump on the mask.
    for (int64_t i = s; i < e; ++i) out[i] = selectBits(cond[i * kC] != 0, a[i * kA], b[i * kB]);
  });
}

// The common cases (every operand dense or a single value: relu's backward where(x > 0, g, 0),
// masks) as flat loops split over the pool, which the compiler vectorises; the general walk
// costs ~1 ns per element (a relu backward on [64, 32, 26, 26]: 1.4 ms against ~0.3 ms flat).
template <typename T>
bool whereFast(Context& ctx, const uint8_t* cond, const T* a, const T* b, T* out, const int32_t* shape, const int32_t* cS,
               const int32_t* aS, const int32_t* bS, int nd) {
  const Flat c = flatLayout(shape, cS, nd), fa = flatLayout(shape, aS, nd), fb = flatLayout(shape, bS, nd);
  if (c != Flat::dense || fa == Flat::other || fb == Flat::other) return false;
  int64_t n = 1;
  for (int d = 0; d < nd; ++d) n *= shape[d];
  const bool da = fa == Flat::dense, db = fb == Flat::dense;
  if (da && db) whereFlat<T, 1, 1, 1>(ctx, cond, a, b, out, n);
  else if (da) whereFlat<T, 1, 1, 0>(ctx, cond, a, b, out, n);
  else if (db) whereFlat<T, 1, 0, 1>(ctx, cond, a, b, out, n);
  else whereFlat<T, 1, 0, 0>(ctx, cond, a, b, out, n);
  return true;
}

template <typename T>
void whereTyped(Context& ctx, const uint8_t* cond, const T* a, const T* b, T* out, const int32_t* shape, const int32_t* cS,
                const int32_t* aS, const int32_t* bS, int nd) {
  if (whereFast(ctx, cond, a, b, out, shape, cS, aS, bS, nd)) return;
  const int32_t* strides[3] = {cS, aS, bS};
  forEachStrided<3>(shape, nd, strides,
                    [&](int64_t i, int64_t oc, int64_t oa, int64_t ob) { out[i] = cond[oc] ? a[oa] : b[ob]; });
}

template <typename From, typename To>
void castTyped(const From* src, To* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<To, uint8_t>) {
      dst[i] = src[i] != From(0);
    } else if constexpr (std::is_same_v<To, int32_t> && std::is_floating_point_v<From>) {
      const double v = std::trunc(static_cast<double>(src[i]));
      dst[i] = (v >= -2147483648.0 && v <= 2147483647.0) ? static_cast<int32_t>(v) : INT32_MIN;
    } else {
      dst[i] = static_cast<To>(src[i]);
    }
  }
}

template <typename From>
void castFrom(const From* src, ElemType to, void* dst, int64_t n) {
  switch (to) {
    case ElemType::F32: castTyped(src, static_cast<float*>(dst), n); break;
    case ElemType::F64: castTyped(src, static_cast<double*>(dst), n); break;
    case ElemType::I32: castTyped(src, static_cast<int32_t*>(dst), n); break;
    case ElemType::U8: castTyped(src, static_cast<uint8_t*>(dst), n); break;
  }
}

}  // namespace

bool isComparison(BinaryOp op) { return op >= BinaryOp::eq; }

void unaryKernel(Context& ctx, UnaryOp op, ElemType type, const void* x, void* out, int64_t n, double p0, double p1) {
  switch (type) {
    case ElemType::F32: unaryTyped(ctx, op, static_cast<const float*>(x), static_cast<float*>(out), n, p0, p1); break;
    case ElemType::F64: unaryTyped(ctx, op, static_cast<const double*>(x), static_cast<double*>(out), n, p0, p1); break;
    case ElemType::I32: unaryTyped(ctx, op, static_cast<const int32_t*>(x), static_cast<int32_t*>(out), n, p0, p1); break;
    case ElemType::U8: unaryTyped(ctx, op, static_cast<const uint8_t*>(x), static_cast<uint8_t*>(out), n, p0, p1); break;
  }
}

void binaryKernel(Context& ctx, BinaryOp op, ElemType type, const void* a, int64_t aLen, const void* b, int64_t bLen,
                  void* out, int64_t n, const int32_t* shape, const int32_t* aS, const int32_t* bS, int nd) {
  switch (type) {
    case ElemType::F32: binaryDispatch<float>(ctx, op, a, aLen, b, bLen, out, n, shape, aS, bS, nd); break;
    case ElemType::F64: binaryDispatch<double>(ctx, op, a, aLen, b, bLen, out, n, shape, aS, bS, nd); break;
    case ElemType::I32: binaryDispatch<int32_t>(ctx, op, a, aLen, b, bLen, out, n, shape, aS, bS, nd); break;
    case ElemType::U8: binaryDispatch<uint8_t>(ctx, op, a, aLen, b, bLen, out, n, shape, aS, bS, nd); break;
  }
}

void whereKernel(Context& ctx, ElemType type, const uint8_t* cond, const void* a, const void* b, void* out, const int32_t* shape,
                 const int32_t* cS, const int32_t* aS, const int32_t* bS, int nd) {
  switch (type) {
    case ElemType::F32: whereTyped(ctx, cond, static_cast<const float*>(a), static_cast<const float*>(b), static_cast<float*>(out), shape, cS, aS, bS, nd); break;
    case ElemType::F64: whereTyped(ctx, cond, static_cast<const double*>(a), static_cast<const double*>(b), static_cast<double*>(out), shape, cS, aS, bS, nd); break;
    case ElemType::I32: whereTyped(ctx, cond, static_cast<const int32_t*>(a), static_cast<const int32_t*>(b), static_cast<int32_t*>(out), shape, cS, aS, bS, nd); break;
    case ElemType::U8: whereTyped(ctx, cond, static_cast<const uint8_t*>(a), static_cast<const uint8_t*>(b), static_cast<uint8_t*>(out), shape, cS, aS, bS, nd); break;
  }
}

void castKernel(ElemType from, const void* src, ElemType to, void* dst, int64_t n) {
  switch (from) {
    case ElemType::F32: castFrom(static_cast<const float*>(src), to, dst, n); break;
    case ElemType::F64: castFrom(static_cast<const double*>(src), to, dst, n); break;
    case ElemType::I32: castFrom(static_cast<const int32_t*>(src), to, dst, n); break;
    case ElemType::U8: castFrom(static_cast<const uint8_t*>(src), to, dst, n); break;
  }
}

}  // namespace lattice
