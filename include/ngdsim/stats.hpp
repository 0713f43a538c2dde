// Statistics accumulators shared by the CPU path and the kernels (docs/output.md).
#pragma once

#include "hd.hpp"

namespace ngdsim {

// Count, mean, sum of squared deviations, min and max; merged with Chan's formula.
struct Moments {
  double count = 0.0;
  double mean = 0.0;
  double m2 = 0.0;
  double min = INFINITY;
  double max = -INFINITY;

  NGDSIM_HD double variance() const { return count > 1.0 ? m2 / (count - 1.0) : 0.0; }
};

// Chan, Golub & LeVeque pairwise update. Not commutative in rounding, so callers
// always merge in a fixed order (left = lower trajectory indices).
NGDSIM_HD Moments merge(const Moments& a, const Moments& b) {
  if (b.count == 0.0) return a;
  if (a.count == 0.0) return b;
  Moments r;
  r.count = a.count + b.count;
  const double delta = b.mean - a.mean;
  r.mean = a.mean + delta * (b.count / r.count);
  r.m2 = a.m2 + b.m2 + delta * delta * (a.count * b.count / r.count);
  r.min = a.min < b.min ? a.min : b.min;
  r.max = a.max > b.max ? a.max : b.max;
  return r;
}

// Moments of values[0..n) restricted to valid[i] != 0: the leaf of the fixed
// reduction tree. Both arrays must be readable up to n rounded up to kLanes, with
// valid[i] == 0 past n (the CPU tile pads them), so the loops need no bounds test. Two passes
// (mean, then squared deviations), each summed in kLanes interleaved partial sums combined in a
// fixed order: the order is part of the definition, and independent lanes let the compiler
// vectorize without reassociating anything. The kernels give each lane its own thread
// (lane_add and lane_add_sq_dev in the same order), then combine the lanes alike.
inline constexpr int kLanes = 8;

// One value into lane partials, for values stored as 0.0 where invalid (the kernels').
// Plain selects only (no && or branches), so the CPU path's lane loops vectorize. The
// count may be an integer (the kernels'): it stays below 2^24, so converted to double it
// equals the double count exactly. An invalid value never wins the min or the max.
template <class C>
NGDSIM_HD void lane_add_zeroed(double& sum, C& cnt, double& lo, double& hi, bool ok, double x) {
  sum += x;
  cnt += ok ? C(1) : C(0);
  lo = ok & (x < lo) ? x : lo;
  hi = ok & (x > hi) ? x : hi;
}

// The same for values of any kind where invalid (the CPU tile's).
template <class C>
NGDSIM_HD void lane_add(double& sum, C& cnt, double& lo, double& hi, bool ok, double x) {
  lane_add_zeroed(sum, cnt, lo, hi, ok, ok ? x : 0.0);
}

NGDSIM_HD void lane_add_sq_dev(double& m2, bool ok, double x, double mean) {
  const double d = ok ? x - mean : 0.0;
  m2 += d * d;
}

// The lanes combined in their fixed order: count, mean, min and max (m2 left 0).
NGDSIM_HD Moments combine_lanes(const double* sum, const double* cnt, const double* lo,
                                const double* hi) {
  Moments m;
  double total = 0.0;
  for (int l = 0; l < kLanes; ++l) {
    total += sum[l];
    m.count += cnt[l];
    m.min = lo[l] < m.min ? lo[l] : m.min;
    m.max = hi[l] > m.max ? hi[l] : m.max;
  }
  if (m.count != 0.0) m.mean = total / m.count;
  return m;
}

NGDSIM_HD double combine_m2(const double* m2) {
  double r = 0.0;
  for (int l = 0; l < kLanes; ++l) r += m2[l];
  return r;
}

NGDSIM_HD Moments leaf_moments(const double* values, const unsigned char* valid, int n) {
  double sum[kLanes] = {}, cnt[kLanes] = {}, lo[kLanes], hi[kLanes];
  for (int l = 0; l < kLanes; ++l) lo[l] = INFINITY, hi[l] = -INFINITY;
  for (int i = 0; i < n; i += kLanes)
    for (int l = 0; l < kLanes; ++l)
      lane_add(sum[l], cnt[l], lo[l], hi[l], valid[i + l] != 0, values[i + l]);
  Moments m = combine_lanes(sum, cnt, lo, hi);
  if (m.count == 0.0) return m;
  double m2[kLanes] = {};
  for (int i = 0; i < n; i += kLanes)
    for (int l = 0; l < kLanes; ++l)
      lane_add_sq_dev(m2[l], valid[i + l] != 0, values[i + l], m.mean);
  m.m2 = combine_m2(m2);
  return m;
}

// Log-spaced histogram of kEdges edges: by default 8 bins per decade over [1e-20, 1e10),
// plus an underflow bin (everything below the first edge, zero included) and an overflow
// bin. A landscape whose quantities span more decades (msense: 1e-30 to 1e10) spreads the
// same number of bins thinner (fill_edges' low decade and bins per decade).
struct LogBins {
  static constexpr int kPerDecade = 8;
  static constexpr int kLowDecade = -20;
  static constexpr int kHighDecade = 10;
  static constexpr int kEdges = (kHighDecade - kLowDecade) * kPerDecade + 1;  // 241
  static constexpr int kBins = kEdges + 1;                                    // 242

