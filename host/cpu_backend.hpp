#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "config.hpp"
#include "plan.hpp"
#include "statistics.hpp"

namespace ngdsim {

// Checkpoints of a CPU run. The tiles run in waves; a wave ends when every tile is
// done, at the next save time, or on a stop signal, after the tiles in flight. Between
// waves `save` gets the state so far: the done tiles' counts, samples and /final rows
// in `total`, the reduction tree's nodes in total.nodes, and which tiles are done. A run
// given a saved state (`resumed`) runs only the tiles not done, to the same statistics.
struct CpuCheckpoint {
  double interval = 0.0;  // seconds between saves; 0: only on a stop signal
  std::function<void(const Statistics& total, const std::vector<unsigned char>& done)> save;
  bool resumed = false;
  Statistics start;                 // the saved state, nodes included
  std::vector<unsigned char> done;  // per tile of c.tile trajectories
};

// Runs the whole study on the CPU (OpenMP over tiles). `progress` counts finished
// trajectory-steps so the caller can report progress while it runs.
Statistics run_cpu(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress,
                   CpuCheckpoint* checkpoint = nullptr);

// Threads the CPU path uses for this configuration.
int cpu_threads(const Config& c);

// The totals of a run before its first tile: counts zero, /final rows as if never written.
Statistics empty_totals(const Config& c, const Plan& plan);

}  // namespace ngdsim
