// Along-one-axis kernels (reduce.cu) against double-precision ports of src/backend/reference/reduce.ts and
// index-ops.ts, over x viewed as [outer, len, inner]; row r = o * inner + i is x[o, :, i].
#include "check.h"

#include "opcodes.h"

#include <stdexcept>

using D = std::vector<double>;
using I = std::vector<int32_t>;

// The op codes of kernels/opcodes.h, as the CPU numbers them: a CUDA op order that drifted fails here.
constexpr int kSum = int(lattice::ReduceOp::sum), kMean = int(lattice::ReduceOp::mean), kProd = int(lattice::ReduceOp::prod),
              kMax = int(lattice::ReduceOp::max), kMin = int(lattice::ReduceOp::min), kLogSumExp = int(lattice::ReduceOp::logsumexp);
static const char* kOpNames[] = {"sum", "mean", "prod", "max", "min", "logsumexp"};

static int64_t elem(int64_t r, int64_t j, int64_t len, int64_t inner) { return (r / inner * len + j) * inner + r % inner; }
static I randIdx(size_t n, int hi) { std::uniform_int_distribution<int> d(0, hi - 1); I v(n); for (auto& i : v) i = d(rng); return v; }

// reduce.ts: a NaN ends max/min; logsumexp returns an infinite or NaN max as is.
template <class F> static double reduceRef(int op, int64_t len, F x) {
  if (op == kMax || op == kMin) {
    double acc = op == kMax ? -INFINITY : INFINITY;
    for (int64_t j = 0; j < len; ++j) { const double v = x(j); if (v != v) return NAN; if (op == kMax ? v > acc : v < acc) acc = v; }
    return acc;
  }
  if (op == kLogSumExp) {
    double m = -INFINITY, s = 0;
    for (int64_t j = 0; j < len; ++j) { const double v = x(j); if (v > m || v != v) m = v; }
    if (!std::isfinite(m)) return m;
    for (int64_t j = 0; j < len; ++j) s += std::exp(x(j) - m);
    return m + std::log(s);
  }
  double acc = op == kProd ? 1 : 0;
  for (int64_t j = 0; j < len; ++j) acc = op == kProd ? acc * x(j) : acc + x(j);
  return op == kMean ? acc / len : acc;
}

// Every op over x with a NaN in row 1, +inf in row 2 and -inf everywhere in the last row (outer*inner >= 4).
static void reduceCase(int64_t outer, int64_t len, int64_t inner) {
  const int64_t rows = outer * inner;
  V x = randv(outer * len * inner, 0.1f, 1);  // near 1, so that products of a thousand stay near 1
  if (len > 9) { x[elem(1, 4, len, inner)] = NAN; x[elem(2, 9, len, inner)] = INFINITY; }
  for (int64_t j = 0; j < len; ++j) x[elem(rows - 1, j, len, inner)] = -INFINITY;
  for (int op = kSum; op <= kLogSumExp; ++op) {
    V out(rows, 12345.f); D ref(rows);
    reduce(op, DType::F32, x.data(), out.data(), outer, len, inner);
    for (int64_t r = 0; r < rows; ++r) ref[r] = reduceRef(op, len, [&](int64_t j) { return double(x[elem(r, j, len, inner)]); });
    char buf[100]; snprintf(buf, 100, "reduce %s [%ld, %ld, %ld]", kOpNames[op], outer, len, inner);
    cmp(buf, out, ref);
  }
}

// int32: sums and products wrap modulo 2^32 (reduce.ts's `| 0` and Math.imul); mean and logsumexp never reach
// the kernel with int32 data (src/ops/reduce.ts casts to float32 first).
static void reduceInt(int64_t outer, int64_t len, int64_t inner) {
  std::uniform_int_distribution<int32_t> d(-(1 << 30), 1 << 30); I x(outer * len * inner); for (auto& v : x) v = d(rng);
  for (int op : {kSum, kProd, kMax, kMin}) {
    I out(outer * inner, 7), ref(out.size());
    reduce(op, DType::I32, x.data(), out.data(), outer, len, inner);
    for (int64_t r = 0; r < outer * inner; ++r) {
      uint32_t a = op == kProd ? 1 : 0; int32_t m = x[elem(r, 0, len, inner)];
      for (int64_t j = 0; j < len; ++j) {
        const int32_t v = x[elem(r, j, len, inner)];
        a = op == kProd ? a * uint32_t(v) : a + uint32_t(v); m = op == kMax ? std::max(m, v) : std::min(m, v);
      }
      ref[r] = op == kSum || op == kProd ? int32_t(a) : m;
    }
    char buf[100]; snprintf(buf, 100, "reduce int32 %s [%ld, %ld, %ld]", kOpNames[op], outer, len, inner);
    expectTrue(buf, out == ref);
  }
}

