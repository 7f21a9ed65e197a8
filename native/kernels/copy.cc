#include "copy.h"

#include <cstring>

namespace lattice {

namespace {

size_t elemSize(ElemType t) { return t == ElemType::F64 ? 8 : t == ElemType::U8 ? 1 : 4; }

template <typename T>
void gatherTyped(const T* x, const int32_t* index, T* out, int64_t outer, int64_t len, int64_t idxLen, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < idxLen; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = (o * idxLen + j) * inner + i;
        out[k] = x[(o * len + index[k]) * inner + i];
      }
}

template <typename T>
void scatterAddTyped(const T* src, const int32_t* index, T* out, int64_t outer, int64_t len, int64_t idxLen, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < idxLen; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = (o * idxLen + j) * inner + i;
        out[(o * len + index[k]) * inner + i] += src[k];
      }
}

template <typename T>
void indexAddTyped(const T* src, const int32_t* index, int64_t n, T* out, int64_t outer, int64_t len, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < n; ++j) {
      T* to = out + (o * len + index[j]) * inner;
      const T* from = src + (o * n + j) * inner;
      for (int64_t i = 0; i < inner; ++i) to[i] += from[i];
    }
}

}  // namespace

void gatherKernel(ElemType type, const void* x, const int32_t* index, void* out, int64_t outer, int64_t len, int64_t idxLen, int64_t inner) {
  switch (type) {
    case ElemType::F32: gatherTyped(static_cast<const float*>(x), index, static_cast<float*>(out), outer, len, idxLen, inner); break;
    case ElemType::F64: gatherTyped(static_cast<const double*>(x), index, static_cast<double*>(out), outer, len, idxLen, inner); break;
    case ElemType::I32: gatherTyped(static_cast<const int32_t*>(x), index, static_cast<int32_t*>(out), outer, len, idxLen, inner); break;
    case ElemType::U8: gatherTyped(static_cast<const uint8_t*>(x), index, static_cast<uint8_t*>(out), outer, len, idxLen, inner); break;
  }
}

void scatterAddKernel(ElemType type, const void* src, const int32_t* index, void* out, int64_t outer, int64_t len, int64_t idxLen, int64_t inner) {
  if (type == ElemType::F32) scatterAddTyped(static_cast<const float*>(src), index, static_cast<float*>(out), outer, len, idxLen, inner);
  else scatterAddTyped(static_cast<const double*>(src), index, static_cast<double*>(out), outer, len, idxLen, inner);
}

void indexSelectKernel(ElemType type, const void* x, const int32_t* index, int64_t n, void* out, int64_t outer, int64_t len, int64_t inner) {
  const size_t row = static_cast<size_t>(inner) * elemSize(type);
  const auto* from = static_cast<const uint8_t*>(x);
  auto* to = static_cast<uint8_t*>(out);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < n; ++j)
      std::memcpy(to + (o * n + j) * row, from + (o * len + index[j]) * row, row);
}

void indexAddKernel(ElemType type, const void* src, const int32_t* index, int64_t n, void* out, int64_t outer, int64_t len, int64_t inner) {
  if (type == ElemType::F32) indexAddTyped(static_cast<const float*>(src), index, n, static_cast<float*>(out), outer, len, inner);
  else indexAddTyped(static_cast<const double*>(src), index, n, static_cast<double*>(out), outer, len, inner);
}

}  // namespace lattice
