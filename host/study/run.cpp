#include "study/run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/bnreg_setup.hpp"
#include "cli/msense_setup.hpp"
#include "cli/registry.hpp"
#include "cpu/cpu_backend.hpp"
#include "device/device_backend.hpp"
#include "device/device_run.hpp"
#include "io/checkpoint.hpp"
#include "io/h5_util.hpp"
#include "io/output.hpp"
#include "io/output_claim.hpp"
#include "io/provenance.hpp"
#include "study/estimates.hpp"
#include "study/interrupt.hpp"
#include "study/memory.hpp"
#include "study/mpi_run.hpp"
#include "study/msense_report.hpp"
#include "study/plan.hpp"
#include "study/progress.hpp"
#include "study/shard.hpp"
#include "study/summary.hpp"

namespace ngdsim {

namespace fs = std::filesystem;

class TempFile {
 public:
  explicit TempFile(const std::string& final_path)
      : path_(sidecar_path(final_path, ".tmp-" + std::to_string(getpid()))) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f)
      throw UsageError("invalid out '" + final_path + "': cannot write there (" +
                       std::strerror(errno) + ")");
    std::fclose(f);
    remove_on_abort(0, path_);
  }
  ~TempFile() {
    if (!committed_) std::remove(path_.c_str());
    remove_on_abort(0, "");
  }
  const std::string& path() const { return path_; }
  // Without `force`, a file that appeared under the final name while this run wrote
  // (no other ngdsim run can have written it) is left as it is.
  void commit(const std::string& final_path, bool force) {
    int status = 0;
    if (force) {
      status = std::rename(path_.c_str(), final_path.c_str());
    } else {
      status = renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, final_path.c_str(), RENAME_NOREPLACE);
      if (status != 0 && (errno == EINVAL || errno == ENOSYS)) {
        // A file system without RENAME_NOREPLACE: link() refuses an existing name too.
        status = link(path_.c_str(), final_path.c_str());
        if (status == 0) unlink(path_.c_str());
      }
    }
    if (status != 0)
      throw std::runtime_error(
          "cannot rename " + path_ + " to " + final_path + ": " + std::strerror(errno) +
          (errno == EEXIST ? " (it appeared while this run was writing; it was left as it is)"
                           : ""));
    committed_ = true;
  }

 private:
  std::string path_;
  bool committed_ = false;
};

