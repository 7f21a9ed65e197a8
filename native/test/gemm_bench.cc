// Standalone GEMM check and benchmark (no Node).
//
//   gemm_bench [check] [bench] [--f64] [--isa=scalar|avx2|avx512] [--reps=N]
//
// check: sgemm/dgemm against a naive triple loop in higher precision over many
// shapes (0/1 dims, odd sizes, sizes past every cache block), both transposes,
// alpha/beta values, padded lda/ldb/ldc, every ISA this CPU runs, 1 and 2 threads;
// results must be bitwise equal between 1 and 2 threads, beta == 0 must not leak
// NaNs from C, and the ldc padding must stay untouched.
// bench: GFLOP/s (2*M*N*K / best time) for the W1 shapes, 1 and 2 threads per ISA
// (--f64: dgemm too). Scalar skips the shapes that would take minutes.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../context.h"
#include "../kernels/gemm.h"

using namespace lattice;

namespace {

struct Rng {
  std::mt19937_64 gen{12345};
  double uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(gen);
  }
  int64_t integer(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(gen);
  }
};

template <typename T>
void callGemm(Context& ctx, bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha,
              const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if constexpr (std::is_same_v<T, float>) {
    sgemm(ctx, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  } else {
    dgemm(ctx, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
}

struct Case {
  int64_t M, N, K;
  bool ta, tb;
  double alpha, beta;
  int64_t padA, padB, padC;
};

// Returns an empty string on success, else what went wrong.
template <typename T>
std::string checkCase(Context& ctx1, Context& ctx2, const Case& cs, Rng& rng) {
  const int64_t M = cs.M, N = cs.N, K = cs.K;
  const int64_t aRows = cs.ta ? K : M, aCols = cs.ta ? M : K;
  const int64_t bRows = cs.tb ? N : K, bCols = cs.tb ? K : N;
  const int64_t lda = aCols + cs.padA, ldb = bCols + cs.padB, ldc = N + cs.padC;
  std::vector<T> A(std::max<int64_t>(1, aRows * lda)), B(std::max<int64_t>(1, bRows * ldb));
  for (auto& v : A) v = T(rng.uniform(-1, 1));
  for (auto& v : B) v = T(rng.uniform(-1, 1));
  const T sentinel = T(12345.0);
  std::vector<T> C0(std::max<int64_t>(1, M * ldc), sentinel);
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      C0[i * ldc + j] = cs.beta == 0 ? T(NAN) : T(rng.uniform(-1, 1));
    }
  }
  std::vector<T> C1 = C0, C2 = C0;
  const T alpha = T(cs.alpha), beta = T(cs.beta);
  for (Context* ctx : {&ctx1, &ctx2}) {
    T* C = ctx == &ctx1 ? C1.data() : C2.data();
    callGemm<T>(*ctx, cs.ta, cs.tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C, ldc);
  }
  if (std::memcmp(C1.data(), C2.data(), C1.size() * sizeof(T)) != 0) return "1 vs 2 threads differ";

  const double eps = std::is_same_v<T, float> ? 6e-8 : 1.2e-16;
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      const T got = C1[i * ldc + j];
      if (j >= N) {
        if (got != sentinel) return "wrote past N into the ldc padding";
        continue;
      }
      long double sum = 0, mag = 0;
      for (int64_t k = 0; k < K; ++k) {
        const long double a = cs.ta ? A[k * lda + i] : A[i * lda + k];
        const long double b = cs.tb ? B[j * ldb + k] : B[k * ldb + j];
        sum += a * b;
        mag += std::fabs(a * b);
      }
      const long double c0 = cs.beta == 0 ? 0 : C0[i * ldc + j];
      const long double want = cs.alpha * sum + cs.beta * c0;
      const long double bound =
          4 * eps * ((K + 2) * std::fabs(cs.alpha) * mag + 2 * std::fabs(cs.beta * c0)) + 1e-30;
      if (!(std::fabs(got - want) <= bound)) {
        char msg[160];
        std::snprintf(msg, sizeof msg, "C[%lld,%lld] = %.9g, want %.9Lg", (long long)i,
                      (long long)j, double(got), want);
        return msg;
      }
    }
  }
  return "";
}

