// The strided copy behind transpose, permute, narrow, cat, expand and pad:
//   dst[dstOffset + sum_d i_d dstStrides[d]] = src[srcOffset + sum_d i_d srcStrides[d]]
// for every index i of `shape`. It is planned once per call, then run as one of four loops:
//
//   1. Simplify. Size-1 dims go (their strides never move an offset). The rest are ordered by
//      dst stride, largest first, and neighbours that are one run in both tensors merge: d
//      and d+1 merge when stride[d] = stride[d+1] * size[d+1] in src and in dst (a 0-stride
//      broadcast dim merges with another 0-stride one too). narrow and cat become rows of one
//      contiguous run each; permute [0,2,1,3] rows of the head size.
//   2. The innermost dim picks the loop. dst stride 1 and src stride 1: a copy of the run
//      (the ISA's vector loop, memcpy for long runs).
//      src stride 0 (expand): fill the run with one element. src stride > 1 and another dim
//      with src stride 1 (a transpose of those two): blocks copied tile by tile, transposed in
//      registers (simd/copy_loops.h, per ISA). Anything else: an element loop with strides.
//   3. The work is cut into items (a segment of a run, or a block of the transposed pair)
//      split over the thread pool in chunks of at least kChunkBytes.
//
// Each element is written once from the same source element whichever loop, order or
// thread runs it, so every path gives the reference kernel's bytes. That needs dst's
// elements to be distinct: where dst may repeat one (a 0 stride, or strides that overlap),
// or has more than kMaxDims dims, the copy runs element by element in row-major order on one
// thread, as the reference does, so the last write wins there too.
#include <algorithm>
#include <cstring>

#include "../simd/copy_loops.h"
#include "copy.h"
#include "strided.h"

namespace lattice {

namespace {

constexpr int kMaxDims = 16;
// Below this a chunk's copy costs less than handing it to another thread.
constexpr int64_t kChunkBytes = int64_t{1} << 18;
// A contiguous run longer than this is cut into segments, so that one long run (a flat copy,
// narrow along dim 0) still splits over threads.
constexpr int64_t kSegmentBytes = int64_t{1} << 16;
// Runs shorter than this are copied by the ISA's own vector loop, longer ones by memcpy: each
// was the faster side of it (1 thread, float32: 4 kB runs of expand([1,1024], [1024,1024])
// 0.052 -> 0.044 ms in the loop; 64 kB segments of narrow(dim 0) 0.036 -> 0.043 ms in it).
constexpr int64_t kLongRunBytes = int64_t{1} << 14;
// Transposed blocks: one 64-byte line of each src row tall (at least one tile), up to
// kBlockCols elements wide. Taller blocks lost where the strides are powers of two: a tile's
// dst rows then share an L1 set ([1024, 1024] float32 on AVX-512: 0.29 ms one line tall,
// 0.55 ms two lines tall, 0.12 ms for [1001, 1000] either way).
constexpr int64_t kBlockBytesTall = 64;
constexpr int64_t kBlockCols = 512;

enum class Loop { Contiguous, Fill, Transpose, Strided };

struct Plan {
  int n = 0;  // dims, outermost first; the last is the run
  int64_t size[kMaxDims], src[kMaxDims], dst[kMaxDims];
  Loop loop = Loop::Strided;
};

// Whether no two indices of dst's dims can reach the same element: sorted by stride, each
// stride must step past everything the smaller dims reach.
bool distinctTargets(const Plan& p) {
  int order[kMaxDims];
  for (int k = 0; k < p.n; ++k) order[k] = k;
  std::sort(order, order + p.n, [&](int a, int b) { return p.dst[a] < p.dst[b]; });
  int64_t reach = 0;
  for (int k = 0; k < p.n; ++k) {
    const int d = order[k];
    if (p.dst[d] <= reach) return false;
    reach += (p.size[d] - 1) * p.dst[d];
  }
  return true;
}

// Fills `p` for the fast loops; false where only the in-order element loop is right (see top).
// The copy is not empty (the caller checked).
bool makePlan(const int32_t* shape, const int32_t* srcStrides, const int32_t* dstStrides, int nd, Plan& p) {
  Plan all;
  for (int d = 0; d < nd; ++d) {
    if (shape[d] == 1) continue;
    if (all.n == kMaxDims) return false;
    all.size[all.n] = shape[d];
    all.src[all.n] = srcStrides[d];
    all.dst[all.n] = dstStrides[d];
    ++all.n;
  }
  if (!distinctTargets(all)) return false;
  int order[kMaxDims];
  for (int k = 0; k < all.n; ++k) order[k] = k;
  // Largest dst stride first; the strides are distinct (distinctTargets).
  std::sort(order, order + all.n, [&](int a, int b) { return all.dst[a] > all.dst[b]; });
  p.n = 0;
  for (int k = 0; k < all.n; ++k) {
    const int d = order[k];
    if (p.n > 0) {
      const int last = p.n - 1;
      if (p.src[last] == all.src[d] * all.size[d] && p.dst[last] == all.dst[d] * all.size[d]) {
        p.size[last] *= all.size[d];
        p.src[last] = all.src[d];
        p.dst[last] = all.dst[d];
        continue;
      }
    }
    p.size[p.n] = all.size[d];
    p.src[p.n] = all.src[d];
    p.dst[p.n] = all.dst[d];
    ++p.n;
  }
  if (p.n == 0) {  // one element
    p.n = 1;
    p.size[0] = 1;
    p.src[0] = p.dst[0] = 1;
  }
  const int inner = p.n - 1;
  if (p.dst[inner] != 1) p.loop = Loop::Strided;
  else if (p.src[inner] == 1) p.loop = Loop::Contiguous;
  else if (p.src[inner] == 0) p.loop = Loop::Fill;
  else {
    p.loop = Loop::Strided;
    for (int d = 0; d < inner; ++d) {
      if (p.src[d] != 1) continue;
      // The transposed pair goes innermost: d next to the run (the order of the others stays).
      std::rotate(p.size + d, p.size + d + 1, p.size + inner);
      std::rotate(p.src + d, p.src + d + 1, p.src + inner);
      std::rotate(p.dst + d, p.dst + d + 1, p.dst + inner);
      p.loop = Loop::Transpose;
      break;
    }
  }
  return true;
}

// Offsets of a walk over the first n dims of a plan, in row-major order.
struct Odometer {
  const Plan& p;
  int n;
  int64_t index[kMaxDims];
  int64_t src = 0, dst = 0;

