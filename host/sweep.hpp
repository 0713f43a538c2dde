#pragma once

#include <iosfwd>

#include "config.hpp"

namespace ngdsim {

// Runs base once per point of its `vary` list or grid (every point validated before
// any runs) into one file; prints the table of estimates. UsageError on bad input.
void run_sweep(const Config& base, std::ostream& out, std::ostream& log);

}  // namespace ngdsim
