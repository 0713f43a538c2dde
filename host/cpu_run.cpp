// The CPU path's waves, checkpoints and reduction tree; the instantiations that run
// the tiles are in cpu_wave_*.cpp.
#include <omp.h>

#include <algorithm>

#include "cpu_backend.hpp"
#include "cpu_wave.hpp"
#include "interrupt.hpp"
#include "registry.hpp"
#include "statistics.hpp"

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
  f ? run_cpu_wave_other_float(w) : run_cpu_wave_other_double(w);
}

Statistics run_cpu(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress,
                   CpuCheckpoint* checkpoint) {
  using Clock = std::chrono::steady_clock;
  const std::int64_t leaves = (c.trajectories + kLeafSize - 1) / kLeafSize;
  MomentTree tree(leaves, static_cast<std::size_t>(plan.records()) * kNumQuantities);
  const TrajectoryRange range = shard_range(c);
  const std::int64_t tiles = (range.end - range.first + c.tile - 1) / c.tile;

  Statistics total;
  std::vector<unsigned char> done(static_cast<std::size_t>(tiles), 0);
  CpuWave wave{c,    plan, range, tiles,   cpu_threads(c), false, Clock::time_point::max(),
               done, tree, total, progress};
  if (checkpoint && checkpoint->resumed) {
    total = std::move(checkpoint->start);
    for (auto& n : total.nodes) tree.insert(n.level, n.index, std::move(n.data));
    total.nodes.clear();
    done = checkpoint->done;
    for (std::int64_t t = 0; t < tiles; ++t)
      if (done[t]) progress += wave.tile_size(t) * c.steps;
  } else {
    total = empty_totals(c, plan);
  }

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

Statistics empty_totals(const Config& c, const Plan& plan) {
  Statistics total;
  total.allocate(plan.records(), static_cast<int>(c.eps.size()), plan.attractors,
                 static_cast<int>(plan.sample_ids.size()), c.dim);
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
