// The partial state of a run: what a shard file and a checkpoint hold so that the run
// can be finished later as if it had never stopped (docs/output.md, "Shards").
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>

#include "cli/config.hpp"
#include "io/final_sink.hpp"
#include "stats/leaf_ranges.hpp"
#include "stats/moment_tree.hpp"
#include "stats/statistics.hpp"
#include "study/plan.hpp"

namespace ngdsim {

// The study's configuration as a partial state stores and compares it: TOML without
// `out` (the files are found by it). With strict floating point (the default build) the
// backends compute alike, and the text says backend 'cpu' whichever `backend` ran, so
// that states from the CPU path and a device combine; otherwise it names `backend`.
std::string study_text(const Config& c, const std::string& backend);

// Under `group`: the leaves done, s.nodes (the reduction tree's nodes so far), the
// integer counts, the sampled paths and, with save_final, the /final rows of the
// trajectories done (in trajectory order) from `rows`.
void write_partial(hid_t group, const Config& c, const Plan& plan, const Statistics& s,
                   const LeafRanges& done, const FinalSource* rows);

// The inverse, into a run's totals: counts added to `total`, the sampled paths of the
// trajectories done copied, nodes inserted into `tree` and, with save_final, the /final
// rows written to `rows`. Returns the leaves done. Throws std::runtime_error for a group
// of another shape.
LeafRanges read_partial(hid_t group, const Config& c, const Plan& plan, Statistics& total,
                        MomentTree& tree, FinalSink* rows);
// Only the /final rows of the trajectories in `done`, into `rows`.
void read_partial_rows(hid_t group, const Config& c, const LeafRanges& done, FinalSink& rows);

}  // namespace ngdsim
