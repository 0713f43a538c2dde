#include "checkpoint.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "h5_util.hpp"
#include "output.hpp"
#include "partial_state.hpp"
#include "provenance.hpp"
#include "registry.hpp"

namespace ngdsim {

namespace {

constexpr const char* kCheckpointType = "ngdsim-checkpoint";

}  // namespace

std::string checkpoint_path(const std::string& out) { return out + ".checkpoint"; }

void save_checkpoint(const Config& c, const std::string& backend, const Plan& plan,
                     const Statistics& total, const LeafRanges& done, const FinalSource* rows,
                     const RunCheckpoint& cp) {
  const std::string path = checkpoint_path(c.out);
  const std::string temp = path + ".tmp-" + std::to_string(getpid());
  {
    h5::Handle file = h5::create_file(temp);
    h5::attr(file, "filetype", std::string(kCheckpointType));
    h5::attr(file, "version", std::string(kVersion));
    // The parts so far, this one included, and when the first started.
    h5::attr(file, "parts", cp.parts + 1);
    h5::attr(file, "first_started_utc", cp.parts > 0 ? cp.first_started_utc : start_utc());
    write_provenance(
        file, {backend, "", cp.parts > 0 ? cp.first_started_utc : start_utc(), cp.parts + 1});
    h5::write_string(h5::group(file, "parameters"), "config", study_text(c, backend),
                     "the study's configuration (out and scheduling left out)");
    write_partial(h5::group(file, "partial"), c, plan, total, done, rows);
    file.close("checkpoint " + temp);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw std::runtime_error("cannot rename " + temp + " to " + path + ": " + std::strerror(errno));
  }
}

void load_checkpoint(const Config& c, const std::string& backend, const Plan& plan,
                     RunCheckpoint& cp) {
  const std::string path = checkpoint_path(c.out);
  std::error_code ec;
  auto refuse = [&](const std::string& why) { throw UsageError("invalid resume: " + why); };
  if (!std::filesystem::exists(path, ec))
    refuse(std::filesystem::exists(c.out, ec)
               ? c.out + " is complete and there is no " + path + " (nothing to resume)"
               : "no checkpoint " + path + " (nothing to resume: start the run without --resume)");
  if (H5Fis_hdf5(path.c_str()) <= 0) refuse(path + " is not an HDF5 file (a corrupt checkpoint)");
  try {
    h5::Handle file = h5::open_file(path);
    const std::string type = h5::read_attr_string(file, "filetype");
    if (type != kCheckpointType) refuse(path + " is not an ngdsim checkpoint");
    const std::string version = h5::read_attr_string(file, "version");
    if (version != kVersion)
      refuse(path + " was written by ngdsim " + version + ", this is " + kVersion);
    const std::string saved = h5::read_string(h5::open_group(file, "parameters"), "config");
    const std::string now = study_text(c, backend);
    if (saved != now)
      refuse("the settings differ from the checkpoint's: " +
             first_differing_line(saved, now, "the checkpoint"));
    cp.start.allocate(plan.records(), static_cast<int>(c.eps.size()), plan.attractors,
                      static_cast<int>(plan.sample_ids.size()), c.dim);
    MomentTree tree((c.trajectories + kLeafSize - 1) / kLeafSize,
                    static_cast<std::size_t>(plan.records()) * kNumQuantities);
    cp.done = read_partial(h5::open_group(file, "partial"), c, plan, cp.start, tree, nullptr);
    cp.start.nodes = tree.nodes();
    cp.copy_rows = [path, c, done = cp.done](FinalSink& rows) {
      h5::Handle again = h5::open_file(path);
      read_partial_rows(h5::open_group(again, "partial"), c, done, rows);
    };
    cp.parts = h5::read_attr_int64(file, "parts");
    cp.first_started_utc = h5::read_attr_string(file, "first_started_utc");
    cp.resumed = true;
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    refuse(path + " is not a complete checkpoint (" + e.what() + ")");
  }
}

}  // namespace ngdsim
