// One wave of a CPU run: the tiles not yet done, run by OpenMP until all are done, a
// stop is requested or the save time comes. The (landscape, optimizer) instantiations
// are spread over six translation units, one per precision and landscape family, so
// that a 2-core build (and the slow sanitizer build) compiles them side by side.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "config.hpp"
#include "moment_tree.hpp"
#include "plan.hpp"
#include "shard.hpp"
#include "statistics.hpp"

namespace ngdsim {

struct CpuWave {
  const Config& c;
  const Plan& plan;
  TrajectoryRange range;  // all trajectories, or a shard's
  std::int64_t tiles;
  int threads;
  bool timed;  // stop taking tiles at `deadline`
  std::chrono::steady_clock::time_point deadline;
  std::vector<unsigned char>& done;  // per tile
  MomentTree& tree;
  Statistics& total;
  std::atomic<std::int64_t>& progress;

  std::int64_t tile_size(std::int64_t t) const {
    return std::min<std::int64_t>(c.tile, range.end - (range.first + t * c.tile));
  }
};

// Runs one wave with the configuration's precision and landscape.
void run_cpu_wave(const CpuWave& w);

void run_cpu_wave_product_double(const CpuWave& w);
void run_cpu_wave_product_float(const CpuWave& w);
void run_cpu_wave_bilinear_double(const CpuWave& w);
void run_cpu_wave_bilinear_float(const CpuWave& w);
void run_cpu_wave_other_double(const CpuWave& w);
void run_cpu_wave_other_float(const CpuWave& w);

}  // namespace ngdsim
