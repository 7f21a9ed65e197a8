// Bodies of the direct small-channel convolution loops (see conv_direct_loops.h). Included
// inside namespace lattice::simd::<isa> by each ISA's translation unit after it defines
//   struct Vec { using R; static constexpr int kLanes; zero, load, store, set1, fma(a, b, c) = a*b + c }
// and the tile sizes kForwardVectors (pixel vectors per forward tile), kForwardBlock (output
// channels per forward tile), kWeightBlock and kWeightTaps (output channels and taps per
// weight-gradient tile). The tiles are arrays of Vec::R indexed by compile-time loop bounds,
// which the compiler keeps in registers.

namespace {

using R = Vec::R;
constexpr int kL = Vec::kLanes;
constexpr int kChunk = kForwardVectors * kL;
static_assert(kChunk <= kDirectChunk, "a forward tile must fit the padding kDirectChunk reserves");
static_assert(kForwardBlock <= kDirectMaxBlock, "the packed weight holds at most kDirectMaxBlock channels per block");

// The lanes of v added in lane order (a fixed order, so the sum does not depend on anything but v).
inline float laneSum(R v) {
  float t[kL];
  Vec::store(t, v);
  float s = 0;
  for (int l = 0; l < kL; ++l) s += t[l];
  return s;
}

// v[0..k) = the n <= k*kL values at src, zeros after them.
template <int k>
inline void loadPartial(R (&v)[k], const float* src, int64_t n) {
  float t[k * kL] = {};
  for (int64_t i = 0; i < n; ++i) t[i] = src[i];
  for (int p = 0; p < k; ++p) v[p] = Vec::load(t + p * kL);
}

void forward(const DirectRows& r, const float* padded, const float* w, int nOc, const float* bias, float* out,
             int64_t outPlane) {
  for (int64_t y = 0; y < r.oh; ++y) {
    const float* row = padded + y * r.rowStride;
    for (int64_t x0 = 0; x0 < r.ow; x0 += kChunk) {
      R acc[kForwardBlock][kForwardVectors];
      for (int j = 0; j < kForwardBlock; ++j) {
        const R b = Vec::set1(bias && j < nOc ? bias[j] : 0.0f);
        for (int p = 0; p < kForwardVectors; ++p) acc[j][p] = b;
      }
      for (int64_t t = 0; t < r.taps; ++t) {
        const float* src = row + r.tapOffset[t] + x0;
        R v[kForwardVectors];
        for (int p = 0; p < kForwardVectors; ++p) v[p] = Vec::load(src + p * kL);
        const float* wt = w + t * kForwardBlock;
        for (int j = 0; j < kForwardBlock; ++j) {
          const R b = Vec::set1(wt[j]);
          for (int p = 0; p < kForwardVectors; ++p) acc[j][p] = Vec::fma(b, v[p], acc[j][p]);
        }
      }
      const int64_t n = std::min<int64_t>(kChunk, r.ow - x0);
      for (int j = 0; j < nOc; ++j) {
        float* o = out + j * outPlane + y * r.ow + x0;
        if (n == kChunk) {
          for (int p = 0; p < kForwardVectors; ++p) Vec::store(o + p * kL, acc[j][p]);
        } else {
          float t[kChunk];
          for (int p = 0; p < kForwardVectors; ++p) Vec::store(t + p * kL, acc[j][p]);
          for (int64_t i = 0; i < n; ++i) o[i] = t[i];
        }
      }
    }
  }
}

void backwardInput(const DirectRows& r, float* padded, const float* w, int nOc, const float* gradOut,
                   int64_t gradPlane) {
  for (int64_t y = 0; y < r.oh; ++y) {
    float* row = padded + y * r.rowStride;
    for (int64_t x0 = 0; x0 < r.ow; x0 += kChunk) {
      const int64_t n = std::min<int64_t>(kChunk, r.ow - x0);
      // Lanes past the row's end (and channels past nOc) hold zeros, so they add nothing.
      R g[kForwardBlock][kForwardVectors];
      for (int j = 0; j < kForwardBlock; ++j) {
        if (j >= nOc) {
          for (int p = 0; p < kForwardVectors; ++p) g[j][p] = Vec::zero();
          continue;
        }
        const float* src = gradOut + j * gradPlane + y * r.ow + x0;
        if (n == kChunk) {
          for (int p = 0; p < kForwardVectors; ++p) g[j][p] = Vec::load(src + p * kL);
        } else {
          loadPartial(g[j], src, n);
        }
      }
      for (int64_t t = 0; t < r.taps; ++t) {
        float* dst = row + r.tapOffset[t] + x0;
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
                    float* sums) {
  for (int64_t t0 = 0; t0 < r.taps; t0 += kWeightTaps) {
    const int64_t nt = std::min<int64_t>(kWeightTaps, r.taps - t0);
    // Taps past the last repeat tap t0 (valid memory); their sums are dropped.
    int64_t off[kWeightTaps];
    for (int t = 0; t < kWeightTaps; ++t) off[t] = r.tapOffset[t0 + (t < nt ? t : 0)];
    R acc[kWeightBlock][kWeightTaps];
    for (int j = 0; j < kWeightBlock; ++j)
      for (int t = 0; t < kWeightTaps; ++t) acc[j][t] = Vec::zero();
    for (int64_t y = 0; y < r.oh; ++y) {
      const float* row = padded + y * r.rowStride;
      for (int64_t x0 = 0; x0 < r.ow; x0 += kL) {
        const int64_t n = std::min<int64_t>(kL, r.ow - x0);
        R g[kWeightBlock];
        for (int j = 0; j < kWeightBlock; ++j) {
          const float* src = gradOut + j * gradPlane + y * r.ow + x0;
          if (j >= nOc) {
            g[j] = Vec::zero();
          } else if (n == kL) {
            g[j] = Vec::load(src);
          } else {
            R one[1];
            loadPartial(one, src, n);
            g[j] = one[0];
          }
        }
        for (int t = 0; t < kWeightTaps; ++t) {
          const R v = Vec::load(row + off[t] + x0);
          for (int j = 0; j < kWeightBlock; ++j) acc[j][t] = Vec::fma(g[j], v, acc[j][t]);
        }
      }
    }
    for (int j = 0; j < nOc; ++j)
      for (int t = 0; t < nt; ++t) sums[j * r.taps + t0 + t] = laneSum(acc[j][t]);
  }
}

}  // namespace

const ConvDirectLoops& convDirectLoops() {
  static const ConvDirectLoops loops{kForwardBlock, kWeightBlock, forward, backwardInput, backwardWeight};
  return loops;
}
