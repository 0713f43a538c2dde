#include "stats/statistics.hpp"

namespace ngdsim {

void Statistics::allocate(int records, int eps, int attractors, int samples, int dim) {
  R = records, E = eps, A = attractors, S = samples, d = dim;
  const std::size_t r = static_cast<std::size_t>(R);
  moments.assign(r * kNumQuantities, Moments{});
  histogram.assign(r * kNumQuantities * LogBins::kBins, 0);
  nonfinite.assign(r * kNumQuantities, 0);
  flat_count.assign(r * E, 0);
  min_count.assign(r * E, 0);
  diverged.assign(r, 0);
  attractor.assign(r * A, 0);
  first_entry_count.assign(std::size_t(E) * (r + 1), 0);
  last_entry_count.assign(std::size_t(E) * (r + 1), 0);
  sign_draws.assign(r, 0);
  critical.assign(r, 0);
  sample.assign(r * S * d, 0.0);
}

void Statistics::add_counts(const Statistics& o) {
  auto add = [](std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  };
  add(histogram, o.histogram);
  add(nonfinite, o.nonfinite);
  add(flat_count, o.flat_count);
  add(min_count, o.min_count);
  add(diverged, o.diverged);
  add(attractor, o.attractor);
  add(first_entry_count, o.first_entry_count);
  add(last_entry_count, o.last_entry_count);
  add(sign_draws, o.sign_draws);
  add(critical, o.critical);
}

}  // namespace ngdsim
