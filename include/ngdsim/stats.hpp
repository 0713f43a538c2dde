// Statistics accumulators shared by the CPU path and the kernels (output.md section 1).
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

// One value into lane partials. Plain selects only (no && or branches), so the CPU
// path's lane loops vectorize.
NGDSIM_HD void lane_add(double& sum, double& cnt, double& lo, double& hi, bool ok, double x) {
  const double v = ok ? x : 0.0;
  sum += v;
  cnt += ok ? 1.0 : 0.0;
  const double vlo = ok ? v : INFINITY, vhi = ok ? v : -INFINITY;
  lo = vlo < lo ? vlo : lo;
  hi = vhi > hi ? vhi : hi;
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

// Fixed log-spaced histogram: 8 bins per decade over [1e-20, 1e10), plus an
// underflow bin (everything below 1e-20, zero included) and an overflow bin.
struct LogBins {
  static constexpr int kPerDecade = 8;
  static constexpr int kLowDecade = -20;
  static constexpr int kHighDecade = 10;
  static constexpr int kEdges = (kHighDecade - kLowDecade) * kPerDecade + 1;  // 241
  static constexpr int kBins = kEdges + 1;                                    // 242

  // edges[j] = 10^(kLowDecade + j / kPerDecade), tabulated once on the host and
  // shared with the device so binning is identical on both.
  static void fill_edges(double* edges) {
    for (int j = 0; j < kEdges; ++j)
      edges[j] = std::pow(10.0, kLowDecade + static_cast<double>(j) / kPerDecade);
  }

  // Number of edges <= v, i.e. the bin index in [0, kBins). log10(v) is
  // estimated from the exponent bits and a cubic fit of log2(1 + f) to the mantissa
  // (error < 0.0014 in log2, i.e. < 0.004 bins), so the estimate is off by at most
  // one bin; two independent comparisons with the exact edge table correct it. No
  // log() call, so the bin is identical wherever the table is, and it is cheap.
  NGDSIM_HD static int bin(const double* edges, double v) {
#if defined(__CUDA_ARCH__)
    const long long bits = __double_as_longlong(v);
#else
    long long bits;
    __builtin_memcpy(&bits, &v, sizeof bits);
#endif
    // For v in range, v = 2^e2 (1 + f); out of range the estimate is discarded below.
    const int e2 = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
    const double f = static_cast<double>(bits & 0xfffffffffffffLL) * (1.0 / 4503599627370496.0);
    const double log2_1pf =
        1.33493144e-03 + f * (1.41348311 + f * (-5.67748917e-01 + f * 1.53912422e-01));
    const double log10_v = (e2 + log2_1pf) * 0.30102999566398120;
    int c = static_cast<int>((log10_v - kLowDecade) * kPerDecade) + 1;
    c = c < 1 ? 1 : (c > kEdges - 1 ? kEdges - 1 : c);
    c += int(edges[c] <= v) - int(edges[c - 1] > v);
    // Out of range: bin 0 below 1e-20 (zero, negative and NaN too), the last bin
    // from 1e10. Integer arithmetic rather than branches or selects, which is what
    // lets GCC vectorize a loop of bin() calls.
    const int over = v >= edges[kEdges - 1];
    const int in = int(v >= edges[0]) & (1 - over);
    return c * in + over * (kBins - 1);
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
