// A run's claim on its output name: an exclusive lock on NAME.lock for as long as
// the run writes, so two runs never race for one file. The kernel releases the lock
// when the process ends, however it ends, so a killed run blocks nothing.
#pragma once

#include <string>
#include <vector>

namespace ngdsim {

class OutputClaim {
 public:
  // UsageError naming the other process when a live run holds the name.
  explicit OutputClaim(const std::string& path);
  ~OutputClaim();  // removes NAME.lock, then releases it
  OutputClaim(const OutputClaim&) = delete;
  OutputClaim& operator=(const OutputClaim&) = delete;
  const std::string& lock_path() const { return lock_path_; }

 private:
  std::string lock_path_;
  int fd_ = -1;
};

// Temporary files NAME.tmp-PID of runs that died without cleaning up (SIGKILL, power
// loss): their processes no longer exist.
std::vector<std::string> stale_temp_files(const std::string& path);

}  // namespace ngdsim
