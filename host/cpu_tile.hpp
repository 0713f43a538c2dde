// The CPU path: one tile of trajectories advanced through all K steps in
// structure-of-arrays form. The step is split into a branch-free pass the compiler
// vectorizes across trajectories, a rare pass for random Bouligand signs and
// critical points, and a vectorized update; statistics only at recorded steps.
// The math comes from include/ngdsim, exactly as the CUDA kernels use it.
#pragma once

#include <algorithm>
#include <atomic>
#include <vector>

#include "config.hpp"
#include "moment_tree.hpp"
#include "ngdsim/init.hpp"
#include "ngdsim/observe.hpp"
#include "plan.hpp"
#include "registry.hpp"
#include "statistics.hpp"

namespace ngdsim {

// Observations of a tile, one array per quantity. A free function with restrict
// parameters: GCC then proves the arrays independent and vectorizes the loop.
template <class L, class T>
void observe_tile(const L& land, const T* __restrict xs, double* __restrict f,
                  double* __restrict phi, double* __restrict flat, double* __restrict mind,
                  double* __restrict gnorm, int* __restrict attractor, int n, int cap) {
  constexpr int D = L::kDim;
  for (int j = 0; j < n; ++j) {
    T x[D];
    for (int i = 0; i < D; ++i) x[i] = xs[i * cap + j];
    observe(land, x, f[j], phi[j], flat[j], mind[j], gnorm[j], attractor[j]);
  }
}

// Histogram bins of valid values; invalid ones go to the spare bin kBins.
inline void bin_tile(const double* __restrict edges, const std::int32_t* __restrict cells,
                     const double* __restrict v, const unsigned char* __restrict ok,
                     int* __restrict bins, int n) {
  for (int j = 0; j < n; ++j) {
    const int b = LogBins::bin_unless_nan(edges, cells, v[j]);
    const int valid = ok[j] != 0;
    bins[j] = b * valid + (1 - valid) * LogBins::kBins;  // arithmetic, so it vectorizes
  }
}

// Number of valid values <= eps.
inline std::uint64_t count_within(const double* __restrict v, const unsigned char* __restrict ok,
                                  double eps, int n) {
  std::uint64_t c = 0;
  for (int j = 0; j < n; ++j) c += ok[j] & (v[j] <= eps);
  return c;
}

template <class L, class Opt, class T>
class CpuTile {
 public:
  static constexpr int D = L::kDim;

  CpuTile(const L& land, const Opt& opt, const Config& c, const Plan& plan)
      : land_(land), opt_(opt), c_(c), plan_(plan), cap_(static_cast<int>(c.tile)) {
    x_.resize(static_cast<std::size_t>(D) * cap_);
    kind_.resize(cap_);
    diverged_.resize(cap_);
    settle_.resize(cap_);
    attractor_.resize(cap_);
    bins_.resize(cap_);
    values_.resize(static_cast<std::size_t>(kNumQuantities) * cap_);
    valid_.resize(static_cast<std::size_t>(kNumQuantities) * cap_);
  }

  // Runs trajectories [first, first + n). Counts go to `counts` (thread-local),
  // moments to `tree`, samples and per-trajectory output straight into `out`.
  void run(std::int64_t first, int n, Statistics& counts, MomentTree& tree, Statistics& out,
           std::atomic<std::int64_t>& progress) {
    first_ = first;
    n_ = n;
    init();
    const int R = plan_.records();
    const int leaves = (n + kLeafSize - 1) / kLeafSize;
    std::vector<std::vector<Moments>> leaf(leaves,
                                           std::vector<Moments>(std::size_t(R) * kNumQuantities));
    std::uint64_t sign_draws = 0, critical = 0;
    std::int64_t k = 0;
    for (int r = 0; r < R; ++r) {
      const std::int64_t k_end = plan_.record_steps[r];
      for (; k < k_end; ++k) step(k, sign_draws, critical);
      record(r, counts, out);
      counts.sign_draws[r] += sign_draws;
      counts.critical[r] += critical;
      for (int l = 0; l < leaves; ++l) {
        const int off = l * kLeafSize, len = std::min(kLeafSize, n - off);
        const int padded = (len + kLanes - 1) / kLanes * kLanes;
        for (int q = 0; q < kNumQuantities; ++q)
          leaf[l][std::size_t(r) * kNumQuantities + q] = leaf_moments(
              &values_[std::size_t(q) * cap_ + off], &valid_[std::size_t(q) * cap_ + off], padded);
      }
    }
    for (int l = 0; l < leaves; ++l) tree.insert(0, first / kLeafSize + l, std::move(leaf[l]));
    progress += static_cast<std::int64_t>(n) * c_.steps;
  }

