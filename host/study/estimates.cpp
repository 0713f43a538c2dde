#include "study/estimates.hpp"

#include <algorithm>
#include <cmath>

namespace ngdsim {

std::array<double, 5> quantiles(const Statistics& s, const Plan& plan, int r, int q) {
  std::array<double, 5> out{};
  const auto idx = std::size_t(r) * s.Q + q;
  const auto* hist = &s.histogram[idx * LogBins::kBins];
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = histogram_quantile(hist, plan.edges.data(), kQuantileLevels[i], s.moments[idx].min,
                                s.moments[idx].max);
  return out;
}

std::vector<double> survival(const Statistics& s, std::int64_t trajectories) {
  std::vector<double> out(s.R);
  std::uint64_t settled = 0;
  for (int r = 0; r < s.R; ++r) {
    settled += s.last_entry_count[r];  // eps[0]'s row
    out[r] = 1.0 - static_cast<double>(settled) / static_cast<double>(trajectories);
  }
  return out;
}

StepQuantile entry_quantile(const std::uint64_t* counts, const Plan& plan, std::int64_t n,
                            double level) {
  // The m-th smallest entry step (1-based): a record's step, or +inf past those entered.
  const int R = plan.records();
  auto order_statistic = [&](double m) -> double {
    std::uint64_t seen = 0;
    for (int r = 0; r < R; ++r) {
      seen += counts[r];
      if (static_cast<double>(seen) >= m) return static_cast<double>(plan.record_steps[r]);
    }
    return INFINITY;
  };
  const double N = static_cast<double>(n),
               spread = 1.959963984540054 * std::sqrt(N * level * (1 - level));
  const double rank = std::max(1.0, std::ceil(level * N));
  const double lo = std::max(1.0, std::floor(level * N - spread));
  const double hi = std::min(N, std::ceil(level * N + spread) + 1.0);
  return {order_statistic(rank), order_statistic(lo), order_statistic(hi)};
}

Estimates estimate(const Config& c, const Plan& plan, const Statistics& s) {
  Estimates e;
  const int last = s.R - 1;
  const auto N = static_cast<double>(c.trajectories);
  for (int i = 0; i < s.E; ++i) {
    e.p_flat.push_back(wilson(static_cast<double>(s.flat_count[std::size_t(last) * s.E + i]), N));
    e.p_min.push_back(wilson(static_cast<double>(s.min_count[std::size_t(last) * s.E + i]), N));
  }
  e.p_diverged = wilson(static_cast<double>(s.diverged[last]), N);
  for (int a = 0; a < s.A; ++a) {
    const auto k = s.attractor[std::size_t(last) * s.A + a];
    e.attractor_count.push_back(k);
    e.attractor.push_back(wilson(static_cast<double>(k), N));
  }
  for (int q = 0; q < kNumQuantities; ++q) e.median[q] = quantiles(s, plan, last, q)[2];
  e.alpha_last = plan.alpha.back();
  for (int i = 0; i < s.E; ++i) {
    const std::size_t row = std::size_t(i) * (s.R + 1);
    std::array<StepQuantile, 2> first{}, last{};
    for (std::size_t l = 0; l < kEntryLevels.size(); ++l) {
      first[l] = entry_quantile(&s.first_entry_count[row], plan, c.trajectories, kEntryLevels[l]);
      last[l] = entry_quantile(&s.last_entry_count[row], plan, c.trajectories, kEntryLevels[l]);
    }
    e.first_entry.push_back(first);
    e.last_entry.push_back(last);
  }
  if (c.landscape == "bnreg") e.bnreg = std::make_shared<BnRegReport>(bnreg_report(c, plan, s));
  if (c.landscape == "msense") e.msense = std::make_shared<MSenseReport>(msense_report(c, plan, s));
  return e;
}

}  // namespace ngdsim
