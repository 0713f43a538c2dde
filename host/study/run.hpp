#pragma once

#include <hdf5.h>

#include <iosfwd>
#include <memory>

#include "cli/config.hpp"
#include "device/device_backend.hpp"
#include "io/h5_util.hpp"
#include "study/estimates.hpp"

namespace ngdsim {

struct Backend {
  std::string name;  // "cpu", "cuda" or "emulated"
  std::string why;   // requested, or what auto found
  DeviceInfo dev;
};

// What ran: "CPU, 8 threads", or the device's name.
std::string device_name(const Backend& b, const Config& c);

// auto: CUDA when a device is visible, else the CPU path (never the emulated device,
// a testing aid). UsageError for cuda without a device, or for a malformed control
// of the emulated device.
Backend choose_backend(const Config& c);

class TempFile;
class OutputClaim;

// The output file under its temporary name until commit(). The name is claimed for
// the run (a second run writing it is a UsageError), an existing file is a UsageError
// unless `force`, and commit() never replaces a file that appeared meanwhile unless
// `force`. Destroyed without commit(), it leaves nothing.
class OutputFile {
 public:
  OutputFile(const std::string& path, bool force, const std::string& filetype);
  ~OutputFile();
  hid_t root() const { return file_; }
  void commit();
  // Closes the file and renames it to `other` (a sidecar of the claimed name, such as
  // an interrupted sweep's OUT.partial), replacing what is there.
  void commit_as(const std::string& other);

 private:
  std::string path_;
  bool force_;
  std::unique_ptr<OutputClaim> claim_;
  std::unique_ptr<TempFile> temp_;
  h5::Handle file_;
};

struct RunCheckpoint;
// Runs one configuration on `backend` and writes docs/output.md under `root`; on the CPU
// path with checkpoints when `checkpoint` is given.
Estimates run_point(const Config& c, const Backend& backend, hid_t root, std::ostream& log,
                    RunCheckpoint* checkpoint = nullptr);

// Runs a resolved configuration end to end: checks the output path, runs the
// backend, writes the file under a temporary name and renames it, prints the summary.
// Throws UsageError for invalid input (before anything is written).
void run_study(const Config& c, std::ostream& out, std::ostream& log);

}  // namespace ngdsim
