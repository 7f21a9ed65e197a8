// The elementwise kernels (native/cuda/elementwise.cu) against double references of reference/unary.ts,
// reference/binary.ts and reference/copy.ts. Ops are called by their codes in kernels/opcodes.h, so a
// kernel whose op order drifted from the CPU's fails here. Float32 results are compared with the reference
// rounded to float32 (overflow to inf included).
#include "check.h"

#include <array>
#include <climits>
#include <cstring>
#include <functional>
#include <limits>

#include "opcodes.h"

using lattice::BinaryOp;
using lattice::UnaryOp;

namespace {

const float kNan = std::numeric_limits<float>::quiet_NaN(), kInf = std::numeric_limits<float>::infinity();

// Random values and the edge cases: zeros of both signs, NaN, infinities, halves (round to even).
V inputs(size_t n) {
  V x = randv(n, 3);
  const float edge[] = {0.f, -0.f, kNan, kInf, -kInf, 0.5f, 1.5f, 2.5f, -2.5f, 1.f, -1.f, 100.f, -100.f};
  for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]) && i < n; ++i) x[i * 7 % n] = edge[i];
  return x;
}

std::vector<double> asFloat(std::vector<double> r) {
  for (auto& v : r) v = double(float(v));
  return r;
}

constexpr double p0 = 0.5, p1 = 1.5;

double sigmoidRef(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }

void unaryOps() {
  const int64_t n = 700;
  const V x = inputs(n);
  // p0, p1 (file scope): the slope, alpha, beta / threshold or clamp bounds, per op
  struct Op { UnaryOp op; const char* name; std::function<double(double)> f; double q0 = p0, q1 = p1; };
  const std::vector<Op> ops = {
      {UnaryOp::neg, "neg", [](double v) { return -v; }},
      {UnaryOp::abs, "abs", [](double v) { return std::fabs(v); }},
      {UnaryOp::sign, "sign", [](double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : v == v ? 0.0 : NAN; }},
      {UnaryOp::exp, "exp", [](double v) { return std::exp(v); }},
      {UnaryOp::expm1, "expm1", [](double v) { return std::expm1(v); }},
      {UnaryOp::log, "log", [](double v) { return std::log(v); }},
      {UnaryOp::log1p, "log1p", [](double v) { return std::log1p(v); }},
      {UnaryOp::sqrt, "sqrt", [](double v) { return std::sqrt(v); }},
      {UnaryOp::rsqrt, "rsqrt", [](double v) { return 1 / std::sqrt(v); }},
      {UnaryOp::square, "square", [](double v) { return v * v; }},
      {UnaryOp::reciprocal, "reciprocal", [](double v) { return 1 / v; }},
      {UnaryOp::sin, "sin", [](double v) { return std::sin(v); }},
      {UnaryOp::cos, "cos", [](double v) { return std::cos(v); }},
      {UnaryOp::tanh, "tanh", [](double v) { return std::tanh(v); }},
      {UnaryOp::sigmoid, "sigmoid", sigmoidRef},
      {UnaryOp::relu, "relu", [](double v) { return v < 0 ? 0.0 : v; }},
      {UnaryOp::leakyRelu, "leakyRelu", [](double v) { return v < 0 ? v * p0 : v; }},
      {UnaryOp::elu, "elu", [](double v) { return v > 0 ? v : p0 * std::expm1(v); }},
      {UnaryOp::gelu, "gelu", [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }},
      {UnaryOp::geluTanh, "geluTanh", [](double v) { return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))); }},
      {UnaryOp::silu, "silu", [](double v) { return v * sigmoidRef(v); }},
      {UnaryOp::softplus, "softplus", [](double v) { return v * p0 > p1 ? v : std::log1p(std::exp(p0 * v)) / p0; }},
      {UnaryOp::clamp, "clamp", [](double v) { return v != v ? v : v < -p0 ? -p0 : v > p1 ? p1 : v; }, -p0, p1},
      {UnaryOp::floor, "floor", [](double v) { return std::floor(v); }},
      {UnaryOp::ceil, "ceil", [](double v) { return std::ceil(v); }},
      {UnaryOp::round, "round", [](double v) { return std::nearbyint(v); }},  // half to even
      {UnaryOp::logicalNot, "logicalNot", [](double v) { return v == 0 ? 1.0 : 0.0; }},
      {UnaryOp::erf, "erf", [](double v) { return std::erf(v); }},
  };
  // The special functions from lgamma on are CPU kernels: the CUDA switch has no case for them (the ops
  // refuse CUDA tensors before launching) and gives NaN rather than some other op's values.
  expectTrue("unary: every op code of kernels/opcodes.h before lgamma is checked", ops.size() == size_t(UnaryOp::lgamma));
  for (int op = int(UnaryOp::lgamma); op < int(UnaryOp::Count); ++op) {
    V out(n);
    unary(op, DType::F32, x.data(), out.data(), n, 0, 0);
    bool allNan = true;
    for (int64_t i = 0; i < n; ++i) allNan = allNan && out[i] != out[i];
    char buf[80];
    snprintf(buf, 80, "unary op %d (CPU-only special function) gives NaN", op);
    expectTrue(buf, allNan);
  }
  for (const Op& o : ops) {
    V out(n);
    unary(int(o.op), DType::F32, x.data(), out.data(), n, o.q0, o.q1);
    std::vector<double> ref(n);
    for (int64_t i = 0; i < n; ++i) ref[i] = o.f(x[i]);
    char buf[80];
    snprintf(buf, 80, "unary %s f32", o.name);
    cmp(buf, out, asFloat(ref), 1e-5);
  }
  // int32 keeps the integer ops, wrapping.
  std::vector<int32_t> xi = {INT_MIN, -7, -1, 0, 1, 7, INT_MAX, 46341}, oi(xi.size());
  unary(int(UnaryOp::neg), DType::I32, xi.data(), oi.data(), int64_t(xi.size()), 0, 0);
  expectTrue("unary neg i32 wraps (INT_MIN stays)", oi[0] == INT_MIN && oi[1] == 7 && oi[6] == -INT_MAX);
  unary(int(UnaryOp::square), DType::I32, xi.data(), oi.data(), int64_t(xi.size()), 0, 0);
  expectTrue("unary square i32 wraps", oi[5] == 49 && oi[7] == int32_t(uint32_t(46341) * 46341u));
  unary(int(UnaryOp::clamp), DType::I32, xi.data(), oi.data(), int64_t(xi.size()), -2, 3);
  expectTrue("unary clamp i32", oi[0] == -2 && oi[1] == -2 && oi[3] == 0 && oi[5] == 3 && oi[6] == 3);
}

