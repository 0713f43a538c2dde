// ngdsim under MPI (mpirun, srun): one study spread over P processes, each a shard of
// the trajectories on its own device or its share of the cores, their partial states
// gathered to rank 0 and merged in the fixed tree order, so the file is the single
// process's bit for bit. Built with Open MPI when CMake finds it (host/study/mpi_run.cpp);
// otherwise host/study/mpi_stub.cpp refuses to run under a launcher.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <iosfwd>
#include <string>

#include "cli/config.hpp"
#include "study/estimates.hpp"
#include "study/run_checkpoint.hpp"

namespace ngdsim::mpi {

// Starts MPI when an MPI launcher started this process; a plain run never touches MPI.
// UsageError when launched by one in a build without MPI.
void init(int* argc, char*** argv);
void finalize();
// This process's rank and the number of ranks (0 and 1 outside MPI).
int rank();
int size();
// Whether more than one rank runs.
inline bool spread() { return size() > 1; }
// Whether the ranks have begun to depend on each other (past the checks every rank
// makes alike): a rank that stops then must end them all.
bool communicating();
// A rank stopped by a signal (every rank gets it) after saving its checkpoint: waits up
// to a minute for the others to do the same, so that the job ends with every rank's
// state saved; then `status`, or, if some rank never comes, abort(status).
int settle(int status);
// Ends every rank of the job at once with `status` (a failure on one rank).
[[noreturn]] void abort(int status);

// ngdsim run over the ranks; rank 0 writes the file and prints the summary.
void run_study(const Config& c, std::ostream& out, std::ostream& log);

// For a sweep: UsageError unless c can be spread over the ranks (every rank checks alike).
void check_spreadable(const Config& c);
// Rank 0's refusal (empty: none) on every rank; past an empty one the ranks depend on
// each other. And rank 0's count on every rank.
std::string agree(const std::string& refusal);
std::int64_t agree(std::int64_t value);
// One point of a study over every rank; rank 0 writes its datasets under `root` and
// gets its estimates (the other ranks: empty estimates, `root` unused). With `saved`
// (ngdsim run) every rank keeps checkpoints, resuming from it when it is resumed;
// `resume_hint` ends the message of a stop.
Estimates run_point(const Config& c, hid_t root, std::ostream& log, RunCheckpoint* saved = nullptr,
                    const std::string& resume_hint = "");

}  // namespace ngdsim::mpi
