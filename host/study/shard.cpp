#include "study/shard.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "cli/registry.hpp"
#include "cpu/cpu_backend.hpp"
#include "device/device_run.hpp"
#include "io/h5_util.hpp"
#include "io/output.hpp"
#include "io/partial_state.hpp"
#include "io/provenance.hpp"
#include "study/estimates.hpp"
#include "study/interrupt.hpp"
#include "study/memory.hpp"
#include "study/plan.hpp"
#include "study/progress.hpp"
#include "study/run.hpp"
#include "study/summary.hpp"
#include "study/sweep.hpp"

namespace ngdsim {

namespace {

constexpr const char* kShardType = "ngdsim-shard";

std::int64_t leaves_of(std::int64_t trajectories) {
  return (trajectories + kLeafSize - 1) / kLeafSize;
}

TrajectoryRange range_of(std::int64_t trajectories, std::int64_t index, std::int64_t count) {
  TrajectoryRange r;
  const std::int64_t leaves = leaves_of(trajectories);
  // The first leaves % count shards hold one leaf more.
  const std::int64_t q = leaves / count, extra = leaves % count;
  r.first_leaf = index * q + std::min(index, extra);
  r.end_leaf = r.first_leaf + q + (index < extra ? 1 : 0);
  r.first = r.first_leaf * kLeafSize;
  r.end = std::min(r.end_leaf * kLeafSize, trajectories);
  return r;
}

void write_shard(hid_t root, const Config& c, const std::string& backend, const Plan& plan,
                 Statistics& s, const TrajectoryRange& r, double seconds) {
  h5::attr(root, "shard_index", c.shard_index);
  h5::attr(root, "shard_count", c.shard_count);
  h5::attr(root, "first_trajectory", r.first);
  h5::attr(root, "end_trajectory", r.end);
  h5::attr(root, "wall_seconds", seconds);
  auto params = h5::group(root, "parameters");
  h5::write_string(params, "config", study_text(c, backend),
                   "the resolved configuration of the whole study (out left out)");
  const FinalArrays rows(c.dim, s.final_position, s.final_class, s.final_attractor, s.last_entry);
  write_partial(h5::group(root, "partial"), c, plan, s, {{r.first_leaf, r.end_leaf}}, &rows);
}

// A shard file as merge reads it.
struct Shard {
  std::string path, config;
  std::int64_t index = 0, count = 0, first = 0, end = 0;
  double seconds = 0.0;
};

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw UsageError("invalid shard '" + path + "': " + why);
}

Shard open_shard(const std::string& path, h5::Handle& file) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) refuse(path, "no such file");
  if (!std::filesystem::is_regular_file(path, ec) || H5Fis_hdf5(path.c_str()) <= 0)
    refuse(path, "not an HDF5 file");
  Shard s;
  s.path = path;
  try {
    file = h5::open_file(path);
    const std::string type = h5::read_attr_string(file, "filetype");
    if (type != kShardType)
      refuse(path,
             "not a shard file (filetype '" + type + "'; shards come from ngdsim run --shard)");
    const std::string version = h5::read_attr_string(file, "version");
    if (version != kVersion) refuse(path, "written by ngdsim " + version + ", this is " + kVersion);
    auto read_int = [&](const char* name) { return h5::read_attr_int64(file, name); };
    s.index = read_int("shard_index");
    s.count = read_int("shard_count");
    s.first = read_int("first_trajectory");
    s.end = read_int("end_trajectory");
    h5::Handle a(H5Aopen(file, "wall_seconds", H5P_DEFAULT), H5Aclose, "attribute wall_seconds");
    h5::check(H5Aread(a, H5T_NATIVE_DOUBLE, &s.seconds), "wall_seconds");
    s.config = h5::read_string(h5::open_group(file, "parameters"), "config");
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    refuse(path, std::string("not a complete shard file (") + e.what() + ")");
  }
  return s;
}

}  // namespace