Backend choose_backend(const Config& c) {
  Backend b;
  if (c.backend == "cpu") {
    b.name = "cpu";
    b.why = "requested";
    return b;
  }
  if (c.backend == "emulated") {
    try {
      emulated::configure(cpu_threads(c));
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    b.dev = emulated::device();
    if (!b.dev.present)  // only when a fault is injected into the device query
      throw UsageError("invalid backend 'emulated': " + b.dev.reason);
    b.name = "emulated";
    b.why = "requested: the CUDA kernels on the CPU, a testing aid";
    return b;
  }
  b.dev = cuda::device();
  if (c.backend == "cuda") {
    if (!b.dev.present)
      throw UsageError("invalid backend 'cuda': " + b.dev.reason +
                       " (allowed here: auto, cpu, emulated)");
    b.name = "cuda";
    b.why = "requested";
    return b;
  }
  b.name = b.dev.present ? "cuda" : "cpu";
  b.why = b.dev.present ? "auto: CUDA device visible" : "auto: " + b.dev.reason;
  return b;
}

OutputFile::OutputFile(const std::string& path, bool force, const std::string& filetype)
    : path_(path), force_(force) {
  std::error_code ec;
  if (const fs::file_status s = fs::status(path, ec); fs::exists(s) && !fs::is_regular_file(s))
    throw UsageError("invalid out '" + path +
                     "': not a regular file (a new file name, or an existing output with --force)");
  claim_ = std::make_unique<OutputClaim>(path);
  for (const auto& stale : stale_temp_files(path))
    std::cerr << "ngdsim: warning: " << stale
              << " is left from a run that was killed; nothing reads it (remove it: rm '" << stale
              << "')\n";
  if (fs::exists(path, ec) && !force)
    throw UsageError("invalid out '" + path + "': the file exists (pass --force to overwrite it)");
  remove_on_abort(1, claim_->lock_path());
  temp_ = std::make_unique<TempFile>(path);
  file_ = h5::create_file(temp_->path());
  h5::attr(file_, "filetype", filetype);
  h5::attr(file_, "version", std::string(kVersion));
}

OutputFile::~OutputFile() {
  file_ = h5::Handle();
  temp_.reset();
  remove_on_abort(1, "");
}

void OutputFile::commit() {
  file_.close("file " + temp_->path());  // flushed and closed before the rename
  temp_->commit(path_, force_);
}

void OutputFile::commit_as(const std::string& other) {
  file_.close("file " + temp_->path());
  temp_->commit(other, true);
}

std::string device_name(const Backend& b, const Config& c) {
  return b.name == "cpu" ? "CPU, " + std::to_string(cpu_threads(c)) + " threads" : b.dev.name;
}

Estimates run_point(const Config& c, const Backend& backend, hid_t root, std::ostream& log,
                    RunCheckpoint* checkpoint) {
  std::unique_ptr<FinalRows> sink;
  if (c.save_final) sink = final_writer(root, c.trajectories, c.dim);
  const Plan plan = make_plan(c);
  log << "ngdsim: " << one_line(c) << "\n";
  log << "ngdsim: backend " << backend.name << " (" << backend.why << "), precision " << c.precision
      << ", " << plan.records() << " recorded steps\n";
  if (c.landscape == "bnreg") log << bnreg_start_text(bnreg_spec(c).summary);
  if (c.landscape == "msense") log << msense_start_text(c, msense_spec(c));

  const auto t0 = std::chrono::steady_clock::now();
  Statistics stats;
  {
    Progress progress(log, c.trajectories * c.steps, isatty(STDERR_FILENO) != 0);
    if (backend.name != "cpu") {
      stats = run_device(backend.name, c, plan, progress.counter(), sink.get(), checkpoint);
    } else {
      stats = run_cpu(c, plan, progress.counter(), checkpoint);
      if (sink)
        sink->write(0, c.trajectories, stats.final_position.data(), stats.final_class.data(),
                    stats.final_attractor.data(), stats.last_entry.data());
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (stats.chunks > 0)
    log << "ngdsim: " << stats.chunks << (stats.chunks == 1 ? " chunk" : " chunks") << " of "
        << stats.chunk << " trajectories on the device\n";

  Estimates e = estimate(c, plan, stats);
  e.wall_seconds = secs;
  // A resumed run's rate: of what this part ran.
  std::int64_t ran = c.trajectories;
  if (checkpoint && checkpoint->resumed) ran -= trajectories_in(checkpoint->done, c.trajectories);
  e.rate = static_cast<double>(ran) * static_cast<double>(c.steps) / secs;
  e.backend = backend.name;
  e.device = device_name(backend, c);
  write_output(root, c, plan, stats, e);
  return e;
}

void run_study(const Config& given, std::ostream& out, std::ostream& log) {
  if (mpi::spread()) return mpi::run_study(given, out, log);
  if (given.shard_count > 0) return run_shard(given, out, log);
  Config c = given;
  const Backend backend = choose_backend(c);
  check_host_memory(c, backend.name, cpu_threads(c));
  // Checkpoints: OUT.checkpoint, saved between pieces (CPU tiles, device chunks).
  auto cp = std::make_unique<RunCheckpoint>();
  std::int64_t saved = 0;  // trajectories in the last checkpoint
  const Plan plan = make_plan(c);
  cp->interval = c.checkpoint;
  if (c.resume) {
    load_checkpoint(c, backend.name, plan, *cp);
    log << "ngdsim: resuming from " << checkpoint_path(c.out) << " ("
        << trajectories_in(cp->done, c.trajectories) << " of " << c.trajectories
        << " trajectories done)\n";
  }
  cp->save = [&](const Statistics& total, const LeafRanges& done, const FinalSource* rows) {
    save_checkpoint(c, backend.name, plan, total, done, rows, *cp);
    saved = trajectories_in(done, c.trajectories);
  };
  OutputFile file(c.out, c.force, "ngdsim-run");
  Estimates e;
  try {
    e = run_point(c, backend, file.root(), log, cp.get());
  } catch (const Interrupted& stop) {
    std::error_code ec;
    if (fs::exists(checkpoint_path(c.out), ec))
      throw Interrupted(stop.signal, std::string(stop.what()) + ": " + std::to_string(saved) +
                                         " of " + std::to_string(c.trajectories) +
                                         " trajectories done, saved in " + checkpoint_path(c.out) +
                                         "; resume with: " + command_line() +
                                         (c.resume ? "" : " --resume"));
    throw Interrupted(stop.signal,
                      std::string(stop.what()) + ": the run stopped; nothing was written");
  }
  write_provenance(file.root(), {e.backend, e.device, cp->first_started_utc, cp->parts + 1});
  file.commit();
  remove_checkpoints(c.out);
  print_summary(out, c, e, c.out);
}

}  // namespace ngdsim