// Zero-length rows give each op's identity (mean: NaN), as the CPU's loops over nothing.
static void reduceEmpty() {
  for (int op = kSum; op <= kLogSumExp; ++op) {
    V out(4, 7.f); reduce(op, DType::F32, nullptr, out.data(), 2, 0, 2);
    char buf[100]; snprintf(buf, 100, "reduce %s over len 0", kOpNames[op]);
    cmp(buf, out, D(4, reduceRef(op, 0, [](int64_t) { return 0.0; })));
  }
}

// First index of the extreme, a NaN wins (the first NaN). Values on a 0.5 grid tie often; rows 0 and 3 also
// get an explicit tie for the max and the min, row 1 two NaNs, row 2 a NaN at 0.
static void argCase(int64_t outer, int64_t len, int64_t inner) {
  const int64_t rows = outer * inner;
  V x = randv(outer * len * inner, 2); for (auto& v : x) v = std::round(v * 2) / 2;
  x[elem(0, 3, len, inner)] = x[elem(0, 20, len, inner)] = 100; x[elem(3, 5, len, inner)] = x[elem(3, 30, len, inner)] = -100;
  x[elem(1, 4, len, inner)] = x[elem(1, 10, len, inner)] = NAN; x[elem(2, 0, len, inner)] = NAN;
  for (bool isMax : {true, false}) {
    V vals(rows, 7.f); I idx(rows, -1), ridx(rows), idx2(rows, -1); D rv(rows);
    argReduce(isMax, DType::F32, x.data(), vals.data(), idx.data(), outer, len, inner);
    argReduce(isMax, DType::F32, x.data(), nullptr, idx2.data(), outer, len, inner);
    for (int64_t r = 0; r < rows; ++r) {
      float best = x[elem(r, 0, len, inner)]; int at = 0;
      for (int64_t j = 1; j < len && best == best; ++j) {
        const float v = x[elem(r, j, len, inner)];
        if (v != v || (isMax ? v > best : v < best)) { best = v; at = int(j); }
      }
      ridx[r] = at; rv[r] = best;
    }
    printf("argReduce %s [%ld, %ld, %ld]\n", isMax ? "max" : "min", outer, len, inner);
    cmp(" values", vals, rv); expectTrue(" indices (first extreme, NaN wins)", idx == ridx); expectTrue(" indices without values", idx2 == ridx);
  }
}

// Row 1 partly -inf (masked), row 2 all -inf (NaN out, as the CPU's 0/0).
static void softmaxCase(int64_t outer, int64_t len, int64_t inner) {
  V x = randv(outer * len * inner, 3);
  for (int64_t j = 0; j < len; j += 3) x[elem(1, j, len, inner)] = -INFINITY;
  for (int64_t j = 0; j < len; ++j) x[elem(2, j, len, inner)] = -INFINITY;
  for (bool lg : {false, true}) {
    V out(x.size(), 12345.f); D ref(x.size());
    softmax(lg, DType::F32, x.data(), out.data(), outer, len, inner);
    for (int64_t r = 0; r < outer * inner; ++r) {
      double m = -INFINITY, s = 0;
      for (int64_t j = 0; j < len; ++j) { const double v = x[elem(r, j, len, inner)]; if (v > m || v != v) m = v; }
      if (m == -INFINITY) m = 0;
      for (int64_t j = 0; j < len; ++j) s += std::exp(x[elem(r, j, len, inner)] - m);
      for (int64_t j = 0; j < len; ++j) { const int64_t k = elem(r, j, len, inner); ref[k] = lg ? x[k] - m - std::log(s) : std::exp(x[k] - m) / s; }
    }
    char buf[100]; snprintf(buf, 100, "%s [%ld, %ld, %ld]", lg ? "logSoftmax" : "softmax", outer, len, inner);
    cmp(buf, out, ref);
  }
}

