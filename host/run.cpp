#include "run.hpp"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cpu_backend.hpp"
#include "estimates.hpp"
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

void run_study(const Config& c, std::ostream& out, std::ostream& log) {
  if (fs::exists(c.out) && !c.force)
    throw UsageError("invalid out '" + c.out + "': the file exists (pass --force to overwrite it)");
  TempFile temp(c.out);

  const Plan plan = make_plan(c);
  log << "ngdsim: " << one_line(c) << "\n";
  log << "ngdsim: backend cpu ("
      << (c.backend == "auto" ? "auto: no CUDA backend in this build" : "requested")
      << "), precision " << c.precision << ", " << plan.records() << " recorded steps\n";

  const auto t0 = std::chrono::steady_clock::now();
  Statistics stats;
  {
    Progress progress(log, c.trajectories * c.steps, isatty(STDERR_FILENO) != 0);
    stats = run_cpu(c, plan, progress.counter());
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Estimates e = estimate(c, plan, stats);
  e.wall_seconds = secs;
  e.rate = static_cast<double>(c.trajectories) * static_cast<double>(c.steps) / secs;
  e.backend = "cpu";
  e.device = "CPU, " + std::to_string(cpu_threads(c)) + " threads";
  write_output(temp.path(), c, plan, stats, e);
  temp.commit(c.out);
  print_summary(out, c, e, c.out);
}

}  // namespace ngdsim
