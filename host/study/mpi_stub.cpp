// Built without MPI: a plain program, which refuses to be one of several ranks (each would
// run the whole study and they would compete for one output file).
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "cli/config.hpp"
#include "study/mpi_run.hpp"

namespace ngdsim::mpi {

void init(int*, char***) {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v))
      throw UsageError(
          "ngdsim was started by an MPI launcher, but this build has no MPI support "
          "(install Open MPI, libopenmpi-dev, and rebuild; or run it without mpirun)");
}

void finalize() {}
int rank() { return 0; }
int size() { return 1; }
bool communicating() { return false; }
int settle(int status) { return status; }
void abort(int status) { std::exit(status); }

// Never reached: without MPI there is one rank, and nothing is spread.
void run_study(const Config&, std::ostream&, std::ostream&) {
  throw std::logic_error("MPI run without MPI");
}
void check_spreadable(const Config&) {}
std::string agree(const std::string& refusal) { return refusal; }
std::int64_t agree(std::int64_t value) { return value; }
Estimates run_point(const Config&, hid_t, std::ostream&, RunCheckpoint*, const std::string&) {
  throw std::logic_error("MPI run without MPI");
}

}  // namespace ngdsim::mpi
