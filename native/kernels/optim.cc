// Fused multi-tensor optimizer updates: chunking, threading and ISA dispatch.
// The per-element formulas are in simd/optim_loops.h.
//
// Every tensor is cut into chunks of kChunk elements; the pool runs contiguous
// ranges of the chunk list, so threads share the work by element count whatever
// the tensor sizes. The updates are elementwise, so the result does not depend on
// the partition or the thread count.
#include "optim.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../context.h"

namespace lattice {
namespace {

constexpr int64_t kChunk = 1 << 15;         // 32768 elements: 128 KiB of float per array
constexpr int64_t kMinPerThread = 1 << 16;  // below this much work a second thread costs more than it saves

struct Chunk {
  int32_t tensor;
  int64_t begin, end;
};

std::vector<Chunk> chunksOf(const std::vector<int64_t>& length) {
  std::vector<Chunk> chunks;
  for (size_t t = 0; t < length.size(); ++t)
    for (int64_t b = 0; b < length[t]; b += kChunk) chunks.push_back({static_cast<int32_t>(t), b, std::min(length[t], b + kChunk)});
  return chunks;
}

// fn(k) for every chunk index k, over the pool when there is enough work.
template <typename Fn>
void forEachChunkIndex(Context& ctx, const std::vector<Chunk>& chunks, const std::vector<int64_t>& length, Fn&& fn) {
  int64_t total = 0;
  for (int64_t n : length) total += n;
  // grain in chunks: at least kMinPerThread elements for each thread that joins in.
  const int64_t grain = std::max<int64_t>(1, kMinPerThread / kChunk);
  if (total < kMinPerThread * 2) {
    for (int64_t k = 0; k < static_cast<int64_t>(chunks.size()); ++k) fn(k);
    return;
  }
  ctx.pool.parallelFor(0, static_cast<int64_t>(chunks.size()), grain, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) fn(k);
  });
}

template <typename Fn>
void forEachChunk(Context& ctx, const std::vector<int64_t>& length, Fn&& fn) {
  const std::vector<Chunk> chunks = chunksOf(length);
  forEachChunkIndex(ctx, chunks, length, [&](int64_t k) { fn(chunks[static_cast<size_t>(k)]); });
}


template <typename T>
T* at(const std::vector<T*>& v, const Chunk& c) {
  return v.empty() ? nullptr : v[static_cast<size_t>(c.tensor)] + c.begin;
}

// ISA dispatch of one chunk, by element type.
struct Dispatch {
  Isa isa;
  void sgd(float* p, const float* g, float* b, int64_t n, bool fresh, const SgdScalars& s) const {
#if defined(LATTICE_X86)
    if (isa == Isa::Avx512) return simd::avx512::sgdF32(p, g, b, n, fresh, s);
    if (isa == Isa::Avx2) return simd::avx2::sgdF32(p, g, b, n, fresh, s);
#endif
    simd::scalar::sgdF32(p, g, b, n, fresh, s);
  }
  void sgd(double* p, const double* g, double* b, int64_t n, bool fresh, const SgdScalars& s) const {
#if defined(LATTICE_X86)
    if (isa == Isa::Avx512) return simd::avx512::sgdF64(p, g, b, n, fresh, s);
    if (isa == Isa::Avx2) return simd::avx2::sgdF64(p, g, b, n, fresh, s);
#endif
    simd::scalar::sgdF64(p, g, b, n, fresh, s);
  }
  void adam(float* p, const float* g, float* m, float* v, float* vm, int64_t n, double st, double bc, const AdamScalars& s) const {
#if defined(LATTICE_X86)
    if (isa == Isa::Avx512) return simd::avx512::adamF32(p, g, m, v, vm, n, st, bc, s);
    if (isa == Isa::Avx2) return simd::avx2::adamF32(p, g, m, v, vm, n, st, bc, s);
#endif
    simd::scalar::adamF32(p, g, m, v, vm, n, st, bc, s);
  }
  void adam(double* p, const double* g, double* m, double* v, double* vm, int64_t n, double st, double bc, const AdamScalars& s) const {
#if defined(LATTICE_X86)
    if (isa == Isa::Avx512) return simd::avx512::adamF64(p, g, m, v, vm, n, st, bc, s);
    if (isa == Isa::Avx2) return simd::avx2::adamF64(p, g, m, v, vm, n, st, bc, s);
#endif
    simd::scalar::adamF64(p, g, m, v, vm, n, st, bc, s);
  }
  void rmsprop(float* p, const float* g, float* sq, float* ga, float* b, int64_t n, const RmspropScalars& s) const {
#if defined(LATTICE_X86)
    if (isa == Isa::Avx512) return simd::avx512::rmspropF32(p, g, sq, ga, b, n, s);
    if (isa == Isa::Avx2) return simd::avx2::rmspropF32(p, g, sq, ga, b, n, s);
#endif
    simd::scalar::rmspropF32(p, g, sq, ga, b, n, s);
  }
  void rmsprop(double* p, const double* g, double* sq, double* ga, double* b, int64_t n, const RmspropScalars& s) const {
#if defined(LATTICE_X86)
    if (isa == Isa::Avx512) return simd::avx512::rmspropF64(p, g, sq, ga, b, n, s);
    if (isa == Isa::Avx2) return simd::avx2::rmspropF64(p, g, sq, ga, b, n, s);
#endif
    simd::scalar::rmspropF64(p, g, sq, ga, b, n, s);
  }
  double normPiece(const float* x, int64_t n, double p) const {
#if defined(LATTICE_X86)
    if (isa == Isa::Avx512) return simd::avx512::normPieceF32(x, n, p);
    if (isa == Isa::Avx2) return simd::avx2::normPieceF32(x, n, p);
#endif
    return simd::scalar::normPieceF32(x, n, p);
  }
  double normPiece(const double* x, int64_t n, double p) const {
#if defined(LATTICE_X86)
    if (isa == Isa::Avx512) return simd::avx512::normPieceF64(x, n, p);
    if (isa == Isa::Avx2) return simd::avx2::normPieceF64(x, n, p);
#endif
    return simd::scalar::normPieceF64(x, n, p);
  }
};

}  // namespace

