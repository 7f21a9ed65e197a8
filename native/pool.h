// One persistent thread pool per addon instance. parallelFor splits [begin, end)
// into a fixed partition that depends only on the range, the grain and the pool
// size, so a kernel that reduces per chunk and combines chunks in order gives
// results that do not depend on scheduling.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lattice {

class ThreadPool {
 public:
  explicit ThreadPool(int numThreads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return numThreads_; }
  void resize(int numThreads);

  // Calls fn(chunkBegin, chunkEnd) over [begin, end) in at most size() chunks of
  // at least `grain` items each; the caller's thread claims chunks like the workers, so it
  // runs any chunk no worker has claimed yet (a worker still waking up costs a small task nothing).
  // Runs inline when one chunk suffices. Not reentrant: a nested call runs inline.
  // An exception thrown by fn in any chunk (a failed allocation) is rethrown here,
  // on the caller's thread, once every chunk has finished.
  void parallelFor(int64_t begin, int64_t end, int64_t grain,
                   const std::function<void(int64_t, int64_t)>& fn);

  // Number of chunks parallelFor would use for this range (for per-chunk scratch).
  int chunksFor(int64_t count, int64_t grain) const;

 private:
  void startWorkers(int numThreads);
  void stopWorkers();
  void workerLoop(uint64_t startGeneration);
  // Claims and runs chunks of the running task until none is left; returns the first
  // exception a chunk threw.
  std::exception_ptr runClaimedChunks(const std::function<void(int64_t, int64_t)>& fn, int64_t begin, int64_t end, int chunks);

  int numThreads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int64_t, int64_t)>* task_ = nullptr;
  int64_t taskBegin_ = 0, taskEnd_ = 0;
  int taskChunks_ = 0;
  // Written under mutex_, also read without it while spinning (see pool.cc).
  std::atomic<int> pending_{0};
  // The next unclaimed chunk of the running task.
  std::atomic<int> nextChunk_{0};
  // Workers inside the running task (under mutex_): the caller waits for them to leave,
  // so that none claims a chunk of the next task with this one's fn.
  int active_ = 0;
  std::atomic<uint64_t> generation_{0};
  // The first exception of the running task's worker chunks (under mutex_).
  std::exception_ptr error_;
  bool stopping_ = false;
  bool busy_ = false;
};

}  // namespace lattice