std::map<std::int64_t, std::size_t> check_numbering(const std::vector<ShardId>& ids) {
  const ShardId& first = ids.at(0);
  std::map<std::int64_t, std::size_t> by_index;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const ShardId& s = ids[i];
    const std::string name = "shard " + std::to_string(s.index) + "/" + std::to_string(s.count);
    if (s.count != first.count)
      refuse(s.path, name + " of a split into " + std::to_string(s.count) + ", '" + first.path +
                         "' of a split into " + std::to_string(first.count));
    const auto [it, fresh] = by_index.emplace(s.index, i);
    if (!fresh) refuse(s.path, name + " given twice (also '" + ids[it->second].path + "')");
  }
  std::string missing;
  for (std::int64_t i = 0; i < first.count; ++i)
    if (!by_index.count(i)) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
  if (!missing.empty())
    throw UsageError("invalid shards: " + missing + " of " + std::to_string(first.count) +
                     " missing (shards 0 to " + std::to_string(first.count - 1) + " are needed)");
  return by_index;
}

struct PartialMerge::State {
  State(const Config& config, hid_t r)
      : c(config),
        plan(make_plan(c)),
        tree(leaves_of(c.trajectories), static_cast<std::size_t>(plan.records()) * plan.Q()),
        root(r) {
    total.allocate(plan.records(), static_cast<int>(c.eps.size()), plan.attractors,
                   static_cast<int>(plan.sample_ids.size()), c.dim, plan.Q(), plan.C(),
                   plan.final_count_size);
    if (c.save_final) rows = final_writer(root, c.trajectories, c.dim);
  }
  Config c;
  Plan plan;
  MomentTree tree;
  Statistics total;
  hid_t root;
  std::unique_ptr<FinalRows> rows;
};

PartialMerge::PartialMerge(const Config& c, hid_t root) : s_(std::make_unique<State>(c, root)) {}
PartialMerge::~PartialMerge() = default;

void PartialMerge::add(hid_t partial, const TrajectoryRange& r, bool with_rows) {
  Config c = s_->c;
  c.save_final = c.save_final && with_rows;
  const LeafRanges done =
      read_partial(partial, c, s_->plan, s_->total, s_->tree, with_rows ? s_->rows.get() : nullptr);
  if (done != LeafRanges{{r.first_leaf, r.end_leaf}})
    throw std::runtime_error("its partial state does not cover its trajectory range");
}

bool PartialMerge::complete() const { return s_->tree.complete(); }

FinalSink* PartialMerge::rows() { return s_->rows.get(); }

Estimates PartialMerge::finish(double seconds, const std::string& backend,
                               const std::string& device) {
  s_->total.moments = s_->tree.root();
  Estimates e = estimate(s_->c, s_->plan, s_->total);
  e.wall_seconds = seconds;
  e.rate = static_cast<double>(s_->c.trajectories) * static_cast<double>(s_->c.steps) / seconds;
  e.backend = backend;
  e.device = device;
  write_output(s_->root, s_->c, s_->plan, s_->total, e);
  return e;
}

TrajectoryRange shard_range(const Config& c) {
  if (c.shard_count <= 0) {
    TrajectoryRange r;
    r.end = c.trajectories;
    r.end_leaf = leaves_of(c.trajectories);
    return r;
  }
  return range_of(c.trajectories, c.shard_index, c.shard_count);
}

Statistics run_range(const std::string& backend, const Config& c, const Plan& plan,
                     std::atomic<std::int64_t>& progress, RunCheckpoint* checkpoint) {
  if (backend == "cpu") return run_cpu(c, plan, progress, checkpoint);
  Statistics rows = empty_totals(c, plan);  // the /final rows, when asked for
  FinalArrays sink(c.dim, rows.final_position, rows.final_class, rows.final_attractor,
                   rows.last_entry);
  Statistics s = run_device(backend, c, plan, progress, c.save_final ? &sink : nullptr, checkpoint);
  s.final_position = std::move(rows.final_position);
  s.final_class = std::move(rows.final_class);
  s.final_attractor = std::move(rows.final_attractor);
  s.last_entry = std::move(rows.last_entry);
  return s;
}

