#include "pool.h"

#include <algorithm>
#include <chrono>
#include <thread>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define LATTICE_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define LATTICE_CPU_RELAX() asm volatile("yield")
#else
#define LATTICE_CPU_RELAX() ((void)0)
#endif

namespace lattice {

namespace {

// Training runs parallel kernels back to back, a few microseconds to a few
// milliseconds apart. A worker asleep on the condition variable takes ~35 us to wake
// (futex wake plus a reschedule), more than a small GEMM's whole run, so workers and
// the caller first spin this long on the atomic they wait for, and only then sleep.
// The spin is bounded, so an idle process still sleeps: this is not a busy pool.
constexpr auto kSpin = std::chrono::microseconds(100);

// Spins until ready() or kSpin has passed; returns ready().
template <typename F>
bool spinUntil(const F& ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
      LATTICE_CPU_RELAX();
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
    // Where the thread we wait for shares this CPU (a new worker, before the scheduler
    // spreads the threads), spinning would only delay it: give it the CPU.
    std::this_thread::yield();
  }
}

}  // namespace

ThreadPool::ThreadPool(int numThreads) { startWorkers(std::max(1, numThreads)); }

ThreadPool::~ThreadPool() { stopWorkers(); }

void ThreadPool::resize(int numThreads) {
  numThreads = std::max(1, numThreads);
  if (numThreads == numThreads_) return;
  stopWorkers();
  startWorkers(numThreads);
}

void ThreadPool::startWorkers(int numThreads) {
  numThreads_ = numThreads;
  stopping_ = false;
  // A worker must start from the current generation: starting from 0 after a
  // resize, it would wake at once and run the finished (null) task of an earlier call.
  // No task is in flight here, so reading generation_ without the lock is safe.
  const uint64_t generation = generation_;
  for (int i = 1; i < numThreads; ++i) workers_.emplace_back([this, generation] { workerLoop(generation); });
}

void ThreadPool::stopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

int ThreadPool::chunksFor(int64_t count, int64_t grain) const {
  if (count <= 0) return 0;
  grain = std::max<int64_t>(1, grain);
  const int64_t byGrain = (count + grain - 1) / grain;
  return static_cast<int>(std::min<int64_t>(numThreads_, byGrain));
}

static void chunkRange(int64_t begin, int64_t end, int chunks, int index, int64_t* b, int64_t* e) {
  const int64_t count = end - begin;
  const int64_t base = count / chunks, extra = count % chunks;
  *b = begin + index * base + std::min<int64_t>(index, extra);
  *e = *b + base + (index < extra ? 1 : 0);
}

std::exception_ptr ThreadPool::runClaimedChunks(const std::function<void(int64_t, int64_t)>& fn, int64_t begin,
                                                int64_t end, int chunks) {
  std::exception_ptr error;
  for (int c = nextChunk_.fetch_add(1, std::memory_order_relaxed); c < chunks;
       c = nextChunk_.fetch_add(1, std::memory_order_relaxed)) {
    int64_t b, e;
    chunkRange(begin, end, chunks, c, &b, &e);
    // An exception escaping a std::thread terminates the process: hand it to the caller instead.
    try {
      fn(b, e);
    } catch (...) {
      if (!error) error = std::current_exception();
    }
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
  return error;
}

void ThreadPool::parallelFor(int64_t begin, int64_t end, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& fn) {
  const int chunks = chunksFor(end - begin, grain);
  if (chunks <= 0) return;
  bool inlineRun = chunks == 1;
  if (!inlineRun) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (busy_) inlineRun = true; else busy_ = true;
  }
  if (inlineRun) {
    // Same partition as the threaded path, run in order on this thread.
    for (int i = 0; i < chunks; ++i) {
      int64_t b, e;
      chunkRange(begin, end, chunks, i, &b, &e);
      fn(b, e);
    }
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = &fn;
    taskBegin_ = begin;
    taskEnd_ = end;
    taskChunks_ = chunks;
    nextChunk_.store(0, std::memory_order_relaxed);
    pending_ = chunks;
    ++generation_;
  }
  wake_.notify_all();
  // The caller claims chunks like any worker, so what no worker has claimed yet runs here: a
  // worker that slept past the spin takes ~35 us to wake, longer than a small kernel's whole
  // second half. The workers hold a pointer to fn: wait for them even when a chunk throws.
  const std::exception_ptr callerError = runClaimedChunks(fn, begin, end, chunks);
  spinUntil([this] { return pending_.load(std::memory_order_acquire) == 0; });
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0 && active_ == 0; });
  task_ = nullptr;
  busy_ = false;
  std::exception_ptr error = callerError ? callerError : error_;
  error_ = nullptr;
  lock.unlock();
  if (error) std::rethrow_exception(error);
}

void ThreadPool::workerLoop(uint64_t seen) {
  for (;;) {
    spinUntil([&] { return generation_.load(std::memory_order_acquire) != seen; });
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_) return;
    seen = generation_;
    // The caller may have run every chunk and returned before this worker woke.
    if (task_ == nullptr) continue;
    const auto* fn = task_;
    const int64_t begin = taskBegin_, end = taskEnd_;
    const int chunks = taskChunks_;
    ++active_;
    lock.unlock();
    std::exception_ptr error = runClaimedChunks(*fn, begin, end, chunks);
    lock.lock();
    if (error && !error_) error_ = error;
    if (--active_ == 0 && pending_ == 0) done_.notify_all();
  }
}

}  // namespace lattice
