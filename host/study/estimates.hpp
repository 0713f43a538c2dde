// What a run concludes (docs/output.md), derived from the merged statistics.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "cli/config.hpp"
#include "stats/statistics.hpp"
#include "study/bnreg_report.hpp"
#include "study/msense_report.hpp"
#include "study/plan.hpp"

namespace ngdsim {

inline constexpr std::array<double, 5> kQuantileLevels = {0.05, 0.25, 0.5, 0.75, 0.95};

// A quantile of the entry steps (first or last entry into an eps-ball of the flat set)
// over all N trajectories, those never inside counting as later than any step: the step,
// at record resolution, with a 95% distribution-free interval (binomial order
// statistics); +inf where it lies beyond step K.
struct StepQuantile {
  double value, low, high;
};
inline constexpr std::array<double, 2> kEntryLevels = {0.5, 0.9};
StepQuantile entry_quantile(const std::uint64_t* counts, const Plan& plan, std::int64_t n,
                            double level);

struct Estimates {
  std::vector<Interval> p_flat, p_min;  // [E], at step K, over all N (diverged = failure)
  Interval p_diverged;
  std::vector<Interval> attractor;  // [A]
  std::vector<std::uint64_t> attractor_count;
  double median[kNumQuantities];  // at K, of the first five recorded quantities
  double alpha_last;              // the last step size applied, alpha_{K-1}
  // [E][kEntryLevels]: quantiles of the first and of the last entry step.
  std::vector<std::array<StepQuantile, 2>> first_entry, last_entry;
  double wall_seconds = 0.0;
  double rate = 0.0;  // trajectory-steps per second
  std::string backend, device;
  std::shared_ptr<const BnRegReport> bnreg;    // bnreg runs only
  std::shared_ptr<const MSenseReport> msense;  // msense runs only
};

std::array<double, 5> quantiles(const Statistics& s, const Plan& plan, int r, int q);
Estimates estimate(const Config& c, const Plan& plan, const Statistics& s);
// Fraction of trajectories not yet settled in the flat eps_main-ball at each record.
std::vector<double> survival(const Statistics& s, std::int64_t trajectories);

}  // namespace ngdsim
