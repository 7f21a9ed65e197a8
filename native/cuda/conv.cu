// 2-D convolution by im2col + GEMM (the formulas are in ConvGeometry, src/backend/backend.ts).
// For a chunk of samples, col[b, g] is the [Kg, L] matrix (Kg = c/groups * kh * kw taps,
// L = oh * ow positions) of group g's input taps; then
//   forward          out[b, g] = W_g [Og, Kg] @ col[b, g]                 (batched over b, g)
//   backward input   dcol[b, g] = W_g^T @ dout[b, g], then col2im           (a gather: no atomics)
//   backward weight  dW_g = sum_b dout[b, g] @ col[b, g]^T                  (batched, then summed over b)
// Chunks keep the scratch buffers near kScratchElems elements whatever the batch size.
#include <vector>

#include "common.cuh"

namespace lattice {
namespace cuda {
namespace {

constexpr int64_t kScratchElems = 64LL << 20;

// col[((b*c + ch)*kh + ky)*kw + kx][l] = x[b, ch, y*sH - pH + ky*dH, x*sW - pW + kx*dW], 0 outside.
template <typename T>
__global__ void im2colKernel(const T* x, T* col, int64_t nb, ConvShape g) {
  const int64_t L = g.oh * g.ow, total = nb * g.c * g.kh * g.kw * L;
  LATTICE_CUDA_LOOP(i, total) {
    const int64_t l = i % L, row = i / L;
    const int64_t kx = row % g.kw, ky = (row / g.kw) % g.kh, ch = (row / (g.kw * g.kh)) % g.c, b = row / (g.kw * g.kh * g.c);
    const int64_t oy = l / g.ow, ox = l % g.ow;
    const int64_t iy = oy * g.strideH - g.padH + ky * g.dilationH, ix = ox * g.strideW - g.padW + kx * g.dilationW;
    col[i] = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w ? x[((b * g.c + ch) * g.h + iy) * g.w + ix] : T(0);
  }
}

// gradInput[b, ch, iy, ix] = sum of dcol entries whose tap reads (iy, ix).
template <typename T>
__global__ void col2imKernel(const T* dcol, T* gx, int64_t nb, ConvShape g) {
  const int64_t L = g.oh * g.ow, total = nb * g.c * g.h * g.w;
  LATTICE_CUDA_LOOP(i, total) {
    const int64_t ix = i % g.w, iy = (i / g.w) % g.h, ch = (i / (g.w * g.h)) % g.c, b = i / (g.w * g.h * g.c);
    T acc = 0;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t ty = iy + g.padH - ky * g.dilationH;
      if (ty < 0 || ty % g.strideH) continue;
      const int64_t oy = ty / g.strideH;
      if (oy >= g.oh) continue;
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const int64_t tx = ix + g.padW - kx * g.dilationW;
        if (tx < 0 || tx % g.strideW) continue;
        const int64_t ox = tx / g.strideW;
        if (ox >= g.ow) continue;
        acc += dcol[(((b * g.c + ch) * g.kh + ky) * g.kw + kx) * L + oy * g.ow + ox];
      }
    }
    gx[i] = acc;
  }
}

template <typename T>
__global__ void addBiasKernel(T* out, const T* bias, int64_t total, int64_t o, int64_t L) {
  LATTICE_CUDA_LOOP(i, total) out[i] += bias[(i / L) % o];
}

int64_t chunkOf(const ConvShape& g) {
  const int64_t perSample = g.c * g.kh * g.kw * g.oh * g.ow;
  const int64_t nb = perSample > 0 ? kScratchElems / perSample : g.n;
  return nb < 1 ? 1 : nb > g.n ? g.n : nb;
}

// Offsets of the batched GEMM over (b, group) pairs of one chunk.
struct PairOffsets { std::vector<int32_t> a, b, c; };

template <typename T>
void im2col(const T* x, T* col, int64_t nb, const ConvShape& g) {
  im2colKernel<T><<<blocksFor(nb * g.c * g.kh * g.kw * g.oh * g.ow), kThreads, 0, stream()>>>(x, col, nb, g);
  checkLaunch("cuda conv2d (im2col)");
}

}  // namespace

void conv2d(DType t, const void* x, const void* weight, const void* bias, void* out, const ConvShape& g) {
  if (g.n == 0 || g.o == 0 || g.oh * g.ow == 0) return;
  const int64_t L = g.oh * g.ow, Og = g.o / g.groups, Kg = g.c / g.groups * g.kh * g.kw, nb = chunkOf(g);
  dispatchFloat(t, "cuda conv2d", [&](auto tag) {
    using T = decltype(tag);
    T* col = static_cast<T*>(allocate(nb * g.c * g.kh * g.kw * L * sizeof(T)));
    for (int64_t n0 = 0; n0 < g.n; n0 += nb) {
      const int64_t m = g.n - n0 < nb ? g.n - n0 : nb;
      im2col(static_cast<const T*>(x) + n0 * g.c * g.h * g.w, col, m, g);
      PairOffsets off;
      for (int64_t b = 0; b < m; ++b)
        for (int64_t gr = 0; gr < g.groups; ++gr) {
          off.a.push_back(static_cast<int32_t>(gr * Og * Kg));
          off.b.push_back(static_cast<int32_t>((b * g.groups + gr) * Kg * L));
          off.c.push_back(static_cast<int32_t>(((n0 + b) * g.o + gr * Og) * L));
        }
      gemm(t, false, false, Og, L, Kg, 1.0, weight, off.a.data(), Kg, col, off.b.data(), L, 0.0, out, off.c.data(), L,
           static_cast<int64_t>(off.a.size()));
    }
    release(col);
    if (bias) {
      const int64_t total = g.n * g.o * L;
      addBiasKernel<T><<<blocksFor(total), kThreads, 0, stream()>>>(static_cast<T*>(out), static_cast<const T*>(bias), total, g.o, L);
      checkLaunch("cuda conv2d (bias)");
    }
  });
}

