// Everything the host computes once per run and hands to a backend: the record
// schedule, the step-size table, the histogram edges, the sampled trajectories.
#pragma once

#include <cstdint>
#include <string>
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
  // The recorded quantities, by name: kQuantityNames first, then the landscape's own
  // (host/study/quantities.hpp); and the landscape's own counts per record.
  std::vector<std::string> quantities;
  std::vector<std::string> extra_counts;
  std::size_t final_count_size = 0;  // Statistics::final_counts

  int records() const { return static_cast<int>(record_steps.size()); }
  int Q() const { return static_cast<int>(quantities.size()); }
  int C() const { return static_cast<int>(extra_counts.size()); }
};

std::vector<std::int64_t> record_steps(const RecordSpec& spec, std::int64_t steps);
Plan make_plan(const Config& c);

}  // namespace ngdsim
