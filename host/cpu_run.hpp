// OpenMP scheduling of tiles for one precision. Counts are summed per thread and
// then across threads (integers: exact); moments go through the fixed tree.
#pragma once

#include <omp.h>

#include "cpu_backend.hpp"
#include "cpu_tile.hpp"
#include "dispatch.hpp"
#include "interrupt.hpp"
#include "shard.hpp"

namespace ngdsim {

template <class T>
Statistics run_cpu_typed(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress) {
  const int R = plan.records(), E = static_cast<int>(c.eps.size()), A = plan.attractors;
  const int S = static_cast<int>(plan.sample_ids.size());
  Statistics total;
  total.allocate(R, E, A, S, c.dim);
  if (c.save_final) {
    const auto N = static_cast<std::size_t>(c.trajectories);
    total.final_position.assign(N * c.dim, 0.0);
    total.final_class.assign(N, 0);
    total.final_attractor.assign(N, -1);
    total.last_entry.assign(N, -1);
  }
  const std::int64_t leaves = (c.trajectories + kLeafSize - 1) / kLeafSize;
  MomentTree tree(leaves, static_cast<std::size_t>(R) * kNumQuantities);
  // All trajectories, or a shard's tree-aligned range of them.
  const TrajectoryRange range = shard_range(c);
  const std::int64_t tiles = (range.end - range.first + c.tile - 1) / c.tile;
  const int threads = cpu_threads(c);

  dispatch<T>(c, [&](const auto& land, auto opt) {
    using L = std::decay_t<decltype(land)>;
    using O = decltype(opt);
#pragma omp parallel num_threads(threads)
    {
      Statistics counts;
      counts.allocate(R, E, A, 0, c.dim);
      CpuTile<L, O, T> tile(land, opt, c, plan);
#pragma omp for schedule(dynamic, 1)
      for (std::int64_t t = 0; t < tiles; ++t) {
        if (stop_requested()) continue;  // an OpenMP loop cannot break: the rest are skipped
        const std::int64_t first = range.first + t * c.tile;
        const int n = static_cast<int>(std::min<std::int64_t>(c.tile, range.end - first));
        tile.run(first, n, counts, tree, total, progress);
      }
#pragma omp critical(ngdsim_counts)
      total.add_counts(counts);
    }
  });
  throw_if_stopped();
  if (c.shard_count > 0)
    total.nodes = tree.nodes();
  else
    total.moments = tree.root();
  return total;
}

}  // namespace ngdsim
