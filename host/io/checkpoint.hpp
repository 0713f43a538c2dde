// Checkpoints of `ngdsim run` on every backend: OUT.checkpoint, rewritten atomically every
// --checkpoint seconds and on SIGINT/SIGTERM, holds the partial state (docs/output.md,
// "Checkpoints"); `ngdsim run ... --resume` continues from it to the very statistics of
// an uninterrupted run.
#pragma once

#include <string>
#include <vector>

#include "study/plan.hpp"
#include "study/run_checkpoint.hpp"

namespace ngdsim {

// OUT.checkpoint: a single process's. Under MPI each rank saves its own state to
// OUT.checkpoint.G.R-of-P (generation G, rank R of P), all on the output's file system.
std::string checkpoint_path(const std::string& out);
// Every checkpoint file of OUT, of any generation and rank.
std::vector<std::string> checkpoint_files(const std::string& out);
// Removes them all (a run that completed).
void remove_checkpoints(const std::string& out);

// Writes the state to checkpoint_path(c.out) under a temporary name, then renames it:
// a killed writer leaves the previous checkpoint whole.
// `cp` gives the provenance of earlier parts (first start, parts).
void save_checkpoint(const Config& c, const std::string& backend, const Plan& plan,
                     const Statistics& total, const LeafRanges& done, const FinalSource* rows,
                     const RunCheckpoint& cp);

// The saved state of c's study into `cp` (resumed; its copy_rows reads the files again):
// the newest generation whose files are all there (every rank's, for one saved under
// MPI), combined, whatever the number of processes that saved it. UsageError when there
// is none, when a file is not a checkpoint of this program, or when any setting that
// changes results differs (named). Threads, tile, chunk, the number of MPI ranks and
// (with strict floating point) the backend may differ: they never change results.
void load_checkpoint(const Config& c, const std::string& backend, const Plan& plan,
                     RunCheckpoint& cp);

}  // namespace ngdsim
