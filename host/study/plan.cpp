#include "study/plan.hpp"

#include <algorithm>
#include <cmath>

#include "cli/registry.hpp"
#include "ngdsim/bnreg_dynamics.hpp"
#include "ngdsim/schedule.hpp"
#include "ngdsim/stats.hpp"
#include "study/quantities.hpp"

namespace ngdsim {

std::vector<std::int64_t> record_steps(const RecordSpec& spec, std::int64_t K) {
  std::vector<std::int64_t> s{0, K};
  if (spec.kind == RecordSpec::kLog) {
    // About R steps: 0, then R-1 points geometrically spaced from 1 to K, rounded
    // and deduplicated (early steps collapse, so fewer than R when K is small).
    const auto n = spec.value - 1;
    for (std::int64_t i = 0; i < n; ++i) {
      const double e = n == 1 ? 1.0 : static_cast<double>(i) / static_cast<double>(n - 1);
      s.push_back(std::llround(std::pow(static_cast<double>(K), e)));
    }
  } else if (spec.kind == RecordSpec::kEvery) {
    for (std::int64_t k = spec.value; k < K; k += spec.value) s.push_back(k);
  } else {
    // The explicit list, plus 0 and K: the estimates are taken at K.
    s.insert(s.end(), spec.list.begin(), spec.list.end());
  }
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return s;
}

Plan make_plan(const Config& c) {
  Plan plan;
  plan.record_steps = record_steps(c.record_spec, c.steps);
  const Schedule schedule{c.alpha0, c.p};
  plan.alpha.resize(static_cast<std::size_t>(c.steps));
  for (std::int64_t k = 0; k < c.steps; ++k) plan.alpha[k] = schedule.alpha(k);
  // t_k accumulated in long double so the time axis is accurate for large K.
  long double t = 0.0L;
  std::size_t r = 0;
  for (std::int64_t k = 0; k <= c.steps && r < plan.record_steps.size(); ++k) {
    if (plan.record_steps[r] == k) {
      plan.record_time.push_back(static_cast<double>(t));
      ++r;
    }
    if (k < c.steps) t += plan.alpha[k];
  }
  plan.edges.resize(LogBins::kEdges);
  // msense's err, lam_next, tail and sol_dist reach 1e-16 and below: 6 bins per decade
  // from 1e-30 instead of 8 from 1e-20, the same number of bins.
  if (c.landscape == "msense")
    LogBins::fill_edges(plan.edges.data(), -30, 6);
  else
    LogBins::fill_edges(plan.edges.data());
  plan.bin_cells.resize(LogBins::kCells);
  LogBins::fill_cells(plan.edges.data(), plan.bin_cells.data());
  const auto S = std::min<std::int64_t>(c.sample_paths, c.trajectories);
  for (std::int64_t s = 0; s < S; ++s) plan.sample_ids.push_back(s * c.trajectories / S);
  plan.attractors = static_cast<int>(attractor_positions(c).size()) / c.dim;
  for (const auto& q : recorded_quantities(c)) plan.quantities.push_back(q.name);
  for (const auto& count : extra_counts(c))
    for (std::size_t i = 0; i < count.columns(); ++i) plan.extra_counts.push_back(count.name);
  if (c.landscape == "bnreg") plan.final_count_size = std::size_t(kRatios) * kRatioBins;
  if (c.landscape == "msense") plan.final_count_size = std::size_t(escape_bins(c.steps).bins);
  return plan;
}

}  // namespace ngdsim
