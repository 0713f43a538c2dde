// Everything the host computes once per run and hands to a backend: the record
// schedule, the step-size table, the histogram edges, the sampled trajectories.
#pragma once

#include <cstdint>
#include <vector>

#include "cli/config.hpp"

namespace ngdsim {

struct Plan {
  std::vector<std::int64_t> record_steps;  // sorted, unique, includes K
  std::vector<double> record_time;         // t_k = sum_{j<k} alpha_j at each recorded step
  std::vector<double> alpha;               // alpha_k, k = 0..K-1
  std::vector<double> edges;               // LogBins::kEdges histogram edges
  std::vector<std::int32_t> bin_cells;     // LogBins::kCells, the binning table
  std::vector<std::int64_t> sample_ids;    // trajectories whose paths are kept
  int attractors = 0;

  int records() const { return static_cast<int>(record_steps.size()); }
};

std::vector<std::int64_t> record_steps(const RecordSpec& spec, std::int64_t steps);
Plan make_plan(const Config& c);

}  // namespace ngdsim
