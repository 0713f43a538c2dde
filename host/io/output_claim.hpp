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

// The name of a file kept beside the output while a run writes it: NAME + suffix
// (".lock", ".tmp-PID"), or, where that would pass the file system's 255-byte limit on
// a name, ".ngdsim-HASH" + suffix with HASH fixed by NAME, so any legal NAME works.
std::string sidecar_path(const std::string& path, const std::string& suffix);

// Temporary files of runs on this output that died without cleaning up (SIGKILL, power
// loss): their processes no longer exist.
std::vector<std::string> stale_temp_files(const std::string& path);

}  // namespace ngdsim
