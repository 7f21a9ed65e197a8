// Device discovery, the stream, the stream-ordered caching allocator and copies.
#include <mutex>

#include "common.cuh"

namespace lattice {
namespace cuda {
namespace {

// The device, its memory pool and this stream are process-wide (CUDA's primary context is);
// every addon instance (worker thread) enqueues on the same stream, so its work is ordered.
std::once_flag probeOnce, streamOnce;
Probe probeResult;
cudaStream_t theStream = nullptr;
cudaMemPool_t thePool = nullptr;

void runProbe() {
  Probe& p = probeResult;
  cudaRuntimeGetVersion(&p.runtimeVersion);
  cudaDriverGetVersion(&p.driverVersion);  // 0 where no driver is installed
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    // Without a driver, cudart (linked statically) finds no libcuda.so and calls it "insufficient".
    const std::string what = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(err);
    p.reason = p.driverVersion == 0 ? "no CUDA driver (libcuda.so) was found; " + what : what;
    cudaGetLastError();  // clear the sticky-free error so later probes start clean
    return;
  }
  p.devices = count;
  if (count == 0) {
    p.reason = "cudaGetDeviceCount: no CUDA device";
    return;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    p.reason = "cudaGetDeviceProperties failed on device 0";
    return;
  }
  p.name = prop.name;
  p.major = prop.major;
  p.minor = prop.minor;
  p.totalBytes = prop.totalGlobalMem;
  // The fatbinary holds SASS for sm_80/sm_90 and PTX for newer GPUs; older ones cannot run it.
  if (prop.major < 8) {
    p.reason = "device 0 (" + p.name + ") has compute capability " + std::to_string(prop.major) + "." +
               std::to_string(prop.minor) + "; this build targets 8.0 and newer";
    return;
  }
  int pools = 0;
  cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, 0);
  if (!pools) {
    p.reason = "device 0 (" + p.name + ") does not support stream-ordered memory pools (cudaMallocAsync)";
    return;
  }
  p.available = true;
}

void initStream() {
  const Probe& p = probe();
  if (!p.available) throw std::runtime_error("CUDA is not available: " + p.reason);
  check(cudaSetDevice(0), "cudaSetDevice");
  check(cudaStreamCreateWithFlags(&theStream, cudaStreamNonBlocking), "cudaStreamCreate");
  check(cudaDeviceGetDefaultMemPool(&thePool, 0), "cudaDeviceGetDefaultMemPool");
  // Keep freed blocks cached in the pool (the default threshold 0 returns them at every sync).
  uint64_t threshold = UINT64_MAX;
  check(cudaMemPoolSetAttribute(thePool, cudaMemPoolAttrReleaseThreshold, &threshold), "cudaMemPoolSetAttribute");
}

}  // namespace

const Probe& probe() {
  std::call_once(probeOnce, runProbe);
  return probeResult;
}

cudaStream_t stream() {
  // call_once rethrows initStream's error and lets a later call try again.
  std::call_once(streamOnce, initStream);
  return theStream;
}

void* allocate(size_t bytes) {
  void* p = nullptr;
  if (bytes == 0) bytes = 1;  // a valid, distinct pointer for an empty tensor
  const cudaError_t err = cudaMallocAsync(&p, bytes, stream());
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    // Give the cache back and try once more before reporting out-of-memory.
    synchronize();
    trimCache();
    check(cudaMallocAsync(&p, bytes, stream()), ("cudaMallocAsync of " + std::to_string(bytes) + " bytes").c_str());
  } else {
    check(err, "cudaMallocAsync");
  }
  return p;
}

void release(void* p) {
  if (p) check(cudaFreeAsync(p, stream()), "cudaFreeAsync");
}

// Without a usable device there is nothing to trim, wait for or count: these three return
// at once instead of failing (the allocating and copying calls do fail, with the reason).
void trimCache() {
  if (!probe().available) return;
  stream();
  check(cudaStreamSynchronize(theStream), "cudaStreamSynchronize");
  check(cudaMemPoolTrimTo(thePool, 0), "cudaMemPoolTrimTo");
}

PoolStats poolStats() {
  PoolStats s;
  if (!probe().available) return s;
  stream();
  uint64_t v = 0;
  if (cudaMemPoolGetAttribute(thePool, cudaMemPoolAttrReservedMemCurrent, &v) == cudaSuccess) s.reservedBytes = v;
  if (cudaMemPoolGetAttribute(thePool, cudaMemPoolAttrUsedMemCurrent, &v) == cudaSuccess) s.usedBytes = v;
  size_t freeB = 0, totalB = 0;
  if (cudaMemGetInfo(&freeB, &totalB) == cudaSuccess) {
    s.freeDeviceBytes = freeB;
    s.totalDeviceBytes = totalB;
  }
  return s;
}

void copyToDevice(void* dst, const void* src, size_t bytes) {
  // From pageable memory the call returns once the source is staged, so the caller may reuse it.
  if (bytes) check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream()), "copy to cuda");
}

void copyToHost(void* dst, const void* src, size_t bytes) {
  if (!bytes) return;
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream()), "copy to cpu");
  check(cudaStreamSynchronize(stream()), "copy to cpu (synchronize)");
}

void copyDeviceToDevice(void* dst, const void* src, size_t bytes) {
  if (bytes) check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream()), "copy on cuda");
}

void synchronize() {
  if (probe().available) check(cudaStreamSynchronize(stream()), "synchronize");
}

}  // namespace cuda
}  // namespace lattice
