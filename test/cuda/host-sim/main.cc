// Checks the CUDA kernels, run on the host (scripts/cuda-host-sim.sh): here the norm, CTC and GEMM kernels
// against plain double-precision references of reference/norm.ts and reference/ctc.ts; the other families
// in check_*.cc (check.h). Prints the worst mixed error per output.
#include "check.h"

#include <cstring>

std::mt19937 rng(1);
int fails = 0;
V randv(size_t n, float scale, float shift) { std::normal_distribution<float> d; V v(n); for (auto& x : v) x = d(rng) * scale + shift; return v; }
// Mixed error |a - ref| / max(1, |ref|) under tol (float32 results of double-precision sums: 2e-5 by default).
void cmp(const char* what, const V& a, const std::vector<double>& ref, double tol) {
  double w = 0;
  if (a.size() != ref.size()) w = INFINITY;
  for (size_t i = 0; i < a.size() && i < ref.size(); ++i) {
    if (std::isnan(ref[i]) || std::isnan(a[i])) { if (std::isnan(ref[i]) != std::isnan(a[i])) w = INFINITY; continue; }
    if (std::isinf(ref[i]) || std::isinf(a[i])) { if (ref[i] != a[i]) w = INFINITY; continue; }
    w = std::max(w, std::fabs(a[i] - ref[i]) / std::max(1.0, std::fabs(ref[i])));
  }
  printf("%-50s worst %.2e %s\n", what, w, w < tol ? "ok" : "FAIL"); if (!(w < tol)) fails++;
}
void cmpd(const char* what, const std::vector<double>& a, const std::vector<double>& ref, double tol) { cmp(what, V(a.begin(), a.end()), ref, tol); }
void expectTrue(const char* what, bool ok) { printf("%-50s %s\n", what, ok ? "ok" : "FAIL"); if (!ok) fails++; }

// Generic reference: groups given by index lists; param index per element.
struct G { std::vector<std::vector<int64_t>> idx; std::vector<std::vector<int64_t>> par; };
G layerG(int64_t rows, int64_t n) { G g; for (int64_t r = 0; r < rows; ++r) { g.idx.emplace_back(); g.par.emplace_back(); for (int64_t j = 0; j < n; ++j) { g.idx.back().push_back(r*n+j); g.par.back().push_back(j); } } return g; }
G batchG(int64_t N, int64_t C, int64_t S) { G g; for (int64_t c = 0; c < C; ++c) { g.idx.emplace_back(); g.par.emplace_back(); for (int64_t n = 0; n < N; ++n) for (int64_t i = 0; i < S; ++i) { g.idx.back().push_back((n*C+c)*S+i); g.par.back().push_back(c); } } return g; }
G groupG(int64_t N, int64_t C, int64_t S, int64_t Gs) { G g; int64_t cg = C / Gs; for (int64_t n = 0; n < N; ++n) for (int64_t q = 0; q < Gs; ++q) { g.idx.emplace_back(); g.par.emplace_back(); for (int64_t k = 0; k < cg; ++k) for (int64_t i = 0; i < S; ++i) { g.idx.back().push_back((n*C + q*cg + k)*S + i); g.par.back().push_back(q*cg+k); } } return g; }

struct RefOut { std::vector<double> y, mean, rstd, var, dx, dw, db; };
RefOut ref(const G& g, const V& x, const V* w, const V* b, const V& dy, double eps, bool relu, int64_t P, bool training = true,
           const std::vector<double>* rm = nullptr, const std::vector<double>* rv = nullptr) {
  RefOut o; o.y.assign(x.size(), 0); o.dx.assign(x.size(), 0); o.dw.assign(P, 0); o.db.assign(P, 0);
  for (size_t r = 0; r < g.idx.size(); ++r) {
    auto& I = g.idx[r]; auto& Pp = g.par[r]; double m, v;
    if (training) { double s = 0; for (auto i : I) s += x[i]; m = I.empty() ? 0 : s / I.size(); v = 0; for (auto i : I) v += (x[i]-m)*(x[i]-m); v = I.empty() ? 0 : v / I.size(); }
    else { m = (*rm)[r]; v = (*rv)[r]; }
    double rs = 1 / std::sqrt(v + eps); o.mean.push_back(m); o.rstd.push_back(rs); o.var.push_back(v);
    std::vector<double> gd(I.size());
    for (size_t j = 0; j < I.size(); ++j) { double yy = (x[I[j]]-m)*rs*(w ? (*w)[Pp[j]] : 1) + (b ? (*b)[Pp[j]] : 0); if (relu && yy < 0) yy = 0; o.y[I[j]] = yy; }
    double A = 0, B = 0;
    for (size_t j = 0; j < I.size(); ++j) { double d = relu && !(o.y[I[j]] > 0) ? 0 : dy[I[j]]; gd[j] = d; double xh = (x[I[j]]-m)*rs; double gg = d * (w ? (*w)[Pp[j]] : 1); A += gg; B += gg*xh; o.dw[Pp[j]] += d*xh; o.db[Pp[j]] += d; }
    if (!training) A = B = 0; else { A /= I.size(); B /= I.size(); }
    for (size_t j = 0; j < I.size(); ++j) { double xh = (x[I[j]]-m)*rs; double gg = gd[j] * (w ? (*w)[Pp[j]] : 1); o.dx[I[j]] = rs*(gg - A - xh*B); }
  }
  return o;
}

