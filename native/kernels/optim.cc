// Fused multi-tensor optimizer updates: chunking, threading and ISA dispatch.
// The per-element formulas are in simd/optim_loops.h.
//
// Every tensor is cut into chunks of kChunk elements; the pool runs contiguous
// ranges of the chunk list, so threads share the work by element count whatever
// the tensor sizes. The updates are elementwise, so the result does not depend on
// the partition or the thread count.
#include "optim.h"

#include <algorithm>

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

template <typename Fn>
void forEachChunk(Context& ctx, const std::vector<int64_t>& length, Fn&& fn) {
  const std::vector<Chunk> chunks = chunksOf(length);
  int64_t total = 0;
  for (int64_t n : length) total += n;
  // grain in chunks: at least kMinPerThread elements for each thread that joins in.
  const int64_t grain = std::max<int64_t>(1, kMinPerThread / kChunk);
  if (total < kMinPerThread * 2) {
    for (const Chunk& c : chunks) fn(c);
    return;
  }
  ctx.pool.parallelFor(0, static_cast<int64_t>(chunks.size()), grain, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) fn(chunks[static_cast<size_t>(k)]);
  });
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

template void sgdStep<float>(Context&, const TensorList<float>&, const std::vector<uint8_t>&, const SgdScalars&);
template void sgdStep<double>(Context&, const TensorList<double>&, const std::vector<uint8_t>&, const SgdScalars&);
template void adamStep<float>(Context&, const TensorList<float>&, const double*, const double*, const AdamScalars&);
template void adamStep<double>(Context&, const TensorList<double>&, const double*, const double*, const AdamScalars&);
template void rmspropStep<float>(Context&, const TensorList<float>&, const RmspropScalars&);
template void rmspropStep<double>(Context&, const TensorList<double>&, const RmspropScalars&);

}  // namespace lattice
