// Bodies of the direct small-channel convolution loops (see conv_direct_loops.h). Included
// inside namespace lattice::simd::<isa> by each ISA's translation unit after it defines
//   struct Vec { using R; static constexpr int kLanes; zero, load, store, set1, fma(a, b, c) = a*b + c, max,
//                kLaneOps: whether it has storeLanes(dst, v, mask) (the lanes set in mask, in order, to
//                dst[0..popcount)) and loadLanes(src, mask) (src[0..popcount) into the lanes set in mask,
//                zeros elsewhere); without them the loops go through memory lane by lane }
// and the tile sizes kForwardVectors (pixel vectors per forward tile), kForwardBlock (output
// channels per forward tile), kWeightBlock and kWeightTaps (output channels and taps per
// weight-gradient tile). The tiles are arrays of Vec::R indexed by compile-time loop bounds,
// which the compiler keeps in registers.
//
// A vector of pixels p0..p0+kL of a stream row holds output pixels and, where it crosses
// the end of an output row, pixels past it; the ones it holds are consecutive in the NCHW
// output (a row's end is followed by the next row's start), so a vector maps to one run of
// the output starting at denseStart, and its lanes to that run by the lane mask.

namespace {

using R = Vec::R;
constexpr int kL = Vec::kLanes;
constexpr int kChunk = kForwardVectors * kL;
constexpr uint32_t kFull = kL == 32 ? ~0u : (1u << kL) - 1;
static_assert(kChunk <= kDirectChunk, "a forward tile must fit the room kDirectChunk reserves");
static_assert(kForwardBlock <= kDirectMaxBlock, "the packed weight holds at most kDirectMaxBlock channels per block");


// Where the vector at stream pixel q goes: its lanes mask and the output offset of its first stored lane.
struct Lanes {
  uint32_t mask;
  int64_t denseStart;
};
// A position in a stream row, kept without dividing: q, x = q % period and base = the output
// offset of the output row q / period.
struct Cursor {
  int64_t q, x, base;
  Cursor(const DirectRows& r, int64_t row) : q(0), x(0), base(row * r.ow) {}
  void advance(const DirectRows& r, int64_t n) {
    q += n;
    for (x += n; x >= r.period; x -= r.period) base += r.ow;
  }
  Lanes lanes(const DirectRows& r) const {
    if (q >= r.count) return {0, 0};
    uint32_t m = r.laneMask[x];
    if (r.count - q < kL) m &= (1u << (r.count - q)) - 1;
    return {m, base + std::min(x, r.ow)};
  }
};

// (Templates, so that the branch for lane operations an ISA lacks is never instantiated.)
template <typename V = Vec>
inline void storeOut(float* dst, R v, uint32_t mask) {
  if (mask == kFull) {
    V::store(dst, v);
  } else if constexpr (V::kLaneOps) {
    V::storeLanes(dst, v, mask);
  } else {
    float t[kL];
    Vec::store(t, v);
    for (int l = 0, k = 0; l < kL; ++l)
      if (mask >> l & 1) dst[k++] = t[l];
  }
}
template <typename V = Vec>
inline R loadOut(const float* src, uint32_t mask) {
  if (mask == kFull) return V::load(src);
  if constexpr (V::kLaneOps) {
    return V::loadLanes(src, mask);
  } else {
    float t[kL];
    for (int l = 0, k = 0; l < kL; ++l) t[l] = mask >> l & 1 ? src[k++] : 0.0f;
    return Vec::load(t);
  }
}

void forward(const DirectRows& r, const float* padded, const float* w, int nOc, const float* bias, float* out,
             int64_t outPlane, bool relu) {
  for (int64_t row = 0; row < r.rows; ++row) {
    const float* in = padded + row * r.rowStride;
    Cursor at(r, row);
    for (int64_t p0 = 0; p0 < r.count; p0 += kChunk) {
      R acc[kForwardBlock][kForwardVectors];
      for (int j = 0; j < kForwardBlock; ++j) {
        const R b = Vec::set1(bias && j < nOc ? bias[j] : 0.0f);
        for (int p = 0; p < kForwardVectors; ++p) acc[j][p] = b;
      }
      for (int64_t t = 0; t < r.taps; ++t) {
        const float* src = in + r.tapOffset[t] + p0;
        R v[kForwardVectors];
        for (int p = 0; p < kForwardVectors; ++p) v[p] = Vec::load(src + p * kL);
        const float* wt = w + t * kForwardBlock;
        for (int j = 0; j < kForwardBlock; ++j) {
          const R b = Vec::set1(wt[j]);
          for (int p = 0; p < kForwardVectors; ++p) acc[j][p] = Vec::fma(b, v[p], acc[j][p]);
        }
      }
      if (relu)
        for (int j = 0; j < kForwardBlock; ++j)
          for (int p = 0; p < kForwardVectors; ++p) acc[j][p] = Vec::max(acc[j][p], Vec::zero());
      for (int p = 0; p < kForwardVectors; ++p, at.advance(r, kL)) {
        const Lanes ln = at.lanes(r);
        if (ln.mask)
          for (int j = 0; j < nOc; ++j) storeOut(out + j * outPlane + ln.denseStart, acc[j][p], ln.mask);
      }
    }
  }
}

// wide[j][row*countPad + p] = the output gradient of channel j at stream pixel p of row `row` (0 where
// the pixel is no output, and for channels j in [nOc, block)): the layout the stream loops read,
// so that their inner loops are plain loads and FMAs.
void widen(const DirectRows& r, const float* gradOut, int64_t gradPlane, int nOc, int block, float* wide) {
  const int64_t plane = r.rows * r.countPad;
  for (int j = 0; j < block; ++j) {
    float* dst = wide + j * plane;
    if (j >= nOc) {
      std::fill(dst, dst + plane, 0.0f);
      continue;
    }
    for (int64_t row = 0; row < r.rows; ++row) {
      Cursor at(r, row);
      for (int64_t q = 0; q < r.countPad; q += kL, at.advance(r, kL)) {
        const Lanes ln = at.lanes(r);
        Vec::store(dst + row * r.countPad + q, ln.mask ? loadOut(gradOut + j * gradPlane + ln.denseStart, ln.mask) : Vec::zero());
      }
    }
  }
}

void backwardInput(const DirectRows& r, float* padded, const float* w, int nOc, const float* gradOut,
                   int64_t gradPlane, float* wide) {
  widen(r, gradOut, gradPlane, nOc, kForwardBlock, wide);
  const int64_t plane = r.rows * r.countPad;
  for (int64_t row = 0; row < r.rows; ++row) {
    float* in = padded + row * r.rowStride;
    const float* gw = wide + row * r.countPad;
    for (int64_t p0 = 0; p0 < r.count; p0 += kChunk) {
      // Lanes that are no output (and channels past nOc) hold zeros, so they add nothing.
      R g[kForwardBlock][kForwardVectors];
      for (int j = 0; j < kForwardBlock; ++j)
        for (int p = 0; p < kForwardVectors; ++p) g[j][p] = Vec::load(gw + j * plane + p0 + p * kL);
      for (int64_t t = 0; t < r.taps; ++t) {
        float* dst = in + r.tapOffset[t] + p0;
        R d[kForwardVectors];
        for (int p = 0; p < kForwardVectors; ++p) d[p] = Vec::load(dst + p * kL);
        const float* wt = w + t * kForwardBlock;
        for (int j = 0; j < kForwardBlock; ++j) {
          const R b = Vec::set1(wt[j]);
          for (int p = 0; p < kForwardVectors; ++p) d[p] = Vec::fma(b, g[j][p], d[p]);
        }
        for (int p = 0; p < kForwardVectors; ++p) Vec::store(dst + p * kL, d[p]);
      }
    }
  }
}

void backwardWeight(const DirectRows& r, const float* padded, const float* gradOut, int64_t gradPlane, int nOc,
                    float* partial, float* wide) {
  widen(r, gradOut, gradPlane, nOc, kWeightBlock, wide);
  const int64_t plane = r.rows * r.countPad;
  for (int64_t t0 = 0; t0 < r.taps; t0 += kWeightTaps) {
    const int64_t nt = std::min<int64_t>(kWeightTaps, r.taps - t0);
    // Taps past the last repeat tap t0 (valid memory); their sums are dropped.
    int64_t off[kWeightTaps];
    for (int t = 0; t < kWeightTaps; ++t) off[t] = r.tapOffset[t0 + (t < nt ? t : 0)];
    R acc[kWeightBlock][kWeightTaps];
    for (int j = 0; j < kWeightBlock; ++j)
      for (int t = 0; t < kWeightTaps; ++t) acc[j][t] = t < nt ? Vec::load(partial + (j * r.taps + t0 + t) * kL) : Vec::zero();
    for (int64_t row = 0; row < r.rows; ++row) {
      const float* in = padded + row * r.rowStride;
      const float* gw = wide + row * r.countPad;
      for (int64_t q = 0; q < r.count; q += kL) {
        R g[kWeightBlock];
        for (int j = 0; j < kWeightBlock; ++j) g[j] = Vec::load(gw + j * plane + q);
        for (int t = 0; t < kWeightTaps; ++t) {
          const R v = inRegister(Vec::load(in + off[t] + q));  // one load for the kWeightBlock FMAs
          for (int j = 0; j < kWeightBlock; ++j) acc[j][t] = Vec::fma(g[j], v, acc[j][t]);
        }
      }
    }
    for (int j = 0; j < kWeightBlock; ++j)
      for (int t = 0; t < nt; ++t) Vec::store(partial + (j * r.taps + t0 + t) * kL, acc[j][t]);
  }
}

}  // namespace

const ConvDirectLoops& convDirectLoops() {
  static const ConvDirectLoops loops{kL, kForwardBlock, kWeightBlock, forward, backwardInput, backwardWeight};
  return loops;
}
