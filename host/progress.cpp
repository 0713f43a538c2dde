#include "progress.hpp"

#include <cstdio>

namespace ngdsim {

Progress::Progress(std::ostream& os, std::int64_t total, bool tty)
    : os_(os), total_(total), tty_(tty), thread_([this] { loop(); }) {}

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
  const auto period = tty_ ? std::chrono::milliseconds(500) : std::chrono::seconds(10);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!cv_.wait_for(lock, period, [this] { return stop_; })) print(false);
}

void Progress::print(bool) {
  using namespace std::chrono;
  const double secs = duration<double>(steady_clock::now() - start_).count();
  const auto done = done_.load();
  const double rate = secs > 0 ? done / secs : 0.0;
  const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
  char buf[160];
  std::snprintf(buf, sizeof buf, "progress: %5.1f%% of %.3g trajectory-steps, %.3g /s, ETA %.0f s",
                100.0 * done / total_, double(total_), rate, eta);
  os_ << (tty_ ? "\r" : "") << buf << (tty_ ? "" : "\n") << std::flush;
}

}  // namespace ngdsim
