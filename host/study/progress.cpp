#include "study/progress.hpp"

#include <cstdio>
#include <utility>

namespace ngdsim {

Progress::Progress(std::ostream& os, std::int64_t total, bool tty,
                   std::function<std::int64_t(std::int64_t)> combine)
    : os_(os), total_(total), tty_(tty), combine_(std::move(combine)), thread_([this] {
        loop();
      }) {}

Progress::~Progress() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (tty_) os_ << "\n";
}

void Progress::loop() {
  using namespace std::chrono;
  const auto tick = milliseconds(500);
  const auto period = tty_ ? tick : duration_cast<milliseconds>(seconds(10));
  auto last = steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!cv_.wait_for(lock, combine_ ? tick : period, [this] { return stop_; })) {
    shown_ = combine_ ? combine_(done_.load()) : done_.load();
    if (steady_clock::now() - last >= period - milliseconds(1)) {
      print(false);
      last = steady_clock::now();
    }
  }
}

void Progress::print(bool) {
  using namespace std::chrono;
  const double secs = duration<double>(steady_clock::now() - start_).count();
  const auto done = shown_;
  const double rate = secs > 0 ? done / secs : 0.0;
  const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
  char buf[160];
  std::snprintf(buf, sizeof buf, "progress: %5.1f%% of %.3g trajectory-steps, %.3g /s, ETA %.0f s",
                100.0 * done / total_, double(total_), rate, eta);
  os_ << (tty_ ? "\r" : "") << buf << (tty_ ? "" : "\n") << std::flush;
}

}  // namespace ngdsim
