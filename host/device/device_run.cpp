#include "device/device_run.hpp"

#include <chrono>

#include "cli/registry.hpp"
#include "device/device_backend.hpp"
#include "study/interrupt.hpp"
#include "study/shard.hpp"

namespace ngdsim {

namespace {

// The device's counts and sampled paths joined to the saved ones (of the leaves in
// `saved`): counts add exactly; each sampled path comes from where it was run.
Statistics joined(Statistics device, const Statistics& start, const LeafRanges& saved,
                  const Plan& plan, int dim) {
  device.add_counts(start);
  const int R = device.R, S = static_cast<int>(plan.sample_ids.size());
  for (int k = 0; k < S; ++k) {
    const std::int64_t leaf = plan.sample_ids[k] / kLeafSize;
    if (!covers(saved, leaf, leaf + 1)) continue;
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < dim; ++j) {
        const std::size_t at = (std::size_t(r) * S + k) * dim + j;
        device.sample[at] = start.sample[at];
      }
  }
  return device;
}

}  // namespace

Statistics run_device(const std::string& backend, const Config& c, const Plan& plan,
                      std::atomic<std::int64_t>& progress, FinalRows* rows,
                      RunCheckpoint* checkpoint) {
  using Clock = std::chrono::steady_clock;
  const std::int64_t leaves = (c.trajectories + kLeafSize - 1) / kLeafSize;
  MomentTree tree(leaves, static_cast<std::size_t>(plan.records()) * plan.Q());
  const TrajectoryRange range = shard_range(c);

  Statistics start;
  start.allocate(plan.records(), static_cast<int>(c.eps.size()), plan.attractors,
                 static_cast<int>(plan.sample_ids.size()), c.dim, plan.Q(), plan.C(),
                 plan.final_count_size);
  LeafRanges saved;
  if (checkpoint && checkpoint->resumed) {
    start = std::move(checkpoint->start);
    for (auto& n : start.nodes) tree.insert(n.level, n.index, std::move(n.data));
    start.nodes.clear();
    saved = checkpoint->done;
    if (c.save_final && rows && checkpoint->copy_rows) checkpoint->copy_rows(*rows);
    progress += trajectories_in(saved, c.trajectories) * c.steps;
  }

  DeviceWork work;
  LeafRanges skipped = saved;
  if (checkpoint) skipped.insert(skipped.end(), checkpoint->skip.begin(), checkpoint->skip.end());
  work.todo = subtract({range.first_leaf, range.end_leaf}, skipped);
  work.tree = &tree;
  work.rows = rows;
  LeafRanges done = saved;
  auto last_save = Clock::now();
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(checkpoint ? checkpoint->interval : 0.0));
  work.after = [&](const LeafRange& piece, const std::function<Statistics()>& so_far) {
    done.push_back(piece);
    if (!checkpoint || !checkpoint->save) return;
    const bool due = checkpoint->interval > 0.0 && Clock::now() - last_save >= interval;
    if (!due && !stop_requested()) return;
    Statistics total = joined(so_far(), start, saved, plan, c.dim);
    total.nodes = tree.nodes();
    checkpoint->save(total, normalized(done), c.save_final ? rows : nullptr);
    last_save = Clock::now();
  };

  Statistics device = backend == "cuda" ? cuda::run(c, plan, progress, work)
                                        : emulated::run(c, plan, progress, work);
  const std::int64_t chunk = device.chunk, chunks = device.chunks;
  Statistics total = joined(std::move(device), start, saved, plan, c.dim);
  total.chunk = chunk;
  total.chunks = chunks;
  if (c.shard_count > 0)
    total.nodes = tree.nodes();
  else
    total.moments = tree.root();
  return total;
}

}  // namespace ngdsim
