// Checkpoints as every backend sees them. A run does its leaves in pieces (tiles on the
// CPU, tree-aligned chunks on a device); between pieces, at the save time or on a stop
// signal, `save` gets the state so far. A run given a saved state (`resumed`) does only
// the leaves not done, to the same statistics as an uninterrupted run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "io/final_sink.hpp"
#include "stats/leaf_ranges.hpp"
#include "stats/statistics.hpp"

namespace ngdsim {

struct RunCheckpoint {
  double interval = 0.0;  // seconds between saves; 0: only on a stop signal
  // total: the counts and sampled paths of the leaves done, the reduction tree's nodes
  // in total.nodes; rows: their /final rows (nullptr without save_final).
  std::function<void(const Statistics& total, const LeafRanges& done, const FinalSource* rows)>
      save;
  bool resumed = false;
  Statistics start;  // the saved state: counts, sampled paths, nodes (no /final rows)
  LeafRanges done;   // the leaves in `start`
  // Leaves done elsewhere (under MPI, in rank 0's start): skipped, in no state of this run.
  LeafRanges skip;
  // The checkpoint generation resumed from (0: none); this run saves generation + 1.
  std::int64_t generation = 0;
  // Writes the saved /final rows into `rows` (a resumed run with save_final).
  std::function<void(FinalSink& rows)> copy_rows;
  // Provenance of a resumed run: when its first part started, and the parts so far.
  std::string first_started_utc;
  std::int64_t parts = 0;
};

}  // namespace ngdsim
