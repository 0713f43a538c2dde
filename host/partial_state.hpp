// The partial state of a run: what a shard file and a checkpoint hold so that the run
// can be finished later as if it had never stopped (docs/output.md, "Shards").
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>

#include "config.hpp"
#include "moment_tree.hpp"
#include "plan.hpp"
#include "statistics.hpp"

namespace ngdsim {

// The study's configuration as a partial state stores and compares it: TOML without
// `out` (the files are found by it) and with backend 'cpu' (what ran; the backend never
// changes results), so shards and checkpoints of one study have the same text.
std::string study_text(const Config& c);

// Under `group`: s.nodes (the reduction tree's nodes so far), the integer counts, the
// sampled paths and, with save_final, the /final rows of trajectories [first, end).
void write_partial(hid_t group, const Config& c, const Plan& plan, const Statistics& s,
                   std::int64_t first, std::int64_t end);

// The inverse, into a run's totals: counts added to `total`, nodes inserted into `tree`,
// the sampled paths and /final rows of trajectories [first, end) copied. Throws
// std::runtime_error for a group of another shape.
void read_partial(hid_t group, const Config& c, const Plan& plan, Statistics& total,
                  MomentTree& tree, std::int64_t first, std::int64_t end);

}  // namespace ngdsim
