// Winograd F(4x4, 3x3) convolution (see winograd.h for the math).
//
// Work is split into blocks of whole tile rows (a tile row: 4 output rows of one sample,
// all its tiles across the width), a few per block so that a block's transformed tiles
// stay in L2. Per block:
//   1. band:      the block's input rows copied channel-innermost ([tile row][6 rows][x][C],
//                 zeros where the taps fall outside the input), so that the transforms read
//                 16 channels as one contiguous vector and need no bounds checks;
//   2. V:         B^T d B per tile and 16 channels: V[xi][tile][C];
//   3. products:  per point xi, M[xi] = V[xi] @ U[xi] ([tiles x C] @ [C x O]) with the GEMM
//                 micro-kernels of simd/gemm_kernels.h on U packed once per call;
//   4. output:    A^T M A (+ bias) per tile and 16 output channels, stored to NCHW.
// The weight gradient builds V the same way and A gradY A^T from the output gradient, and
// adds V[xi]^T @ dM[xi] over the tiles with sgemm.
//
// Threads split the blocks. Each output element is computed by one fixed sequence of
// operations whichever thread runs its block, and the weight gradient sums a fixed number
// of block groups (a function of the shapes) in order, so results do not depend on the
// thread count.
#include "winograd.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "../simd/gemm_kernels.h"
#include "../simd/winograd_loops.h"
#include "conv_algo_table.h"
#include "gemm.h"
#include "scratch.h"

