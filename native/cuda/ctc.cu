// CTC loss and its gradient w.r.t. the log-probabilities, as native/kernels/ctc.h; the
// recursion and the gradient formula are in src/backend/reference/ctc.ts. One block per batch
// item, threads over the 2L+1 states of the blank-extended target, in log space and float64:
//   alpha_t(s) = lp_t(l'_s) + logadd(alpha_{t-1}(s), alpha_{t-1}(s-1), [skip(s)] alpha_{t-1}(s-2))
//   grad[t, k] = -exp(logadd_{s : l'_s = k} (alpha_t(s) + beta'_t(s)) - log p)
// With a gradient the whole alpha table (T x S) is kept in a stream-ordered scratch buffer; without
// one, two rows. beta' needs two rows either way. The states of one class at one t are summed
// by one thread (the blank's by a block reduction, a label's by the thread of its first position
// along a chain of its repeats), so each gradient cell has one writer and the sums a fixed order.
#include <vector>

#include "reduce.cuh"

namespace lattice {
namespace cuda {
namespace {

__device__ inline double logAdd(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  const double m = a > b ? a : b;
  return m + log1p(exp(-fabs(a - b)));
}

struct LogAdd {
  __device__ double operator()(double a, double b) const { return logAdd(a, b); }
};

struct CtcDevice {
  int64_t maxTime, batch, classes, blank;
  bool zeroInfinity;
  const int32_t* targets;  // labels, then offsets [batch], targetLengths [batch], inputLengths [batch]
  const int32_t* offsets;
  const int32_t* targetLengths;
  const int32_t* inputLengths;
  const int64_t* cellOffsets;  // [batch] into scratch
  double* scratch;
};

template <typename T>
__global__ void ctcKernel(CtcDevice a, const T* logProbs, T* nll, T* grad) {
  __shared__ double shared[32];
  __shared__ double logPShared;
  for (int64_t n = blockIdx.x; n < a.batch; n += gridDim.x) {
    const int64_t Tn = a.inputLengths[n], L = a.targetLengths[n], S = 2 * L + 1;
    const int32_t* labels = a.targets + a.offsets[n];
    auto label = [&](int64_t s) -> int64_t { return s % 2 == 0 ? a.blank : labels[(s - 1) / 2]; };
    auto skip = [&](int64_t s) { return s % 2 == 1 && s >= 2 && label(s) != label(s - 2); };
    auto lp = [&](int64_t t, int64_t k) { return static_cast<double>(logProbs[(t * a.batch + n) * a.classes + k]); };
    auto gradAt = [&](int64_t t, int64_t k) -> T& { return grad[(t * a.batch + n) * a.classes + k]; };
    double* alpha = a.scratch + a.cellOffsets[n];
    double* beta = alpha + (grad ? Tn * S : 2 * S);
    double* chain = beta + 2 * S;  // [L] next position with the same label, [L] 1 where the label appears first
    auto alphaRow = [&](int64_t t) { return grad ? alpha + t * S : alpha + (t & 1) * S; };

    if (grad)
      for (int64_t i = threadIdx.x; i < a.maxTime * a.classes; i += blockDim.x) gradAt(i / a.classes, i % a.classes) = T(0);

    for (int64_t t = 0; t < Tn; ++t) {
      double* row = alphaRow(t);
      const double* prevRow = t > 0 ? alphaRow(t - 1) : nullptr;
      for (int64_t s = threadIdx.x; s < S; s += blockDim.x) {
        double prev;
        if (t == 0) {
          prev = s <= 1 ? 0.0 : -INFINITY;
        } else {
          prev = prevRow[s];
          if (s >= 1) prev = logAdd(prev, prevRow[s - 1]);
          if (skip(s)) prev = logAdd(prev, prevRow[s - 2]);
        }
        row[s] = prev == -INFINITY ? -INFINITY : prev + lp(t, label(s));
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) {
      if (Tn == 0) {
        logPShared = L == 0 ? 0.0 : -INFINITY;
      } else {
        const double* last = alphaRow(Tn - 1);
        logPShared = S >= 2 ? logAdd(last[S - 1], last[S - 2]) : last[S - 1];
      }
    }
    __syncthreads();
    const double logP = logPShared;
    const double loss = 0.0 - logP;  // not -logP: an empty alignment gives +0
    // Every branch below is uniform across the block (it depends on logP and the item only).
    if (loss == INFINITY && a.zeroInfinity) {
      if (threadIdx.x == 0) nll[n] = T(0);
      __syncthreads();
      continue;
    }
    if (threadIdx.x == 0) nll[n] = static_cast<T>(loss);
    if (!grad || Tn == 0) {
      __syncthreads();
      continue;
    }
    if (!isfinite(loss)) {
      for (int64_t i = threadIdx.x; i < Tn * a.classes; i += blockDim.x) gradAt(i / a.classes, i % a.classes) = T(NAN);
      __syncthreads();
      continue;
    }
    for (int64_t j = threadIdx.x; j < L; j += blockDim.x) {
      int64_t next = -1;
      for (int64_t q = j + 1; q < L && next < 0; ++q)
        if (labels[q] == labels[j]) next = q;
      bool first = true;
      for (int64_t q = 0; q < j && first; ++q)
        if (labels[q] == labels[j]) first = false;
      chain[j] = static_cast<double>(next);
      chain[L + j] = first ? 1.0 : 0.0;
    }
    for (int64_t s = threadIdx.x; s < S; s += blockDim.x) beta[s] = s >= S - 2 ? 0.0 : -INFINITY;
    __syncthreads();
    for (int64_t t = Tn - 1; t >= 0; --t) {
      const double* cur = beta + ((Tn - 1 - t) & 1) * S;
      double* nxt = beta + ((Tn - t) & 1) * S;
      const double* arow = alphaRow(t);
      double blankOcc = -INFINITY;
      for (int64_t s = 2 * threadIdx.x; s < S; s += 2 * blockDim.x) blankOcc = logAdd(blankOcc, arow[s] + cur[s]);
      blankOcc = blockReduce<double>(blankOcc, LogAdd{}, shared);
      if (threadIdx.x == 0) gradAt(t, a.blank) = static_cast<T>(-exp(blankOcc - logP));
      for (int64_t j = threadIdx.x; j < L; j += blockDim.x) {
        if (chain[L + j] == 0.0) continue;
        double occ = -INFINITY;
        for (int64_t q = j; q >= 0; q = static_cast<int64_t>(chain[q])) occ = logAdd(occ, arow[2 * q + 1] + cur[2 * q + 1]);
        gradAt(t, labels[j]) = static_cast<T>(-exp(occ - logP));
      }
      if (t == 0) break;
      for (int64_t s = threadIdx.x; s < S; s += blockDim.x) {
        double v = cur[s] + lp(t, label(s));
        if (s + 1 < S) v = logAdd(v, cur[s + 1] + lp(t, label(s + 1)));
        if (s + 2 < S && skip(s + 2)) v = logAdd(v, cur[s + 2] + lp(t, label(s + 2)));
        nxt[s] = v;
      }
      __syncthreads();
    }
    __syncthreads();
  }
}

}  // namespace

void ctcLoss(const CtcShape& c, const void* logProbs, void* nll, void* grad) {
  if (c.batch == 0) return;
  // The labels and lengths (host arrays) travel in one int32 buffer; the scratch offsets in an int64 one.
  const int64_t labelsLen = c.targetsLength;
  std::vector<int32_t> meta(static_cast<size_t>(labelsLen + 3 * c.batch));
  std::copy(c.targets, c.targets + labelsLen, meta.begin());
  std::copy(c.targetOffsets, c.targetOffsets + c.batch, meta.begin() + labelsLen);
  std::copy(c.targetLengths, c.targetLengths + c.batch, meta.begin() + labelsLen + c.batch);
  std::copy(c.inputLengths, c.inputLengths + c.batch, meta.begin() + labelsLen + 2 * c.batch);
  std::vector<int64_t> cells(static_cast<size_t>(c.batch));
  int64_t total = 0;
  for (int64_t n = 0; n < c.batch; ++n) {
    const int64_t S = 2 * static_cast<int64_t>(c.targetLengths[n]) + 1, Tn = c.inputLengths[n];
    cells[n] = total;
    total += (grad ? Tn * S : 2 * S) + 2 * S + 2 * static_cast<int64_t>(c.targetLengths[n]);
  }
  int32_t* metaDev = static_cast<int32_t*>(allocate(meta.size() * sizeof(int32_t)));
  int64_t* cellsDev = static_cast<int64_t*>(allocate(cells.size() * sizeof(int64_t)));
  double* scratch = static_cast<double*>(allocate(static_cast<size_t>(total) * sizeof(double)));
  copyToDevice(metaDev, meta.data(), meta.size() * sizeof(int32_t));
  copyToDevice(cellsDev, cells.data(), cells.size() * sizeof(int64_t));
  const CtcDevice a{c.maxTime, c.batch, c.classes, c.blank, c.zeroInfinity, metaDev, metaDev + labelsLen,
                    metaDev + labelsLen + c.batch, metaDev + labelsLen + 2 * c.batch, cellsDev, scratch};
  const unsigned blocks = static_cast<unsigned>(c.batch < 65535 ? c.batch : 65535);
  dispatchFloat(c.t, "cuda ctcLoss", [&](auto tag) {
    using T = decltype(tag);
    ctcKernel<T><<<blocks, 128, 0, stream()>>>(a, static_cast<const T*>(logProbs), static_cast<T*>(nll), static_cast<T*>(grad));
  });
  checkLaunch("cuda ctcLoss");
  // Stream-ordered: freed after the kernel has run.
  release(scratch);
  release(cellsDev);
  release(metaDev);
}

}  // namespace cuda
}  // namespace lattice