void testLayer(int64_t rows, int64_t n, bool affine, bool relu) {
  V x = randv(rows*n, 2, 100), w = randv(n), b = randv(n), dy = randv(rows*n), y(rows*n), dx(rows*n), dw(n), db(n);
  std::vector<double> mean(rows), rstd(rows);
  layerNormForward(DType::F32, x.data(), affine ? w.data() : nullptr, affine ? b.data() : nullptr, y.data(), mean.data(), rstd.data(), rows, n, 1e-5, relu);
  layerNormBackward(DType::F32, dy.data(), x.data(), mean.data(), rstd.data(), affine ? w.data() : nullptr, dx.data(), dw.data(), db.data(), rows, n, relu ? y.data() : nullptr);
  RefOut r = ref(layerG(rows, n), x, affine ? &w : nullptr, affine ? &b : nullptr, dy, 1e-5, relu, n);
  char buf[100]; snprintf(buf, 100, "layerNorm %ldx%ld affine=%d relu=%d", rows, n, affine, relu);
  printf("%s\n", buf); cmp(" y", y, r.y); cmpd(" mean", mean, r.mean); cmpd(" rstd", rstd, r.rstd); cmp(" dx", dx, r.dx); cmp(" dw", dw, r.dw); cmp(" db", db, r.db);
}
void testBatch(int64_t N, int64_t C, int64_t S, bool training, bool relu) {
  V x = randv(N*C*S, 1.5, -0.5), w = randv(C), b = randv(C), dy = randv(N*C*S), y(x.size()), dx(x.size()), dw(C), db(C);
  std::vector<double> mean(C), var(C), inv(C), rm(C), rv(C);
  for (int64_t c = 0; c < C; ++c) { rm[c] = 0.3 * c - 0.2; rv[c] = 0.5 + 0.25 * c; }
  if (!training) { mean = rm; var = rv; }
  batchNormForward(DType::F32, x.data(), w.data(), b.data(), y.data(), mean.data(), var.data(), inv.data(), N, C, S, 1e-5, training, relu);
  batchNormBackward(DType::F32, dy.data(), x.data(), mean.data(), inv.data(), w.data(), dx.data(), dw.data(), db.data(), N, C, S, training, relu ? y.data() : nullptr);
  RefOut r = ref(batchG(N, C, S), x, &w, &b, dy, 1e-5, relu, C, training, &rm, &rv);
  printf("batchNorm %ldx%ldx%ld training=%d relu=%d\n", N, C, S, training, relu);
  cmp(" y", y, r.y); cmpd(" mean", mean, r.mean); cmpd(" invstd", inv, r.rstd); if (training) cmpd(" var", var, r.var); cmp(" dx", dx, r.dx); cmp(" dw", dw, r.dw); cmp(" db", db, r.db);
}
void testGroup(int64_t N, int64_t C, int64_t S, int64_t Gs) {
  V x = randv(N*C*S, 1, 3), w = randv(C), b = randv(C), dy = randv(N*C*S), y(x.size()), dx(x.size()), dw(C), db(C);
  std::vector<double> mean(N*Gs), rstd(N*Gs);
  groupNormForward(DType::F32, x.data(), w.data(), b.data(), y.data(), mean.data(), rstd.data(), N, C, S, Gs, 1e-5);
  groupNormBackward(DType::F32, dy.data(), x.data(), mean.data(), rstd.data(), w.data(), dx.data(), dw.data(), db.data(), N, C, S, Gs);
  RefOut r = ref(groupG(N, C, S, Gs), x, &w, &b, dy, 1e-5, false, C);
  printf("groupNorm %ldx%ldx%ld groups=%ld\n", N, C, S, Gs);
  cmp(" y", y, r.y); cmpd(" mean", mean, r.mean); cmpd(" rstd", rstd, r.rstd); cmp(" dx", dx, r.dx); cmp(" dw", dw, r.dw); cmp(" db", db, r.db);
}

