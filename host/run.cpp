#include "run.hpp"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cpu_backend.hpp"
#include "cuda_backend.hpp"
#include "estimates.hpp"
#include "h5_util.hpp"
#include "output.hpp"
#include "plan.hpp"
#include "progress.hpp"
#include "summary.hpp"

namespace ngdsim {
namespace {

namespace fs = std::filesystem;

// The temporary file of the run in progress, removed if the run is interrupted,
// so an interrupted run never leaves a file that looks complete.
char g_temp_path[4096] = {0};

extern "C" void remove_temp_and_exit(int sig) {
  if (g_temp_path[0]) unlink(g_temp_path);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

class TempFile {
 public:
  explicit TempFile(const std::string& final_path)
      : path_(final_path + ".tmp-" + std::to_string(getpid())) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f)
      throw UsageError("invalid out '" + final_path + "': cannot write there (" +
                       std::strerror(errno) + ")");
    std::fclose(f);
    std::snprintf(g_temp_path, sizeof g_temp_path, "%s", path_.c_str());
    std::signal(SIGINT, remove_temp_and_exit);
    std::signal(SIGTERM, remove_temp_and_exit);
  }
  ~TempFile() {
    if (!committed_) std::remove(path_.c_str());
    g_temp_path[0] = 0;
  }
  const std::string& path() const { return path_; }
  void commit(const std::string& final_path) {
    std::error_code ec;
    fs::rename(path_, final_path, ec);
    if (ec)
      throw std::runtime_error("cannot rename " + path_ + " to " + final_path + ": " +
                               ec.message());
    committed_ = true;
  }

 private:
  std::string path_;
  bool committed_ = false;
};

}  // namespace

namespace {

// auto: CUDA when a device is visible, else the CPU path. Says which was chosen.
std::string choose_backend(const Config& c, const CudaDevice& dev, std::string& why) {
  if (c.backend == "cpu") {
    why = "requested";
    return "cpu";
  }
  if (c.backend == "cuda") {
    if (!dev.present)
      throw UsageError("invalid backend 'cuda': " + dev.reason + " (allowed here: auto, cpu)");
    why = "requested";
    return "cuda";
  }
  why = dev.present ? "auto: CUDA device visible" : "auto: " + dev.reason;
  return dev.present ? "cuda" : "cpu";
}

}  // namespace

void run_study(const Config& c, std::ostream& out, std::ostream& log) {
  if (fs::exists(c.out) && !c.force)
    throw UsageError("invalid out '" + c.out + "': the file exists (pass --force to overwrite it)");
  const CudaDevice dev = c.backend == "cpu" ? CudaDevice{} : cuda_device();
  std::string why;
  const std::string backend = choose_backend(c, dev, why);
  TempFile temp(c.out);
  h5::Handle file = h5::create_file(temp.path());
  std::unique_ptr<FinalSink> sink;
  if (c.save_final) sink = final_writer(file, c.trajectories, c.dim);

  const Plan plan = make_plan(c);
  log << "ngdsim: " << one_line(c) << "\n";
  log << "ngdsim: backend " << backend << " (" << why << "), precision " << c.precision << ", "
      << plan.records() << " recorded steps\n";

  const auto t0 = std::chrono::steady_clock::now();
  Statistics stats;
  {
    Progress progress(log, c.trajectories * c.steps, isatty(STDERR_FILENO) != 0);
    if (backend == "cuda") {
      stats = run_cuda(c, plan, progress.counter(), sink.get());
    } else {
      stats = run_cpu(c, plan, progress.counter());
      if (sink)
        sink->write(0, c.trajectories, stats.final_position.data(), stats.final_class.data(),
                    stats.final_attractor.data(), stats.last_entry.data());
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Estimates e = estimate(c, plan, stats);
  e.wall_seconds = secs;
  e.rate = static_cast<double>(c.trajectories) * static_cast<double>(c.steps) / secs;
  e.backend = backend;
  e.device = backend == "cuda" ? dev.name : "CPU, " + std::to_string(cpu_threads(c)) + " threads";
  write_output(file, c, plan, stats, e);
  sink.reset();
  file = h5::Handle();  // closed before the rename
  temp.commit(c.out);
  print_summary(out, c, e, c.out);
}

}  // namespace ngdsim
