// The special functions of torch.special as scalar double functions, for the unary kernels
// (elementwise.cc; float32 computes through them and rounds once). Each follows the algorithm
// (Cephes' and PyTorch's, with the same branches) of its reference twin in
// src/backend/reference/special-math.ts step by step, so the two agree to libm's last bits;
// the coefficient tables are generated from the reference's (special_tables.h).
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>

#include "special_tables.h"

namespace lattice {
namespace special {

namespace T = special_tables;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;
constexpr double kMachep = 1.11022302462515654042e-16;
constexpr double kLogSqrt2Pi = 0.91893853320467274178;
constexpr double kTwoOverSqrtPi = 1.1283791670955126;    // 2 / sqrt(pi)
constexpr double kInvSqrtPi = 0.5641895835477563;        // 1 / sqrt(pi)
constexpr double kSqrt2Pi = 2.5066282746310002;          // sqrt(2 pi)
constexpr double kSqrt1_2 = 0.7071067811865476;          // 1 / sqrt(2)
constexpr double kZetaMinQ = -1048576;                   // -2^20: zeta's sum needs |q| terms below 0

// Cephes' polevl: c[0] x^n + ... + c[n].
template <size_t N>
inline double polevl(double x, const double (&c)[N]) {
  double r = x * c[0] + c[1];
  for (size_t i = 2; i < N; ++i) r = r * x + c[i];
  return r;
}

// c[0] + c[1] x + ... + c[n] x^n.
template <size_t N>
inline double polyAscending(double x, const double (&c)[N]) {
  double r = x * c[N - 1] + c[N - 2];
  for (size_t i = N - 2; i-- > 0;) r = r * x + c[i];
  return r;
}

// Cephes' chbevl: the Chebyshev series by Clenshaw's recurrence.
template <size_t N>
inline double chbevl(double x, const double (&c)[N]) {
  double b0 = c[0], b1 = 0, b2 = 0;
  for (size_t i = 1; i < N; ++i) {
    b2 = b1;
    b1 = b0;
    b0 = x * b1 - b2 + c[i];
  }
  return (b0 - b2) * 0.5;
}

// ---- the gamma family

// lgamma(2 + e) for |e| <= 0.5 from its Taylor series.
inline double lgammaAround2(double e) { return e * polyAscending(e, T::LGAMMA2_TAYLOR); }

// lgamma(z) for z >= 0.5: the recurrence down to [1.5, 2.5) below 13 (a product of exact factors),
// Cephes' Stirling series from 13.
inline double lgammaAtLeastHalf(double z) {
  if (z == kInf) return kInf;
  if (z < 13) {
    const double n = std::fmin(std::fmax(std::floor(z - 1.5), -1.0), 11.0);
    const double e = z - (n + 2);
    double product = 1;
    for (int k = 1; k <= 11; ++k)
      if (n >= k) product *= z - k;
    return lgammaAround2(e) + (n < 0 ? -std::log(z) : std::log(product));
  }
  const double p = 1 / (z * z);
  const double correction = z >= 1000
      ? (p * 7.9365079365079365079365e-4 - 2.7777777777777777777778e-3) * p + 0.0833333333333333333333
      : polevl(p, T::LGAMMA_STIRLING);
  return ((z - 0.5) * std::log(z) - z) + (kLogSqrt2Pi + correction / z);
}

// log|Gamma(x)|: +inf at 0, the negative integers and +-inf.
inline double lgamma(double x) {
  if (x != x) return x;
  if (x == -kInf) return kInf;
  if (std::fabs(x) < 0.5) return (lgammaAround2(x) - std::log1p(x)) - std::log(std::fabs(x));
  if (x <= -0.5) {
    const double f = x - std::floor(x);
    const double absSinPi = std::sin(std::fmin(f, 1 - f) * kPi);
    return std::log(kPi / absSinPi) - lgammaAtLeastHalf(1 - x);
  }
  return lgammaAtLeastHalf(x);
}

// digamma for x > 0 (and NaN, +inf): the recurrence up to x >= 10, then the asymptotic series.
inline double digammaPositive(double x) {
  double result = 0;
  for (int i = 0; i < 10 && x < 10; ++i) {
    result -= 1 / x;
    x += 1;
  }
  if (x == 10) return result + T::PSI_10;
  const double z = 1 / (x * x);
  const double y = x < 1e17 ? z * polevl(z, T::DIGAMMA_ASYMPTOTIC) : 0;
  return ((result + std::log(x)) - 0.5 / x) - y;
}

// PyTorch's calc_digamma: -inf at +0, +inf at -0, NaN at the negative integers.
inline double digamma(double x) {
  if (x == 0) return std::signbit(x) ? kInf : -kInf;
  if (x < 0) {
    const double r = x - std::trunc(x);
    if (r == 0) return kNaN;
    return digammaPositive(1 - x) - std::cos(r * kPi) * kPi / std::sin(r * kPi);
  }
  return digammaPositive(x);
}

// PyTorch's trigamma: reflection below 1/2, six recurrence steps, the asymptotic series.
inline double trigamma(double x) {
  const bool reflect = x < 0.5;
  double result = 0;
  if (reflect) {
    const double s = std::sin(x * kPi);
    result = -(kPi * kPi / (s * s));
    x = 1 - x;
  }
  for (int i = 0; i < 6; ++i) {
    result += 1 / (x * x);
    x += 1;
  }
  const double ixx = 1 / (x * x);
  result += (1 / (x * 2) + 1 + ixx * (1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42)))) / x;
  return reflect ? -result : result;
}

