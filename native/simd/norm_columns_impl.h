// The column loops of simd/norm_columns.h, included inside an ISA's namespace by
// simd/<isa>/norm_columns_<isa>.cc: the inner loop runs along a row's n contiguous columns with
// no dependence between columns, which the compiler vectorises for the file's ISA.

// The gradient through the ReLU for one row: dy where reluOut > 0, else 0, into buf (a row
// that stays in L1), or dy itself without a ReLU. Made apart from the sums because a float
// selection feeding double lanes kept GCC from vectorising the loop (it ran one element at a
// time, with a branch per element: 4x slower).
template <typename T>
const T* maskedRow(const T* __restrict dyr, const T* __restrict outr, int64_t n, T* __restrict buf) {
  if (!outr) return dyr;
  for (int64_t j = 0; j < n; ++j) {
    const T d = dyr[j];
    buf[j] = outr[j] > T(0) ? d : T(0);
  }
  return buf;
}

template <typename T>
void columnSums(const T* __restrict x, int64_t rows, int64_t stride, int64_t n, double* __restrict acc) {
  for (int64_t j = 0; j < n; ++j) acc[j] = 0.0;
  for (int64_t i = 0; i < rows; ++i) {
    const T* __restrict xr = x + i * stride;
    for (int64_t j = 0; j < n; ++j) acc[j] += static_cast<double>(xr[j]);
  }
}

template <typename T>
void columnSquaredDeviations(const T* __restrict x, int64_t rows, int64_t stride, int64_t n, const double* __restrict mu,
                             double* __restrict acc) {
  for (int64_t j = 0; j < n; ++j) acc[j] = 0.0;
  for (int64_t i = 0; i < rows; ++i) {
    const T* __restrict xr = x + i * stride;
    for (int64_t j = 0; j < n; ++j) {
      const double d = static_cast<double>(xr[j]) - mu[j];
      acc[j] += d * d;
    }
  }
}

template <typename T>
void columnScaleShift(const T* __restrict x, int64_t rows, int64_t stride, int64_t n, const double* __restrict mu,
                      const double* __restrict scale, const double* __restrict shift, bool relu, T* __restrict y) {
  for (int64_t i = 0; i < rows; ++i) {
    const T* __restrict xr = x + i * stride;
    T* __restrict yr = y + i * stride;
    if (relu) {
      for (int64_t j = 0; j < n; ++j) {
        const T v = static_cast<T>((static_cast<double>(xr[j]) - mu[j]) * scale[j] + shift[j]);
        yr[j] = v < T(0) ? T(0) : v;  // false for NaN: a NaN stays
      }
    } else {
      for (int64_t j = 0; j < n; ++j) yr[j] = static_cast<T>((static_cast<double>(xr[j]) - mu[j]) * scale[j] + shift[j]);
    }
  }
}

template <typename T>
void columnGradientSums(const T* __restrict dy, const T* __restrict x, const T* __restrict reluOut, int64_t rows,
                        int64_t stride, int64_t n, const double* __restrict mu, double* __restrict accG,
                        double* __restrict accGXc) {
  std::vector<T> buf(reluOut ? static_cast<std::size_t>(n) : 0);
  for (int64_t j = 0; j < n; ++j) accG[j] = accGXc[j] = 0.0;
  for (int64_t i = 0; i < rows; ++i) {
    const T* __restrict g = maskedRow(dy + i * stride, reluOut ? reluOut + i * stride : nullptr, n, buf.data());
    const T* __restrict xr = x + i * stride;
    for (int64_t j = 0; j < n; ++j) {
      const double gj = static_cast<double>(g[j]);
      accG[j] += gj;
      accGXc[j] += gj * (static_cast<double>(xr[j]) - mu[j]);
    }
  }
}

template <typename T>
void columnAffineGrad(const T* __restrict dy, const T* __restrict x, const T* __restrict reluOut, int64_t rows,
                      int64_t stride, int64_t n, const double* __restrict mu, const double* __restrict p,
                      const double* __restrict q, const double* __restrict r, T* __restrict dx) {
  std::vector<T> buf(reluOut ? static_cast<std::size_t>(n) : 0);
  for (int64_t i = 0; i < rows; ++i) {
    const T* __restrict g = maskedRow(dy + i * stride, reluOut ? reluOut + i * stride : nullptr, n, buf.data());
    const T* __restrict xr = x + i * stride;
    T* __restrict dxr = dx + i * stride;
    for (int64_t j = 0; j < n; ++j) {
      dxr[j] = static_cast<T>(p[j] * static_cast<double>(g[j]) - (q[j] + r[j] * (static_cast<double>(xr[j]) - mu[j])));
    }
  }
}

template <typename T>
ColumnLoops<T> columnLoops() {
  return {columnSums<T>, columnSquaredDeviations<T>, columnScaleShift<T>, columnGradientSums<T>, columnAffineGrad<T>};
}

const ColumnLoops<float>& columnLoopsF32() {
  static const ColumnLoops<float> table = columnLoops<float>();
  return table;
}

const ColumnLoops<double>& columnLoopsF64() {
  static const ColumnLoops<double> table = columnLoops<double>();
  return table;
}
