// The CPU path of the landscapes that carry a record per trajectory beyond its position
// (bnreg: its first fit; msense: its escape and first fit) and record quantities of their
// own: one tile of trajectories, each carried through the steps between two records in
// locals, one trajectory after the other; at a recorded step every quantity of the plan is
// observed per trajectory and reduced as CpuTile reduces its own (histograms and counts
// exact, moments per leaf in the fixed lanes of leaf_moments).
//
// A Model (include/ngdsim/bnreg_dynamics.hpp, msense_dynamics.hpp) is the one definition
// of the math, shared with kernels/model.cuh: kDim, kSlots and Track; coords() (the
// coordinates in use); bad_start(w); step(w, alpha, key, bound, track) (true: diverged);
// observe(w, alpha_k, k, track, q) and observe_gone(track, q) (a diverged trajectory);
// counted(slot, live, track) (whether the slot's value counts, finite or not);
// flat_value(q) (against eps: flat counts and entry records) and min_within(q, live, eps);
// extras(q, live, track, eps, E, hit) (the landscape's counts per record, Plan's
// extra_counts) and finals(q, live, track, cell) (cells of Statistics::final_counts to
// add one to at step K).
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "cli/config.hpp"
#include "cpu/tile_moments.hpp"
#include "stats/moment_tree.hpp"
#include "stats/statistics.hpp"
#include "study/models.hpp"
#include "study/plan.hpp"

namespace ngdsim {

template <class Model, class T>
class ModelTile {
 public:
  static constexpr int D = Model::kDim, kSlots = Model::kSlots;
  using Track = typename Model::Track;

  template <class L, class Opt>
  ModelTile(const L& land, const Opt& opt, const Config& c, const Plan& plan)
      : model_(model_of(land, opt, c, plan)), c_(c), plan_(plan), cap_(static_cast<int>(c.tile)) {
    for (const auto& name : plan.quantities) slot_.push_back(quantity_slot(c.landscape, name));
    const std::size_t Q = slot_.size();
    x_.resize(static_cast<std::size_t>(D) * cap_);
    diverged_.resize(cap_);
    track_.resize(cap_);
    entry_first_.resize(c.eps.size() * cap_);
    entry_last_.resize(c.eps.size() * cap_);
    values_.resize(Q * cap_ + kLanes);
    valid_.resize(Q * cap_ + kLanes);
    counted_.resize(Q * cap_ + kLanes);
    flat_.resize(cap_);
    flat_ok_.resize(cap_);
    min_in_.resize(c.eps.size() * cap_);
    // alpha_k at each recorded step (k = K included): bnreg's effective learning rate.
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
      tile_leaf_moments(values_.data(), valid_.data(), cap_, n, Q, r, leaf);
    }
    for (int l = 0; l < leaves; ++l) tree.insert(0, first / kLeafSize + l, std::move(leaf[l]));
    progress += static_cast<std::int64_t>(n) * c_.steps;
  }

 private:
  T& x(int i, int j) { return x_[std::size_t(i) * cap_ + j]; }

  void init() {
    for (int j = 0; j < n_; ++j) {
      double p[D] = {};
      initial_point_n(c_.init_dist, c_.seed, static_cast<std::uint64_t>(first_ + j),
                      model_.coords(), p);
      T w[D];
      for (int i = 0; i < D; ++i) w[i] = x(i, j) = static_cast<T>(p[i]);
      diverged_[j] = model_.bad_start(w);
      track_[j] = Track{};
    }
    std::fill(entry_first_.begin(), entry_first_.end(), -1);
    std::fill(entry_last_.begin(), entry_last_.end(), -1);
  }

  // Steps [k0, k1) of trajectory j, its state in locals throughout.
  void advance(int j, std::int64_t k0, std::int64_t k1) {
    if (diverged_[j]) return;
    T w[D];
    for (int i = 0; i < D; ++i) w[i] = x(i, j);
    Track track = track_[j];
    const T bound = static_cast<T>(c_.divergence_bound);
    const auto gid = static_cast<std::uint64_t>(first_ + j);
    bool bad = false;
    for (std::int64_t k = k0; k < k1 && !bad; ++k) {
      const RandomKey key{c_.seed, gid, static_cast<std::uint32_t>(k), Purpose::kBouligandSign};
      bad = model_.step(w, static_cast<T>(plan_.alpha[k]), key, bound, track);
    }
    for (int i = 0; i < D; ++i) x(i, j) = w[i];
    track_[j] = track;
    diverged_[j] = bad;
  }