// CTC reference: a port of src/backend/reference/ctc.ts.
double logAddR(double a, double b) { if (a != a || b != b) return NAN; if (a == -INFINITY) return b; if (b == -INFINITY) return a; double m = std::max(a, b); return m + std::log1p(std::exp(-std::fabs(a-b))); }
void ctcRef(const V& lp, int T, int B, int C, const std::vector<int>& tg, const std::vector<int>& off, const std::vector<int>& tl, const std::vector<int>& il, int blank, bool zi, std::vector<double>& nll, std::vector<double>& grad) {
  nll.assign(B, 0); grad.assign(size_t(T)*B*C, 0);
  for (int n = 0; n < B; ++n) {
    int Tn = il[n], L = tl[n], S = 2*L+1, o = off[n];
    auto label = [&](int s) { return s % 2 == 0 ? blank : tg[o + (s-1)/2]; };
    auto skip = [&](int s) { return s % 2 == 1 && s >= 2 && label(s) != label(s-2); };
    auto at = [&](int t, int k) { return double(lp[(size_t(t)*B + n)*C + k]); };
    std::vector<std::vector<double>> alpha; double logP;
    if (Tn == 0) logP = L == 0 ? 0 : -INFINITY;
    else {
      for (int t = 0; t < Tn; ++t) { std::vector<double> row(S, -INFINITY); for (int s = 0; s < S; ++s) { double prev; if (t == 0) prev = s <= 1 ? 0 : -INFINITY; else { auto& a = alpha[t-1]; prev = a[s]; if (s >= 1) prev = logAddR(prev, a[s-1]); if (skip(s)) prev = logAddR(prev, a[s-2]); } row[s] = prev == -INFINITY ? -INFINITY : prev + at(t, label(s)); } alpha.push_back(row); }
      auto& last = alpha[Tn-1]; logP = S >= 2 ? logAddR(last[S-1], last[S-2]) : last[S-1];
    }
    double loss = 0 - logP;
    if (loss == INFINITY && zi) { nll[n] = 0; continue; }
    nll[n] = loss; if (Tn == 0) continue;
    if (!std::isfinite(loss)) { for (int t = 0; t < Tn; ++t) for (int k = 0; k < C; ++k) grad[(size_t(t)*B+n)*C+k] = NAN; continue; }
    std::vector<double> beta(S, -INFINITY); beta[S-1] = 0; if (S >= 2) beta[S-2] = 0;
    for (int t = Tn-1; t >= 0; --t) {
      std::vector<double> occ(C, NAN); std::vector<bool> seen(C, false);
      for (int s = 0; s < S; ++s) { int k = label(s); occ[k] = logAddR(seen[k] ? occ[k] : -INFINITY, alpha[t][s] + beta[s]); seen[k] = true; }
      for (int k = 0; k < C; ++k) if (seen[k]) grad[(size_t(t)*B+n)*C+k] = -std::exp(occ[k] - logP);
      if (t == 0) break;
      std::vector<double> nx(S); for (int s = 0; s < S; ++s) { double v = beta[s] + at(t, label(s)); if (s+1 < S) v = logAddR(v, beta[s+1] + at(t, label(s+1))); if (s+2 < S && skip(s+2)) v = logAddR(v, beta[s+2] + at(t, label(s+2))); nx[s] = v; }
      beta = nx;
    }
  }
}
void testCtc(bool zi, bool withGrad) {
  const int T = 12, B = 5, C = 6, blank = 0;
  // items: repeats, empty target, impossible (L=6 with repeats needs > T?), T=0 with L=0, longer than input
  std::vector<int> tl = {4, 0, 3, 0, 8}, il = {12, 7, 10, 0, 6}, off(B), tg;
  std::vector<std::vector<int>> labels = {{1, 1, 2, 1}, {}, {3, 4, 3}, {}, {1, 2, 3, 4, 5, 1, 2, 3}};
  for (int n = 0; n < B; ++n) { off[n] = tg.size(); for (int l : labels[n]) tg.push_back(l); }
  V lp(size_t(T)*B*C);
  V raw = randv(lp.size());
  for (int t = 0; t < T; ++t) for (int n = 0; n < B; ++n) { double m = -INFINITY, s = 0; for (int k = 0; k < C; ++k) m = std::max<double>(m, raw[(t*B+n)*C+k]); for (int k = 0; k < C; ++k) s += std::exp(raw[(t*B+n)*C+k]-m); for (int k = 0; k < C; ++k) lp[(t*B+n)*C+k] = raw[(t*B+n)*C+k] - m - std::log(s); }
  V nll(B), grad(lp.size(), 123.f);
  CtcShape c{DType::F32, T, B, C, tg.data(), (int64_t)tg.size(), off.data(), tl.data(), il.data(), blank, zi};
  ctcLoss(c, lp.data(), nll.data(), withGrad ? grad.data() : nullptr);
  std::vector<double> rn, rg; ctcRef(lp, T, B, C, tg, off, tl, il, blank, zi, rn, rg);
  printf("ctc zeroInfinity=%d grad=%d: nll %g %g %g %g %g\n", zi, withGrad, nll[0], nll[1], nll[2], nll[3], nll[4]);
  cmp(" nll", nll, rn); if (withGrad) cmp(" grad", grad, rg);
}
float tf32Round(float v) { uint32_t u; std::memcpy(&u, &v, 4); u = (u + 0x1000u) & 0xffffe000u; std::memcpy(&v, &u, 4); return v; }
// C = alpha op(A) op(B) + beta C over a batch of 2 with offsets; the reference in double (inputs rounded to TF32 when tf32).
void testGemm(bool tA, bool tB, int M, int N, int K, bool tf32) {
  const int batch = 2, lda = (tA ? M : K) + 3, ldb = (tB ? K : N) + 1, ldc = N + 2;
  const int aSize = (tA ? K : M) * lda, bSize = (tB ? N : K) * ldb, cSize = M * ldc;
  V a = randv(batch * aSize), b = randv(batch * bSize), c = randv(batch * cSize);
  std::vector<int32_t> aO = {0, aSize}, bO = {bSize, 0}, cO = {0, cSize};
  std::vector<double> ref(c.begin(), c.end());
  auto q = [&](float v) { return double(tf32 ? tf32Round(v) : v); };
  for (int z = 0; z < batch; ++z)
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        double s = 0;
        for (int k = 0; k < K; ++k) s += q(a[aO[z] + (tA ? k * lda + i : i * lda + k)]) * q(b[bO[z] + (tB ? j * ldb + k : k * ldb + j)]);
        double& r = ref[cO[z] + i * ldc + j];
        r = 1.5 * s + 0.5 * r;
      }
  gemm(DType::F32, tA, tB, M, N, K, 1.5, a.data(), aO.data(), lda, b.data(), bO.data(), ldb, 0.5, c.data(), cO.data(), ldc, batch, tf32);
  char buf[100];
  snprintf(buf, 100, "gemm %s tA=%d tB=%d %dx%dx%d batch 2", tf32 ? "TF32" : "FP32", tA, tB, M, N, K);
  // float accumulation over K terms of size ~1: about K * 2^-24 at worst.
  cmp(buf, c, ref, std::max(2e-5, K * 2.0e-7));
}

int main() {
  for (bool tf32 : {false, true})
    for (bool tA : {false, true})
      for (bool tB : {false, true}) testGemm(tA, tB, 70, 45, 37, tf32);
  testGemm(false, false, 130, 65, 200, false);
  testGemm(false, true, 130, 65, 200, true);
  testLayer(37, 70, true, false); testLayer(5, 50, true, true); testLayer(3, 300, false, false); testLayer(2100, 20, true, false); testLayer(600, 70, true, true); testLayer(0, 8, true, false);
  testBatch(4, 3, 10, true, false); testBatch(4, 3, 10, false, false); testBatch(6, 5, 13, true, true); testBatch(6, 5, 13, false, true); testBatch(9, 4, 1, true, false);
  testGroup(3, 6, 7, 3); testGroup(2, 8, 33, 8); testGroup(4, 6, 1, 1);
  testCtc(false, true); testCtc(true, true); testCtc(false, false);
  checkLosses(); checkOptim(); checkPhilox(); checkElementwise(); checkReduce(); checkPool(); checkConv();
  printf("%d failures\n", fails); return fails ? 1 : 0;
}