namespace lattice {
namespace {

constexpr int64_t kLanes = simd::kWinogradLanes;
constexpr int64_t kPoints = 36;
// V and M of one block together take about this many bytes (half of a 1 MiB L2, leaving
// room for the band and the packed filter panel the micro-kernel streams).
constexpr int64_t kBlockBytes = 512 * 1024;
// Tile rows of V and M are padded to a multiple of every micro-kernel's MR (12, 6, 4).
constexpr int64_t kRowQuantum = 12;

int64_t roundUp(int64_t v, int64_t m) { return (v + m - 1) / m * m; }
int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Floats of a transformed filter U[36][p][a][j] whose b index runs in panels of `panel` (winograd.h).
int64_t panelFilterSize(int64_t a, int64_t b, int64_t panel) { return kPoints * a * roundUp(b, panel); }

// G of F(4x4, 3x3), U = G w G^T (applied by simd filterLines and, transposed, gradientLine):
//   G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]

// Winograd's kept scratch (scratch.h): the blocks' V and M are ~1 MB and the weight
// gradient's chunk ~4 MB by design; what grows past 16 MiB is the packed filter and the point
// sums of very wide layers (36*c*o floats: 37 MB at 512 x 512 channels), allocated per call.
constexpr size_t kKeptWinogradBytes = size_t(16) << 20;

Scratch<float> scratch(ScratchUse use, int64_t count, bool zero = false) {
  return Scratch<float>(use, count, kKeptWinogradBytes, zero);
}

// The correlation all three kernels reduce to: a 3x3 filter over in [n, cin, h, w] giving
// [n, cout, oh, ow], output (y, x) reading input rows y - padH + 0..2 (padH of any sign).
struct Core {
  int64_t n, cin, cout, h, w, oh, ow, padH, padW;
  int64_t tH, tW;            // tiles per sample, down and across
  int64_t bandW;             // columns of a band row: 4*tW + 2
  int64_t cinPad, coutPad;   // channels rounded up to whole vectors
  int64_t rowsPerBlock, blocks, tilePad;
  int64_t tileRows() const { return n * tH; }
  int64_t bandRowStride() const { return bandW * cinPad; }
  int64_t bandSize() const { return rowsPerBlock * 6 * bandRowStride(); }
};

Core makeCore(int64_t n, int64_t cin, int64_t cout, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t padH,
              int64_t padW) {
  Core k{n, cin, cout, h, w, oh, ow, padH, padW, ceilDiv(oh, 4), ceilDiv(ow, 4), 0, roundUp(cin, kLanes),
         roundUp(cout, kLanes), 0, 0, 0};
  k.bandW = 4 * k.tW + 2;
  const int64_t tiles = std::clamp<int64_t>(kBlockBytes / (kPoints * 4 * (k.cinPad + k.coutPad)), kRowQuantum, 512);
  k.rowsPerBlock = std::clamp<int64_t>(tiles / k.tW, 1, k.tileRows());
  k.blocks = ceilDiv(k.tileRows(), k.rowsPerBlock);
  k.tilePad = roundUp(k.rowsPerBlock * k.tW, kRowQuantum);
  return k;
}

// band[q][r][x][c] = in[sample, c, 4*ty - padH + r, x - padW] (0 outside the input) for the
// tile rows q in [q0, q1), sample = q / tH, ty = q % tH; channels past cin are 0.
void fillInputBand(const simd::WinogradLoops& loops, const float* in, const Core& k, int64_t q0, int64_t q1, float* band) {
  const int64_t rs = k.bandRowStride();
  // Band columns x with x - padW inside [0, w).
  const int64_t xlo = std::clamp<int64_t>(k.padW, 0, k.bandW), xhi = std::clamp<int64_t>(k.padW + k.w, xlo, k.bandW);
  for (int64_t q = q0; q < q1; ++q) {
    const int64_t s = q / k.tH, ty = q % k.tH;
    for (int64_t r = 0; r < 6; ++r) {
      float* row = band + ((q - q0) * 6 + r) * rs;
      const int64_t iy = 4 * ty + r - k.padH;
      if (iy < 0 || iy >= k.h) {
        std::fill(row, row + rs, 0.0f);
        continue;
      }
      std::fill(row, row + xlo * k.cinPad, 0.0f);
      for (int64_t c = 0; c < k.cin; c += kLanes) {
        const float* src = in + ((s * k.cin + c) * k.h + iy) * k.w + xlo - k.padW;
        loops.packLanes(src, k.h * k.w, std::min(kLanes, k.cin - c), xhi - xlo, row + xlo * k.cinPad + c, k.cinPad);
      }
      std::fill(row + xhi * k.cinPad, row + rs, 0.0f);
    }
  }
}

// V[xi][t][c] for the tiles t of tile rows [q0, q1) (t = (q - q0)*tW + tx), V holding
// pointRows tile rows per point.
void inputTransforms(const simd::WinogradLoops& loops, const Core& k, int64_t q0, int64_t q1, const float* band,
                     float* V, int64_t pointRows) {
  const int64_t rs = k.bandRowStride(), xiStride = pointRows * k.cinPad;
  for (int64_t q = q0; q < q1; ++q) {
    for (int64_t tx = 0; tx < k.tW; ++tx) {
      const float* src = band + (q - q0) * 6 * rs + 4 * tx * k.cinPad;
      float* dst = V + ((q - q0) * k.tW + tx) * k.cinPad;
      for (int64_t c = 0; c < k.cinPad; c += kLanes) loops.inputTile(src + c, rs, k.cinPad, dst + c, xiStride);
    }
  }
}

// The micro-kernel the products use: A read in place (AVX-512) or packed first (the others).
struct TileGemm {
  int mr, nr;
  simd::GemmMicroKernelRowsA<float> rows;
  simd::GemmMicroKernel<float> packed;
};

TileGemm tileGemmFor(Isa isa) {
#if defined(LATTICE_X86)
  if (isa == Isa::Avx512) return {simd::kSgemmAvx512Mr, simd::kSgemmAvx512Nr, simd::sgemmMicroRowsAvx512, nullptr};
  if (isa == Isa::Avx2) return {simd::kSgemmAvx2Mr, simd::kSgemmAvx2Nr, nullptr, simd::sgemmMicroAvx2};
#endif
  (void)isa;
  return {simd::kSgemmScalarMr, simd::kSgemmScalarNr, nullptr, simd::sgemmMicroScalar};
}

// M[xi] = V[xi] @ U[xi] for the first `tiles` rows.
void products(const TileGemm& tg, const Core& k, int64_t tiles, const float* V, const float* Up, float* M,
              float* apanel) {
  const int64_t panels = ceilDiv(k.cout, tg.nr), panelSize = k.cin * tg.nr;
  for (int64_t xi = 0; xi < kPoints; ++xi) {
    const float* a = V + xi * k.tilePad * k.cinPad;
    float* m = M + xi * k.tilePad * k.coutPad;
    const float* b = Up + xi * panels * panelSize;
    for (int64_t i = 0; i < tiles; i += tg.mr) {
      const int mr = int(std::min<int64_t>(tg.mr, tiles - i));
      if (!tg.rows) {
        // Packed A panel: apanel[c*MR + r] = V row i + r (rows past `tiles` are dropped by mr).
        for (int64_t c = 0; c < k.cin; ++c)
          for (int r = 0; r < tg.mr; ++r) apanel[c * tg.mr + r] = a[(i + r) * k.cinPad + c];
      }
      for (int64_t p = 0; p < panels; ++p) {
        const int nr = int(std::min<int64_t>(tg.nr, k.cout - p * tg.nr));
        float* c = m + i * k.coutPad + p * tg.nr;
        if (tg.rows) tg.rows(k.cin, a + i * k.cinPad, k.cinPad, b + p * panelSize, c, k.coutPad, 1, 1.0f, 0.0f, mr, nr);
        else tg.packed(k.cin, apanel, b + p * panelSize, c, k.coutPad, 1, 1.0f, 0.0f, mr, nr);
      }
    }
  }
}

// out[s, o, 4ty + y, 4tx + x] = (A^T M A)[y][x] + bias for the tiles of rows [q0, q1).
void outputTransforms(const simd::WinogradLoops& loops, const Core& k, int64_t q0, int64_t q1, const float* M,
                      const float* biasPad, bool relu, float* out) {
  alignas(64) float tile[16 * kLanes];
  const int64_t xiStride = k.tilePad * k.coutPad, plane = k.oh * k.ow;
  for (int64_t q = q0; q < q1; ++q) {
    const int64_t s = q / k.tH, ty = q % k.tH, ys = std::min<int64_t>(4, k.oh - 4 * ty);
    for (int64_t tx = 0; tx < k.tW; ++tx) {
      const int64_t xs = std::min<int64_t>(4, k.ow - 4 * tx);
      const float* src = M + ((q - q0) * k.tW + tx) * k.coutPad;
      for (int64_t o0 = 0; o0 < k.cout; o0 += kLanes) {
        loops.outputTile(src + o0, xiStride, biasPad ? biasPad + o0 : nullptr, relu, tile);
        loops.unpackTile(tile, std::min<int64_t>(kLanes, k.cout - o0), ys, xs,
                         out + (s * k.cout + o0) * plane + 4 * ty * k.ow + 4 * tx, plane, k.ow);
      }
    }
  }
}

// The whole correlation: out = conv(in, U) + bias (then max(., 0) if relu).
bool correlate(Context& ctx, const float* in, const float* U, const float* bias, bool relu, float* out, const Core& k) {
  const TileGemm tg = tileGemmFor(ctx.isa);
  const simd::WinogradLoops& loops = simd::winogradLoopsFor(ctx.isa);
  // The micro-kernel loads U's panels with aligned vector loads. The library allocates U aligned
  // (allocateAlignedFloat32); any other caller's U is copied into aligned scratch first.
  Scratch<float> alignedU;
  if (reinterpret_cast<uintptr_t>(U) % 64 != 0) {
    const int64_t size = panelFilterSize(k.cin, k.cout, tg.nr);
    alignedU = scratch(ScratchUse::WinogradPackedFilter, size);
    if (!alignedU) return false;
    std::copy(U, U + size, alignedU.get());
    U = alignedU.get();
  }
  Scratch<float> biasPad;
  if (bias) {
    biasPad = scratch(ScratchUse::WinogradBias, k.coutPad, true);
    if (!biasPad) return false;
    std::copy(bias, bias + k.cout, biasPad.get());
  }
  std::atomic<bool> ok{true};
  ctx.pool.parallelFor(0, k.blocks, 1, [&](int64_t b, int64_t e) {
    // V is zeroed once: its padding rows then hold zeros or an earlier block's finite values.
    Scratch<float> band = scratch(ScratchUse::WinogradBand, k.bandSize()),
                   V = scratch(ScratchUse::WinogradTiles, kPoints * k.tilePad * k.cinPad, true),
                   M = scratch(ScratchUse::WinogradProducts, kPoints * k.tilePad * k.coutPad),
                   apanel = scratch(ScratchUse::WinogradPanel, tg.rows ? 0 : k.cin * tg.mr);
    if (!band || !V || !M || !apanel) {
      ok = false;
      return;
    }
    for (int64_t blk = b; blk < e; ++blk) {
      const int64_t q0 = blk * k.rowsPerBlock, q1 = std::min(q0 + k.rowsPerBlock, k.tileRows());
      fillInputBand(loops, in, k, q0, q1, band.get());
      inputTransforms(loops, k, q0, q1, band.get(), V.get(), k.tilePad);
      products(tg, k, (q1 - q0) * k.tW, V.get(), U, M.get(), apanel.get());
      outputTransforms(loops, k, q0, q1, M.get(), biasPad.get(), relu, out);
    }
  });
  return ok;
}

Core forwardCore(const ConvGeometry& g) { return makeCore(g.n, g.c, g.o, g.h, g.w, g.oh, g.ow, g.padH, g.padW); }

}  // namespace

bool winogradApplies(const ConvGeometry& g) {
  return g.kh == 3 && g.kw == 3 && g.strideH == 1 && g.strideW == 1 && g.dilationH == 1 && g.dilationW == 1 &&
         g.groups == 1 && g.n > 0 && g.c > 0 && g.o > 0 && g.oh > 0 && g.ow > 0 && g.h > 0 && g.w > 0;
}

int winogradFilterPanel(Isa isa) { return tileGemmFor(isa).nr; }

int64_t winogradFilterSize(const ConvGeometry& g, bool transposed, Isa isa) {
  return transposed ? panelFilterSize(g.o, g.c, winogradFilterPanel(isa)) : panelFilterSize(g.c, g.o, winogradFilterPanel(isa));
}


void winogradFilter(Context& ctx, const float* weight, const ConvGeometry& g, bool transposed, float* U) {
  // U[xi][p][a][j], b = p*panel + j (o forward, c transposed): b runs innermost, kRun at a
  // time, so that each point's values are stored as runs of consecutive floats (one scattered
  // store per point and pair took most of the time), and the kRun transforms run as one vector
  // computation (simd/winograd_loops.h: scalar code did ~0.7 ms of a 256x256 filter's ~1 ms).
  // Work goes panel by panel, rows a in order within one: each point's stores then advance
  // through one contiguous stream (36 streams, not 36 per panel), and forward each lane reads
  // its filter row in order. A 512x512 filter (37.7 MB of U, past the L3; 1 thread, alternating
  // builds) takes 6.7-6.9 ms this way against 10.4-10.8 across all panels at once; a 256x256
  // one (9.4 MB) about 1.1 ms either way, bound by the stores.
  constexpr int kRun = simd::kWinogradFilterRun;
  const simd::WinogradLoops& loops = simd::winogradLoopsFor(ctx.isa);
  const int64_t outer = transposed ? g.o : g.c, inner = transposed ? g.c : g.o;
  const int64_t panel = winogradFilterPanel(ctx.isa), padded = roundUp(inner, panel), xiStride = outer * padded;
  const int64_t panels = padded / panel;
  // Items: a panel's rows in blocks, so that a filter of few panels still splits across the
  // pool (every element is computed the same way by any thread).
  const int64_t rowsPerItem = std::max<int64_t>(1, std::min<int64_t>(outer, 16384 / std::max<int64_t>(1, panel)));
  const int64_t blocks = ceilDiv(outer, rowsPerItem);
  ctx.pool.parallelFor(0, panels * blocks, 1, [&](int64_t itemBegin, int64_t itemEnd) {
    alignas(64) double f[9 * kRun], u[kPoints * kRun];
    for (int64_t item = itemBegin; item < itemEnd; ++item) {
      const int64_t p = item / blocks, aBegin = (item % blocks) * rowsPerItem, aEnd = std::min(outer, aBegin + rowsPerItem);
      const int64_t bBegin = p * panel, bEnd = std::min(inner, bBegin + panel);
      float* panelBase = U + p * outer * panel;
      for (int64_t a = aBegin; a < aEnd; ++a) {
        float* row = panelBase + a * panel;  // point xi's row is row + xi * xiStride
        for (int64_t b0 = bBegin; b0 < bEnd; b0 += kRun) {
          const int n = int(std::min<int64_t>(kRun, bEnd - b0));
          for (int l = 0; l < kRun; ++l) {
            // Lanes past n repeat the last filter (computed and dropped).
            const int64_t b = b0 + std::min(l, n - 1);
            const int64_t o = transposed ? a : b, c = transposed ? b : a;
            const float* w9 = weight + (o * g.c + c) * 9;
            for (int tap = 0; tap < 9; ++tap) f[tap * kRun + l] = transposed ? w9[8 - tap] : w9[tap];
          }
          loops.filterTransforms(f, u);
          for (int64_t xi = 0; xi < kPoints; ++xi) {
            float* dst = row + xi * xiStride + (b0 - bBegin);
            for (int l = 0; l < n; ++l) dst[l] = float(u[xi * kRun + l]);
          }
        }
        // The last panel's columns past `inner` are zeros (the products run whole panels).
        if (bEnd - bBegin < panel)
          for (int64_t xi = 0; xi < kPoints; ++xi) std::fill(row + xi * xiStride + (bEnd - bBegin), row + xi * xiStride + panel, 0.0f);
      }
    }
  });
}

bool winogradForward(Context& ctx, const float* x, const float* U, const float* bias, float* out, const ConvGeometry& g,
                     bool relu) {
  return correlate(ctx, x, U, bias, relu, out, forwardCore(g));
}

bool winogradBackwardInput(Context& ctx, const float* gradOut, const float* Ut, float* gradInput, const ConvGeometry& g) {
  // gradIn[c, iy, ix] = sum gradOut[o, iy + padH - ky, ...] w[o, c, ky, kx]: a correlation of
  // gradOut with the flipped filter, whose top/left padding is 2 - padH (negative: a crop).
  const Core k = makeCore(g.n, g.o, g.c, g.oh, g.ow, g.h, g.w, 2 - g.padH, 2 - g.padW);
  return correlate(ctx, gradOut, Ut, nullptr, false, gradInput, k);
}

namespace {

// dM[xi][t][o] = (A gradY A^T)[xi] for the tiles of rows [q0, q1), dM holding pointRows tile rows per point.
// goBand: scratch of rowsPerBlock * 4 * (4*tW) * coutPad floats.
void gradTransforms(const simd::WinogradLoops& loops, const Core& k, const float* gradOut, int64_t q0, int64_t q1,
                    float* goBand, float* dM, int64_t pointRows) {
  const int64_t rs = 4 * k.tW * k.coutPad;
  // goBand[q][r][x][o] = gradOut[s, o, 4ty + r, x], 0 past the output's edge.
  std::fill(goBand, goBand + (q1 - q0) * 4 * rs, 0.0f);
  for (int64_t q = q0; q < q1; ++q) {
    const int64_t s = q / k.tH, ty = q % k.tH;
    float* band = goBand + (q - q0) * 4 * rs;
    for (int64_t r = 0; r < 4 && 4 * ty + r < k.oh; ++r) {
      for (int64_t o = 0; o < k.cout; o += kLanes) {
        loops.packLanes(gradOut + ((s * k.cout + o) * k.oh + 4 * ty + r) * k.ow, k.oh * k.ow,
                        std::min(kLanes, k.cout - o), k.ow, band + r * rs + o, k.coutPad);
      }
    }
    for (int64_t tx = 0; tx < k.tW; ++tx) {
      float* dst = dM + ((q - q0) * k.tW + tx) * k.coutPad;
      for (int64_t o = 0; o < k.coutPad; o += kLanes)
        loops.gradTile(band + 4 * tx * k.coutPad + o, rs, k.coutPad, dst + o, pointRows * k.coutPad);
    }
  }
}

// r = G^T v for one line of 6 points (3 results), G's entries spelled out as in simd filterLines.
inline void gradientLine(double v0, double v1, double v2, double v3, double v4, double v5, double (&r)[3]) {
  const double s12 = v1 + v2, s34 = v3 + v4;
  r[0] = v0 * (1.0 / 4) - s12 * (1.0 / 6) + s34 * (1.0 / 24);
  r[1] = (v2 - v1) * (1.0 / 6) + (v3 - v4) * (1.0 / 12);
  r[2] = (s34 - s12) * (1.0 / 6) + v5;
}

// Tile rows the weight gradient transforms at once: V and dM of the whole chunk take about
// this many bytes (1..8 MiB measured alike on W6 and on 384 channels at 24x24).
constexpr int64_t kWeightChunkBytes = int64_t(4) << 20;

}  // namespace

bool winogradBackwardWeight(Context& ctx, const float* x, const float* gradOut, float* gradWeight, const ConvGeometry& g) {
  // In chunks of whole blocks: transform every tile of the chunk (threads split the blocks),
  // then S[xi] += V[xi]^T @ dM[xi] over the chunk's tiles (threads split the 36 points; each
  // point's GEMM runs on one thread, K = the chunk's tiles). Every S[xi] adds the chunks in
  // order, whatever thread computes it; and a long K keeps the GEMM compute-bound where
  // per-block products of [C x tiles] @ [tiles x O] would re-read the C x O sums each time.
  const Core k = forwardCore(g);
  const simd::WinogradLoops& loops = simd::winogradLoopsFor(ctx.isa);
  const int64_t perTile = kPoints * int64_t(sizeof(float)) * (k.cinPad + k.coutPad);
  const int64_t blocksPerChunk = std::clamp<int64_t>(kWeightChunkBytes / (perTile * k.rowsPerBlock * k.tW), 1, k.blocks);
  const int64_t chunkRows = blocksPerChunk * k.rowsPerBlock;
  const int64_t pointRows = roundUp(std::min(chunkRows, k.tileRows()) * k.tW, kRowQuantum);
  const int64_t uSize = kPoints * g.c * g.o;
  Scratch<float> sum = scratch(ScratchUse::WinogradPointSums, uSize),
                 V = scratch(ScratchUse::WinogradTiles, kPoints * pointRows * k.cinPad),
                 dM = scratch(ScratchUse::WinogradProducts, kPoints * pointRows * k.coutPad);
  if (!sum || !V || !dM) return false;
  std::atomic<bool> ok{true};
  for (int64_t c0 = 0; c0 < k.tileRows() && ok; c0 += chunkRows) {
    const int64_t c1 = std::min(c0 + chunkRows, k.tileRows()), tiles = (c1 - c0) * k.tW;
    const int64_t blocks = ceilDiv(c1 - c0, k.rowsPerBlock);
    ctx.pool.parallelFor(0, blocks, 1, [&](int64_t b, int64_t e) {
      Scratch<float> band = scratch(ScratchUse::WinogradBand, k.bandSize()),
                     goBand = scratch(ScratchUse::WinogradGradBand, k.rowsPerBlock * 4 * 4 * k.tW * k.coutPad);
      if (!band || !goBand) {
        ok = false;
        return;
      }
      for (int64_t blk = b; blk < e; ++blk) {
        const int64_t q0 = c0 + blk * k.rowsPerBlock, q1 = std::min(q0 + k.rowsPerBlock, c1);
        const int64_t t0 = (q0 - c0) * k.tW;
        fillInputBand(loops, x, k, q0, q1, band.get());
        inputTransforms(loops, k, q0, q1, band.get(), V.get() + t0 * k.cinPad, pointRows);
        gradTransforms(loops, k, gradOut, q0, q1, goBand.get(), dM.get() + t0 * k.coutPad, pointRows);
      }
    });
    if (!ok) break;
    ctx.pool.parallelFor(0, kPoints, 1, [&](int64_t b, int64_t e) {
      for (int64_t xi = b; xi < e; ++xi) {
        sgemm(ctx, true, false, g.c, g.o, tiles, 1.0f, V.get() + xi * pointRows * k.cinPad, k.cinPad,
              dM.get() + xi * pointRows * k.coutPad, k.coutPad, c0 == 0 ? 0.0f : 1.0f, sum.get() + xi * g.c * g.o, g.o);
      }
    });
  }
  if (!ok) return false;
  // gradW[o, c] = G^T S G, in double.
  // i = c*o + o: consecutive i read consecutive floats of each S[xi].
  ctx.pool.parallelFor(0, g.o * g.c, 64, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t c = i / g.o, o = i % g.o;
      double s[6][6];
      for (int64_t xi = 0; xi < kPoints; ++xi) s[xi / 6][xi % 6] = sum.get()[(xi * g.c + c) * g.o + o];
      double t[6][3], r[3];
      for (int j = 0; j < 6; ++j) gradientLine(s[0][j], s[1][j], s[2][j], s[3][j], s[4][j], s[5][j], t[j]);  // t[j][a] = (G^T S)[a][j]
      float* dst = gradWeight + (o * g.c + c) * 9;
      for (int a = 0; a < 3; ++a) {
        gradientLine(t[0][a], t[1][a], t[2][a], t[3][a], t[4][a], t[5][a], r);  // r[b] = (G^T S G)[a][b]
        for (int bb = 0; bb < 3; ++bb) dst[a * 3 + bb] = float(r[bb]);
      }
    }
  });
  return true;
}

int convChannelClass(int64_t channels) { return channels <= 16 ? 0 : channels <= 64 ? 1 : channels <= 256 ? 2 : 3; }
int convSpatialClass(int64_t side) { return side <= 8 ? 0 : side <= 16 ? 1 : side <= 32 ? 2 : 3; }
// Sides 5-6 and 7-8 are classes of their own: F(4x4,3x3) computes whole 4x4 tiles, so a 5x5 or 6x6
// plane fills 39-56% of what it computes and a 7x7 or 8x8 one 77-100%. As one class (measured at
// 5 and 8) a ResNet's 8x8 weight gradient went to the exact algorithm, which is ~1.3x slower there.
int winogradSpatialClass(int64_t side) {
  return side <= 2 ? 0 : side <= 4 ? 1 : side <= 6 ? 2 : side <= 8 ? 3 : 3 + convSpatialClass(side);
}

bool winogradPreferred(const ConvGeometry& g, ConvPass pass) {
  if (!winogradApplies(g)) return false;
  return kConvWinogradWins[int(pass)][convChannelClass(g.c)][convChannelClass(g.o)]
                          [winogradSpatialClass(std::min(g.oh, g.ow))] != 0;
}

}  // namespace lattice
