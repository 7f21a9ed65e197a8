// Elementwise kernels: unary ops, broadcasting binary ops, where, strided copies, casts
// and fills. Opcodes follow kernels/opcodes.h; the math follows reference/unary.ts and
// reference/binary.ts (float32 computes in float, as the CPU's float32 kernels do).
#include <cmath>

#include "common.cuh"

namespace lattice {
namespace cuda {
namespace {

enum Unary { kNeg, kAbs, kSign, kExp, kExpm1, kLog, kLog1p, kSqrt, kRsqrt, kSquare, kReciprocal, kSin, kCos, kTanh,
             kSigmoid, kRelu, kLeakyRelu, kElu, kGelu, kGeluTanh, kSilu, kSoftplus, kClamp, kFloor, kCeil, kRound,
             kLogicalNot, kErf };
enum Binary { kAdd, kSub, kMul, kDiv, kPow, kMaximum, kMinimum, kEq, kNe, kLt, kLe, kGt, kGe, kLogicalAnd, kLogicalOr };

template <typename T>
__device__ inline T sigmoidOf(T x) {
  if (x >= T(0)) return T(1) / (T(1) + exp(-x));
  const T e = exp(x);
  return e / (T(1) + e);
}

template <typename T>
__device__ inline T floatUnary(int op, T x, T p0, T p1) {
  switch (op) {
    case kNeg: return -x;
    case kAbs: return fabs(x);
    case kSign: return x > T(0) ? T(1) : x < T(0) ? T(-1) : x == x ? T(0) : x;
    case kExp: return exp(x);
    case kExpm1: return expm1(x);
    case kLog: return log(x);
    case kLog1p: return log1p(x);
    case kSqrt: return sqrt(x);
    case kRsqrt: return T(1) / sqrt(x);
    case kSquare: return x * x;
    case kReciprocal: return T(1) / x;
    case kSin: return sin(x);
    case kCos: return cos(x);
    case kTanh: return tanh(x);
    case kSigmoid: return sigmoidOf(x);
    case kRelu: return x < T(0) ? T(0) : x;
    case kLeakyRelu: return x < T(0) ? x * p0 : x;
    case kElu: return x > T(0) ? x : p0 * expm1(x);
    case kGelu: return T(0.5) * x * (T(1) + erf(x * T(0.70710678118654752440)));
    case kGeluTanh: return T(0.5) * x * (T(1) + tanh(T(0.79788456080286535588) * (x + T(0.044715) * x * x * x)));
    case kSilu: return x * sigmoidOf(x);
    case kSoftplus: return x * p0 > p1 ? x : log1p(exp(p0 * x)) / p0;
    case kClamp: return x != x ? x : x < p0 ? p0 : x > p1 ? p1 : x;
    case kFloor: return floor(x);
    case kCeil: return ceil(x);
    case kRound: return rint(x);  // half to even in the default rounding mode
    case kLogicalNot: return x == T(0) ? T(1) : T(0);
    case kErf: return erf(x);
    // The special functions after erf in kernels/opcodes.h (lgamma ... i1e) have no CUDA kernel: the
    // ops refuse a cuda tensor by name and the cudaUnary binding refuses their codes (op <= kErf), so
    // nothing reaches here; NaN rather than some other op's value if that ever changes.
    default: return T(NAN);
  }
}

// The ops that keep int32 (ops/unary.ts casts the others to float first); arithmetic wraps.
__device__ inline int32_t intUnary(int op, int32_t x, double p0, double p1) {
  const uint32_t u = static_cast<uint32_t>(x);
  switch (op) {
    case kNeg: return static_cast<int32_t>(0u - u);
    case kAbs: return x < 0 ? static_cast<int32_t>(0u - u) : x;
    case kSign: return x > 0 ? 1 : x < 0 ? -1 : 0;
    case kSquare: return static_cast<int32_t>(u * u);
    case kRelu: return x < 0 ? 0 : x;
    case kClamp: {
      const double v = x < p0 ? p0 : x > p1 ? p1 : x;
      return static_cast<int32_t>(v);
    }
    case kLogicalNot: return x == 0 ? 1 : 0;
    default: return x;  // floor, ceil, round of an integer
  }
}

template <typename T>
__global__ void unaryKernel(int op, const T* x, T* out, int64_t n, double p0, double p1) {
  LATTICE_CUDA_LOOP(i, n) {
    if constexpr (std::is_floating_point<T>::value) out[i] = floatUnary<T>(op, x[i], T(p0), T(p1));
    else if constexpr (std::is_same<T, int32_t>::value) out[i] = intUnary(op, x[i], p0, p1);
    else out[i] = x[i] == 0 ? 1 : 0;  // bool: only logicalNot reaches here
  }
}

__device__ inline int32_t intPow(int32_t x, int32_t y) {
  if (y < 0) return x == 1 ? 1 : x == -1 ? ((y & 1) ? -1 : 1) : 0;
  uint32_t result = 1, base = static_cast<uint32_t>(x);
  while (y) {
    if (y & 1) result *= base;
    base *= base;
    y >>= 1;
  }
  return static_cast<int32_t>(result);
}

// Arithmetic ops return T; comparisons and logical ops return 0/1 (written to a uint8 output).
template <typename T>
__device__ inline T binaryValue(int op, T a, T b) {
  if constexpr (std::is_floating_point<T>::value) {
    switch (op) {
      case kAdd: return a + b;
      case kSub: return a - b;
      case kMul: return a * b;
      case kDiv: return a / b;
      case kPow: return pow(a, b);
      case kMaximum: return a != a || b != b ? T(NAN) : a > b ? a : b;
      case kMinimum: return a != a || b != b ? T(NAN) : a < b ? a : b;
      default: break;
    }
  } else {
    const uint32_t ua = static_cast<uint32_t>(a), ub = static_cast<uint32_t>(b);
    switch (op) {
      case kAdd: return static_cast<T>(ua + ub);
      case kSub: return static_cast<T>(ua - ub);
      case kMul: return static_cast<T>(ua * ub);
      case kDiv: return b == 0 ? T(0) : static_cast<T>(static_cast<int64_t>(a) / static_cast<int64_t>(b));
      case kPow: return static_cast<T>(intPow(static_cast<int32_t>(a), static_cast<int32_t>(b)));
      case kMaximum: return a > b ? a : b;
      case kMinimum: return a < b ? a : b;
      default: break;
    }
  }
  switch (op) {
    case kEq: return a == b;
    case kNe: return a != b;
    case kLt: return a < b;
    case kLe: return a <= b;
    case kGt: return a > b;
    case kGe: return a >= b;
    case kLogicalAnd: return a != T(0) && b != T(0);
    default: return a != T(0) || b != T(0);
  }
}

template <typename T, typename O>
__global__ void binaryFlat(int op, const T* a, int64_t aStep, const T* b, int64_t bStep, O* out, int64_t n) {
  LATTICE_CUDA_LOOP(i, n) out[i] = static_cast<O>(binaryValue<T>(op, a[i * aStep], b[i * bStep]));
}

template <typename T, typename O>
__global__ void binaryStrided(int op, const T* a, const T* b, O* out, int64_t n, Strided s) {
  LATTICE_CUDA_LOOP(i, n) {
    int64_t off[3];
    stridedOffsets(s, i, off);
    out[i] = static_cast<O>(binaryValue<T>(op, a[off[0]], b[off[1]]));
  }
}

template <typename T>
__global__ void whereKernel(const uint8_t* cond, const T* a, const T* b, T* out, int64_t n, Strided s) {
  LATTICE_CUDA_LOOP(i, n) {
    int64_t off[3];
    stridedOffsets(s, i, off);
    out[i] = cond[off[0]] ? a[off[1]] : b[off[2]];
  }
}

template <typename T>
__global__ void copyStridedKernel(const T* src, T* dst, int64_t n, Strided s) {
  LATTICE_CUDA_LOOP(i, n) {
    int64_t off[3];
    stridedOffsets(s, i, off);
    dst[off[1]] = src[off[0]];
  }
}

// As reference/copy.ts: to bool is x != 0; float -> int truncates, NaN and out-of-range give INT_MIN.
template <typename S, typename D>
__global__ void castKernel(const S* src, D* dst, int64_t n) {
  LATTICE_CUDA_LOOP(i, n) {
    const S v = src[i];
    if constexpr (std::is_same<D, uint8_t>::value) {
      dst[i] = v != S(0) ? 1 : 0;
    } else if constexpr (std::is_same<D, int32_t>::value && std::is_floating_point<S>::value) {
      const double t = trunc(static_cast<double>(v));
      dst[i] = t >= -2147483648.0 && t <= 2147483647.0 ? static_cast<int32_t>(t) : INT32_MIN;
    } else {
      dst[i] = static_cast<D>(v);
    }
  }
}

template <typename T>
__global__ void fillKernel(T* out, int64_t n, T value) {
  LATTICE_CUDA_LOOP(i, n) out[i] = value;
}

}  // namespace

void unary(int op, DType t, const void* x, void* out, int64_t n, double p0, double p1) {
  if (n == 0) return;
  dispatch(t, [&](auto tag) {
    using T = decltype(tag);
    unaryKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(op, static_cast<const T*>(x), static_cast<T*>(out), n, p0, p1);
  });
  checkLaunch("cuda unary");
}

void binary(int op, DType in, DType outType, const void* a, int64_t aLen, const void* b, int64_t bLen, void* out, int64_t n,
            int ndim, const int32_t* shape, const int32_t* aStrides, const int32_t* bStrides) {
  if (n == 0) return;
  const bool strided = shape != nullptr;
  const Strided s = strided ? makeStrided(ndim, shape, aStrides, bStrides, nullptr) : Strided{};
  dispatch(in, [&](auto tag) {
    using T = decltype(tag);
    auto launch = [&](auto outTag) {
      using O = decltype(outTag);
      if (strided)
        binaryStrided<T, O><<<blocksFor(n), kThreads, 0, stream()>>>(op, static_cast<const T*>(a), static_cast<const T*>(b),
                                                                      static_cast<O*>(out), n, s);
      else
        binaryFlat<T, O><<<blocksFor(n), kThreads, 0, stream()>>>(op, static_cast<const T*>(a), aLen == 1 ? 0 : 1,
                                                                   static_cast<const T*>(b), bLen == 1 ? 0 : 1,
                                                                   static_cast<O*>(out), n);
    };
    if (outType == DType::U8) launch(uint8_t{});
    else launch(T{});
  });
  checkLaunch("cuda binary");
}

void where(DType t, const uint8_t* cond, const void* a, const void* b, void* out, int ndim, const int32_t* shape,
           const int32_t* condStrides, const int32_t* aStrides, const int32_t* bStrides) {
  const Strided s = makeStrided(ndim, shape, condStrides, aStrides, bStrides);
  const int64_t n = stridedTotal(s);
  if (n == 0) return;
  dispatch(t, [&](auto tag) {
    using T = decltype(tag);
    whereKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(cond, static_cast<const T*>(a), static_cast<const T*>(b),
                                                            static_cast<T*>(out), n, s);
  });
  checkLaunch("cuda where");
}

void copyStrided(DType t, const void* src, int64_t srcOffset, const int32_t* srcStrides, void* dst, int64_t dstOffset,
                 const int32_t* dstStrides, int ndim, const int32_t* shape) {
  const Strided s = makeStrided(ndim, shape, srcStrides, dstStrides, nullptr);
  const int64_t n = stridedTotal(s);
  if (n == 0) return;
  dispatch(t, [&](auto tag) {
    using T = decltype(tag);
    copyStridedKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(static_cast<const T*>(src) + srcOffset,
                                                                  static_cast<T*>(dst) + dstOffset, n, s);
  });
  checkLaunch("cuda copyStrided");
}

void cast(DType from, const void* src, DType to, void* dst, int64_t n) {
  if (n == 0) return;
  dispatch(from, [&](auto s) {
    using S = decltype(s);
    dispatch(to, [&](auto d) {
      using D = decltype(d);
      castKernel<S, D><<<blocksFor(n), kThreads, 0, stream()>>>(static_cast<const S*>(src), static_cast<D*>(dst), n);
    });
  });
  checkLaunch("cuda cast");
}

void fill(DType t, void* out, int64_t n, double value) {
  if (n == 0) return;
  dispatch(t, [&](auto tag) {
    using T = decltype(tag);
    fillKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(static_cast<T*>(out), n, static_cast<T>(value));
  });
  checkLaunch("cuda fill");
}

}  // namespace cuda
}  // namespace lattice
