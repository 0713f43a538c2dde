#pragma once

#include <iosfwd>

#include "config.hpp"

namespace ngdsim {

// Runs a resolved configuration end to end: checks the output path, runs the
// backend, writes the file under a temporary name and renames it, prints the summary.
// Throws UsageError for invalid input (before anything is written).
void run_study(const Config& c, std::ostream& out, std::ostream& log);

}  // namespace ngdsim
