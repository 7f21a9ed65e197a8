// Row-major walk over an n-d index space with up to three running offsets.
#pragma once

#include <cstdint>
#include <vector>

namespace lattice {

// Calls visit(i, off0, off1, off2) for every element i of `shape` in row-major order.
template <int NumOperands, typename Visit>
void forEachStrided(const int32_t* shape, int nd, const int32_t* const* strides, Visit&& visit) {
  int64_t total = 1;
  for (int d = 0; d < nd; ++d) total *= shape[d];
  if (total == 0) return;
  std::vector<int32_t> idx(nd > 0 ? nd : 1, 0);
  int64_t offs[3] = {0, 0, 0};
  // The innermost dim runs as a tight loop; outer dims advance like an odometer.
  const int64_t innerN = nd > 0 ? shape[nd - 1] : 1;
  int64_t innerStride[3] = {0, 0, 0};
  for (int k = 0; k < NumOperands; ++k) innerStride[k] = nd > 0 ? strides[k][nd - 1] : 0;
  for (int64_t i = 0; i < total; i += innerN) {
    for (int64_t j = 0; j < innerN; ++j)
      visit(i + j, offs[0] + j * innerStride[0], offs[1] + j * innerStride[1], offs[2] + j * innerStride[2]);
    for (int d = nd - 2; d >= 0; --d) {
      ++idx[d];
      for (int k = 0; k < NumOperands; ++k) offs[k] += strides[k][d];
      if (idx[d] < shape[d]) break;
      for (int k = 0; k < NumOperands; ++k) offs[k] -= static_cast<int64_t>(strides[k][d]) * shape[d];
      idx[d] = 0;
    }
  }
}

}  // namespace lattice