  // edges[j] = 10^(low + j / per_decade), tabulated once on the host and shared with
  // the device so binning is identical on both. per_decade <= 8 (one edge per cell).
  static void fill_edges(double* edges, int low = kLowDecade, int per_decade = kPerDecade) {
    for (int j = 0; j < kEdges; ++j)
      edges[j] = std::pow(10.0, low + static_cast<double>(j) / per_decade);
  }

  // Binning reads a table of cells: the positive doubles split by exponent and by the
  // top 3 bits of the mantissa, 8 cells per binade. A cell spans at most log2(9/8) =
  // 0.17 in log2, less than a bin (log2(10) / 8 = 0.42), so it holds at most one edge.
  // The cells run from 2^-101 (below 1e-30, the lowest first edge) to 2^34 (above the
  // last); values outside fall in the first or the last.
  static constexpr int kCellShift = 17;  // cell = high 32 bits of the double >> kCellShift
  static constexpr int kFirstCell = (1023 - 101) << 3;
  static constexpr int kLastCell = (1023 + 34) << 3;
  static constexpr int kCells = kLastCell - kFirstCell + 1;  // 1081

  // cells[i] = number of edges <= the smallest double of cell i, at most kEdges - 1
  // (reached only above the last edge, where the comparison in bin() adds the last one).
  static void fill_cells(const double* edges, std::int32_t* cells) {
    for (int i = 0; i < kCells; ++i) {
      const std::uint64_t bits = std::uint64_t(kFirstCell + i) << (32 + kCellShift);
      double lo;
      __builtin_memcpy(&lo, &bits, sizeof lo);
      int c = 0;
      while (c < kEdges - 1 && edges[c] <= lo) ++c;
      cells[i] = c;
    }
  }

  // Number of edges <= v, i.e. the bin index in [0, kBins): the cell's count, plus one
  // if the cell's edge (the next one) lies at or below v. Bin 0 below the first edge
  // (zero, negative and NaN too), the last bin from the last. No log() and no branch: identical
  // wherever the tables are, and a loop of bin() calls vectorizes (gathers).
  NGDSIM_HD static int bin(const double* edges, const std::int32_t* cells, double v) {
    return v == v ? bin_unless_nan(edges, cells, v) : 0;
  }

  // bin() for callers that set NaN apart themselves: any index in [0, kBins) for NaN.
  NGDSIM_HD static int bin_unless_nan(const double* edges, const std::int32_t* cells, double v) {
#if defined(__CUDA_ARCH__)
    const int hi = __double2hiint(v);
#else
    long long bits;
    __builtin_memcpy(&bits, &v, sizeof bits);
    const int hi = static_cast<int>(bits >> 32);
#endif
    int cell = (hi >> kCellShift) - kFirstCell;  // negative for v < 0 and -0
    cell = cell < 0 ? 0 : (cell > kCells - 1 ? kCells - 1 : cell);
    const int c = cells[cell];
    return c + int(edges[c] <= v);
  }
};

// 95% Wilson score interval for k successes out of n.
struct Interval {
  double estimate, low, high;
};

inline Interval wilson(double k, double n) {
  if (n <= 0.0) return {0.0, 0.0, 1.0};
  constexpr double z = 1.959963984540054;
  const double p = k / n;
  const double z2n = z * z / n;
  const double center = (p + z2n / 2.0) / (1.0 + z2n);
  const double half = z / (1.0 + z2n) * std::sqrt(p * (1.0 - p) / n + z2n / (4.0 * n));
  double lo = center - half, hi = center + half;
  if (k == 0.0) lo = 0.0;  // exact endpoints, free of rounding
  if (k == n) hi = 1.0;
  return {p, lo < 0.0 ? 0.0 : lo, hi > 1.0 ? 1.0 : hi};
}

}  // namespace ngdsim

namespace ngdsim {

// Quantile q of a log-histogram, interpolated geometrically inside its bin and
// clamped to the observed [min, max]; exact to one bin width (a factor 10^(1/8)).
inline double histogram_quantile(const std::uint64_t* hist, const double* edges, double q,
                                 double min, double max) {
  std::uint64_t total = 0;
  for (int b = 0; b < LogBins::kBins; ++b) total += hist[b];
  if (total == 0) return NAN;
  const double target = q * static_cast<double>(total);
  double below = 0.0;
  for (int b = 0; b < LogBins::kBins; ++b) {
    const double c = static_cast<double>(hist[b]);
    if (c > 0.0 && below + c >= target) {
      const double frac = (target - below) / c;
      double lo = b == 0 ? min : edges[b - 1];
      double hi = b == LogBins::kBins - 1 ? max : edges[b];
      lo = lo < min ? min : lo;
      hi = hi > max ? max : hi;
      double v = (lo > 0.0 && hi > lo) ? lo * std::pow(hi / lo, frac) : lo + (hi - lo) * frac;
      return v < min ? min : (v > max ? max : v);
    }
    below += c;
  }
  return max;
}

}  // namespace ngdsim
