#include "checkpoint.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "h5_util.hpp"
#include "output.hpp"
#include "partial_state.hpp"
#include "registry.hpp"

namespace ngdsim {

namespace {

constexpr const char* kCheckpointType = "ngdsim-checkpoint";

}  // namespace

std::string checkpoint_path(const std::string& out) { return out + ".checkpoint"; }

void save_checkpoint(const Config& c, const Plan& plan, const Statistics& total,
                     const std::vector<unsigned char>& done) {
  const std::string path = checkpoint_path(c.out);
  const std::string temp = path + ".tmp-" + std::to_string(getpid());
  {
    h5::Handle file = h5::create_file(temp);
    h5::attr(file, "filetype", std::string(kCheckpointType));
    h5::attr(file, "version", std::string(kVersion));
    h5::attr(file, "tile", c.tile);
    h5::write_string(h5::group(file, "parameters"), "config", study_text(c),
                     "the study's configuration (out and scheduling left out)");
    h5::write(file, "done", {static_cast<hsize_t>(done.size())},
              reinterpret_cast<const std::int8_t*>(done.data()), "1 for each tile done");
    write_partial(h5::group(file, "partial"), c, plan, total, 0, c.trajectories);
    file.close("checkpoint " + temp);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw std::runtime_error("cannot rename " + temp + " to " + path + ": " + std::strerror(errno));
  }
}

void load_checkpoint(Config& c, const Plan& plan, CpuCheckpoint& cp) {
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
    const std::string now = study_text(c);
    if (saved != now)
      refuse("the settings differ from the checkpoint's: " +
             first_differing_line(saved, now, "the checkpoint"));
    std::int64_t tile = 0;
    {
      h5::Handle a(H5Aopen(file, "tile", H5P_DEFAULT), H5Aclose, "attribute tile");
      h5::check(H5Aread(a, H5T_NATIVE_INT64, &tile), "tile");
    }
    c.tile = tile;
    const std::int64_t tiles = (c.trajectories + tile - 1) / tile;
    cp.done.assign(static_cast<std::size_t>(tiles), 0);
    h5::read_exact(file, "done", H5T_NATIVE_INT8, cp.done.data(), cp.done.size());
    cp.start = empty_totals(c, plan);
    MomentTree tree((c.trajectories + kLeafSize - 1) / kLeafSize,
                    static_cast<std::size_t>(plan.records()) * kNumQuantities);
    read_partial(h5::open_group(file, "partial"), c, plan, cp.start, tree, 0, c.trajectories);
    cp.start.nodes = tree.nodes();
    cp.resumed = true;
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    refuse(path + " is not a complete checkpoint (" + e.what() + ")");
  }
}

}  // namespace ngdsim