// gather / scatterAdd: index [outer, idxLen, inner]; indexSelect / indexAdd: index [idxLen]. Indices drawn
// from [0, hi) with hi < idxLen repeat, so the atomic adds must all land. The adds accumulate into random data.
static void indexCase(int64_t outer, int64_t len, int64_t idxLen, int64_t inner, int hi) {
  const int64_t n = outer * idxLen * inner;
  V x = randv(outer * len * inner), src = randv(n), base = randv(x.size());
  I ix = randIdx(n, hi), sel = randIdx(idxLen, hi);
  V g(n, NAN), s = base, is(n, NAN), ia = base; D rg(n), rs(base.begin(), base.end()), ris(n), ria(rs);
  gather(DType::F32, x.data(), ix.data(), g.data(), outer, len, idxLen, inner);
  scatterAdd(DType::F32, src.data(), ix.data(), s.data(), outer, len, idxLen, inner);
  indexSelect(DType::F32, x.data(), sel.data(), idxLen, is.data(), outer, len, inner);
  indexAdd(DType::F32, src.data(), sel.data(), idxLen, ia.data(), outer, len, inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < idxLen; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = (o * idxLen + j) * inner + i;
        rg[k] = x[(o * len + ix[k]) * inner + i]; rs[(o * len + ix[k]) * inner + i] += src[k];
        ris[k] = x[(o * len + sel[j]) * inner + i]; ria[(o * len + sel[j]) * inner + i] += src[k];
      }
  printf("index ops [%ld, %ld, %ld] idxLen %ld, indices in [0, %d)\n", outer, len, inner, idxLen, hi);
  cmp(" gather", g, rg); cmp(" scatterAdd", s, rs); cmp(" indexSelect", is, ris); cmp(" indexAdd", ia, ria);
}

// float64: the same kernels at T = double (cmpd rounds the results to float32, so this checks the indexing).
static void f64Case(int64_t outer, int64_t len, int64_t inner) {
  V xf = randv(outer * len * inner, 2); std::vector<double> x(xf.begin(), xf.end()), out(outer * inner), sm(x.size());
  D ref(out.size()), rsm(x.size());
  printf("float64 [%ld, %ld, %ld]\n", outer, len, inner);
  for (int op : {kSum, kLogSumExp}) {
    reduce(op, DType::F64, x.data(), out.data(), outer, len, inner);
    for (int64_t r = 0; r < outer * inner; ++r) ref[r] = reduceRef(op, len, [&](int64_t j) { return x[elem(r, j, len, inner)]; });
    cmpd(op == kSum ? " reduce sum" : " reduce logsumexp", out, ref, 1e-7);
  }
  softmax(true, DType::F64, x.data(), sm.data(), outer, len, inner);
  for (int64_t r = 0; r < outer * inner; ++r)
    for (int64_t j = 0; j < len; ++j) rsm[elem(r, j, len, inner)] = x[elem(r, j, len, inner)] - ref[r];  // ref holds logsumexp
  cmpd(" logSoftmax", sm, rsm, 1e-7);
}

void checkReduce() {
  // inner > 1 with warp-sized rows; then long rows (256-thread blocks: shuffles, then shared memory across warps).
  reduceCase(3, 37, 5); reduceCase(4, 1000, 1); reduceCase(2, 300, 3); reduceEmpty();
  reduceInt(2, 300, 3); reduceInt(3, 37, 5);
  argCase(3, 37, 5); argCase(4, 1000, 1);
  softmaxCase(3, 37, 5); softmaxCase(3, 1000, 1);
  indexCase(3, 37, 11, 5, 37); indexCase(3, 7, 20, 5, 7); indexCase(2, 1000, 300, 1, 50);
  f64Case(2, 500, 2);
  // Integer mean and logsumexp have no integer answer: ops/reduce.ts casts to float first, and a raw call is refused.
  const std::vector<int32_t> xi = {1, -2, 3};
  int32_t oi = 0;
  for (int op : {kMean, kLogSumExp}) {
    bool threw = false;
    try { reduce(op, DType::I32, xi.data(), &oi, 1, 3, 1); } catch (const std::exception&) { threw = true; }
    expectTrue(op == kMean ? "reduce mean of int32 is refused" : "reduce logsumexp of int32 is refused", threw);
  }
}