// Cephes' Hurwitz zeta sum_k (q + k)^-x: the sum term by term (at least 9 terms, until q + k > 9
// or a term is below machine precision), then the Euler-Maclaurin tail. NaN for a non-integer q below -2^20.
inline double zeta(double x, double q) {
  if (x == 1) return kInf;
  if (x < 1) return kNaN;
  if (q <= 0) {
    if (q == std::floor(q)) return kInf;
    // Below -2^20 the sum would run |q| terms (hours near -1e15, where Cephes and PyTorch do run them): NaN.
    if (x != std::floor(x) || q < kZetaMinQ) return kNaN;
  }
  double s = std::pow(q, -x), a = q, b = 0;
  for (int i = 1; i <= 9 || a <= 9; ++i) {
    a += 1;
    b = std::pow(a, -x);
    s += b;
    if (-s * kMachep < b && b < s * kMachep) return s;
  }
  const double w = a;
  s = (s + b * w / (x - 1)) - b * 0.5;
  double fac = 1, k = 0;
  for (double divisor : T::ZETA_EULER_MACLAURIN) {
    fac *= x + k;
    b /= w;
    const double t = fac * b / divisor;
    s += t;
    if (std::fabs(t / s) < kMachep) break;
    k += 1;
    fac *= x + k;
    b /= w;
    k += 1;
  }
  return s;
}

// polygamma(n, x): digamma, trigamma, and (-1)^(n+1) n! zeta(n + 1, x) from n = 2.
inline double polygamma(int n, double x) {
  if (n == 0) return digamma(x);
  if (n == 1) return trigamma(x);
  double factorial = 1;
  for (int k = 2; k <= n; ++k) factorial *= k;
  return zeta(n + 1, x) * ((n % 2 ? 1 : -1) * factorial);
}

// ---- the error-function family

// exp(s x^2) without the rounding of x^2 in the exponent: x = h + l, h of 12 fraction bits.
inline double expSignedSquare(double x, double s) {
  if (std::isinf(x)) return s > 0 ? kInf : 0;
  const double h = std::floor(x * 4096) / 4096;
  const double l = x - h;
  return std::exp(h * h * s) * std::exp((h * 2 + l) * l * s);
}

// erfcx(x) for x >= 0: the fitted pieces in y = 4 / (4 + x) up to 50, PyTorch's continued fraction beyond.
inline double erfcxNonNegative(double x) {
  if (x != x) return x;
  if (x <= 50) {
    const double y = 4 / (x + 4);
    const int k = static_cast<int>(std::fmin(std::floor(y * 4), 3.0));
    const double t = (y * 8 - k * 2.0) - 1;
    const double* c = T::ERFCX_PIECES[k];
    constexpr int degree = sizeof(T::ERFCX_PIECES[0]) / sizeof(double) - 1;
    double r = c[degree];
    for (int j = degree - 1; j >= 0; --j) r = r * t + c[j];
    return r;
  }
  if (x > 5e7) return kInvSqrtPi / x;
  const double x2 = x * x;
  return ((x2 * (x2 + 4.5) + 2) * kInvSqrtPi) / (x * (x2 * (x2 + 5) + 3.75));
}