void conv2dBackwardInput(DType t, const void* gradOut, const void* weight, void* gradInput, const ConvShape& g) {
  if (g.n == 0 || g.c * g.h * g.w == 0) return;
  const int64_t L = g.oh * g.ow, Og = g.o / g.groups, Kg = g.c / g.groups * g.kh * g.kw, nb = chunkOf(g);
  dispatchFloat(t, "cuda conv2dBackwardInput", [&](auto tag) {
    using T = decltype(tag);
    if (L == 0 || g.o == 0) {
      fill(t, gradInput, g.n * g.c * g.h * g.w, 0.0);
      return;
    }
    T* dcol = static_cast<T*>(allocate(nb * g.c * g.kh * g.kw * L * sizeof(T)));
    for (int64_t n0 = 0; n0 < g.n; n0 += nb) {
      const int64_t m = g.n - n0 < nb ? g.n - n0 : nb;
      PairOffsets off;
      for (int64_t b = 0; b < m; ++b)
        for (int64_t gr = 0; gr < g.groups; ++gr) {
          off.a.push_back(static_cast<int32_t>(gr * Og * Kg));
          off.b.push_back(static_cast<int32_t>(((n0 + b) * g.o + gr * Og) * L));
          off.c.push_back(static_cast<int32_t>((b * g.groups + gr) * Kg * L));
        }
      // dcol [Kg, L] = W_g^T: op(A) is [Kg, Og] read from W_g stored [Og, Kg].
      gemm(t, true, false, Kg, L, Og, 1.0, weight, off.a.data(), Kg, gradOut, off.b.data(), L, 0.0, dcol, off.c.data(), L,
           static_cast<int64_t>(off.a.size()));
      const int64_t total = m * g.c * g.h * g.w;
      col2imKernel<T><<<blocksFor(total), kThreads, 0, stream()>>>(dcol, static_cast<T*>(gradInput) + n0 * g.c * g.h * g.w, m, g);
      checkLaunch("cuda conv2dBackwardInput (col2im)");
    }
    release(dcol);
  });
}

void conv2dBackwardWeight(DType t, const void* x, const void* gradOut, void* gradWeight, const ConvShape& g) {
  const int64_t L = g.oh * g.ow, Og = g.o / g.groups, Kg = g.c / g.groups * g.kh * g.kw, nb = chunkOf(g);
  const int64_t wElems = g.o * Kg;
  if (wElems == 0) return;
  if (g.n == 0 || L == 0) {
    fill(t, gradWeight, wElems, 0.0);
    return;
  }
  dispatchFloat(t, "cuda conv2dBackwardWeight", [&](auto tag) {
    using T = decltype(tag);
    T* col = static_cast<T*>(allocate(nb * g.c * g.kh * g.kw * L * sizeof(T)));
    // Per-sample products land in partial[b] and are summed over b by the reduction kernel:
    // one batched GEMM keeps the GPU busy where dW alone is a few tiles.
    T* partial = static_cast<T*>(allocate(nb * wElems * sizeof(T)));
    T* chunkSum = g.n > nb ? static_cast<T*>(allocate(wElems * sizeof(T))) : nullptr;
    for (int64_t n0 = 0; n0 < g.n; n0 += nb) {
      const int64_t m = g.n - n0 < nb ? g.n - n0 : nb;
      im2col(static_cast<const T*>(x) + n0 * g.c * g.h * g.w, col, m, g);
      PairOffsets off;
      for (int64_t b = 0; b < m; ++b)
        for (int64_t gr = 0; gr < g.groups; ++gr) {
          off.a.push_back(static_cast<int32_t>(((n0 + b) * g.o + gr * Og) * L));
          off.b.push_back(static_cast<int32_t>((b * g.groups + gr) * Kg * L));
          off.c.push_back(static_cast<int32_t>(b * wElems + gr * Og * Kg));
        }
      // dW_g [Og, Kg] = dout [Og, L] @ col^T: op(B) is [L, Kg] read from col stored [Kg, L].
      gemm(t, false, true, Og, Kg, L, 1.0, gradOut, off.a.data(), L, col, off.b.data(), L, 0.0, partial, off.c.data(), Kg,
           static_cast<int64_t>(off.a.size()));
      const int kSum = 0;  // ReduceOp::sum
      if (n0 == 0) {
        reduce(kSum, t, partial, gradWeight, 1, m, wElems);
      } else {
        reduce(kSum, t, partial, chunkSum, 1, m, wElems);
        binary(0 /* add */, t, t, gradWeight, wElems, chunkSum, wElems, gradWeight, wElems, 0, nullptr, nullptr, nullptr);
      }
    }
    release(col);
    release(partial);
    if (chunkSum) release(chunkSum);
  });
}

}  // namespace cuda
}  // namespace lattice
