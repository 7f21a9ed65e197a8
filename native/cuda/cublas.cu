// cuBLAS through dlopen: the addon has no link-time dependency on it (a build and a machine
// without cuBLAS use the built-in kernels). The first GEMM on a device looks for libcublas
// (a path given in LATTICE_CUBLAS, the sonames of CUDA 13, 12 and 11 on the loader's path, then
// the same under /usr/local/cuda/lib64, which is often not on that path), resolves the few entry
// points used here, creates one handle on the addon's stream and keeps it for the process,
// as the stream and the memory pool are kept. cuBLAS is column-major: a row-major
// C = op(A) op(B) is the column-major C^T = op(B)^T op(A)^T, so A and B swap places.
// LATTICE_CUBLAS=0 keeps the built-in kernels (for comparing the two); LATTICE_CUBLAS=<path of
// libcublas.so.N> tries that file first (a pip-installed cuBLAS, say).
#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "common.cuh"
#include "cublas.cuh"

namespace lattice {
namespace cuda {
namespace {

// The subset of cublas_api.h used here, declared by hand so that no cuBLAS header is needed.
using Handle = void*;
using Status = int;
constexpr int kOpN = 0, kOpT = 1;
constexpr int kDefaultMath = 0, kTf32TensorOpMath = 3;

using CreateFn = Status (*)(Handle*);
using SetStreamFn = Status (*)(Handle, cudaStream_t);
using SetMathModeFn = Status (*)(Handle, int);
using GetVersionFn = Status (*)(Handle, int*);
template <typename T>
using GemmFn = Status (*)(Handle, int, int, int, int, int, const T*, const T*, int, const T*, int, const T*, T*, int);
template <typename T>
using GemmStridedFn = Status (*)(Handle, int, int, int, int, int, const T*, const T*, int, long long, const T*, int, long long,
                                 const T*, T*, int, long long, int);

struct Cublas {
  GemmEngine engine;
  Handle handle = nullptr;
  SetMathModeFn setMathMode = nullptr;
  GemmFn<float> sgemm = nullptr;
  GemmFn<double> dgemm = nullptr;
  GemmStridedFn<float> sgemmStrided = nullptr;
  GemmStridedFn<double> dgemmStrided = nullptr;
  std::mutex mutex;  // one handle, shared by every addon instance (worker thread): calls take turns
};

std::once_flag loadOnce;
Cublas* theCublas = nullptr;

template <typename F>
bool resolve(void* lib, const char* name, F& out, std::string& why) {
  out = reinterpret_cast<F>(dlsym(lib, name));
  if (!out) why = std::string("libcublas lacks ") + name;
  return out != nullptr;
}

void load() {
  theCublas = new Cublas();  // kept for the process, as the handle inside it
  Cublas& c = *theCublas;
  const char* env = std::getenv("LATTICE_CUBLAS");
  if (env && std::string(env) == "0") {
    c.engine.detail = "cuBLAS switched off by LATTICE_CUBLAS=0";
    return;
  }
  if (!probe().available) {
    c.engine.detail = "no usable CUDA device";
    return;
  }
  std::vector<std::string> names;
  if (env && std::string(env).find('/') != std::string::npos) names.push_back(env);
  for (const char* dir : {"", "/usr/local/cuda/lib64/"})
    for (const char* so : {"libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"}) names.push_back(std::string(dir) + so);
  void* lib = nullptr;
  std::string found, lastError;
  for (const std::string& name : names) {
    lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib) {
      found = name;
      break;
    }
    const char* e = dlerror();
    lastError = e ? e : name;
  }
  if (!lib) {
    c.engine.detail = "cuBLAS not found (" + lastError + ")";
    return;
  }
  std::string why;
  CreateFn create = nullptr;
  SetStreamFn setStream = nullptr;
  GetVersionFn getVersion = nullptr;
  if (!resolve(lib, "cublasCreate_v2", create, why) || !resolve(lib, "cublasSetStream_v2", setStream, why) ||
      !resolve(lib, "cublasGetVersion_v2", getVersion, why) || !resolve(lib, "cublasSetMathMode", c.setMathMode, why) ||
      !resolve(lib, "cublasSgemm_v2", c.sgemm, why) || !resolve(lib, "cublasDgemm_v2", c.dgemm, why) ||
      !resolve(lib, "cublasSgemmStridedBatched", c.sgemmStrided, why) ||
      !resolve(lib, "cublasDgemmStridedBatched", c.dgemmStrided, why)) {
    c.engine.detail = found + ": " + why;
    return;
  }
  Status st = create(&c.handle);
  if (st != 0) {
    c.engine.detail = found + ": cublasCreate failed with status " + std::to_string(st);
    c.handle = nullptr;
    return;
  }
  st = setStream(c.handle, stream());
  if (st != 0) {
    c.engine.detail = found + ": cublasSetStream failed with status " + std::to_string(st);
    c.handle = nullptr;
    return;
  }
  int version = 0;
  getVersion(c.handle, &version);
  c.engine.cublas = true;
  c.engine.detail = found + " (version " + std::to_string(version) + ")";
}

Cublas& cublas() {
  std::call_once(loadOnce, load);
  return *theCublas;
}

// The common stride of a batch's offsets, or -1 when they are not evenly spaced.
long long strideOf(const int32_t* offsets, int64_t batch) {
  if (batch < 2) return 0;
  const long long s = static_cast<long long>(offsets[1]) - offsets[0];
  for (int64_t z = 2; z < batch; ++z)
    if (static_cast<long long>(offsets[z]) - offsets[z - 1] != s) return -1;
  return s;
}

template <typename T>
void run(Cublas& c, GemmFn<T> gemmFn, GemmStridedFn<T> stridedFn, bool transA, bool transB, int M, int N, int K, T alpha,
         const T* a, const int32_t* aOff, int lda, const T* b, const int32_t* bOff, int ldb, T beta, T* cc, const int32_t* cOff,
         int ldc, int64_t batch) {
  const int opA = transA ? kOpT : kOpN, opB = transB ? kOpT : kOpN;
  const long long sa = strideOf(aOff, batch), sb = strideOf(bOff, batch), sc = strideOf(cOff, batch);
  if (batch > 1 && sa >= 0 && sb >= 0 && sc > 0) {
    const Status st = stridedFn(c.handle, opB, opA, N, M, K, &alpha, b + bOff[0], ldb, sb, a + aOff[0], lda, sa, &beta, cc + cOff[0],
                                ldc, sc, static_cast<int>(batch));
    if (st != 0) throw std::runtime_error("cuda gemm (cuBLAS strided batched): status " + std::to_string(st));
    return;
  }
  for (int64_t z = 0; z < batch; ++z) {
    const Status st = gemmFn(c.handle, opB, opA, N, M, K, &alpha, b + bOff[z], ldb, a + aOff[z], lda, &beta, cc + cOff[z], ldc);
    if (st != 0) throw std::runtime_error("cuda gemm (cuBLAS): status " + std::to_string(st));
  }
}

}  // namespace

const GemmEngine& gemmEngine() { return cublas().engine; }

bool cublasGemm(DType t, bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const void* a,
                const int32_t* aOffsets, int64_t lda, const void* b, const int32_t* bOffsets, int64_t ldb, double beta, void* c,
                const int32_t* cOffsets, int64_t ldc, int64_t batch, bool allowTf32) {
  Cublas& cb = cublas();
  // K == 0 (C = beta C) is left to the built-in kernel, whose result for it is plain to read.
  if (!cb.engine.cublas || K == 0 || (t != DType::F32 && t != DType::F64)) return false;
  std::lock_guard<std::mutex> lock(cb.mutex);
  // TF32 only where float32 is allowed to use it; the default math mode is exact FP32.
  const Status st = cb.setMathMode(cb.handle, t == DType::F32 && allowTf32 ? kTf32TensorOpMath : kDefaultMath);
  if (st != 0) throw std::runtime_error("cuda gemm (cuBLAS): cublasSetMathMode status " + std::to_string(st));
  const int m = static_cast<int>(M), n = static_cast<int>(N), k = static_cast<int>(K);
  if (t == DType::F32) {
    run<float>(cb, cb.sgemm, cb.sgemmStrided, transA, transB, m, n, k, static_cast<float>(alpha), static_cast<const float*>(a), aOffsets,
               static_cast<int>(lda), static_cast<const float*>(b), bOffsets, static_cast<int>(ldb), static_cast<float>(beta),
               static_cast<float*>(c), cOffsets, static_cast<int>(ldc), batch);
  } else {
    run<double>(cb, cb.dgemm, cb.dgemmStrided, transA, transB, m, n, k, alpha, static_cast<const double*>(a), aOffsets,
                static_cast<int>(lda), static_cast<const double*>(b), bOffsets, static_cast<int>(ldb), beta,
                static_cast<double*>(c), cOffsets, static_cast<int>(ldc), batch);
  }
  return true;
}

}  // namespace cuda
}  // namespace lattice