std::vector<Isa> isasOnThisCpu() {
  std::vector<Isa> out{Isa::Scalar};
  const Isa best = detectIsa();
  if (best >= Isa::Avx2) out.push_back(Isa::Avx2);
  if (best >= Isa::Avx512) out.push_back(Isa::Avx512);
  return out;
}

int runChecks(const std::vector<Isa>& isas) {
  // Sizes around tile edges (4, 6, 8, 12, 16, 32), blocks (KC 512, NC 4096) and the
  // small-path cutoff.
  const std::vector<std::vector<int64_t>> shapes = {
      {0, 0, 0},    {0, 5, 3},     {5, 0, 3},     {5, 3, 0},     {1, 1, 1},    {1, 1, 1000},
      {1, 37, 1},   {37, 1, 1},    {2, 3, 4},     {7, 5, 3},     {13, 17, 19}, {12, 32, 16},
      {11, 31, 33}, {25, 33, 65},  {64, 64, 64},  {100, 10, 256}, {128, 10, 256}, {97, 129, 127},
      {33, 65, 300}, {300, 40, 9}, {257, 70, 513}, {24, 17, 1500}, {30, 4500, 20}, {700, 36, 40},
      {1, 300, 800}, {300, 1, 800}, {130, 300, 700}, {45, 9, 32},   {6, 16, 400},  {49, 50, 51},
      {200, 7, 64}, {333, 16, 50},  {90, 8, 100},   {1001, 3, 70}, {77, 17, 300}, {500, 64, 9},
      // Large enough for two threads: column split (with N past NC, K past KC) and
      // row split (with A read in place, and the narrow tile).
      {40, 5000, 30}, {50, 320, 1100}, {2000, 40, 100}, {3000, 10, 200}, {100, 200, 1200},
      {60, 256, 300},  // packed A on one thread, A in place on two
  };
  Rng rng;
  const double alphas[] = {1.0, -0.5, 2.0};
  const double betas[] = {0.0, 1.0, 0.75};
  int failures = 0, cases = 0;
  for (Isa isa : isas) {
    Context ctx1(1, isa, detectIsa()), ctx2(2, isa, detectIsa());
    for (size_t s = 0; s < shapes.size(); ++s) {
      for (int variant = 0; variant < 4; ++variant) {
        Case cs;
        cs.M = shapes[s][0], cs.N = shapes[s][1], cs.K = shapes[s][2];
        cs.ta = variant & 1, cs.tb = (variant >> 1) & 1;
        cs.alpha = alphas[(s + variant) % 3];
        cs.beta = betas[(s * 3 + variant) % 3];
        cs.padA = rng.integer(0, 3), cs.padB = rng.integer(0, 3), cs.padC = rng.integer(0, 3);
        for (int dtype = 0; dtype < 2; ++dtype) {
          const std::string err = dtype == 0 ? checkCase<float>(ctx1, ctx2, cs, rng)
                                             : checkCase<double>(ctx1, ctx2, cs, rng);
          ++cases;
          if (!err.empty()) {
            ++failures;
            std::printf("FAIL %s %s M=%lld N=%lld K=%lld tA=%d tB=%d alpha=%g beta=%g: %s\n",
                        isaName(isa), dtype == 0 ? "sgemm" : "dgemm", (long long)cs.M,
                        (long long)cs.N, (long long)cs.K, cs.ta, cs.tb, cs.alpha, cs.beta,
                        err.c_str());
          }
        }
      }
    }
    // alpha == 0 and K == 0 must still apply beta, and beta == 0 must clear NaNs.
    for (int dtype = 0; dtype < 2; ++dtype) {
      Case cs{40, 50, 60, false, false, 0.0, 0.0, 1, 1, 1};
      for (double beta : {0.0, 0.5}) {
        cs.beta = beta;
        const std::string err = dtype == 0 ? checkCase<float>(ctx1, ctx2, cs, rng)
                                           : checkCase<double>(ctx1, ctx2, cs, rng);
        ++cases;
        if (!err.empty()) {
          ++failures;
          std::printf("FAIL %s alpha=0 beta=%g: %s\n", isaName(isa), beta, err.c_str());
        }
      }
    }
  }
  std::printf("check: %d cases, %d failures\n", cases, failures);
  return failures;
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <typename T>
double benchShape(Context& ctx, int64_t M, int64_t N, int64_t K, int reps) {
  std::vector<T> A(M * K), B(K * N), C(M * N);
  Rng rng;
  for (auto& v : A) v = T(rng.uniform(-1, 1));
  for (auto& v : B) v = T(rng.uniform(-1, 1));
  const double flops = 2.0 * M * N * K;
  // Repeat until ~0.2 s per measurement so small shapes are timed over many calls.
  int inner = std::max(1, int(2e8 / flops));
  double best = 1e30;
  callGemm<T>(ctx, false, false, M, N, K, T(1), A.data(), K, B.data(), N, T(0), C.data(), N);
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < inner; ++i) {
      callGemm<T>(ctx, false, false, M, N, K, T(1), A.data(), K, B.data(), N, T(0), C.data(), N);
    }
    best = std::min(best, secondsSince(t0) / inner);
  }
  return flops / best * 1e-9;
}

