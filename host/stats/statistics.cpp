#include "stats/statistics.hpp"

namespace ngdsim {

void Statistics::allocate(int records, int eps, int attractors, int samples, int dim,
                          int quantities, int extra_counts, std::size_t final_count_size) {
  R = records, E = eps, A = attractors, S = samples, d = dim, Q = quantities, C = extra_counts;
  const std::size_t r = static_cast<std::size_t>(R);
  moments.assign(r * Q, Moments{});
  histogram.assign(r * Q * LogBins::kBins, 0);
  nonfinite.assign(r * Q, 0);
  flat_count.assign(r * E, 0);
  min_count.assign(r * E, 0);
  diverged.assign(r, 0);
  attractor.assign(r * A, 0);
  first_entry_count.assign(std::size_t(E) * (r + 1), 0);
  last_entry_count.assign(std::size_t(E) * (r + 1), 0);
  sign_draws.assign(r, 0);
  critical.assign(r, 0);
  extra_count.assign(r * C, 0);
  final_counts.assign(final_count_size, 0);
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
  add(extra_count, o.extra_count);
  add(final_counts, o.final_counts);
}

}  // namespace ngdsim
