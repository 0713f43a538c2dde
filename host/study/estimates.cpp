#include "study/estimates.hpp"

namespace ngdsim {

std::array<double, 5> quantiles(const Statistics& s, const Plan& plan, int r, int q) {
  std::array<double, 5> out{};
  const auto idx = std::size_t(r) * kNumQuantities + q;
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
    settled += s.settled[r];
    out[r] = 1.0 - static_cast<double>(settled) / static_cast<double>(trajectories);
  }
  return out;
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
  return e;
}

}  // namespace ngdsim
