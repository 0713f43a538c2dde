#include "io/checkpoint.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "cli/registry.hpp"
#include "io/h5_util.hpp"
#include "io/output.hpp"
#include "io/partial_state.hpp"
#include "io/provenance.hpp"
#include "study/mpi_run.hpp"

namespace ngdsim {

namespace {

constexpr const char* kCheckpointType = "ngdsim-checkpoint";

std::string rank_path(const std::string& out, std::int64_t generation, int rank, int ranks) {
  return checkpoint_path(out) + "." + std::to_string(generation) + "." + std::to_string(rank) +
         "-of-" + std::to_string(ranks);
}

}  // namespace

std::string checkpoint_path(const std::string& out) { return out + ".checkpoint"; }

std::vector<std::string> checkpoint_files(const std::string& out) {
  namespace fs = std::filesystem;
  const fs::path single(checkpoint_path(out));
  const fs::path dir = single.has_parent_path() ? single.parent_path() : fs::path(".");
  const std::string stem = single.filename().string();
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name == stem || (name.rfind(stem + ".", 0) == 0 && name.find("-of-") != std::string::npos &&
                         name.find(".tmp-") == std::string::npos))
      files.push_back((single.has_parent_path() ? (dir / name).string() : name));
  }
  std::sort(files.begin(), files.end());
  return files;
}

void remove_checkpoints(const std::string& out) {
  for (const std::string& f : checkpoint_files(out)) std::remove(f.c_str());
}

void save_checkpoint(const Config& c, const std::string& backend, const Plan& plan,
                     const Statistics& total, const LeafRanges& done, const FinalSource* rows,
                     const RunCheckpoint& cp) {
  const std::int64_t generation = cp.generation + 1;
  const std::string path = mpi::spread() ? rank_path(c.out, generation, mpi::rank(), mpi::size())
                                         : checkpoint_path(c.out);
  const std::string temp = path + ".tmp-" + std::to_string(getpid());
  {
    h5::Handle file = h5::create_file(temp);
    h5::attr(file, "filetype", std::string(kCheckpointType));
    h5::attr(file, "version", std::string(kVersion));
    // Which set of files this one belongs to: complete when all `ranks` are there.
    h5::attr(file, "generation", generation);
    h5::attr(file, "ranks", static_cast<std::int64_t>(mpi::size()));
    h5::attr(file, "rank", static_cast<std::int64_t>(mpi::rank()));
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
  const std::vector<std::string> files = checkpoint_files(c.out);
  if (files.empty())
    refuse(std::filesystem::exists(c.out, ec)
               ? c.out + " is complete and there is no " + path + " (nothing to resume)"
               : "no checkpoint " + path + " (nothing to resume: start the run without --resume)");
  // Every file checked, then the newest complete generation.
  struct Saved {
    std::string path;
    std::int64_t generation, ranks, rank;
  };
  // By (generation, number of ranks): a resume that was itself stopped before all its ranks
  // saved leaves an incomplete set, and another resume from the same generation with
  // another number of ranks may write the same generation number.
  std::map<std::pair<std::int64_t, std::int64_t>, std::vector<Saved>> generations;
  for (const std::string& f : files) {
    if (H5Fis_hdf5(f.c_str()) <= 0) refuse(f + " is not an HDF5 file (a corrupt checkpoint)");
    try {
      h5::Handle file = h5::open_file(f);
      const std::string type = h5::read_attr_string(file, "filetype");
      if (type != kCheckpointType) refuse(f + " is not an ngdsim checkpoint");
      const std::string version = h5::read_attr_string(file, "version");
      if (version != kVersion)
        refuse(f + " was written by ngdsim " + version + ", this is " + kVersion);
      const std::string saved = h5::read_string(h5::open_group(file, "parameters"), "config");
      const std::string now = study_text(c, backend);
      if (saved != now)
        refuse("the settings differ from the checkpoint's: " +
               first_differing_line(saved, now, "the checkpoint"));
      const Saved s{f, h5::read_attr_int64(file, "generation"), h5::read_attr_int64(file, "ranks"),
                    h5::read_attr_int64(file, "rank")};
      generations[{s.generation, s.ranks}].push_back(s);
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception& e) {
      refuse(f + " is not a complete checkpoint (" + e.what() + ")");
    }
  }
  const std::vector<Saved>* chosen = nullptr;
  for (auto it = generations.rbegin(); it != generations.rend() && !chosen; ++it) {
    std::set<std::int64_t> ranks;
    for (const Saved& s : it->second) ranks.insert(s.rank);
    if (static_cast<std::int64_t>(ranks.size()) == it->first.second &&
        it->second.size() == ranks.size()) {
      chosen = &it->second;
      cp.generation = it->first.first;
    }
  }
  if (!chosen)
    refuse("no complete set of checkpoint files (" + std::to_string(files.size()) +
           " files, each generation missing a rank's)");

  cp.start.allocate(plan.records(), static_cast<int>(c.eps.size()), plan.attractors,
                    static_cast<int>(plan.sample_ids.size()), c.dim, plan.Q(), plan.C(),
                    plan.final_count_size);
  MomentTree tree((c.trajectories + kLeafSize - 1) / kLeafSize,
                  static_cast<std::size_t>(plan.records()) * plan.Q());
  std::vector<std::pair<std::string, LeafRanges>> parts;
  cp.done.clear();
  for (const Saved& s : *chosen) {
    try {
      h5::Handle file = h5::open_file(s.path);
      const LeafRanges done =
          read_partial(h5::open_group(file, "partial"), c, plan, cp.start, tree, nullptr);
      if (leaf_count(normalized([&] {
            LeafRanges all = cp.done;
            all.insert(all.end(), done.begin(), done.end());
            return all;
          }())) != leaf_count(cp.done) + leaf_count(done))
        refuse(s.path + " overlaps another checkpoint file (a corrupt set)");
      cp.done.insert(cp.done.end(), done.begin(), done.end());
      parts.emplace_back(s.path, done);
      if (s.rank == 0) {
        cp.parts = h5::read_attr_int64(file, "parts");
        cp.first_started_utc = h5::read_attr_string(file, "first_started_utc");
      }
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception& e) {
      refuse(s.path + " is not a complete checkpoint (" + e.what() + ")");
    }
  }
  cp.done = normalized(cp.done);
  cp.start.nodes = tree.nodes();
  cp.copy_rows = [parts, c](FinalSink& rows) {
    for (const auto& [path, done] : parts) {
      h5::Handle again = h5::open_file(path);
      read_partial_rows(h5::open_group(again, "partial"), c, done, rows);
    }
  };
  cp.resumed = true;
}

}  // namespace ngdsim