  Odometer(const Plan& plan, int dims, int64_t linear) : p(plan), n(dims) {
    for (int d = n - 1; d >= 0; --d) {
      index[d] = linear % p.size[d];
      linear /= p.size[d];
      src += index[d] * p.src[d];
      dst += index[d] * p.dst[d];
    }
  }
  void next() {
    for (int d = n - 1; d >= 0; --d) {
      src += p.src[d];
      dst += p.dst[d];
      if (++index[d] < p.size[d]) return;
      src -= p.src[d] * p.size[d];
      dst -= p.dst[d] * p.size[d];
      index[d] = 0;
    }
  }
};

int64_t outerCount(const Plan& p, int dims) {
  int64_t count = 1;
  for (int d = 0; d < dims; ++d) count *= p.size[d];
  return count;
}

int64_t grainOf(int64_t itemBytes) { return std::max<int64_t>(1, kChunkBytes / std::max<int64_t>(1, itemBytes)); }

// The run loops: each item is a segment of one run (the innermost dim).
template <typename T>
void copyRuns(Context& ctx, const Plan& p, const T* src, T* dst) {
  const simd::CopyLoops& loops = simd::copyLoopsFor(ctx.isa);
  const int inner = p.n - 1;
  const int64_t length = p.size[inner], srcStep = p.src[inner], dstStep = p.dst[inner];
  const int64_t segment = std::min<int64_t>(length, std::max<int64_t>(1, kSegmentBytes / int64_t{sizeof(T)}));
  const int64_t segments = (length + segment - 1) / segment;
  const int64_t items = outerCount(p, inner) * segments;
  ctx.pool.parallelFor(0, items, grainOf(segment * int64_t{sizeof(T)}), [&](int64_t begin, int64_t end) {
    Odometer at(p, inner, begin / segments);
    int64_t part = begin % segments;
    for (int64_t item = begin; item < end; ++item) {
      const int64_t start = part * segment, count = std::min(segment, length - start);
      const T* from = src + at.src + start * srcStep;
      T* to = dst + at.dst + start * dstStep;
      switch (p.loop) {
        case Loop::Contiguous: {
          const int64_t bytes = count * int64_t{sizeof(T)};
          if (bytes < kLongRunBytes) loops.copyRun(from, to, bytes);
          else std::memcpy(to, from, static_cast<size_t>(bytes));
          break;
        }
        case Loop::Fill: loops.fill(sizeof(T), to, from, count); break;
        default:
          for (int64_t k = 0; k < count; ++k) to[k * dstStep] = from[k * srcStep];
      }
      if (++part == segments) {
        part = 0;
        at.next();
      }
    }
  });
}

// The transpose loop: the last two dims are rows (src stride 1) x cols (dst stride 1), cut into
// blocks of the ISA's tiles.
void copyTransposed(Context& ctx, const Plan& p, int elemSize, const unsigned char* src, unsigned char* dst) {
  const simd::CopyLoops& loops = simd::copyLoopsFor(ctx.isa);
  const int outer = p.n - 2;
  const int64_t rows = p.size[outer], cols = p.size[outer + 1];
  const int64_t srcStride = p.src[outer + 1], dstStride = p.dst[outer];
  const int64_t blockRows = std::max<int64_t>(loops.tile(elemSize), kBlockBytesTall / elemSize), blockCols = kBlockCols;
  const int64_t rowBlocks = (rows + blockRows - 1) / blockRows, colBlocks = (cols + blockCols - 1) / blockCols;
  const int64_t blocks = rowBlocks * colBlocks;
  const int64_t items = outerCount(p, outer) * blocks;
  const int64_t itemBytes = std::min(rows, blockRows) * std::min(cols, blockCols) * elemSize;
  ctx.pool.parallelFor(0, items, grainOf(itemBytes), [&](int64_t begin, int64_t end) {
    Odometer at(p, outer, begin / blocks);
    int64_t block = begin % blocks;
    for (int64_t item = begin; item < end; ++item) {
      const int64_t a0 = (block / colBlocks) * blockRows, b0 = (block % colBlocks) * blockCols;
      loops.transpose(elemSize, src + (at.src + a0 + b0 * srcStride) * elemSize, srcStride,
                      dst + (at.dst + a0 * dstStride + b0) * elemSize, dstStride, std::min(blockRows, rows - a0),
                      std::min(blockCols, cols - b0));
      if (++block == blocks) {
        block = 0;
        at.next();
      }
    }
  });
}

template <typename T>
void copyTyped(Context& ctx, const T* src, const int32_t* srcStrides, T* dst, const int32_t* dstStrides, const int32_t* shape,
               int nd) {
  for (int d = 0; d < nd; ++d)
    if (shape[d] == 0) return;
  Plan p;
  if (!makePlan(shape, srcStrides, dstStrides, nd, p)) {
    const int32_t* strides[2] = {srcStrides, dstStrides};
    forEachStrided<2>(shape, nd, strides, [&](int64_t, int64_t os, int64_t od, int64_t) { dst[od] = src[os]; });
    return;
  }
  if (p.loop == Loop::Transpose)
    copyTransposed(ctx, p, sizeof(T), reinterpret_cast<const unsigned char*>(src), reinterpret_cast<unsigned char*>(dst));
  else
    copyRuns(ctx, p, src, dst);
}

}  // namespace

void copyStridedKernel(Context& ctx, ElemType type, const void* src, int64_t srcOffset, const int32_t* srcStrides, void* dst,
                       int64_t dstOffset, const int32_t* dstStrides, const int32_t* shape, int nd) {
  switch (type) {
    case ElemType::F32:
      copyTyped(ctx, static_cast<const float*>(src) + srcOffset, srcStrides, static_cast<float*>(dst) + dstOffset, dstStrides,
                shape, nd);
      break;
    case ElemType::F64:
      copyTyped(ctx, static_cast<const double*>(src) + srcOffset, srcStrides, static_cast<double*>(dst) + dstOffset,
                dstStrides, shape, nd);
      break;
    case ElemType::I32:
      copyTyped(ctx, static_cast<const int32_t*>(src) + srcOffset, srcStrides, static_cast<int32_t*>(dst) + dstOffset,
                dstStrides, shape, nd);
      break;
    case ElemType::U8:
      copyTyped(ctx, static_cast<const uint8_t*>(src) + srcOffset, srcStrides, static_cast<uint8_t*>(dst) + dstOffset,
                dstStrides, shape, nd);
      break;
  }
}

}  // namespace lattice
