// The merged statistics of a run (docs/output.md), as a backend returns them.
#pragma once

#include <cstdint>
#include <vector>

#include "ngdsim/observe.hpp"
#include "ngdsim/stats.hpp"
#include "stats/moment_tree.hpp"

namespace ngdsim {

struct Statistics {
  // Q: recorded quantities (Plan::quantities), C: landscape-specific counts per record.
  int R = 0, E = 0, A = 0, S = 0, d = 0, Q = kNumQuantities, C = 0;
  std::vector<Moments> moments;  // [R][Q]
  // A shard's moments instead (ngdsim run --shard): the reduction tree's nodes so far.
  std::vector<MomentTree::Node> nodes;
  std::vector<std::uint64_t> histogram;   // [R][Q][kBins]
  std::vector<std::uint64_t> nonfinite;   // [R][Q] values excluded as non-finite
  std::vector<std::uint64_t> flat_count;  // [R][E]
  std::vector<std::uint64_t> min_count;   // [R][E]
  std::vector<std::uint64_t> diverged;    // [R]
  std::vector<std::uint64_t> attractor;   // [R][A], counted where flat(eps_main) holds
  // Settling, per eps (columns follow the configuration's eps): first_entry_count[e][r]
  // counts trajectories first found within eps[e] of a flat minimum at record r,
  // last_entry_count[e][r] those found within it from record r through K; column R:
  // never inside, or not inside at K.
  std::vector<std::uint64_t> first_entry_count;  // [E][R + 1]
  std::vector<std::uint64_t> last_entry_count;   // [E][R + 1]
  std::vector<std::uint64_t> sign_draws;   // [R] Bouligand sign draws in steps < record_steps[r]
  std::vector<std::uint64_t> critical;     // [R] random directions at critical points of g
  std::vector<std::uint64_t> extra_count;  // [R][C], named by Plan::extra_counts
  // Landscape-specific integer counts at step K only (bnreg: fine histograms of the
  // sharpness ratios, host/study/bnreg_report.hpp); their length is the landscape's.
  std::vector<std::uint64_t> final_counts;
  std::vector<double> sample;  // [R][S][d]
  // Optional per-trajectory output.
  std::vector<double> final_position;         // [N][d]
  std::vector<std::int8_t> final_class;       // [N]
  std::vector<std::int32_t> final_attractor;  // [N], -1 unless flat(eps_main)
  std::vector<std::int64_t> last_entry;       // [N], step, -1 if not inside at K
  // How a device backend scheduled the run (0 on the CPU path): trajectories per chunk.
  std::int64_t chunk = 0, chunks = 0;

  void allocate(int records, int eps, int attractors, int samples, int dim,
                int quantities = kNumQuantities, int extra_counts = 0,
                std::size_t final_count_size = 0);
  // Adds every integer count of o (exact, order-independent).
  void add_counts(const Statistics& o);
};

}  // namespace ngdsim
