#pragma once

#include <atomic>
#include <cstdint>

#include "config.hpp"
#include "plan.hpp"
#include "statistics.hpp"

namespace ngdsim {

// Runs the whole study on the CPU (OpenMP over tiles). `progress` counts finished
// trajectory-steps so the caller can report progress while it runs.
Statistics run_cpu(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress);

// Threads the CPU path uses for this configuration.
int cpu_threads(const Config& c);

// Per precision, in their own translation units so they compile in parallel.
Statistics run_cpu_double(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress);
Statistics run_cpu_float(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress);

}  // namespace ngdsim
