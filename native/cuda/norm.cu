// LayerNorm, BatchNorm and GroupNorm, forward and backward, as native/kernels/norm.h (the
// formulas are there and in src/backend/reference/norm.ts). The three differ only in which
// elements form a normalised group and which affine entry each element uses, so one forward
// and one backward kernel walk a NormLayout:
//   LayerNorm  group r = row r of [rows, n], contiguous;      element j uses weight[j]
//   GroupNorm  group r = (sample, group) of [N, C, S], contiguous; element j uses weight[g*C/G + j/S]
//   BatchNorm  group c = channel c of [N, C, S]: N runs of S, C*S apart; every element uses weight[c]
// One block per group. Statistics are float64 by two passes (the mean, then the squared
// deviations), each thread accumulating in double and the block combining the partials in a
// fixed order, so results do not depend on timing. The parameter gradients (dweight, dbias)
// sum over what a parameter is shared by in a second kernel, one block per parameter entry
// (LayerNorm: per 32 columns and chunk of rows, for coalesced reads), in a fixed order too (no atomics).
#include "reduce.cuh"

namespace lattice {
namespace cuda {
namespace {

enum class NormKind : int { Layer, Group, Batch };

struct NormLayout {
  NormKind kind;
  int64_t groups;         // number of normalised groups (rows; N*G; C)
  int64_t len;            // elements per group
  int64_t n, C, S, G;     // LayerNorm: n; Group/Batch: C, S, and G groups (GroupNorm)

