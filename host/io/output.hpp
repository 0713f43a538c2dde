// The HDF5 file of a run, laid out as docs/output.md.
#pragma once

#include <hdf5.h>

#include <memory>
#include <string>

#include "cli/config.hpp"
#include "io/final_sink.hpp"
#include "stats/statistics.hpp"
#include "study/estimates.hpp"
#include "study/plan.hpp"

namespace ngdsim {

inline constexpr const char* kVersion = "0.1.0";

// Everything of docs/output.md but /final, into `file`: an open file's root
// group for a run, or a sweep point's group (paths inside are relative).
void write_output(hid_t file, const Config& c, const Plan& plan, const Statistics& s,
                  const Estimates& e);

// "final" under `file` (docs/output.md): chunked, compressed datasets sized N, filled
// by hyperslab as the backend delivers chunks.
std::unique_ptr<FinalRows> final_writer(hid_t file, std::int64_t trajectories, int dim);

}  // namespace ngdsim
