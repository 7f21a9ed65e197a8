// Scratch memory kept between kernel calls: one growing, 64-byte aligned buffer per thread and
// use, so that large temporaries (im2col columns, Winograd tiles, partial sums) are not mapped
// and page-faulted in afresh on every call (ResNet-18's step took ~50k faults before; W3's
// Winograd weight gradient ~680 a call). Each use has its own slot, so one thread may hold
// several at once; no kernel runs twice at once on one thread, so a slot is never shared.
// Requests above the caller's cap are allocated for the call alone and freed with it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

namespace lattice {

// Every kept buffer's slot. Uses that can be live at the same time on one thread need
// different slots.
enum class ScratchUse : int {
  ConvColumns, ConvProduct, ConvPartials,
  WinogradPackedFilter, WinogradBias, WinogradBand, WinogradTiles, WinogradProducts, WinogradPanel, WinogradGradBand, WinogradPointSums,
  ImplicitPackedWeight, ImplicitPaddedInput, ImplicitTransposedGrad, ImplicitSums, ImplicitBlocks,
  LinalgMatrix, LinalgRhs, LinalgTransposed, LinalgTransposedRhs, LinalgPanel, LinalgReflectors, LinalgReflectorProducts,
  Count
};

struct AlignedDelete {
  void operator()(unsigned char* p) const { ::operator delete[](p, std::align_val_t(64)); }
};
using AlignedBytes = std::unique_ptr<unsigned char[], AlignedDelete>;

inline AlignedBytes allocateAligned(size_t bytes) {
  return AlignedBytes(static_cast<unsigned char*>(::operator new[](std::max<size_t>(bytes, 64), std::align_val_t(64), std::nothrow)));
}

// `count` elements of T for this call (zeroed if asked): the thread's kept buffer for `use`
// when count * sizeof(T) <= keepBytes, else an owned one. Null (operator bool false) when the
// memory cannot be had or the count is absurd: the caller reports that instead of aborting.
template <typename T>
class Scratch {
 public:
  Scratch() = default;
  Scratch(ScratchUse use, int64_t count, size_t keepBytes, bool zero = false) {
    if (count < 0 || count > (int64_t(1) << 34)) return;
    const size_t bytes = size_t(count) * sizeof(T);
    if (bytes > keepBytes) {
      owned_ = allocateAligned(bytes);
      data_ = reinterpret_cast<T*>(owned_.get());
    } else {
      thread_local AlignedBytes kept[int(ScratchUse::Count)];
      thread_local size_t keptBytes[int(ScratchUse::Count)] = {};
      const int slot = int(use);
      if (keptBytes[slot] < bytes || !kept[slot]) {
        kept[slot].reset();
        keptBytes[slot] = 0;
        kept[slot] = allocateAligned(bytes);
        if (!kept[slot]) return;
        keptBytes[slot] = std::max<size_t>(bytes, 64);
      }
      data_ = reinterpret_cast<T*>(kept[slot].get());
    }
    if (data_ && zero) std::memset(static_cast<void*>(data_), 0, bytes);
  }
  explicit operator bool() const { return data_ != nullptr; }
  T* get() const { return data_; }

 private:
  T* data_ = nullptr;
  AlignedBytes owned_;
};

}  // namespace lattice
