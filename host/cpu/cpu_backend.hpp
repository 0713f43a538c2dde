#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "cli/config.hpp"
#include "stats/statistics.hpp"
#include "study/plan.hpp"
#include "study/run_checkpoint.hpp"

namespace ngdsim {

// Runs the whole study on the CPU (OpenMP over tiles). `progress` counts finished
// trajectory-steps so the caller can report progress while it runs.
Statistics run_cpu(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress,
                   RunCheckpoint* checkpoint = nullptr);

// Threads the CPU path uses for this configuration.
int cpu_threads(const Config& c);

// The totals of a run before its first tile: counts zero, /final rows as if never written.
Statistics empty_totals(const Config& c, const Plan& plan);

}  // namespace ngdsim
