// The CPU path on bnreg: one tile of trajectories, each carried through the steps between
// two records in locals (its d coordinates and its first fit), one trajectory after the
// other; at a recorded step, every quantity of the plan is observed per trajectory and
// reduced as CpuTile reduces its own (histograms and counts exact, moments per leaf in
// the fixed lanes of leaf_moments). The step, the fit and the observations are those of
// include/ngdsim/bnreg_dynamics.hpp.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "cli/config.hpp"
#include "cli/registry.hpp"
#include "ngdsim/bnreg_dynamics.hpp"
#include "ngdsim/init.hpp"
#include "stats/moment_tree.hpp"
#include "stats/statistics.hpp"
#include "study/plan.hpp"
#include "study/quantities.hpp"

namespace ngdsim {

template <class L, class Opt, class T>
class BnRegTile {
 public:
  static constexpr int D = L::kDim;

  BnRegTile(const L& land, const Opt& opt, const Config& c, const Plan& plan)
      : land_(land), opt_(opt), c_(c), plan_(plan), cap_(static_cast<int>(c.tile)) {
    for (const auto& name : plan.quantities) slot_.push_back(bnreg_slot(name));
    const std::size_t Q = slot_.size();
    x_.resize(static_cast<std::size_t>(D) * cap_);
    diverged_.resize(cap_);
    fit_.resize(cap_);
    entry_first_.resize(c.eps.size() * cap_);
    entry_last_.resize(c.eps.size() * cap_);
    values_.resize(Q * cap_ + kLanes);
    valid_.resize(Q * cap_ + kLanes);
    // alpha_k at each recorded step (k = K included), for the effective learning rate.
    for (const auto k : plan.record_steps)
      alpha_at_.push_back(k < c.steps ? plan.alpha[k] : c.alpha0 / std::pow(double(k + 1), c.p));
  }

