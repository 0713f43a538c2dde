// One wave of a CPU run: the tiles not yet done, run by OpenMP until all are done, a
// stop is requested or the save time comes. The (landscape, optimizer) instantiations
// are spread over eight translation units, one per precision and landscape family, so
// that a 2-core build (and the slow sanitizer build) compiles them side by side.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "cli/config.hpp"
#include "cli/registry.hpp"
#include "stats/leaf_ranges.hpp"
#include "stats/moment_tree.hpp"
#include "stats/statistics.hpp"
#include "study/plan.hpp"

namespace ngdsim {

struct CpuWave {
  const Config& c;
  const Plan& plan;
  const LeafRanges& tiles;  // the leaves to do, at most c.tile trajectories each
  int threads;
  bool timed;  // stop taking tiles at `deadline`
  std::chrono::steady_clock::time_point deadline;
  std::vector<unsigned char>& done;  // per tile
  MomentTree& tree;
  Statistics& total;
  std::atomic<std::int64_t>& progress;

  std::int64_t first(std::size_t t) const { return tiles[t].first * kLeafSize; }
  std::int64_t size(std::size_t t) const {
    return std::min<std::int64_t>(tiles[t].end * kLeafSize, c.trajectories) - first(t);
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
void run_cpu_wave_bnreg_double(const CpuWave& w);
void run_cpu_wave_bnreg_float(const CpuWave& w);
void run_cpu_wave_msense_double(const CpuWave& w);
void run_cpu_wave_msense_float(const CpuWave& w);

}  // namespace ngdsim
