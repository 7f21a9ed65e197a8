// Bodies of the transpose loops (see copy_loops.h). Included inside namespace
// lattice::simd::<isa>; the ISA's file then names its tiles, one per element size N (bytes):
//   TileN::kWidth                                 W, the tile's rows and columns
//   TileN::run(src, srcStride, dst, dstStride)    one full W x W tile (strides in elements)
// and returns copyLoopsOf<Tile1, Tile4, Tile8>() as its copyLoops(). PlainTile<N, W> is the
// element-by-element tile, for an element size the ISA has nothing better for.

// dst[a, b] = src[b, a] for a < rows, b < cols, element by element (the ragged edges, and
// whole blocks smaller than a tile). An N-byte memcpy compiles to one move of the element's bits.
template <int N>
inline void transposeElements(const unsigned char* src, int64_t srcStride, unsigned char* dst, int64_t dstStride,
                              int64_t rows, int64_t cols) {
  for (int64_t a = 0; a < rows; ++a)
    for (int64_t b = 0; b < cols; ++b) std::memcpy(dst + (a * dstStride + b) * N, src + (b * srcStride + a) * N, N);
}

template <int N, int W>
struct PlainTile {
  static constexpr int kWidth = W;
  static void run(const unsigned char* src, int64_t srcStride, unsigned char* dst, int64_t dstStride) {
    transposeElements<N>(src, srcStride, dst, dstStride, W, W);
  }
};

// The block in tiles: for each band of W columns (W rows of src, each read along the block's
// rows), the tiles down the rows, then the band's bottom edge; the right edge last. The
// caller's blocks are a few tiles tall, so a band's src lines and dst rows stay in L1.
template <typename Tile, int N>
void transposeBlock(const void* srcBlock, int64_t srcStride, void* dstBlock, int64_t dstStride, int64_t rows,
                    int64_t cols) {
  constexpr int W = Tile::kWidth;
  const auto* src = static_cast<const unsigned char*>(srcBlock);
  auto* dst = static_cast<unsigned char*>(dstBlock);
  const int64_t fullRows = rows - rows % W, fullCols = cols - cols % W;
  for (int64_t b0 = 0; b0 < fullCols; b0 += W) {
    for (int64_t a0 = 0; a0 < fullRows; a0 += W)
      Tile::run(src + (b0 * srcStride + a0) * N, srcStride, dst + (a0 * dstStride + b0) * N, dstStride);
    transposeElements<N>(src + (b0 * srcStride + fullRows) * N, srcStride, dst + (fullRows * dstStride + b0) * N,
                         dstStride, rows - fullRows, W);
  }
  transposeElements<N>(src + fullCols * srcStride * N, srcStride, dst + fullCols * N, dstStride, rows, cols - fullCols);
}

// dst[0, n) = the element at value: a loop the compiler writes in this ISA's widest stores.
template <typename Bits>
void fillElements(void* dst, const void* value, int64_t n) {
  Bits v;
  std::memcpy(&v, value, sizeof(Bits));
  auto* to = static_cast<Bits*>(dst);
  for (int64_t k = 0; k < n; ++k) to[k] = v;
}

template <typename Tile1, typename Tile4, typename Tile8>
const CopyLoops& copyLoopsOf() {
  static const CopyLoops loops{transposeBlock<Tile1, 1>, transposeBlock<Tile4, 4>, transposeBlock<Tile8, 8>,
                               Tile1::kWidth,            Tile4::kWidth,            Tile8::kWidth,
                               copyRun,
                               fillElements<uint8_t>,    fillElements<uint32_t>,   fillElements<uint64_t>};
  return loops;
}