  __device__ int64_t addr(int64_t r, int64_t j) const {
    if (kind == NormKind::Batch) return (j / S) * C * S + r * S + j % S;
    return r * len + j;
  }
  __device__ int64_t param(int64_t r, int64_t j) const {
    if (kind == NormKind::Layer) return j;
    if (kind == NormKind::Group) return (r % G) * (C / G) + j / S;
    return r;
  }
  // GroupNorm and BatchNorm: channel p's weight is shared by N runs of S elements; the k-th of
  // them, its address and the group whose statistics it uses. (LayerNorm's columns have their own
  // kernel.)
  __device__ int64_t sharers() const { return groups * len / C; }
  __device__ int64_t sharerAddr(int64_t p, int64_t k) const { return ((k / S) * C + p) * S + k % S; }
  __device__ int64_t sharerGroup(int64_t p, int64_t k) const { return kind == NormKind::Group ? (k / S) * G + p / (C / G) : p; }
};

template <typename T>
__device__ inline double at(const T* a, int64_t i) { return static_cast<double>(a[i]); }
template <typename T>
__device__ inline double weightAt(const T* w, int64_t p) { return w ? static_cast<double>(w[p]) : 1.0; }

// relu's rule: max(v, 0), a NaN stays NaN.
__device__ inline double reluOf(double v) { return v < 0 ? 0.0 : v; }

// stats: LayerNorm/GroupNorm write mean and rstd (var null); BatchNorm in training writes mean,
// var (biased) and invstd into rstd; BatchNorm in evaluation (computeStats false) reads mean and
// var and writes invstd.
template <typename T>
__global__ void normForwardKernel(NormLayout L, const T* x, const T* w, const T* b, T* y, double* mean, double* var,
                                  double* rstd, double eps, bool computeStats, bool relu) {
  __shared__ double shared[32];
  for (int64_t r = blockIdx.x; r < L.groups; r += gridDim.x) {
    double m, rs;
    if (computeStats) {
      double s = 0;
      for (int64_t j = threadIdx.x; j < L.len; j += blockDim.x) s += at(x, L.addr(r, j));
      s = blockReduce<double>(s, Plus{}, shared);
      m = L.len > 0 ? s / static_cast<double>(L.len) : 0.0;
      double v = 0;
      for (int64_t j = threadIdx.x; j < L.len; j += blockDim.x) {
        const double d = at(x, L.addr(r, j)) - m;
        v += d * d;
      }
      v = blockReduce<double>(v, Plus{}, shared);
      v = L.len > 0 ? v / static_cast<double>(L.len) : 0.0;
      rs = 1.0 / sqrt(v + eps);
      if (threadIdx.x == 0) {
        mean[r] = m;
        rstd[r] = rs;
        if (var) var[r] = v;
      }
    } else {
      m = mean[r];
      rs = 1.0 / sqrt(var[r] + eps);
      if (threadIdx.x == 0) rstd[r] = rs;
    }
    for (int64_t j = threadIdx.x; j < L.len; j += blockDim.x) {
      const int64_t i = L.addr(r, j), p = L.param(r, j);
      const double v = (at(x, i) - m) * rs * weightAt(w, p) + (b ? at(b, p) : 0.0);
      y[i] = static_cast<T>(relu ? reluOf(v) : v);
    }
    __syncthreads();  // shared is reused by the next group
  }
}

// dy as the op sees it: masked by a following ReLU's output (0 where it is <= 0 or NaN).
template <typename T>
__device__ inline double gradAt(const T* dy, const T* reluOut, int64_t i) {
  if (reluOut && !(reluOut[i] > T(0))) return 0.0;
  return at(dy, i);
}

// dx = rstd (g - A - xhat B), g = dy w, with A = mean(g), B = mean(g xhat) over the group when the
// statistics depend on x (LayerNorm, GroupNorm, BatchNorm in training); A = B = 0 otherwise.
template <typename T>
__global__ void normBackwardInputKernel(NormLayout L, const T* dy, const T* x, const double* mean, const double* rstd,
                                        const T* w, T* dx, bool throughStats, const T* reluOut) {
  __shared__ double shared[32];
  for (int64_t r = blockIdx.x; r < L.groups; r += gridDim.x) {
    const double m = mean[r], rs = rstd[r];
    double A = 0, B = 0;
    if (throughStats && L.len > 0) {
      double sg = 0, sgx = 0;
      for (int64_t j = threadIdx.x; j < L.len; j += blockDim.x) {
        const int64_t i = L.addr(r, j);
        const double g = gradAt(dy, reluOut, i) * weightAt(w, L.param(r, j));
        sg += g;
        sgx += g * (at(x, i) - m) * rs;
      }
      A = blockReduce<double>(sg, Plus{}, shared) / static_cast<double>(L.len);
      B = blockReduce<double>(sgx, Plus{}, shared) / static_cast<double>(L.len);
    }
    for (int64_t j = threadIdx.x; j < L.len; j += blockDim.x) {
      const int64_t i = L.addr(r, j);
      const double g = gradAt(dy, reluOut, i) * weightAt(w, L.param(r, j));
      dx[i] = static_cast<T>(rs * (g - A - (at(x, i) - m) * rs * B));
    }
    __syncthreads();
  }
}

// dweight[p] = sum dy xhat, dbias[p] = sum dy over the elements sharing entry p.
template <typename T>
__global__ void normBackwardParamsKernel(NormLayout L, int64_t params, const T* dy, const T* x, const double* mean,
                                         const double* rstd, T* dw, T* db, const T* reluOut) {
  __shared__ double shared[32];
  const int64_t count = L.sharers();
  for (int64_t p = blockIdx.x; p < params; p += gridDim.x) {
    double sw = 0, sb = 0;
    for (int64_t k = threadIdx.x; k < count; k += blockDim.x) {
      const int64_t i = L.sharerAddr(p, k), r = L.sharerGroup(p, k);
      const double g = gradAt(dy, reluOut, i);
      sw += g * (at(x, i) - mean[r]) * rstd[r];
      sb += g;
    }
    if (dw) sw = blockReduce<double>(sw, Plus{}, shared);
    if (db) sb = blockReduce<double>(sb, Plus{}, shared);
    if (threadIdx.x == 0) {
      if (dw) dw[p] = static_cast<T>(sw);
      if (db) db[p] = static_cast<T>(sb);
    }
    __syncthreads();
  }
}

// LayerNorm's parameter gradients sum a column over the rows: a block takes 32 columns of one chunk
// of rows, its 32x8 threads walk rows ty, ty+8, ... (a warp reads 32 neighbouring columns of one
// row: coalesced), and the 8 partials of a column are added in a fixed order. With several chunks
// (many rows) each writes its partial sums to scratch and a second kernel adds the chunks in order.
constexpr int kColumns = 32, kRowLanes = 8, kMaxRowChunks = 64;

template <typename T>
__global__ void layerNormParamsKernel(int64_t rows, int64_t n, int64_t rowsPerChunk, const T* dy, const T* x, const double* mean,
                                      const double* rstd, T* dw, T* db, double* chunkW, double* chunkB, const T* reluOut) {
  __shared__ double partW[kRowLanes][kColumns], partB[kRowLanes][kColumns];
  const int tx = threadIdx.x % kColumns, ty = threadIdx.x / kColumns;
  const int64_t r0 = blockIdx.y * rowsPerChunk, r1 = r0 + rowsPerChunk < rows ? r0 + rowsPerChunk : rows;
  for (int64_t p0 = blockIdx.x * static_cast<int64_t>(kColumns); p0 < n; p0 += static_cast<int64_t>(gridDim.x) * kColumns) {
    const int64_t p = p0 + tx;
    double sw = 0, sb = 0;
    if (p < n) {
      for (int64_t r = r0 + ty; r < r1; r += kRowLanes) {
        const int64_t i = r * n + p;
        const double g = gradAt(dy, reluOut, i);
        sw += g * (at(x, i) - mean[r]) * rstd[r];
        sb += g;
      }
    }
    partW[ty][tx] = sw;
    partB[ty][tx] = sb;
    __syncthreads();
    if (ty == 0 && p < n) {
      for (int k = 1; k < kRowLanes; ++k) {
        sw += partW[k][tx];
        sb += partB[k][tx];
      }
      if (chunkW) {
        chunkW[blockIdx.y * n + p] = sw;
        chunkB[blockIdx.y * n + p] = sb;
      } else {
        if (dw) dw[p] = static_cast<T>(sw);
        if (db) db[p] = static_cast<T>(sb);
      }
    }
    __syncthreads();
  }
}

template <typename T>
__global__ void sumChunksKernel(int64_t n, int64_t chunks, const double* chunkW, const double* chunkB, T* dw, T* db) {
  LATTICE_CUDA_LOOP(p, n) {
    double sw = 0, sb = 0;
    for (int64_t c = 0; c < chunks; ++c) {
      sw += chunkW[c * n + p];
      sb += chunkB[c * n + p];
    }
    if (dw) dw[p] = static_cast<T>(sw);
    if (db) db[p] = static_cast<T>(sb);
  }
}

unsigned normThreads(int64_t groups, int64_t len) { return rowThreads(groups, len); }

template <typename T>
void launchForward(const NormLayout& L, const void* x, const void* w, const void* b, void* y, double* mean, double* var,
                   double* rstd, double eps, bool computeStats, bool relu) {
  normForwardKernel<T><<<rowBlocks(L.groups), normThreads(L.groups, L.len), 0, stream()>>>(
      L, static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(b), static_cast<T*>(y), mean, var, rstd, eps,
      computeStats, relu);
}

template <typename T>
void launchBackward(const NormLayout& L, const void* dy, const void* x, const double* mean, const double* rstd, const void* w,
                    void* dx, void* dw, void* db, bool throughStats, const void* reluOut) {
  const T* out = static_cast<const T*>(reluOut);
  if (dx)
    normBackwardInputKernel<T><<<rowBlocks(L.groups), normThreads(L.groups, L.len), 0, stream()>>>(
        L, static_cast<const T*>(dy), static_cast<const T*>(x), mean, rstd, static_cast<const T*>(w), static_cast<T*>(dx),
        throughStats, out);
  if ((dw || db) && L.kind == NormKind::Layer) {
    const int64_t rows = L.groups, n = L.n, colBlocks = (n + kColumns - 1) / kColumns;
    // Chunks of at least 256 rows, enough blocks to fill the device when the columns are few.
    int64_t chunks = (rows + 255) / 256;
    if (chunks > kMaxRowChunks) chunks = kMaxRowChunks;
    if (chunks < 1) chunks = 1;
    const int64_t rowsPerChunk = (rows + chunks - 1) / chunks;
    double* scratch = chunks > 1 ? static_cast<double*>(allocate(2 * chunks * n * sizeof(double))) : nullptr;
    const dim3 grid(static_cast<unsigned>(colBlocks < 65535 ? colBlocks : 65535), static_cast<unsigned>(chunks));
    layerNormParamsKernel<T><<<grid, kColumns * kRowLanes, 0, stream()>>>(
        rows, n, rowsPerChunk, static_cast<const T*>(dy), static_cast<const T*>(x), mean, rstd, static_cast<T*>(dw), static_cast<T*>(db),
        scratch, scratch ? scratch + chunks * n : nullptr, out);
    if (scratch) {
      sumChunksKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(n, chunks, scratch, scratch + chunks * n, static_cast<T*>(dw),
                                                                 static_cast<T*>(db));
      release(scratch);  // stream-ordered: after the kernels have read it
    }
  } else if (dw || db) {
    const int64_t params = L.C, count = L.groups * L.len / (params > 0 ? params : 1);
    normBackwardParamsKernel<T><<<rowBlocks(params), normThreads(params, count), 0, stream()>>>(
        L, params, static_cast<const T*>(dy), static_cast<const T*>(x), mean, rstd, static_cast<T*>(dw), static_cast<T*>(db), out);
  }
}

NormLayout layerLayout(int64_t rows, int64_t n) { return NormLayout{NormKind::Layer, rows, n, n, 0, 1, 1}; }
NormLayout groupLayout(int64_t N, int64_t C, int64_t S, int64_t G) {
  return NormLayout{NormKind::Group, N * G, (C / G) * S, 0, C, S, G};
}
NormLayout batchLayout(int64_t N, int64_t C, int64_t S) { return NormLayout{NormKind::Batch, C, N * S, 0, C, S, 1}; }

}  // namespace

void layerNormForward(DType t, const void* x, const void* w, const void* b, void* y, double* mean, double* rstd, int64_t rows,
                      int64_t n, double eps, bool relu) {
  if (rows == 0) return;
  dispatchFloat(t, "cuda layerNormForward", [&](auto tag) {
    launchForward<decltype(tag)>(layerLayout(rows, n), x, w, b, y, mean, nullptr, rstd, eps, true, relu);
  });
  checkLaunch("cuda layerNormForward");
}

void layerNormBackward(DType t, const void* dy, const void* x, const double* mean, const double* rstd, const void* w, void* dx,
                       void* dw, void* db, int64_t rows, int64_t n, const void* reluOut) {
  if (rows == 0) {
    // Sums over no rows: the parameter gradients are zero.
    if (dw) fill(t, dw, n, 0);
    if (db) fill(t, db, n, 0);
    return;
  }
  dispatchFloat(t, "cuda layerNormBackward", [&](auto tag) {
    launchBackward<decltype(tag)>(layerLayout(rows, n), dy, x, mean, rstd, w, dx, dw, db, true, reluOut);
  });
  checkLaunch("cuda layerNormBackward");
}

void batchNormForward(DType t, const void* x, const void* w, const void* b, void* y, double* mean, double* var, double* invstd,
                      int64_t N, int64_t C, int64_t S, double eps, bool training, bool relu) {
  if (C == 0) return;
  dispatchFloat(t, "cuda batchNormForward", [&](auto tag) {
    launchForward<decltype(tag)>(batchLayout(N, C, S), x, w, b, y, mean, var, invstd, eps, training, relu);
  });
  checkLaunch("cuda batchNormForward");
}

void batchNormBackward(DType t, const void* dy, const void* x, const double* mean, const double* invstd, const void* w, void* dx,
                       void* dw, void* db, int64_t N, int64_t C, int64_t S, bool training, const void* reluOut) {
  if (C == 0) return;
  dispatchFloat(t, "cuda batchNormBackward", [&](auto tag) {
    launchBackward<decltype(tag)>(batchLayout(N, C, S), dy, x, mean, invstd, w, dx, dw, db, training, reluOut);
  });
  checkLaunch("cuda batchNormBackward");
}

void groupNormForward(DType t, const void* x, const void* w, const void* b, void* y, double* mean, double* rstd, int64_t N,
                      int64_t C, int64_t S, int64_t groups, double eps) {
  if (N == 0 || C == 0) return;
  dispatchFloat(t, "cuda groupNormForward", [&](auto tag) {
    launchForward<decltype(tag)>(groupLayout(N, C, S, groups), x, w, b, y, mean, nullptr, rstd, eps, true, false);
  });
  checkLaunch("cuda groupNormForward");
}

void groupNormBackward(DType t, const void* dy, const void* x, const double* mean, const double* rstd, const void* w, void* dx,
                       void* dw, void* db, int64_t N, int64_t C, int64_t S, int64_t groups) {
  if (C == 0) return;
  if (N == 0) {
    if (dw) fill(t, dw, C, 0);
    if (db) fill(t, db, C, 0);
    return;
  }
  dispatchFloat(t, "cuda groupNormBackward", [&](auto tag) {
    launchBackward<decltype(tag)>(groupLayout(N, C, S, groups), dy, x, mean, rstd, w, dx, dw, db, true, nullptr);
  });
  checkLaunch("cuda groupNormBackward");
}

}  // namespace cuda
}  // namespace lattice