// In the order of LATTICE_BINARY_OPS (kBinaryNames below); a comparison or logical op gives 0 or 1.
double binaryRef(BinaryOp op, double a, double b) {
  const bool nan = a != a || b != b;
  const std::array<double, size_t(BinaryOp::Count)> byOp = {
      a + b, a - b, a * b, a / b, std::pow(a, b), nan ? NAN : std::max(a, b), nan ? NAN : std::min(a, b),
      double(a == b), double(a != b), double(a < b), double(a <= b), double(a > b), double(a >= b),
      double(a != 0 && b != 0), double(a != 0 || b != 0)};
  return byOp[size_t(op)];
}

const char* const kBinaryNames[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
                                    "logicalAnd", "logicalOr"};

bool isComparison(BinaryOp op) { return int(op) >= int(BinaryOp::eq); }

void binaryOps() {
  // a [3, 4, 5] against b broadcast from [1, 4, 1] (strided), and against a scalar (flat).
  const int32_t shape[3] = {3, 4, 5}, aStrides[3] = {20, 5, 1}, bStrides[3] = {0, 1, 0};
  const int64_t n = 60;
  const V a = inputs(n), b = randv(4, 2), s = {1.5f};
  expectTrue("binary: every op code of kernels/opcodes.h is checked", sizeof(kBinaryNames) / sizeof(kBinaryNames[0]) == size_t(BinaryOp::Count));
  for (int k = 0; k < int(BinaryOp::Count); ++k) {
    const BinaryOp op = BinaryOp(k);
    const DType outType = isComparison(op) ? DType::U8 : DType::F32;
    std::vector<double> ref(n), refFlat(n);
    for (int64_t i = 0; i < n; ++i) {
      ref[i] = binaryRef(op, a[i], b[(i / 5) % 4]);
      refFlat[i] = binaryRef(op, s[0], a[i]);
    }
    V got(n), gotFlat(n);
    if (outType == DType::U8) {
      std::vector<uint8_t> u(n), uf(n);
      binary(k, DType::F32, outType, a.data(), n, b.data(), 4, u.data(), n, 3, shape, aStrides, bStrides);
      binary(k, DType::F32, outType, s.data(), 1, a.data(), n, uf.data(), n, 0, nullptr, nullptr, nullptr);
      for (int64_t i = 0; i < n; ++i) got[i] = u[i], gotFlat[i] = uf[i];
    } else {
      binary(k, DType::F32, outType, a.data(), n, b.data(), 4, got.data(), n, 3, shape, aStrides, bStrides);
      binary(k, DType::F32, outType, s.data(), 1, a.data(), n, gotFlat.data(), n, 0, nullptr, nullptr, nullptr);
    }
    char buf[80];
    snprintf(buf, 80, "binary %s f32, b broadcast [1,4,1]", kBinaryNames[k]);
    cmp(buf, got, asFloat(ref), 1e-5);
    snprintf(buf, 80, "binary %s f32, scalar a (flat)", kBinaryNames[k]);
    cmp(buf, gotFlat, asFloat(refFlat), 1e-5);
  }
  // int32: wrapping arithmetic, truncating division, x / 0 = 0, integer powers.
  const std::vector<int32_t> ia = {INT_MAX, -7, 7, 5, 2, -1, 3}, ib = {1, 2, 0, -2, 10, -3, -1};
  const std::vector<int32_t> want[] = {
      {INT_MIN, -5, 7, 3, 12, -4, 2},                       // add
      {INT_MAX - 1, -9, 7, 7, -8, 2, 4},                    // sub
      {INT_MAX, -14, 0, -10, 20, 3, -3},                    // mul
      {INT_MAX, -3, 0, -2, 0, 0, -3},                       // div
      {INT_MAX, 49, 1, 0, 1024, -1, 0},                     // pow
  };
  for (int k = 0; k < 5; ++k) {
    std::vector<int32_t> o(ia.size());
    binary(k, DType::I32, DType::I32, ia.data(), int64_t(ia.size()), ib.data(), int64_t(ib.size()), o.data(), int64_t(ia.size()), 0,
           nullptr, nullptr, nullptr);
    char buf[80];
    snprintf(buf, 80, "binary %s i32 (wrapping, trunc division, x/0 = 0)", kBinaryNames[k]);
    expectTrue(buf, o == want[k]);
  }
}

