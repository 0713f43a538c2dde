// Progress reporting while a backend runs: redrawn in place on a terminal, plain
// periodic lines otherwise (logs, CI).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <ostream>
#include <thread>

namespace ngdsim {

class Progress {
 public:
  // `combine`, when given, is called from the reporting thread twice a second with this
  // process's count and returns the count to show (an MPI job's sum over its ranks).
  Progress(std::ostream& os, std::int64_t total, bool tty,
           std::function<std::int64_t(std::int64_t)> combine = {});
  ~Progress();
  std::atomic<std::int64_t>& counter() { return done_; }

 private:
  void loop();
  void print(bool final);

  std::ostream& os_;
  std::int64_t total_;
  bool tty_;
  std::function<std::int64_t(std::int64_t)> combine_;
  std::int64_t shown_ = 0;
  std::atomic<std::int64_t> done_{0};
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace ngdsim
