// The tap-table im2col / col2im copies of float planes in AVX-512 (see simd/im2col_loops.h).
//
// A vector is up to 16 entries of a tap's table. Where the entries' sources are consecutive (a
// stride-1 convolution: each output row, or 16 entries where rows are as wide as the input's),
// the vector is one masked load at a shift; where the whole plane fits two registers it is loaded
// once per channel and each tap is a masked permute of it; where the sources fall in at most four
// 16-wide windows of the plane (a stride-2 layer: each output row of up to 8 reads one window) it
// is a masked load per window and one or two permutes; otherwise a masked gather. Masked lanes
// (padding, and past the end) are never read: +0 in the copy, untouched in the sum.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <vector>

#include "intrinsics.h"

#include "../im2col_loops.h"

namespace lattice {
namespace simd {
namespace avx512 {
namespace {

// Up to 16 entries of a table row (n left in it) and the lanes that read (entry >= 0, within n).
inline __m512i entriesAt(const int32_t* row, int64_t n, __mmask16* reads) {
  const __mmask16 tail = firstLanes(n);
  const __m512i idx = _mm512_maskz_loadu_epi32(tail, row);
  *reads = _mm512_mask_cmpge_epi32_mask(tail, idx, _mm512_setzero_si512());
  return idx;
}

// A run of a table row: up to 16 entries from l whose reading lanes (entry >= 0) read
// consecutive sources, entry = l + lane + shift.
struct Run {
  int64_t l, n;
  __mmask16 reads;
  int64_t shift;
};

// The row's first run from l, extended while its sources stay consecutive (a stride-1 layer:
// up to an output row, or 16 entries where rows are as wide as the input's).
Run runAt(const int32_t* row, int64_t l, int64_t n) {
  Run r{l, 0, 0, 0};
  bool first = true;
  for (; r.n < 16 && l + r.n < n; ++r.n) {
    const int64_t i = l + r.n;
    if (row[i] < 0) continue;
    if (first) r.shift = row[i] - i, first = false;
    else if (row[i] - i != r.shift) break;
    r.reads = __mmask16(r.reads | (1u << r.n));
  }
  return r;
}

// The row split into runs, if that takes at most twice as many vectors as 16-entry gathers.
bool splitRuns(const int32_t* row, int64_t n, std::vector<Run>& runs) {
  const size_t limit = runs.size() + 2 * size_t((n + 15) / 16);
  for (int64_t l = 0; l < n;) {
    const Run r = runAt(row, l, n);
    if (runs.size() == limit) return false;
    runs.push_back(r);
    l += r.n;
  }
  return true;
}

// Up to 16 entries of a table row whose sources lie in at most four windows of 16 consecutive
// plane elements: window w starts at base[w]; lane i reads window win(i) at lane off(i) - base.
// Windows 0 and 1 feed one two-source permute (idx01: 0-15 window 0, 16-31 window 1), windows 2
// and 3 another (idx23), and `upper` picks the lanes of the second. On Zen 5 a 16-lane gather took
// ~15 cycles; two loads and a permute take a few (ResNet-18's 16x16 -> 8x8 stride-2 forward spent
// a sixth of its time in gathers).
struct Windows {
  __m512i idx01, idx23;
  int32_t base[4];
  __mmask16 load[4];  // the window's lanes inside the plane: never read past its end
  __mmask16 reads, upper;
  int count;          // windows used (0: all padding); -1: more than four, gather instead
};

Windows windowsAt(const int32_t* row, int64_t n, int64_t plane) {
  Windows w{};
  __mmask16 left;
  const __m512i idx = entriesAt(row, n, &left);
  w.reads = left;
  alignas(64) int32_t e[16], lane01[16] = {}, lane23[16] = {};
  _mm512_store_si512(e, idx);
  while (left) {
    if (w.count == 4) {
      w.count = -1;
      return w;
    }
    int32_t base = INT32_MAX;
    for (int i = 0; i < 16; ++i)
      if (left >> i & 1) base = std::min(base, e[i]);
    const int k = w.count++;
    w.base[k] = base;
    w.load[k] = firstLanes(plane - base);
    for (int i = 0; i < 16; ++i) {
      if (!(left >> i & 1) || e[i] >= base + 16) continue;
      (k < 2 ? lane01 : lane23)[i] = (k & 1) * 16 + (e[i] - base);
      if (k >= 2) w.upper = __mmask16(w.upper | (1u << i));
      left = __mmask16(left & ~(1u << i));
    }
  }
  w.idx01 = _mm512_load_si512(lane01);
  w.idx23 = _mm512_load_si512(lane23);
  return w;
}

// The entries of w from the plane at src (+0 where they read nothing).
inline __m512 fromWindows(const Windows& w, const float* src) {
  const __m512 zero = _mm512_setzero_ps();
  const auto window = [&](int k) { return k < w.count ? _mm512_maskz_loadu_ps(w.load[k], src + w.base[k]) : zero; };
  const __m512 low = _mm512_maskz_permutex2var_ps(__mmask16(w.reads & ~w.upper), window(0), w.idx01, window(1));
  if (w.count <= 2) return low;
  const __m512 high = _mm512_maskz_permutex2var_ps(w.upper, window(2), w.idx23, window(3));
  return _mm512_mask_blend_ps(w.upper, low, high);
}

void gatherTapsF32(const TapCopy& c, const float* in, float* cols) {
  const int64_t L = c.L, plane = c.plane, taps = c.taps;
  if (plane <= 32 && L <= 16 && taps <= 32) {
    // The plane in one or two registers; each tap a two-source permute (offsets < 32).
    const __mmask16 tail = firstLanes(L);
    __m512i idx[32];
    __mmask16 reads[32];
    for (int64_t t = 0; t < taps; ++t) idx[t] = entriesAt(c.off + t * L, L, &reads[t]);
    for (int64_t ic = 0; ic < c.cg; ++ic) {
      for (int64_t j = 0; j < c.count; ++j) {
        const float* src = in + j * c.inSample + ic * plane;
        const __m512 lo = _mm512_maskz_loadu_ps(firstLanes(plane), src), hi = _mm512_maskz_loadu_ps(firstLanes(plane - 16), src + 16);
        for (int64_t t = 0; t < taps; ++t)
          _mm512_mask_storeu_ps(cols + (ic * taps + t) * c.ld + j * L, tail, _mm512_maskz_permutex2var_ps(reads[t], lo, idx[t], hi));
      }
    }
    return;
  }
  // Per tap, its runs of consecutive sources (a masked load and store each), or none: then per
  // 16 entries their windows, or a gather where they need more than four.
  std::vector<Run> runs;
  std::vector<size_t> start(size_t(taps) + 1, 0);
  std::vector<bool> gathered(size_t(taps), false);
  const int64_t chunks = (L + 15) / 16;
  std::vector<Windows> windows;
  for (int64_t t = 0; t < taps; ++t) {
    const size_t before = runs.size();
    if (!splitRuns(c.off + t * L, L, runs)) {
      runs.resize(before), gathered[size_t(t)] = true;
      if (windows.empty()) windows.resize(size_t(taps * chunks));
      for (int64_t k = 0; k < chunks; ++k) windows[size_t(t * chunks + k)] = windowsAt(c.off + t * L + 16 * k, L - 16 * k, plane);
    }
    start[size_t(t) + 1] = runs.size();
  }
  for (int64_t ic = 0; ic < c.cg; ++ic) {
    for (int64_t j = 0; j < c.count; ++j) {
      const float* src = in + j * c.inSample + ic * plane;
      for (int64_t t = 0; t < taps; ++t) {
        float* dst = cols + (ic * taps + t) * c.ld + j * L;
        if (!gathered[size_t(t)]) {
          for (size_t k = start[size_t(t)]; k < start[size_t(t) + 1]; ++k) {
            const Run& r = runs[k];
            _mm512_mask_storeu_ps(dst + r.l, firstLanes(r.n), _mm512_maskz_loadu_ps(r.reads, src + r.l + r.shift));
          }
          continue;
        }
        const int32_t* row = c.off + t * L;
        const Windows* win = &windows[size_t(t * chunks)];
        for (int64_t k = 0, l = 0; l < L; ++k, l += 16) {
          __m512 v;
          if (win[k].count >= 0) {
            v = fromWindows(win[k], src);
          } else {
            __mmask16 reads;
            const __m512i idx = entriesAt(row + l, L - l, &reads);
            v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), reads, idx, src, 4);
          }
          _mm512_mask_storeu_ps(dst + l, firstLanes(L - l), v);
        }
      }
    }
  }
}

// One addition of the scatter: the lanes `reads` of a vector of the plane += a two-source
// permute of the cols row elements at off0 (lanes load0) and off1 (lanes load1), offsets from
// the (channel, sample)'s first cols element.
struct alignas(64) ScatterOp {
  __m512i idx;
  int64_t off0, off1;
  __mmask16 load0, load1, reads;
  bool permute;  // false: a run, lane i at off0 + i (load0 = reads); no permute, no second load
};

bool scatterTapsF32(const TapCopy& c, const int32_t* inv, const float* cols, float* in, bool zeroFirst) {
  // Each 16-element vector of the plane adds its taps' outputs in tap order, each tap as at most
  // kPieces masked loads of runs of consecutive outputs (a stride-1 layer) or, where its outputs
  // are not consecutive (stride 2: input 2x reads output x, input 2x + 1 none), as windows of 16
  // outputs (a masked load each) and a permute, as gatherTapsF32 reads its sources. Both become
  // one flat list of additions per vector, built once per call, so the loop over channels and
  // samples runs no per-tap tests. (Gathers lost to scalar code here.) A stride-2 tap's outputs
  // used to fall to the generic scalar loop: ResNet-18's 16x16 -> 8x8 layer's input gradient at
  // batch 32 took 1.86-2.15 ms there and 1.66-1.88 ms here (1 thread, a 2-core EPYC, AVX-512).
  constexpr int kPieces = 4;
  constexpr int64_t kMinWindowedPlane = 64;
  const int64_t plane = c.plane, taps = c.taps, chunks = (plane + 15) / 16;
  std::vector<ScatterOp> ops;
  std::vector<size_t> first(static_cast<size_t>(chunks) + 1, 0);
  std::vector<std::vector<ScatterOp>> byChunk(static_cast<size_t>(chunks));
  const __m512i identity = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  std::vector<Run> runs;
  std::vector<uint8_t> count(static_cast<size_t>(chunks));
  for (int64_t t = 0; t < taps; ++t) {
    const int32_t* row = inv + t * plane;
    const int64_t rowStart = t * c.ld;
    std::vector<std::vector<ScatterOp>> tapOps(static_cast<size_t>(chunks));
    runs.clear();
    std::fill(count.begin(), count.end(), uint8_t(0));
    bool split = splitRuns(row, plane, runs);
    for (size_t q = 0; split && q < runs.size(); ++q) {
      const Run& r = runs[q];
      // Run lane i is element r.l + i: lane r.l + i - 16k of vector k, reading output r.l + i + shift.
      for (int64_t k = r.l / 16; k <= (r.l + r.n - 1) / 16; ++k) {
        const int64_t d = r.l - 16 * k;  // in (-16, 16)
        const __mmask16 m = d >= 0 ? __mmask16(uint32_t(r.reads) << d) : __mmask16(uint32_t(r.reads) >> -d);
        if (!m) continue;
        if (count[size_t(k)]++ == kPieces) {
          split = false;
          break;
        }
        tapOps[size_t(k)].push_back(ScatterOp{identity, rowStart + 16 * k + r.shift, 0, m, 0, m, false});
      }
    }
    if (!split) {
      // On planes under 64 elements (4x4 inputs) the scalar loop was as fast (ResNet-18's 4x4 -> 2x2
      // 1x1 stride-2 input gradient: 0.235 -> 0.250 ms through windows at 1 thread).
      if (plane < kMinWindowedPlane) return false;
      for (int64_t k = 0; k < chunks; ++k) {
        tapOps[size_t(k)].clear();
        const Windows w = windowsAt(row + 16 * k, plane - 16 * k, c.L);
        if (w.count < 0) return false;
        if (w.count == 0) continue;
        const __mmask16 upper = w.count > 2 ? w.upper : __mmask16(0);
        tapOps[size_t(k)].push_back(ScatterOp{w.idx01, rowStart + w.base[0], rowStart + (w.count > 1 ? w.base[1] : 0),
                                              w.load[0], w.count > 1 ? w.load[1] : __mmask16(0), __mmask16(w.reads & ~upper), true});
        if (upper)
          tapOps[size_t(k)].push_back(ScatterOp{w.idx23, rowStart + w.base[2], rowStart + (w.count > 3 ? w.base[3] : 0),
                                                w.load[2], w.count > 3 ? w.load[3] : __mmask16(0), upper, true});
      }
    }
    for (int64_t k = 0; k < chunks; ++k)
      for (const ScatterOp& op : tapOps[size_t(k)]) byChunk[size_t(k)].push_back(op);
  }
  for (int64_t k = 0; k < chunks; ++k) {
    ops.insert(ops.end(), byChunk[size_t(k)].begin(), byChunk[size_t(k)].end());
    first[size_t(k) + 1] = ops.size();
  }
  // Each input element gets its taps' outputs in tap order, as the generic loop adds them.
  for (int64_t ic = 0; ic < c.cg; ++ic) {
    for (int64_t j = 0; j < c.count; ++j) {
      float* dst = in + j * c.inSample + ic * plane;
      const float* src = cols + ic * taps * c.ld + j * c.L;
      for (int64_t k = 0; k < chunks; ++k) {
        const int64_t p = 16 * k;
        const __mmask16 tail = firstLanes(plane - p);
        __m512 acc = zeroFirst ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(tail, dst + p);
        for (size_t q = first[size_t(k)]; q < first[size_t(k) + 1]; ++q) {
          const ScatterOp& op = ops[q];
          const __m512 a = _mm512_maskz_loadu_ps(op.load0, src + op.off0);
          const __m512 v = op.permute ? _mm512_maskz_permutex2var_ps(op.reads, a, op.idx, _mm512_maskz_loadu_ps(op.load1, src + op.off1)) : a;
          acc = _mm512_mask_add_ps(acc, op.reads, acc, v);
        }
        _mm512_mask_storeu_ps(dst + p, tail, acc);
      }
    }
  }
  return true;
}

}  // namespace

const Im2colLoops& im2colLoops() {
  static const Im2colLoops loops{gatherTapsF32, scatterTapsF32};
  return loops;
}

}  // namespace avx512
}  // namespace simd
}  // namespace lattice