void copies() {
  // where(cond [3, 1], a [3, 4], b [1, 4]) -> [3, 4]
  const int32_t shape[2] = {3, 4}, cS[2] = {1, 0}, aS[2] = {4, 1}, bS[2] = {0, 1};
  const std::vector<uint8_t> cond = {1, 0, 1};
  const V a = randv(12), b = randv(4);
  V out(12);
  where(DType::F32, cond.data(), a.data(), b.data(), out.data(), 2, shape, cS, aS, bS);
  std::vector<double> ref(12);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) ref[i * 4 + j] = cond[i] ? a[i * 4 + j] : b[j];
  cmp("where, cond and b broadcast", out, ref, 1e-12);
  // A transpose as a strided copy: src [4, 5] read with strides (1, 4)... written to dst [5, 4].
  const int32_t tShape[2] = {5, 4}, srcS[2] = {1, 5}, dstS[2] = {4, 1};
  const V src = randv(21);
  V dst(20, kNan);
  copyStrided(DType::F32, src.data(), 1, srcS, dst.data(), 0, dstS, 2, tShape);
  std::vector<double> tref(20);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 4; ++j) tref[i * 4 + j] = src[1 + j * 5 + i];
  cmp("copyStrided, a transpose at offset 1", dst, tref, 1e-12);
  // casts: float -> int32 truncates, NaN and out-of-range give INT_MIN; -> bool is x != 0.
  const V f = {3.9f, -3.9f, kNan, 3e9f, -0.f, 0.5f};
  std::vector<int32_t> i32(f.size());
  std::vector<uint8_t> u8(f.size());
  cast(DType::F32, f.data(), DType::I32, i32.data(), int64_t(f.size()));
  cast(DType::F32, f.data(), DType::U8, u8.data(), int64_t(f.size()));
  expectTrue("cast f32 -> i32 (trunc; NaN, 3e9 -> INT_MIN)", i32 == std::vector<int32_t>({3, -3, INT_MIN, INT_MIN, 0, 0}));
  expectTrue("cast f32 -> bool (x != 0; NaN is true)", u8 == std::vector<uint8_t>({1, 1, 1, 1, 0, 1}));
  const std::vector<double> d = {1.0 / 3, 1e300, -2.5};
  V df(d.size());
  cast(DType::F64, d.data(), DType::F32, df.data(), int64_t(d.size()));
  expectTrue("cast f64 -> f32 rounds (1e300 -> inf)", df[0] == float(1.0 / 3) && df[1] == kInf && df[2] == -2.5f);
  V filled(1000, 0.f);
  fill(DType::F32, filled.data(), 999, 2.5);
  expectTrue("fill 999 of 1000", std::count(filled.begin(), filled.end(), 2.5f) == 999 && filled[999] == 0.f);
}

}  // namespace

void checkElementwise() {
  unaryOps();
  binaryOps();
  copies();
}