void runBench(const std::vector<Isa>& isas, int reps, bool doubles) {
  const std::vector<std::vector<int64_t>> shapes = {
      {128, 128, 128},  {256, 256, 256}, {512, 512, 512},  {1024, 1024, 1024},
      {2048, 2048, 2048}, {128, 256, 784}, {128, 10, 256}, {43264, 32, 9}, {7744, 64, 288},
  };
  std::printf("%-8s %-6s %-22s %10s %10s\n", "isa", "type", "shape (MxK @ KxN)", "1T GF/s",
              "2T GF/s");
  for (Isa isa : isas) {
    Context ctx1(1, isa, detectIsa()), ctx2(2, isa, detectIsa());
    for (const auto& s : shapes) {
      const int64_t M = s[0], N = s[1], K = s[2];
      if (isa == Isa::Scalar && M * N * K > (int64_t(1) << 28)) continue;
      char name[64];
      std::snprintf(name, sizeof name, "(%lldx%lld)@(%lldx%lld)", (long long)M, (long long)K,
                    (long long)K, (long long)N);
      for (int dtype = 0; dtype < (doubles ? 2 : 1); ++dtype) {
        double gflops[2];
        for (int t = 0; t < 2; ++t) {
          Context& ctx = t == 0 ? ctx1 : ctx2;
          gflops[t] = dtype ? benchShape<double>(ctx, M, N, K, reps)
                            : benchShape<float>(ctx, M, N, K, reps);
        }
        std::printf("%-8s %-6s %-22s %10.1f %10.1f\n", isaName(isa), dtype ? "f64" : "f32", name,
                    gflops[0], gflops[1]);
        std::fflush(stdout);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool check = false, bench = false, doubles = false;
  int reps = 5;
  std::vector<Isa> isas = isasOnThisCpu();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    Isa isa;
    if (arg == "check") check = true;
    else if (arg == "bench") bench = true;
    else if (arg == "--f64") doubles = true;
    else if (arg.rfind("--reps=", 0) == 0) reps = std::max(1, std::atoi(arg.c_str() + 7));
    else if (arg.rfind("--isa=", 0) == 0 && parseIsa(arg.c_str() + 6, &isa)) isas = {isa};
    else {
      std::fprintf(stderr,
                   "usage: %s [check] [bench] [--f64] [--isa=scalar|avx2|avx512] [--reps=N]\n",
                   argv[0]);
      return 2;
    }
  }
  if (!check && !bench) check = bench = true;
  int failures = 0;
  if (check) failures = runChecks(isas);
  if (bench) runBench(isas, reps, doubles);
  return failures == 0 ? 0 : 1;
}