  void run(std::int64_t first, int n, Statistics& counts, MomentTree& tree, Statistics& out,
           std::atomic<std::int64_t>& progress) {
    first_ = first;
    n_ = n;
    init();
    const int R = plan_.records(), Q = static_cast<int>(slot_.size());
    const int leaves = (n + kLeafSize - 1) / kLeafSize;
    std::vector<std::vector<Moments>> leaf(leaves, std::vector<Moments>(std::size_t(R) * Q));
    std::int64_t k = 0;
    for (int r = 0; r < R; ++r) {
      const std::int64_t k_end = plan_.record_steps[r];
      for (int j = 0; j < n_; ++j) advance(j, k, k_end);
      k = k_end;
      record(r, counts, out);
      for (int l = 0; l < leaves; ++l) {
        const int off = l * kLeafSize, len = std::min(kLeafSize, n - off);
        const int padded = (len + kLanes - 1) / kLanes * kLanes;
        for (int q = 0; q < Q; ++q)
          leaf[l][std::size_t(r) * Q + q] = leaf_moments(
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
      double p[D] = {};
      bnreg_initial_point(c_.init_dist, c_.seed, static_cast<std::uint64_t>(first_ + j), land_.d,
                          p);
      T w[D];
      for (int i = 0; i < D; ++i) w[i] = x(i, j) = static_cast<T>(p[i]);
      // A start on null(Xc) (probability zero) has no loss: diverged from the outset.
      diverged_[j] = !is_finite_(static_cast<double>(land_.loss(w)));
      fit_[j] = BnRegFit{};
    }
    std::fill(entry_first_.begin(), entry_first_.end(), -1);
    std::fill(entry_last_.begin(), entry_last_.end(), -1);
  }

  // Steps [k0, k1) of trajectory j, its state in locals throughout.
  void advance(int j, std::int64_t k0, std::int64_t k1) {
    if (diverged_[j]) return;
    T w[D];
    for (int i = 0; i < D; ++i) w[i] = x(i, j);
    BnRegFit fit = fit_[j];
    const T bound = static_cast<T>(c_.divergence_bound);
    const auto gid = static_cast<std::uint64_t>(first_ + j);
    bool bad = false;
    for (std::int64_t k = k0; k < k1 && !bad; ++k) {
      const RandomKey key{c_.seed, gid, static_cast<std::uint32_t>(k), Purpose::kBouligandSign};
      bad = bnreg_step(land_, opt_, w, static_cast<T>(plan_.alpha[k]), key, bound, c_.fit_tol, fit);
    }
    for (int i = 0; i < D; ++i) x(i, j) = w[i];
    fit_[j] = fit;
    diverged_[j] = bad;
  }

  void record(int r, Statistics& counts, Statistics& out) {
    const int E = static_cast<int>(c_.eps.size()), n = n_, cap = cap_;
    const auto Q = slot_.size();
    const std::int64_t k = plan_.record_steps[r];
    std::uint64_t fit_now = 0, fitted = 0, diverged = 0;
    for (int j = 0; j < n; ++j) {
      T w[D];
      for (int i = 0; i < D; ++i) w[i] = x(i, j);
      double q[kBnRegSlots];
      const bool live = !diverged_[j];
      if (live)
        bnreg_observe(land_, w, alpha_at_[r], wd(), c_.fit_tol, k, fit_[j], q);
      else
        std::fill(q, q + kBnRegSlots, NAN);
      // The fit's record stays with a trajectory that diverged later.
      const BnRegFit& fit = fit_[j];
      if (!live && fit.step >= 0) {
        q[kFitStep] = static_cast<double>(fit.step);
        q[kSharpnessFit] = fit.sharpness;
        q[kPhiFit] = fit.phi;
      }
      for (std::size_t s = 0; s < Q; ++s) {
        const int slot = slot_[s];
        const bool fit_slot = slot >= kFitStep;
        values_[s * cap + j] = q[slot];
        valid_[s * cap + j] = (fit_slot ? fit.step >= 0 : live) && is_finite_(q[slot]);
      }
      fit_now += live && q[kF] < c_.fit_tol;
      fitted += fit.step >= 0;
      diverged += !live;
    }
    for (std::size_t s = 0; s < Q; ++s)
      for (int j = n; j < cap && j % kLanes; ++j) valid_[s * cap + j] = 0;  // leaf padding
    counts.diverged[r] += diverged;
    counts.extra_count[std::size_t(r) * counts.C + 0] += fit_now;
    counts.extra_count[std::size_t(r) * counts.C + 1] += fitted;
    const double* edges = plan_.edges.data();
    const std::int32_t* cells = plan_.bin_cells.data();
    for (std::size_t s = 0; s < Q; ++s) {
      std::uint64_t* hist = &counts.histogram[(std::size_t(r) * Q + s) * LogBins::kBins];
      std::uint64_t bad = 0;
      const bool fit_slot = slot_[s] >= kFitStep;
      for (int j = 0; j < n; ++j) {
        if (valid_[s * cap + j])
          ++hist[LogBins::bin_unless_nan(edges, cells, values_[s * cap + j])];
        else
          bad += fit_slot ? fit_[j].step >= 0 : !diverged_[j];
      }
      counts.nonfinite[std::size_t(r) * Q + s] += bad;
    }
    const double* flat = &values_[std::size_t(kFlatDistance) * cap];
    const double* mind = &values_[std::size_t(kMinDistance) * cap];
    const unsigned char* flat_ok = &valid_[std::size_t(kFlatDistance) * cap];
    const unsigned char* min_ok = &valid_[std::size_t(kMinDistance) * cap];
    std::uint64_t flat_main = 0;  // within eps[0]: the single attractor's count
    for (int e = 0; e < E; ++e) {
      std::uint64_t nf = 0, nm = 0;
      for (int j = 0; j < n; ++j) {
        nf += flat_ok[j] && flat[j] <= c_.eps[e];
        nm += min_ok[j] && mind[j] <= c_.eps[e];
      }
      counts.flat_count[std::size_t(r) * E + e] += nf;
      counts.min_count[std::size_t(r) * E + e] += nm;
      if (e == 0) flat_main = nf;
      // First and last entry into the eps-ball about theta* (the record, or -1).
      int* first = &entry_first_[std::size_t(e) * cap];
      int* last_in = &entry_last_[std::size_t(e) * cap];
      for (int j = 0; j < n; ++j) {
        const bool in = flat_ok[j] && flat[j] <= c_.eps[e];
        first[j] = first[j] < 0 && in ? r : first[j];
        last_in[j] = in ? (last_in[j] < 0 ? r : last_in[j]) : -1;
      }
    }
    // The single attractor, theta*, counted within eps[0].
    counts.attractor[std::size_t(r) * counts.A] += flat_main;
    if (r + 1 == plan_.records()) finish(counts, out);
    const auto& ids = plan_.sample_ids;
    for (auto it = std::lower_bound(ids.begin(), ids.end(), first_);
         it != ids.end() && *it < first_ + n_; ++it) {
      const auto s = static_cast<std::size_t>(it - ids.begin());
      for (int i = 0; i < land_.d; ++i)
        out.sample[(std::size_t(r) * out.S + s) * land_.d + i] =
            static_cast<double>(x(i, int(*it - first_)));
    }
  }

  void finish(Statistics& counts, Statistics& out) {
    const int R = plan_.records(), cap = cap_, E = static_cast<int>(c_.eps.size());
    for (int e = 0; e < E; ++e) {
      std::uint64_t* const firsts = &counts.first_entry_count[std::size_t(e) * (R + 1)];
      std::uint64_t* const lasts = &counts.last_entry_count[std::size_t(e) * (R + 1)];
      for (int j = 0; j < n_; ++j) {
        const int f = entry_first_[std::size_t(e) * cap + j],
                  l = entry_last_[std::size_t(e) * cap + j];
        firsts[f < 0 ? R : f] += 1;
        lasts[l < 0 ? R : l] += 1;
      }
    }
    // The sharpness ratios' fine histograms (trajectories fitted, for S_fit; live, else).
    std::uint64_t* ratios = counts.final_counts.data();
    const double s_star = static_cast<double>(land_.s_star);
    for (int j = 0; j < n_; ++j) {
      if (!diverged_[j]) {
        const double sk = values_at(kSharpness, j), sg = values_at(kSharpnessGamma, j);
        if (is_finite_(sk)) ++ratios[kRatioSharpness * kRatioBins + ratio_bin(sk / s_star)];
        if (is_finite_(sg)) ++ratios[kRatioSharpnessGamma * kRatioBins + ratio_bin(sg / s_star)];
      }
      if (fit_[j].step >= 0 && is_finite_(fit_[j].sharpness))
        ++ratios[kRatioSharpnessFit * kRatioBins + ratio_bin(fit_[j].sharpness / s_star)];
    }
    if (!c_.save_final) return;
    const double eps0 = c_.eps[0];
    const unsigned char* min_ok = &valid_[std::size_t(kMinDistance) * cap];
    for (int j = 0; j < n_; ++j) {
      const int settle = entry_last_[j];  // eps[0]'s row
      const auto gid = static_cast<std::size_t>(first_ + j);
      const bool flat = settle >= 0;
      FinalClass cls = kClassDiverged;
      if (!diverged_[j])
        cls = flat ? kClassFlat
                   : (min_ok[j] && values_[std::size_t(kMinDistance) * cap + j] <= eps0
                          ? kClassMinNotFlat
                          : kClassNeither);
      for (int i = 0; i < land_.d; ++i)
        out.final_position[gid * land_.d + i] = static_cast<double>(x(i, j));
      out.final_class[gid] = cls;
      out.final_attractor[gid] = flat ? 0 : -1;
      out.last_entry[gid] = flat ? plan_.record_steps[settle] : -1;
    }
  }

  // The value of trajectory j's BnRegQuantity `slot` at this record.
  double values_at(int slot, int j) const {
    const auto at = std::find(slot_.begin(), slot_.end(), slot) - slot_.begin();
    return values_[std::size_t(at) * cap_ + j];
  }

  double wd() const { return opt_.normalized ? 0.0 : opt_.wd; }

  const L land_;
  const Opt opt_;
  const Config& c_;
  const Plan& plan_;
  const int cap_;
  std::int64_t first_ = 0;
  int n_ = 0;
  std::vector<int> slot_;  // the BnRegQuantity of each of the plan's quantities
  std::vector<double> alpha_at_;
  std::vector<T> x_;
  std::vector<unsigned char> diverged_;
  std::vector<BnRegFit> fit_;
  std::vector<int> entry_first_, entry_last_;  // [E][cap]
  std::vector<double> values_;                 // [Q][cap]
  std::vector<unsigned char> valid_;           // [Q][cap]
};

}  // namespace ngdsim
