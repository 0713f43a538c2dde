#pragma once

#include <ostream>

#include "cli/config.hpp"
#include "study/estimates.hpp"

namespace ngdsim {

// The end-of-run summary of docs/output.md.
void print_summary(std::ostream& os, const Config& c, const Estimates& e, const std::string& path);

}  // namespace ngdsim