 private:
  T& x(int i, int j) { return x_[std::size_t(i) * cap_ + j]; }

  void init() {
    for (int j = 0; j < n_; ++j) {
      double p[D];
      initial_point<D>(c_.init_dist, c_.seed, static_cast<std::uint64_t>(first_ + j), p);
      for (int i = 0; i < D; ++i) x(i, j) = static_cast<T>(p[i]);
      diverged_[j] = 0;
      settle_[j] = -1;
    }
  }

  // One fused, vectorized pass moves every regular trajectory; the rare ones
  // (random sign, critical point) stay put and are finished in a scalar pass with
  // exactly the same arithmetic, so the result does not depend on the split.
  void step(std::int64_t k, std::uint64_t& sign_draws, std::uint64_t& critical) {
    const T alpha = static_cast<T>(plan_.alpha[k]);
    const T bound = static_cast<T>(c_.divergence_bound);
    const int n = n_, cap = cap_;
    T* __restrict xs = x_.data();
    unsigned char* __restrict kinds = kind_.data();
    unsigned char* __restrict div = diverged_.data();
    unsigned char any = 0;
    for (int j = 0; j < n; ++j) {
      T xl[D], vl[D];
      for (int i = 0; i < D; ++i) xl[i] = xs[i * cap + j];
      const unsigned char kd = opt_.direction(land_, xl, vl);
      const unsigned char d = div[j];
      const unsigned char kk = kd & static_cast<unsigned char>(d - 1u);
      kinds[j] = kk;
      any |= kk;
      const bool hold = (d | kk) != 0;
      T xn[D];
      for (int i = 0; i < D; ++i) xn[i] = xl[i] - alpha * vl[i];
      const bool bad = out_of_bounds(xn, bound);
      for (int i = 0; i < D; ++i) xs[i * cap + j] = hold ? xl[i] : xn[i];
      div[j] = d | (bad & !hold);
    }
    if (!any) return;
    for (int j = 0; j < n; ++j) {
      if (!kinds[j]) continue;
      T xl[D], vl[D];
      for (int i = 0; i < D; ++i) xl[i] = xs[i * cap + j];
      const RandomKey key{c_.seed, static_cast<std::uint64_t>(first_ + j),
                          static_cast<std::uint32_t>(k), Purpose::kBouligandSign};
      const StepKind kind = opt_.direction(land_, xl, vl);
      opt_.resolve(kind, land_, xl, vl, key);
      T xn[D];
      for (int i = 0; i < D; ++i) xn[i] = xl[i] - alpha * vl[i];
      opt_.perturb(kind, xn, key);
      div[j] = out_of_bounds(xn, bound);
      for (int i = 0; i < D; ++i) xs[i * cap + j] = xn[i];
      sign_draws += (kind & kSignDraw) != 0;
      critical += (kind & kCriticalPoint) != 0;
    }
  }

