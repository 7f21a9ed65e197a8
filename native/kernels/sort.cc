// Each value becomes an unsigned key whose integer order is the wanted order, paired with its position:
//   float: flip the sign bit of a positive value, every bit of a negative one (IEEE order becomes
//          unsigned order); every NaN maps to the largest key, -0 to +0's key;
//   int32: flip the sign bit;  bool: the byte itself;  descending: the key's complement.
// Ordering the pairs by (key, position) is then a stable sort with NaN largest. Whole lines are sorted
// by an LSD radix sort on the key bytes (stable, so positions stay in order within equal keys); short
// lines by std::sort on the pairs. topk with k < len selects before it sorts: a few of many (k <= len/16)
// through a bounded heap of k pairs, which most entries leave after one comparison with its top;
// otherwise nth_element on all the pairs. Then the k are sorted.
#include "sort.h"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

namespace lattice {
namespace {

// From this length on the radix passes beat a comparison sort of the pairs. Per 2^20 float32 values on
// one thread, std::sort took 8.5 ms in lines of 4, 17 ms of 32, 21 ms of 64, 34 ms of 1024; the radix
// sort 103 ms in lines of 4 (its 256-bucket passes dominate), 18 ms of 32, 12 ms of 64, 6.7 ms of 1024.
constexpr int64_t kRadixMin = 48;
// topk takes the bounded heap where k * kHeapRatio <= len.
constexpr int64_t kHeapRatio = 16;

inline uint32_t orderedKey(float v) {
  if (v != v) return 0xFFFFFFFFu;
  if (v == 0.0f) v = 0.0f;
  uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

inline uint64_t orderedKey(double v) {
  if (v != v) return ~uint64_t(0);
  if (v == 0.0) v = 0.0;
  uint64_t u;
  std::memcpy(&u, &v, sizeof u);
  return (u >> 63) ? ~u : (u | (uint64_t(1) << 63));
}

inline uint32_t orderedKey(int32_t v) { return static_cast<uint32_t>(v) ^ 0x80000000u; }
inline uint32_t orderedKey(uint8_t v) { return v; }

// A 32-bit key and its position packed in one integer: (key << 32) | position.
struct Packed {
  using Entry = uint64_t;
  static constexpr int kKeyBytes = 4;
  static Entry make(uint64_t key, uint32_t at) { return (key << 32) | at; }
  static uint64_t reversed(uint64_t key) { return key ^ 0xFFFFFFFFu; }
  static uint32_t position(Entry e) { return static_cast<uint32_t>(e); }
  static unsigned digit(Entry e, int byte) { return static_cast<unsigned>(e >> (32 + 8 * byte)) & 0xFFu; }
  static bool less(Entry a, Entry b) { return a < b; }
};

// A 64-bit key (float64) and its position.
struct Wide {
  struct Entry {
    uint64_t key;
    uint32_t at;
  };
  static constexpr int kKeyBytes = 8;
  static Entry make(uint64_t key, uint32_t at) { return Entry{key, at}; }
  static uint64_t reversed(uint64_t key) { return ~key; }
  static uint32_t position(const Entry& e) { return e.at; }
  static unsigned digit(const Entry& e, int byte) { return static_cast<unsigned>(e.key >> (8 * byte)) & 0xFFu; }
  static bool less(const Entry& a, const Entry& b) { return a.key < b.key || (a.key == b.key && a.at < b.at); }
};

// Stable LSD radix sort of a[0, n) on the key bytes; tmp holds n entries. A pass whose byte is the same
// for every entry (the high bytes of small integers) is skipped.
template <typename P>
void radixSort(typename P::Entry* a, typename P::Entry* tmp, int64_t n) {
  using Entry = typename P::Entry;
  Entry* src = a;
  Entry* dst = tmp;
  for (int byte = 0; byte < P::kKeyBytes; ++byte) {
    int64_t count[256] = {0};
    for (int64_t j = 0; j < n; ++j) ++count[P::digit(src[j], byte)];
    if (count[P::digit(src[0], byte)] == n) continue;
    int64_t at = 0;
    for (int d = 0; d < 256; ++d) {
      const int64_t c = count[d];
      count[d] = at;
      at += c;
    }
    for (int64_t j = 0; j < n; ++j) dst[count[P::digit(src[j], byte)]++] = src[j];
    std::swap(src, dst);
  }
  if (src != a) std::copy(src, src + n, a);
}

// Replaces the top (largest) of a max-heap of k pairs by `next`, which is below it, and sifts it down:
// one pass where pop_heap then push_heap would take two.
template <typename P>
void replaceTop(typename P::Entry* heap, int64_t k, typename P::Entry next) {
  int64_t at = 0;
  for (;;) {
    int64_t child = 2 * at + 1;
    if (child >= k) break;
    if (child + 1 < k && P::less(heap[child], heap[child + 1])) ++child;
    if (!P::less(next, heap[child])) break;
    heap[at] = heap[child];
    at = child;
  }
  heap[at] = next;
}

template <typename T, typename P>
void sortTyped(Context& ctx, const T* x, T* values, int32_t* indices, int64_t outer, int64_t len, int64_t inner, int64_t k,
               bool descending) {
  using Entry = typename P::Entry;
  const int64_t lines = outer * inner;
  const int64_t grain = std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, len));
  const bool radix = k == len && len >= kRadixMin;
  const bool heap = k > 0 && k * kHeapRatio <= len;
  ctx.pool.parallelFor(0, lines, grain, [&](int64_t b, int64_t e) {
    std::vector<Entry> scratch(static_cast<size_t>(radix ? 2 * len : heap ? k : len));
    Entry* entries = scratch.data();
    for (int64_t line = b; line < e; ++line) {
      const int64_t o = line / inner, i = line % inner;
      const T* src = x + o * len * inner + i;
      auto entryAt = [&](int64_t j) {
        const uint64_t key = orderedKey(src[j * inner]);
        return P::make(descending ? P::reversed(key) : key, static_cast<uint32_t>(j));
      };
      if (heap) {
        // A max-heap of the k smallest pairs so far: a pair enters only if it is below the top.
        for (int64_t j = 0; j < k; ++j) entries[j] = entryAt(j);
        std::make_heap(entries, entries + k, P::less);
        for (int64_t j = k; j < len; ++j) {
          const Entry next = entryAt(j);
          if (P::less(next, entries[0])) replaceTop<P>(entries, k, next);
        }
        std::sort_heap(entries, entries + k, P::less);
      } else {
        for (int64_t j = 0; j < len; ++j) entries[j] = entryAt(j);
        if (radix) {
          radixSort<P>(entries, entries + len, len);
        } else if (k < len) {
          std::nth_element(entries, entries + k, entries + len, P::less);
          std::sort(entries, entries + k, P::less);
        } else {
          std::sort(entries, entries + len, P::less);
        }
      }
      T* vOut = values + o * k * inner + i;
      int32_t* iOut = indices + o * k * inner + i;
      for (int64_t j = 0; j < k; ++j) {
        const uint32_t at = P::position(entries[j]);
        vOut[j * inner] = src[static_cast<int64_t>(at) * inner];
        iOut[j * inner] = static_cast<int32_t>(at);
      }
    }
  });
}

}  // namespace

void sortKernel(Context& ctx, ElemType type, const void* x, void* values, int32_t* indices, int64_t outer, int64_t len,
                int64_t inner, int64_t k, bool descending) {
  switch (type) {
    case ElemType::F32:
      sortTyped<float, Packed>(ctx, static_cast<const float*>(x), static_cast<float*>(values), indices, outer, len, inner, k, descending);
      break;
    case ElemType::F64:
      sortTyped<double, Wide>(ctx, static_cast<const double*>(x), static_cast<double*>(values), indices, outer, len, inner, k, descending);
      break;
    case ElemType::I32:
      sortTyped<int32_t, Packed>(ctx, static_cast<const int32_t*>(x), static_cast<int32_t*>(values), indices, outer, len, inner, k, descending);
      break;
    case ElemType::U8:
      sortTyped<uint8_t, Packed>(ctx, static_cast<const uint8_t*>(x), static_cast<uint8_t*>(values), indices, outer, len, inner, k, descending);
      break;
  }
}

}  // namespace lattice
