// OpenMP scheduling of tiles for one precision. Counts are summed per thread and
// then across threads (integers: exact); moments go through the fixed tree.
#pragma once

#include <omp.h>

#include <chrono>

#include "cpu_backend.hpp"
#include "cpu_tile.hpp"
#include "dispatch.hpp"
#include "interrupt.hpp"
#include "shard.hpp"

namespace ngdsim {

template <class T>
Statistics run_cpu_typed(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress,
                         CpuCheckpoint* checkpoint) {
  const int R = plan.records(), E = static_cast<int>(c.eps.size()), A = plan.attractors;
  using Clock = std::chrono::steady_clock;
  const std::int64_t leaves = (c.trajectories + kLeafSize - 1) / kLeafSize;
  MomentTree tree(leaves, static_cast<std::size_t>(R) * kNumQuantities);
  // All trajectories, or a shard's tree-aligned range of them.
  const TrajectoryRange range = shard_range(c);
  const std::int64_t tiles = (range.end - range.first + c.tile - 1) / c.tile;
  const int threads = cpu_threads(c);
  auto tile_size = [&](std::int64_t t) {
    return std::min<std::int64_t>(c.tile, range.end - (range.first + t * c.tile));
  };

  Statistics total;
  std::vector<unsigned char> done(static_cast<std::size_t>(tiles), 0);
  if (checkpoint && checkpoint->resumed) {
    total = std::move(checkpoint->start);
    for (auto& n : total.nodes) tree.insert(n.level, n.index, std::move(n.data));
    total.nodes.clear();
    done = checkpoint->done;
    for (std::int64_t t = 0; t < tiles; ++t)
      if (done[t]) progress += tile_size(t) * c.steps;
  } else {
    total = empty_totals(c, plan);
  }

  auto last_save = Clock::now();
  for (;;) {
    const bool timed = checkpoint && checkpoint->interval > 0.0;
    const auto deadline = timed
                              ? last_save + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(checkpoint->interval))
                              : Clock::time_point::max();
    dispatch<T>(c, [&](const auto& land, auto opt) {
      using L = std::decay_t<decltype(land)>;
      using O = decltype(opt);
#pragma omp parallel num_threads(threads)
      {
        Statistics counts;
        counts.allocate(R, E, A, 0, c.dim);
        CpuTile<L, O, T> tile(land, opt, c, plan);
        // An OpenMP loop cannot break: the tiles past a stop or the save time are skipped,
        // left for the next wave.
#pragma omp for schedule(dynamic, 1)
        for (std::int64_t t = 0; t < tiles; ++t) {
          if (done[t] || stop_requested() || (timed && Clock::now() >= deadline)) continue;
          tile.run(range.first + t * c.tile, static_cast<int>(tile_size(t)), counts, tree, total,
                   progress);
          done[t] = 1;
        }
#pragma omp critical(ngdsim_counts)
        total.add_counts(counts);
      }
    });
    if (std::find(done.begin(), done.end(), 0) == done.end()) break;
    if (checkpoint && checkpoint->save) {
      total.nodes = tree.nodes();
      checkpoint->save(total, done);
      total.nodes.clear();
      last_save = Clock::now();
    }
    throw_if_stopped();
  }
  if (c.shard_count > 0)
    total.nodes = tree.nodes();
  else
    total.moments = tree.root();
  return total;
}

}  // namespace ngdsim
