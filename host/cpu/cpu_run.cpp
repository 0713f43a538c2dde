// The CPU path's waves, checkpoints and reduction tree; the instantiations that run
// the tiles are in cpu_wave_*.cpp.
#include <omp.h>

#include <algorithm>

#include "cli/registry.hpp"
#include "cpu/cpu_backend.hpp"
#include "cpu/cpu_wave.hpp"
#include "stats/statistics.hpp"
#include "study/interrupt.hpp"
#include "study/shard.hpp"

namespace ngdsim {

int cpu_threads(const Config& c) {
  return c.threads > 0 ? static_cast<int>(c.threads) : omp_get_max_threads();
}

void run_cpu_wave(const CpuWave& w) {
  const bool f = w.c.precision == "float";
  if (w.c.landscape == "product")
    return f ? run_cpu_wave_product_float(w) : run_cpu_wave_product_double(w);
  if (w.c.landscape == "bilinear")
    return f ? run_cpu_wave_bilinear_float(w) : run_cpu_wave_bilinear_double(w);
  if (w.c.landscape == "bnreg")
    return f ? run_cpu_wave_bnreg_float(w) : run_cpu_wave_bnreg_double(w);
  if (w.c.landscape == "msense")
    return f ? run_cpu_wave_msense_float(w) : run_cpu_wave_msense_double(w);
  f ? run_cpu_wave_other_float(w) : run_cpu_wave_other_double(w);
}

namespace {

// The leaves to do, cut at multiples of the tile from the range's start.
LeafRanges tiles_of(const LeafRanges& todo, std::int64_t origin, std::int64_t tile_leaves) {
  LeafRanges tiles;
  for (const LeafRange& r : todo)
    for (std::int64_t at = r.first; at < r.end;) {
      const std::int64_t next = origin + ((at - origin) / tile_leaves + 1) * tile_leaves;
      tiles.push_back({at, std::min(next, r.end)});
      at = tiles.back().end;
    }
  return tiles;
}

}  // namespace

Statistics run_cpu(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress,
                   RunCheckpoint* checkpoint) {
  using Clock = std::chrono::steady_clock;
  const std::int64_t leaves = (c.trajectories + kLeafSize - 1) / kLeafSize;
  MomentTree tree(leaves, static_cast<std::size_t>(plan.records()) * plan.Q());
  const TrajectoryRange range = shard_range(c);

  Statistics total = empty_totals(c, plan);
  LeafRanges done_before;
  if (checkpoint && checkpoint->resumed) {
    total.add_counts(checkpoint->start);
    total.sample = std::move(checkpoint->start.sample);
    for (auto& n : checkpoint->start.nodes) tree.insert(n.level, n.index, std::move(n.data));
    done_before = checkpoint->done;
    if (c.save_final && checkpoint->copy_rows) {
      FinalArrays rows(c.dim, total.final_position, total.final_class, total.final_attractor,
                       total.last_entry);
      checkpoint->copy_rows(rows);
    }
    progress += trajectories_in(done_before, c.trajectories) * c.steps;
  }
  LeafRanges skipped = done_before;
  if (checkpoint) skipped.insert(skipped.end(), checkpoint->skip.begin(), checkpoint->skip.end());
  const LeafRanges tiles = tiles_of(subtract({range.first_leaf, range.end_leaf}, skipped),
                                    range.first_leaf, c.tile / kLeafSize);
  std::vector<unsigned char> done(tiles.size(), 0);
  CpuWave wave{c,    plan, tiles, cpu_threads(c), false, Clock::time_point::max(),
               done, tree, total, progress};

  auto last_save = Clock::now();
  for (;;) {
    wave.timed = checkpoint && checkpoint->interval > 0.0;
    wave.deadline = wave.timed
                        ? last_save + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(checkpoint->interval))
                        : Clock::time_point::max();
    run_cpu_wave(wave);
    if (std::find(done.begin(), done.end(), 0) == done.end()) break;
    if (checkpoint && checkpoint->save) {
      LeafRanges all = done_before;
      for (std::size_t t = 0; t < tiles.size(); ++t)
        if (done[t]) all.push_back(tiles[t]);
      total.nodes = tree.nodes();
      const FinalArrays rows(c.dim, total.final_position, total.final_class, total.final_attractor,
                             total.last_entry);
      checkpoint->save(total, normalized(all), c.save_final ? &rows : nullptr);
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

Statistics empty_totals(const Config& c, const Plan& plan) {
  Statistics total;
  total.allocate(plan.records(), static_cast<int>(c.eps.size()), plan.attractors,
                 static_cast<int>(plan.sample_ids.size()), c.dim, plan.Q(), plan.C(),
                 plan.final_count_size);
  if (c.save_final) {
    const auto N = static_cast<std::size_t>(c.trajectories);
    total.final_position.assign(N * c.dim, 0.0);
    total.final_class.assign(N, 0);
    total.final_attractor.assign(N, -1);
    total.last_entry.assign(N, -1);
  }
  return total;
}

}  // namespace ngdsim
