// Checkpoints of `ngdsim run` on the CPU path: OUT.checkpoint, rewritten atomically every
// --checkpoint seconds and on SIGINT/SIGTERM, holds the partial state (docs/output.md,
// "Checkpoints"); `ngdsim run ... --resume` continues from it to the very statistics of
// an uninterrupted run.
#pragma once

#include <string>

#include "cpu_backend.hpp"

namespace ngdsim {

std::string checkpoint_path(const std::string& out);

// Writes the state to checkpoint_path(c.out) under a temporary name, then renames it:
// a killed writer leaves the previous checkpoint whole.
void save_checkpoint(const Config& c, const Plan& plan, const Statistics& total,
                     const std::vector<unsigned char>& done);

// The saved state of c's study into `cp` (resumed). UsageError when there is none, when
// it is not a checkpoint of this program, or when any setting that changes results
// differs (named). A different tile size is taken from the checkpoint (it never changes
// results): `c.tile` is set to it.
void load_checkpoint(Config& c, const Plan& plan, CpuCheckpoint& cp);

}  // namespace ngdsim