  void record(int r, Statistics& counts, Statistics& out) {
    const int E = static_cast<int>(c_.eps.size()), n = n_, cap = cap_, C = counts.C;
    const auto Q = slot_.size();
    const std::int64_t k = plan_.record_steps[r];
    const bool last = r + 1 == plan_.records();
    std::uint64_t diverged = 0;
    std::vector<std::uint64_t> extra(C, 0);
    for (int j = 0; j < n; ++j) {
      T w[D];
      for (int i = 0; i < D; ++i) w[i] = x(i, j);
      double q[kSlots];
      const bool live = !diverged_[j];
      Track& track = track_[j];
      if (live)
        model_.observe(w, alpha_at_[r], k, track, q);
      else
        model_.observe_gone(track, q);
      for (std::size_t s = 0; s < Q; ++s) {
        const int slot = slot_[s];
        values_[s * cap + j] = q[slot];
        counted_[s * cap + j] = model_.counted(slot, live, track);
        valid_[s * cap + j] = counted_[s * cap + j] && is_finite_(q[slot]);
      }
      flat_[j] = model_.flat_value(q);
      flat_ok_[j] = live && is_finite_(flat_[j]);
      for (int e = 0; e < E; ++e)
        min_in_[std::size_t(e) * cap + j] = model_.min_within(q, live, c_.eps[e]);
      unsigned char hit[kMaxExtraCounts];
      const int nh = model_.extras(q, live, track, c_.eps.data(), E, hit);
      for (int h = 0; h < nh; ++h) extra[h] += hit[h];
      diverged += !live;
      if (last) {
        int cell[kMaxFinalCells];
        const int nc = model_.finals(q, live, track, cell);
        for (int f = 0; f < nc; ++f) ++counts.final_counts[cell[f]];
      }
    }
    for (std::size_t s = 0; s < Q; ++s)
      for (int j = n; j < cap && j % kLanes; ++j) valid_[s * cap + j] = 0;  // leaf padding
    counts.diverged[r] += diverged;
    for (int h = 0; h < C; ++h) counts.extra_count[std::size_t(r) * C + h] += extra[h];
    const double* edges = plan_.edges.data();
    const std::int32_t* cells = plan_.bin_cells.data();
    for (std::size_t s = 0; s < Q; ++s) {
      std::uint64_t* hist = &counts.histogram[(std::size_t(r) * Q + s) * LogBins::kBins];
      std::uint64_t bad = 0;
      for (int j = 0; j < n; ++j) {
        if (valid_[s * cap + j])
          ++hist[LogBins::bin_unless_nan(edges, cells, values_[s * cap + j])];
        else
          bad += counted_[s * cap + j];
      }
      counts.nonfinite[std::size_t(r) * Q + s] += bad;
    }
    std::uint64_t flat_main = 0;  // within eps[0]: the single attractor's count
    for (int e = 0; e < E; ++e) {
      std::uint64_t nf = 0, nm = 0;
      for (int j = 0; j < n; ++j) {
        nf += flat_ok_[j] && flat_[j] <= c_.eps[e];
        nm += min_in_[std::size_t(e) * cap + j];
      }
      counts.flat_count[std::size_t(r) * E + e] += nf;
      counts.min_count[std::size_t(r) * E + e] += nm;
      if (e == 0) flat_main = nf;
      // First and last entry into the eps-ball (the record, or -1).
      int* first = &entry_first_[std::size_t(e) * cap];
      int* last_in = &entry_last_[std::size_t(e) * cap];
      for (int j = 0; j < n; ++j) {
        const bool in = flat_ok_[j] && flat_[j] <= c_.eps[e];
        first[j] = first[j] < 0 && in ? r : first[j];
        last_in[j] = in ? (last_in[j] < 0 ? r : last_in[j]) : -1;
      }
    }
    // The single attractor (theta*, X*), counted within eps[0].
    counts.attractor[std::size_t(r) * counts.A] += flat_main;
    if (last) finish(counts, out);
    const auto& ids = plan_.sample_ids;
    const int d = model_.coords();
    for (auto it = std::lower_bound(ids.begin(), ids.end(), first_);
         it != ids.end() && *it < first_ + n_; ++it) {
      const auto s = static_cast<std::size_t>(it - ids.begin());
      for (int i = 0; i < d; ++i)
        out.sample[(std::size_t(r) * out.S + s) * d + i] =
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
    if (!c_.save_final) return;
    const int d = model_.coords();
    for (int j = 0; j < n_; ++j) {
      const int settle = entry_last_[j];  // eps[0]'s row
      const auto gid = static_cast<std::size_t>(first_ + j);
      const bool flat = settle >= 0;
      FinalClass cls = kClassDiverged;
      if (!diverged_[j]) cls = flat ? kClassFlat : (min_in_[j] ? kClassMinNotFlat : kClassNeither);
      for (int i = 0; i < d; ++i) out.final_position[gid * d + i] = static_cast<double>(x(i, j));
      out.final_class[gid] = cls;
      out.final_attractor[gid] = flat ? 0 : -1;
      out.last_entry[gid] = flat ? plan_.record_steps[settle] : -1;
    }
  }

  const Model model_;
  const Config& c_;
  const Plan& plan_;
  const int cap_;
  std::int64_t first_ = 0;
  int n_ = 0;
  std::vector<int> slot_;  // the model's slot of each of the plan's quantities
  std::vector<double> alpha_at_;
  std::vector<T> x_;
  std::vector<unsigned char> diverged_;
  std::vector<Track> track_;
  std::vector<int> entry_first_, entry_last_;   // [E][cap]
  std::vector<double> values_;                  // [Q][cap]
  std::vector<unsigned char> valid_, counted_;  // [Q][cap]
  std::vector<double> flat_;                    // [cap]: the model's flat_value
  std::vector<unsigned char> flat_ok_;          // [cap]
  std::vector<unsigned char> min_in_;           // [E][cap]
};

}  // namespace ngdsim