// PyTorch's calc_erfcx: 2 exp(x^2) - erfcx(-x) below 0, inf below -26.7.
inline double erfcx(double x) {
  if (x < 0) {
    if (x < -26.7) return kInf;
    const double twiceExp = expSignedSquare(x, 1) * 2;
    return x < -6.1 ? twiceExp : twiceExp - erfcxNonNegative(std::fabs(x));
  }
  return erfcxNonNegative(x);
}

// erfc = erfcx(|x|) exp(-x^2), 2 minus that below 0.
inline double erfc(double x) {
  if (x == kInf) return 0;
  if (x == -kInf) return 2;
  const double a = std::fabs(x);
  const double upper = erfcxNonNegative(a) * expSignedSquare(a, -1);
  return x < 0 ? 2 - upper : upper;
}

// PyTorch's calc_erfinv: a rational start (G. L. Pavlis), two Newton steps on erf(x) = y.
inline double erfinv(double y) {
  if (y != y) return y;
  const double ay = std::fabs(y);
  if (ay == 1) return std::copysign(kInf, y);
  if (ay > 1) return kNaN;
  double x;
  if (ay <= 0.7) {
    const double z2 = y * y;
    x = y * polyAscending(z2, T::ERFINV_A) / (polyAscending(z2, T::ERFINV_B) * z2 + 1);
  } else {
    const double z = std::sqrt(-std::log((1 - ay) / 2));
    const double d = (z * T::ERFINV_D[1] + T::ERFINV_D[0]) * z + 1;
    x = std::copysign(1.0, y) * polyAscending(z, T::ERFINV_C) / d;
  }
  for (int step = 0; step < 2; ++step) x = x - (std::erf(x) - y) / (std::exp(-(x * x)) * kTwoOverSqrtPi);
  return x;
}

// Cephes' ndtri: -inf at 0, inf at 1, NaN outside [0, 1].
inline double ndtri(double y0) {
  constexpr double kExpM2 = 0.13533528323661269189;  // exp(-2)
  if (y0 == 0) return -kInf;
  if (y0 == 1) return kInf;
  if (!(y0 >= 0 && y0 <= 1)) return kNaN;
  const bool upperTail = y0 > 1 - kExpM2;
  const double y = upperTail ? 1 - y0 : y0;
  if (y > kExpM2) {
    const double u = y - 0.5;
    const double u2 = u * u;
    return (u + u * (u2 * polevl(u2, T::NDTRI_P0) / polevl(u2, T::NDTRI_Q0))) * kSqrt2Pi;
  }
  const double z = std::sqrt(std::log(y) * -2);
  const double inv = 1 / z;
  const double tail = z < 8 ? inv * polevl(inv, T::NDTRI_P1) / polevl(inv, T::NDTRI_Q1)
                            : inv * polevl(inv, T::NDTRI_P2) / polevl(inv, T::NDTRI_Q2);
  const double x = (z - std::log(z) / z) - tail;
  return upperTail ? x : -x;
}

// PyTorch's calc_log_ndtr: log(erfcx(-t) / 2) - t^2 below x = -1 (t = x / sqrt 2), else log1p(-erfc(t) / 2).
inline double logNdtr(double x) {
  const double t = x * kSqrt1_2;
  if (x < -1) return std::log(erfcx(-t) / 2) - t * t;
  return std::log1p(erfc(t) / -2);
}

// ---- the modified Bessel functions (Cephes' Chebyshev expansions)

template <size_t NA, size_t NB>
inline double scaledBessel(double x, const double (&near)[NA], const double (&far)[NB], bool timesX) {
  const double a = std::fabs(x);
  if (a <= 8) {
    const double v = chbevl(a / 2 - 2, near);
    return timesX ? v * a : v;
  }
  return chbevl(32 / a - 2, far) / std::sqrt(a);
}

inline double i0e(double x) { return scaledBessel(x, T::I0E_A, T::I0E_B, false); }
inline double i1e(double x) {
  const double v = scaledBessel(x, T::I1E_A, T::I1E_B, true);
  return x < 0 ? -v : v;
}
inline double i0(double x) { return std::exp(std::fabs(x)) * i0e(x); }
inline double i1(double x) { return std::exp(std::fabs(x)) * i1e(x); }

}  // namespace special
}  // namespace lattice