void run_shard(const Config& c, std::ostream& out, std::ostream& log) {
  const Backend backend = choose_backend(c);
  check_host_memory(c, backend.name, cpu_threads(c));
  const TrajectoryRange r = shard_range(c);
  OutputFile file(c.out, c.force, kShardType);
  const Plan plan = make_plan(c);
  log << "ngdsim: " << one_line(c) << "\n";
  log << "ngdsim: shard " << c.shard_index << "/" << c.shard_count << ": trajectories " << r.first
      << " to " << r.end - 1 << " (" << r.end - r.first << "), backend " << backend.name
      << ", precision " << c.precision << "\n";
  const auto t0 = std::chrono::steady_clock::now();
  Statistics stats;
  try {
    Progress progress(log, (r.end - r.first) * c.steps, isatty(STDERR_FILENO) != 0);
    stats = run_range(backend.name, c, plan, progress.counter());
  } catch (const Interrupted& stop) {
    throw Interrupted(stop.signal,
                      std::string(stop.what()) + ": the shard stopped; nothing was written");
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_shard(file.root(), c, backend.name, plan, stats, r, secs);
  write_provenance(file.root(), {backend.name, device_name(backend, c)});
  file.commit();
  out << "shard " << c.shard_index << "/" << c.shard_count << " written to " << c.out
      << "; when all " << c.shard_count << " are done: ngdsim merge SHARD_FILES... --out FILE\n";
}

void merge_shards(const std::vector<std::string>& paths, const std::string& out_path, bool force,
                  std::ostream& out) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  if (is_sweep_shard(paths.at(0))) return merge_sweep_shards(paths, out_path, force, out);
  std::vector<h5::Handle> files(paths.size());
  std::vector<Shard> shards;
  for (std::size_t i = 0; i < paths.size(); ++i) shards.push_back(open_shard(paths[i], files[i]));
  const Shard& first = shards[0];
  std::vector<ShardId> ids;
  for (const Shard& s : shards) {
    if (s.config != first.config)
      refuse(s.path, "from another study than '" + first.path +
                         "': " + first_differing_line(first.config, s.config, "the first shard"));
    ids.push_back({s.path, s.index, s.count});
  }
  const std::map<std::int64_t, std::size_t> by_index = check_numbering(ids);

  Config c;
  load_toml_text(c, first.config, "shard '" + first.path + "'");
  c.out = out_path;
  c.force = force;
  resolve(c);
  OutputFile file(out_path, force, "ngdsim-run");
  PartialMerge merge(c, file.root());
  double seconds = 0.0;
  for (const auto& [index, i] : by_index) {
    const Shard& s = shards[i];
    const TrajectoryRange r = range_of(c.trajectories, s.index, s.count);
    if (r.first != s.first || r.end != s.end)
      refuse(s.path, "its trajectory range does not match its shard number (a corrupt file)");
    seconds += s.seconds;
    try {
      merge.add(h5::open_group(files[i], "partial"), r);
    } catch (const std::exception& e) {
      refuse(s.path, std::string("not a complete shard file (") + e.what() + ")");
    }
  }
  if (!merge.complete())
    throw UsageError("invalid shards: their moments do not cover the study (corrupt files)");
  const Estimates e =
      merge.finish(seconds, "cpu", "CPU, merged from " + std::to_string(first.count) + " shards");
  write_provenance(file.root(),
                   {"merge", "merged from " + std::to_string(first.count) + " shards"});
  // Where and how each shard ran, under /provenance/shards/I.
  h5::Handle into = h5::group(file.root(), "provenance/shards");
  for (const auto& [index, i] : by_index)
    if (H5Lexists(files[i], "provenance", H5P_DEFAULT) > 0)
      h5::check(H5Ocopy(files[i], "provenance", into, std::to_string(index).c_str(), H5P_DEFAULT,
                        H5P_DEFAULT),
                "provenance of shard " + std::to_string(index));
  into = h5::Handle();
  file.commit();
  print_summary(out, c, e, out_path);
}

}  // namespace ngdsim
