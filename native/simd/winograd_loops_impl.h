// Bodies of the Winograd F(4x4, 3x3) tile transforms (see winograd_loops.h). Included
// inside namespace lattice::simd::<isa> by each ISA's translation unit, so that every
// function here is compiled with that unit's -m flags and has its own symbol: the plain
// fixed-length loops over L lanes are what the compiler turns into that ISA's vectors.
//
// Matrices (Lavin & Gray, interpolation points 0, 1, -1, 2, -2, infinity):
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
// (G is applied once per filter, in kernels/winograd.cc.)

namespace {

constexpr int L = kWinogradLanes;
using Line = float[L];

// Loads and stores of one point's L lanes. The transforms below work on local arrays
// only, so the compiler sees no aliasing and keeps each line in vector registers.
inline void load(Line& v, const float* p) {
  for (int l = 0; l < L; ++l) v[l] = p[l];
}
inline void store(float* p, const Line& v) {
  for (int l = 0; l < L; ++l) p[l] = v[l];
}

// r = B^T d over one line of 6 points.
inline void bt6(const Line (&d)[6], Line (&r)[6]) {
  for (int l = 0; l < L; ++l) {
    const float d0 = d[0][l], d1 = d[1][l], d2 = d[2][l], d3 = d[3][l], d4 = d[4][l], d5 = d[5][l];
    r[0][l] = 4.0f * d0 - 5.0f * d2 + d4;
    r[1][l] = (d3 + d4) - 4.0f * (d1 + d2);
    r[2][l] = (d4 - d3) + 4.0f * (d1 - d2);
    r[3][l] = (d4 - d2) + 2.0f * (d3 - d1);
    r[4][l] = (d4 - d2) - 2.0f * (d3 - d1);
    r[5][l] = 4.0f * d1 - 5.0f * d3 + d5;
  }
}

// y = A^T m over one line of 6 points (4 results).
inline void at6(const Line (&m)[6], Line (&y)[4]) {
  for (int l = 0; l < L; ++l) {
    const float m0 = m[0][l], m1 = m[1][l], m2 = m[2][l], m3 = m[3][l], m4 = m[4][l], m5 = m[5][l];
    const float s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
    y[0][l] = m0 + s12 + s34;
    y[1][l] = d12 + 2.0f * d34;
    y[2][l] = s12 + 4.0f * s34;
    y[3][l] = d12 + 8.0f * d34 + m5;
  }
}

// r = A y over one line of 4 points (6 results): the transpose of at6.
inline void a4(const Line (&y)[4], Line (&r)[6]) {
  for (int l = 0; l < L; ++l) {
    const float y0 = y[0][l], y1 = y[1][l], y2 = y[2][l], y3 = y[3][l];
    const float s02 = y0 + y2, s13 = y1 + y3, f02 = y0 + 4.0f * y2, f13 = 2.0f * y1 + 8.0f * y3;
    r[0][l] = y0;
    r[1][l] = s02 + s13;
    r[2][l] = s02 - s13;
    r[3][l] = f02 + f13;
    r[4][l] = f02 - f13;
    r[5][l] = y3;
  }
}

void inputTile(const float* src, int64_t rowStride, int64_t colStride, float* dst, int64_t xiStride) {
  alignas(64) Line t[6][6];  // t[x][i] = (B^T d)[i][x]: column x of the row transform
  for (int x = 0; x < 6; ++x) {
    alignas(64) Line d[6];
    for (int j = 0; j < 6; ++j) load(d[j], src + j * rowStride + x * colStride);
    bt6(d, t[x]);
  }
  for (int i = 0; i < 6; ++i) {
    alignas(64) Line d[6], r[6];
    for (int x = 0; x < 6; ++x) std::memcpy(d[x], t[x][i], sizeof(Line));
    bt6(d, r);
    for (int j = 0; j < 6; ++j) store(dst + (6 * i + j) * xiStride, r[j]);
  }
}

// The epilogue (bias, ReLU) as template flags: no test per point and lane in the loop.
template <bool kBias, bool kRelu>
void outputTileWith(const float* src, int64_t xiStride, const float* bias, float* out) {
  alignas(64) Line t[6][4];  // t[j][y] = (A^T m)[y][j]
  for (int j = 0; j < 6; ++j) {
    alignas(64) Line m[6];
    for (int i = 0; i < 6; ++i) load(m[i], src + (6 * i + j) * xiStride);
    at6(m, t[j]);
  }
  alignas(64) Line b;
  if constexpr (kBias) load(b, bias);
  for (int r = 0; r < 4; ++r) {
    alignas(64) Line m[6], y[4];
    for (int j = 0; j < 6; ++j) std::memcpy(m[j], t[j][r], sizeof(Line));
    at6(m, y);
    for (int x = 0; x < 4; ++x) {
      if constexpr (kBias)
        for (int l = 0; l < L; ++l) y[x][l] += b[l];
      if constexpr (kRelu)
        for (int l = 0; l < L; ++l) y[x][l] = y[x][l] > 0.0f ? y[x][l] : 0.0f;
      store(out + (4 * r + x) * L, y[x]);
    }
  }
}

void outputTile(const float* src, int64_t xiStride, const float* bias, bool relu, float* out) {
  if (bias) {
    if (relu) outputTileWith<true, true>(src, xiStride, bias, out);
    else outputTileWith<true, false>(src, xiStride, bias, out);
  } else {
    if (relu) outputTileWith<false, true>(src, xiStride, bias, out);
    else outputTileWith<false, false>(src, xiStride, bias, out);
  }
}

void gradTile(const float* src, int64_t rowStride, int64_t colStride, float* dst, int64_t xiStride) {
  alignas(64) Line t[4][6];  // t[x][i] = (A dy)[i][x]
  for (int x = 0; x < 4; ++x) {
    alignas(64) Line y[4];
    for (int a = 0; a < 4; ++a) load(y[a], src + a * rowStride + x * colStride);
    a4(y, t[x]);
  }
  for (int i = 0; i < 6; ++i) {
    alignas(64) Line y[4], r[6];
    for (int x = 0; x < 4; ++x) std::memcpy(y[x], t[x][i], sizeof(Line));
    a4(y, r);
    for (int j = 0; j < 6; ++j) store(dst + (6 * i + j) * xiStride, r[j]);
  }
}

// The AVX-512 build transposes 16 x 16 blocks in registers (simd/avx512/intrinsics.h); the
// others copy element by element. Both move the same values, so results are the same.
void packLanes(const float* src, int64_t laneStride, int64_t lanes, int64_t count, float* dst, int64_t dstStride) {
#if defined(__AVX512F__)
  // The callers walk each plane row by row, 16 planes at a time: more streams than the hardware
  // prefetchers follow, so every row's first load missed. Ask for the next two lines of each.
  for (int64_t l = 0; l < lanes; ++l) {
    const char* next = reinterpret_cast<const char*>(src + l * laneStride + count);
    _mm_prefetch(next, _MM_HINT_T0);
    _mm_prefetch(next + 64, _MM_HINT_T0);
  }
  for (int64_t x0 = 0; x0 < count; x0 += L) {
    const int64_t n = count - x0 < L ? count - x0 : L;
    const __mmask16 m = __mmask16((1u << n) - 1);
    __m512 r[L];
    for (int l = 0; l < L; ++l) r[l] = l < lanes ? _mm512_maskz_loadu_ps(m, src + l * laneStride + x0) : _mm512_setzero_ps();
    transpose16x16(r);
    for (int64_t x = 0; x < n; ++x) _mm512_storeu_ps(dst + (x0 + x) * dstStride, r[x]);
  }
#else
  for (int64_t x = 0; x < count; ++x)
    for (int l = 0; l < L; ++l) dst[x * dstStride + l] = l < lanes ? src[l * laneStride + x] : 0.0f;
#endif
}

void unpackTile(const float* tile, int64_t lanes, int64_t ys, int64_t xs, float* dst, int64_t laneStride,
                int64_t rowStride) {
#if defined(__AVX512F__)
  __m512 r[L];
  for (int p = 0; p < L; ++p) r[p] = _mm512_loadu_ps(tile + p * L);
  transpose16x16(r);  // r[l]: the 16 points of lane l, row y in its 128-bit part y
  const __mmask8 m = __mmask8((1u << xs) - 1);
  for (int64_t l = 0; l < lanes; ++l) {
    float* d = dst + l * laneStride;
    _mm_mask_storeu_ps(d, m, _mm512_castps512_ps128(r[l]));
    if (ys > 1) _mm_mask_storeu_ps(d + rowStride, m, _mm512_extractf32x4_ps(r[l], 1));
    if (ys > 2) _mm_mask_storeu_ps(d + 2 * rowStride, m, _mm512_extractf32x4_ps(r[l], 2));
    if (ys > 3) _mm_mask_storeu_ps(d + 3 * rowStride, m, _mm512_extractf32x4_ps(r[l], 3));
  }
#else
  for (int64_t l = 0; l < lanes; ++l)
    for (int64_t y = 0; y < ys; ++y)
      for (int64_t x = 0; x < xs; ++x) dst[l * laneStride + y * rowStride + x] = tile[(4 * y + x) * L + l];
#endif
}

// r[i][l] = (G v)[i] for the 3 taps v0, v1, v2 of 16 lines at once, G's entries spelled out (a
// generic product with G multiplies by its zeros, which the compiler must keep: 0 * inf is NaN).
inline void filterLines(const double* v0, const double* v1, const double* v2, double (*r)[kWinogradFilterRun]) {
  for (int l = 0; l < kWinogradFilterRun; ++l) {
    const double s = v0[l] + v2[l], q = v0[l] * (1.0 / 24) + v2[l] * (1.0 / 6), h = v1[l] * (1.0 / 12);
    r[0][l] = v0[l] * (1.0 / 4);
    r[1][l] = (s + v1[l]) * (-1.0 / 6);
    r[2][l] = (s - v1[l]) * (-1.0 / 6);
    r[3][l] = q + h;
    r[4][l] = q - h;
    r[5][l] = v2[l];
  }
}

void filterTransforms(const double* f, double* u) {
  constexpr int R = kWinogradFilterRun;
  double t[3][6][R];  // t[x][i][l] = (G f_l)[i][x]
  for (int x = 0; x < 3; ++x) filterLines(f + x * R, f + (3 + x) * R, f + (6 + x) * R, t[x]);
  for (int i = 0; i < 6; ++i) {
    double r[6][R];  // r[j][l] = (G f_l G^T)[i][j]
    filterLines(t[0][i], t[1][i], t[2][i], r);
    for (int j = 0; j < 6; ++j)
      for (int l = 0; l < R; ++l) u[(6 * i + j) * R + l] = r[j][l];
  }
}

}  // namespace

const WinogradLoops& winogradLoops() {
  static const WinogradLoops loops{inputTile, outputTile, gradTile, packLanes, unpackTile, filterTransforms};
  return loops;
}