template <typename T>
void sgdStep(Context& ctx, const TensorList<T>& t, const std::vector<uint8_t>& fresh, const SgdScalars& s) {
  const Dispatch d{ctx.isa};
  forEachChunk(ctx, t.length, [&](const Chunk& c) {
    const bool isFresh = !fresh.empty() && fresh[static_cast<size_t>(c.tensor)] != 0;
    d.sgd(at(t.param, c), t.grad[static_cast<size_t>(c.tensor)] + c.begin, at(t.state0, c), c.end - c.begin, isFresh, s);
  });
}

template <typename T>
void adamStep(Context& ctx, const TensorList<T>& t, const double* stepSize, const double* bias2Sqrt, const AdamScalars& s) {
  const Dispatch d{ctx.isa};
  forEachChunk(ctx, t.length, [&](const Chunk& c) {
    d.adam(at(t.param, c), t.grad[static_cast<size_t>(c.tensor)] + c.begin, at(t.state0, c), at(t.state1, c), at(t.state2, c),
           c.end - c.begin, stepSize[c.tensor], bias2Sqrt[c.tensor], s);
  });
}

template <typename T>
void rmspropStep(Context& ctx, const TensorList<T>& t, const RmspropScalars& s) {
  const Dispatch d{ctx.isa};
  forEachChunk(ctx, t.length, [&](const Chunk& c) {
    d.rmsprop(at(t.param, c), t.grad[static_cast<size_t>(c.tensor)] + c.begin, at(t.state0, c), at(t.state1, c), at(t.state2, c),
              c.end - c.begin, s);
  });
}

template <typename T>
void foreachNorm(Context& ctx, const std::vector<const T*>& x, const std::vector<int64_t>& length, double p, double* out) {
  const Dispatch d{ctx.isa};
  const std::vector<Chunk> chunks = chunksOf(length);
  std::vector<double> piece(chunks.size());
  forEachChunkIndex(ctx, chunks, length, [&](int64_t k) {
    const Chunk& c = chunks[static_cast<size_t>(k)];
    piece[static_cast<size_t>(k)] = d.normPiece(x[static_cast<size_t>(c.tensor)] + c.begin, c.end - c.begin, p);
  });
  const bool isMax = std::isinf(p);
  std::fill(out, out + length.size(), 0.0);
  for (size_t k = 0; k < chunks.size(); ++k) {
    double& o = out[chunks[k].tensor];
    if (!isMax) o += piece[k];
    else if (std::isnan(piece[k]) || std::isnan(o)) o = std::numeric_limits<double>::quiet_NaN();
    else o = std::max(o, piece[k]);
  }
  if (isMax || p == 1) return;
  for (size_t t = 0; t < length.size(); ++t) out[t] = p == 2 ? std::sqrt(out[t]) : std::pow(out[t], 1 / p);
}

template <typename T>
void foreachScale(Context& ctx, const std::vector<T*>& x, const std::vector<int64_t>& length, double scale) {
  const T s = static_cast<T>(scale);
  forEachChunk(ctx, length, [&](const Chunk& c) {
    T* v = x[static_cast<size_t>(c.tensor)];
    for (int64_t i = c.begin; i < c.end; ++i) v[i] *= s;
  });
}

template void foreachNorm<float>(Context&, const std::vector<const float*>&, const std::vector<int64_t>&, double, double*);
template void foreachNorm<double>(Context&, const std::vector<const double*>&, const std::vector<int64_t>&, double, double*);
template void foreachScale<float>(Context&, const std::vector<float*>&, const std::vector<int64_t>&, double);
template void foreachScale<double>(Context&, const std::vector<double*>&, const std::vector<int64_t>&, double);
template void sgdStep<float>(Context&, const TensorList<float>&, const std::vector<uint8_t>&, const SgdScalars&);
template void sgdStep<double>(Context&, const TensorList<double>&, const std::vector<uint8_t>&, const SgdScalars&);
template void adamStep<float>(Context&, const TensorList<float>&, const double*, const double*, const AdamScalars&);
template void adamStep<double>(Context&, const TensorList<double>&, const double*, const double*, const AdamScalars&);
template void rmspropStep<float>(Context&, const TensorList<float>&, const RmspropScalars&);
template void rmspropStep<double>(Context&, const TensorList<double>&, const RmspropScalars&);

}  // namespace lattice
