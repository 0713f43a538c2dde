// The HDF5 file of a run, laid out as output.md section 3.
#pragma once

#include <string>

#include "config.hpp"
#include "estimates.hpp"
#include "plan.hpp"
#include "statistics.hpp"

namespace ngdsim {

inline constexpr const char* kVersion = "0.1.0";

void write_output(const std::string& path, const Config& c, const Plan& plan, const Statistics& s,
                  const Estimates& e);

}  // namespace ngdsim