  // Statistics at a recorded step, in passes over the tile: observations
  // (vectorized), then histograms, threshold counts and the per-trajectory
  // bookkeeping. Moments are taken per leaf by the caller.
  void record(int r, Statistics& counts, Statistics& out) {
    const int E = static_cast<int>(c_.eps.size()), A = plan_.attractors, n = n_, cap = cap_;
    const auto Q = std::size_t(kNumQuantities);
    double* __restrict vals = values_.data();
    unsigned char* __restrict ok = valid_.data();
    int* __restrict attr = attractor_.data();
    const unsigned char* __restrict div = diverged_.data();
    static_assert(kNumQuantities == 5, "one output array per quantity");
    observe_tile(land_, x_.data(), vals, vals + cap, vals + 2 * cap, vals + 3 * cap, vals + 4 * cap,
                 attr, n, cap);
    for (std::size_t q = 0; q < Q; ++q) {
      for (int j = 0; j < n; ++j) ok[q * cap + j] = (div[j] == 0) & is_finite_(vals[q * cap + j]);
      for (int j = n; j < cap && j % kLanes; ++j) ok[q * cap + j] = 0;  // leaf_moments' padding
    }
    std::uint64_t diverged = 0;
    for (int j = 0; j < n; ++j) diverged += div[j];
    counts.diverged[r] += diverged;
    const double* edges = plan_.edges.data();
    for (std::size_t q = 0; q < Q; ++q) {
      // Neighbouring trajectories often share a bin: interleaved sub-histograms
      // keep the increments from waiting on each other.
      std::uint32_t(&h)[kSubHistograms][LogBins::kBins + 1] = sub_hist_;
      std::fill(&h[0][0], &h[0][0] + kSubHistograms * (LogBins::kBins + 1), 0u);
      std::uint64_t bad = 0;
      // Bin indices first (vectorizes), then the increments; invalid values go to a
      // spare bin that is never copied out.
      int* bins = bins_.data();
      bin_tile(edges, plan_.bin_cells.data(), vals + q * cap, ok + q * cap, bins, n);
      // Unrolled by kSubHistograms, so each increment's sub-histogram is a constant.
      int j = 0;
      for (; j + kSubHistograms <= n; j += kSubHistograms)
        for (int s = 0; s < kSubHistograms; ++s) ++h[s][bins[j + s]];
      for (; j < n; ++j) ++h[0][bins[j]];
      for (int i = 0; i < n; ++i) bad += (ok[q * cap + i] == 0) & (div[i] == 0);
      std::uint64_t* hist = &counts.histogram[(std::size_t(r) * Q + q) * LogBins::kBins];
      for (int s = 0; s < kSubHistograms; ++s)
        for (int b = 0; b < LogBins::kBins; ++b) hist[b] += h[s][b];
      counts.nonfinite[std::size_t(r) * Q + q] += bad;
    }
    const double* flat = &vals[kFlatDistance * cap];
    const double* mind = &vals[kMinDistance * cap];
    for (int e = 0; e < E; ++e) {
      counts.flat_count[std::size_t(r) * E + e] +=
          count_within(flat, ok + kFlatDistance * cap, c_.eps[e], n);
      counts.min_count[std::size_t(r) * E + e] +=
          count_within(mind, ok + kMinDistance * cap, c_.eps[e], n);
    }
    const double eps0 = c_.eps[0];
    const bool last = r + 1 == plan_.records();
    for (int j = 0; j < n; ++j) {
      const bool in = !div[j] && flat[j] <= eps0;
      if (in) counts.attractor[std::size_t(r) * A + attr[j]] += 1;
      settle_[j] = in ? (settle_[j] < 0 ? r : settle_[j]) : -1;
    }
    if (last) finish(counts, out);
    // Sampled paths: the sample ids are sorted, so find this tile's range.
    const auto& ids = plan_.sample_ids;
    auto it = std::lower_bound(ids.begin(), ids.end(), first_);
    for (; it != ids.end() && *it < first_ + n_; ++it) {
      const auto s = static_cast<std::size_t>(it - ids.begin());
      for (int i = 0; i < D; ++i)
        out.sample[(std::size_t(r) * out.S + s) * D + i] =
            static_cast<double>(x(i, int(*it - first_)));
    }
  }

  // At step K: the last-entry histogram and, when asked, per-trajectory output.
  void finish(Statistics& counts, Statistics& out) {
    const int R = plan_.records(), cap = cap_;
    const double eps0 = c_.eps[0];
    for (int j = 0; j < n_; ++j) {
      counts.settled[settle_[j] < 0 ? R : settle_[j]] += 1;
      if (!c_.save_final) continue;
      const auto gid = static_cast<std::size_t>(first_ + j);
      const bool flat = settle_[j] >= 0;
      FinalClass cls = kClassDiverged;
      if (!diverged_[j])
        cls = flat ? kClassFlat
                   : (values_[kMinDistance * cap + j] <= eps0 ? kClassMinNotFlat : kClassNeither);
      for (int i = 0; i < D; ++i) out.final_position[gid * D + i] = static_cast<double>(x(i, j));
      out.final_class[gid] = cls;
      out.final_attractor[gid] = flat ? attractor_[j] : -1;
      out.last_entry[gid] = flat ? plan_.record_steps[settle_[j]] : -1;
    }
  }

  const L land_;
  const Opt opt_;
  const Config& c_;
  const Plan& plan_;
  const int cap_;
  std::int64_t first_ = 0;
  int n_ = 0;
  std::vector<T> x_;
  std::vector<unsigned char> kind_, diverged_;
  std::vector<int> settle_, attractor_;
  static constexpr int kSubHistograms = 4;
  std::uint32_t sub_hist_[kSubHistograms][LogBins::kBins + 1];
  std::vector<int> bins_;
  std::vector<double> values_;
  std::vector<unsigned char> valid_;
};

}  // namespace ngdsim
