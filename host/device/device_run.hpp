// A study (or a shard's range) on a device backend, with checkpoints: the host side
// that cpu_run.cpp is for the CPU path. The device runs the leaves not yet done; their
// counts join the saved ones, their nodes the saved tree.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "cli/config.hpp"
#include "io/final_sink.hpp"
#include "stats/statistics.hpp"
#include "study/plan.hpp"
#include "study/run_checkpoint.hpp"

namespace ngdsim {

// `backend`: "cuda" or "emulated". /final rows go to `rows` (nullptr: not asked for);
// a checkpoint reads the rows done back from there.
Statistics run_device(const std::string& backend, const Config& c, const Plan& plan,
                      std::atomic<std::int64_t>& progress, FinalRows* rows,
                      RunCheckpoint* checkpoint);

}  // namespace ngdsim
