// The CUDA kernels' host interface, in plain C++ (no CUDA headers), so that the N-API
// bindings (bindings.cc, compiled by the C++ compiler) call into the .cu files (compiled
// by nvcc) through ordinary functions. Pointers here are device pointers. Every function
// enqueues on the one stream of runtime.cu and throws std::runtime_error naming the
// kernel when CUDA reports an error (the binding guard turns it into a JS Error).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace lattice {
namespace cuda {

// Element types, numbered as ElemType in kernels/elementwise.h.
enum class DType : int { F32 = 0, F64 = 1, I32 = 2, U8 = 3 };
inline size_t dtypeBytes(DType t) { return t == DType::F64 ? 8 : t == DType::U8 ? 1 : 4; }

// Broadcasting and strided walks support up to this many dims (the bindings check).
constexpr int kMaxDims = 12;

struct Probe {
  bool available = false;
  std::string reason;     // why not, when !available
  int devices = 0;
  std::string name;       // device 0
  int major = 0, minor = 0;
  size_t totalBytes = 0;
  int runtimeVersion = 0, driverVersion = 0;
};
// Asks the runtime once (cudart loads libcuda lazily here; a machine without a driver says so).
const Probe& probe();

// Stream-ordered caching allocator: cudaMallocAsync from the device's default pool, whose
// release threshold is raised so that freed blocks stay cached for the next allocation.
void* allocate(size_t bytes);
void release(void* p);
void trimCache();  // returns the cached, unused blocks to the driver
struct PoolStats { size_t reservedBytes = 0, usedBytes = 0, freeDeviceBytes = 0, totalDeviceBytes = 0; };
PoolStats poolStats();

void copyToDevice(void* dst, const void* src, size_t bytes);
void copyToHost(void* dst, const void* src, size_t bytes);  // waits for the stream
void copyDeviceToDevice(void* dst, const void* src, size_t bytes);
void synchronize();
void fill(DType t, void* out, int64_t n, double value);

// Elementwise (opcodes as kernels/opcodes.h).
void unary(int op, DType t, const void* x, void* out, int64_t n, double p0, double p1);
// shape == nullptr: flat, a or b of length 1 broadcast (aLen/bLen). Else strided over shape.
void binary(int op, DType in, DType outType, const void* a, int64_t aLen, const void* b, int64_t bLen, void* out, int64_t n,
            int ndim, const int32_t* shape, const int32_t* aStrides, const int32_t* bStrides);
void where(DType t, const uint8_t* cond, const void* a, const void* b, void* out, int ndim, const int32_t* shape,
           const int32_t* condStrides, const int32_t* aStrides, const int32_t* bStrides);
void copyStrided(DType t, const void* src, int64_t srcOffset, const int32_t* srcStrides, void* dst, int64_t dstOffset,
                 const int32_t* dstStrides, int ndim, const int32_t* shape);
void cast(DType from, const void* src, DType to, void* dst, int64_t n);

// Along-one-axis kernels over [outer, len, inner].
void reduce(int op, DType t, const void* x, void* out, int64_t outer, int64_t len, int64_t inner);
void argReduce(bool isMax, DType t, const void* x, void* values, int32_t* indices, int64_t outer, int64_t len, int64_t inner);
void softmax(bool log, DType t, const void* x, void* out, int64_t outer, int64_t len, int64_t inner);
void gather(DType t, const void* x, const int32_t* index, void* out, int64_t outer, int64_t len, int64_t idxLen, int64_t inner);
void scatterAdd(DType t, const void* src, const int32_t* index, void* out, int64_t outer, int64_t len, int64_t idxLen, int64_t inner);
void indexSelect(DType t, const void* x, const int32_t* index, int64_t idxLen, void* out, int64_t outer, int64_t len, int64_t inner);
void indexAdd(DType t, const void* src, const int32_t* index, int64_t idxLen, void* out, int64_t outer, int64_t len, int64_t inner);

struct CrossEntropyArgs {
  DType t;
  const void* x; int64_t outer, classes, inner;
  const int32_t* target; const void* probs; const void* weight;
  int64_t ignoreIndex; double labelSmoothing;
};
void crossEntropy(const CrossEntropyArgs& a, void* loss, void* logSumExp);
void crossEntropyBackward(const CrossEntropyArgs& a, const void* logSumExp, const void* gradLoss, void* gradX);

// C = alpha op(A) op(B) + beta C per batch entry; offsets are host arrays of `batch` element offsets.
void gemm(DType t, bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const void* a,
          const int32_t* aOffsets, int64_t lda, const void* b, const int32_t* bOffsets, int64_t ldb, double beta, void* c,
          const int32_t* cOffsets, int64_t ldc, int64_t batch, bool allowTf32 = false);

struct AdamScalars { double beta1, beta2, eps, weightDecay, decay, stepSize, bias2Sqrt; bool maximize; };
void adamStep(DType t, void* p, const void* g, void* m, void* v, void* vmax, int64_t n, const AdamScalars& s);
struct RmspropScalars { double lr, alpha, eps, weightDecay, momentum; bool maximize; };
// gradAvg non-null when centered, buf non-null when momentum > 0.
void rmspropStep(DType t, void* p, const void* g, void* squareAvg, void* gradAvg, void* buf, int64_t n, const RmspropScalars& s);
struct SgdScalars { double lr, momentum, dampening, weightDecay; bool nesterov, maximize, fresh; };
void sgdStep(DType t, void* p, const void* g, void* buf, int64_t n, const SgdScalars& s);

// 2-D convolution, NCHW, as Backend.conv2d (ConvGeometry in src/backend/backend.ts): im2col
// into a stream-ordered scratch buffer, then the batched GEMM; the backward passes are a GEMM
// and col2im (input) and per-sample GEMMs summed over the batch (weight).
struct ConvShape {
  int64_t n, c, h, w, o, oh, ow, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups;
};
void conv2d(DType t, const void* x, const void* weight, const void* bias, void* out, const ConvShape& g);
void conv2dBackwardInput(DType t, const void* gradOut, const void* weight, void* gradInput, const ConvShape& g);
void conv2dBackwardWeight(DType t, const void* x, const void* gradOut, void* gradWeight, const ConvShape& g);

// 2-D pooling over planes [h, w] -> [oh, ow], as Backend.maxPool2d / avgPool2d (PoolGeometry).
struct PoolShape { int64_t planes, h, w, oh, ow, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW; };
void maxPool2d(DType t, const void* x, void* out, int32_t* indices, const PoolShape& g);
void maxPool2dBackward(DType t, const void* gradOut, const int32_t* indices, void* gradInput, const PoolShape& g);
void avgPool2d(DType t, const void* x, void* out, const PoolShape& g, bool countIncludePad, int64_t divisor);
void avgPool2dBackward(DType t, const void* gradOut, void* gradInput, const PoolShape& g, bool countIncludePad, int64_t divisor);
// Adaptive average pooling: window i along an axis of n -> m is [floor(i*n/m), ceil((i+1)*n/m)).
void adaptiveAvgPool2d(DType t, const void* x, void* out, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow);
void adaptiveAvgPool2dBackward(DType t, const void* gradOut, void* gradInput, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow);

// Normalisation, as native/kernels/norm.h with device pointers; the statistics are float64
// device arrays. Null weight/bias (and dx/dw/db) are allowed as there.
void layerNormForward(DType t, const void* x, const void* w, const void* b, void* y, double* mean, double* rstd, int64_t rows,
                      int64_t n, double eps, bool relu);
void layerNormBackward(DType t, const void* dy, const void* x, const double* mean, const double* rstd, const void* w, void* dx,
                       void* dw, void* db, int64_t rows, int64_t n, const void* reluOut);
void batchNormForward(DType t, const void* x, const void* w, const void* b, void* y, double* mean, double* var, double* invstd,
                      int64_t N, int64_t C, int64_t S, double eps, bool training, bool relu);
void batchNormBackward(DType t, const void* dy, const void* x, const double* mean, const double* invstd, const void* w, void* dx,
                       void* dw, void* db, int64_t N, int64_t C, int64_t S, bool training, const void* reluOut);
void groupNormForward(DType t, const void* x, const void* w, const void* b, void* y, double* mean, double* rstd, int64_t N,
                      int64_t C, int64_t S, int64_t groups, double eps);
void groupNormBackward(DType t, const void* dy, const void* x, const double* mean, const double* rstd, const void* w, void* dx,
                       void* dw, void* db, int64_t N, int64_t C, int64_t S, int64_t groups);

// CTC loss, as native/kernels/ctc.h: logProbs, nll and grad (or null) are device pointers; the
// labels and lengths are host arrays (checked by the binding), copied to the device per call.
struct CtcShape {
  DType t;
  int64_t maxTime, batch, classes;
  const int32_t* targets; int64_t targetsLength;
  const int32_t* targetOffsets; const int32_t* targetLengths; const int32_t* inputLengths;
  int64_t blank;
  bool zeroInfinity;
};
void ctcLoss(const CtcShape& c, const void* logProbs, void* nll, void* grad);

// Which GEMM runs float32/float64 matmul: cuBLAS when libcublas loads at run time (dlopen; never
// linked), else the built-in kernels. allowTf32 lets float32 GEMM round its inputs to TF32 on the
// tensor cores (cuBLAS's TF32 math mode, or the built-in wmma kernel); off, float32 GEMM is exact FP32.
struct GemmEngine {
  bool cublas = false;
  std::string detail;  // the library and version, or why cuBLAS is not used
};
const GemmEngine& gemmEngine();

// Philox4x32-10 uniforms, the same stream as kernels/philox.cc (counter = block index, key = seed).
void philoxUniform(DType t, uint64_t seed, uint64_t offset, void* out, int64_t n);

}  // namespace cuda
}  // namespace lattice
