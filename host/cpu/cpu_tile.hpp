// The CPU path: one tile of trajectories advanced through all K steps in
// structure-of-arrays form. Between recorded steps, blocks of SIMD registers
// (host/cpu/lanes.hpp) each carry a few dozen trajectories through every step without
// going back to the tile's arrays; random signs are drawn per block, and lanes that
// need other random numbers are finished out of line.
// Statistics only at recorded steps. The math comes from include/ngdsim, the very
// templates the CUDA kernels use, instantiated on registers of lanes.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstring>
#include <type_traits>
#include <vector>

#include "cli/config.hpp"
#include "cli/registry.hpp"
#include "cpu/lanes.hpp"
#include "cpu/philox_lanes.hpp"
#include "cpu/tile_moments.hpp"
#include "ngdsim/init.hpp"
#include "ngdsim/observe.hpp"
#include "stats/moment_tree.hpp"
#include "stats/statistics.hpp"
#include "study/plan.hpp"

namespace ngdsim {

// Observations of a tile, one array per quantity. A free function with restrict
// parameters: GCC then proves the arrays independent and vectorizes the loop.
template <int Q, class L, class T>
void observe_loop(const L& land, const T* __restrict xs, double* __restrict f,
                  double* __restrict phi, double* __restrict flat, double* __restrict mind,
                  double* __restrict gnorm, int* __restrict attractor, int n, int cap) {
  constexpr int D = L::kDim;
  for (int j = 0; j < n; ++j) {
    T x[D];
    for (int i = 0; i < D; ++i) x[i] = xs[i * cap + j];
    observe<Q>(land, x, f[j], phi[j], flat[j], mind[j], gnorm[j], attractor[j]);
  }
}

// q (1 or 2) as a constant: with it read from the landscape, GCC vectorizes no float loop.
template <class L, class T>
void observe_tile(const L& land, const T* xs, double* f, double* phi, double* flat, double* mind,
                  double* gnorm, int* attractor, int n, int cap) {
  if (land.q == 2)
    observe_loop<2>(land, xs, f, phi, flat, mind, gnorm, attractor, n, cap);
  else
    observe_loop<1>(land, xs, f, phi, flat, mind, gnorm, attractor, n, cap);
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

// One SIMD register of lanes, and as many registers per block as it takes to hide the
// latency of a step's square root and division while the block stays in registers.
#if defined(__AVX512F__)
inline constexpr int kVectorBytes = 64;
#else
inline constexpr int kVectorBytes = 32;
#endif
template <int D>
inline constexpr int kBlockVectors = D <= 2   ? 8
                                     : D <= 4 ? 4
                                     : D <= 8 ? 2
                                              : 1;

template <class L, class Opt, class T>
class CpuTile {
 public:
  static constexpr int D = L::kDim;
  static constexpr int W = kVectorBytes / int(sizeof(T)), U = kBlockVectors<D>;
  // In float, g rounds to exactly 0 in a few percent of NGD's steps near the minima:
  // then every step draws its block's signs before moving (two passes over the block);
  // otherwise draws are rare enough for one pass that holds those lanes.
  static constexpr bool kSignsInStep = std::is_same_v<Opt, Ngd> && sizeof(T) == 4;
  using V = simd::Lanes<T, W>;
  using M = simd::Mask<T, W>;
  using Kinds = simd::Kinds<T, W>;
  using LaneInt = simd::LaneInt<T>;

  CpuTile(const L& land, const Opt& opt, const Config& c, const Plan& plan)
      : land_(land), opt_(opt), c_(c), plan_(plan), cap_(static_cast<int>(c.tile)) {
    x_.resize(static_cast<std::size_t>(D) * cap_);
    diverged_.resize(cap_);
    entry_first_.resize(c.eps.size() * cap_);
    entry_last_.resize(c.eps.size() * cap_);
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
      advance(k, k_end, sign_draws, critical);
      k = k_end;
      record(r, counts, out);
      counts.sign_draws[r] += sign_draws;
      counts.critical[r] += critical;
      tile_leaf_moments(values_.data(), valid_.data(), cap_, n, kNumQuantities, r, leaf);
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
    }
    std::fill(entry_first_.begin(), entry_first_.end(), -1);
    std::fill(entry_last_.begin(), entry_last_.end(), -1);
    // The last block's spare lanes: held as diverged, so they never move or draw.
    for (int j = n_; j < cap_ && j % (U * W); ++j) {
      for (int i = 0; i < D; ++i) x(i, j) = T(0);
      diverged_[j] = 1;
    }
  }

  // Steps [k0, k1) of every trajectory, a block of U registers of W lanes at a time:
  // the block's state stays in locals (registers, as far as they go) for all those
  // steps. Lanes at g == 0 draw their sign per block (draw_signs); the rarer ones
  // (critical points, noise) are held and finished by finish_lanes with exactly the
  // same arithmetic, so the split never shows in the results.
  void advance(std::int64_t k0, std::int64_t k1, std::uint64_t& sign_draws,
               std::uint64_t& critical) {
    for (int j0 = 0; j0 < n_; j0 += U * W) advance_block(j0, k0, k1, sign_draws, critical);
  }

  // One register's lanes: positions and divergence flags.
  struct Block {
    V x[D];
    M div;
  };

  void advance_block(int j0, std::int64_t k0, std::int64_t k1, std::uint64_t& sign_draws,
                     std::uint64_t& critical) {
    Block b[U];
    for (int u = 0; u < U; ++u) {
      for (int i = 0; i < D; ++i) b[u].x[i] = V::load(&x(i, j0 + u * W));
      b[u].div = M::from_bytes(&diverged_[j0 + u * W]);
    }
    const V bound(c_.divergence_bound);
    for (std::int64_t k = k0; k < k1; ++k) {
      const V alpha(static_cast<T>(plan_.alpha[k]));
      // U independent registers: their square roots and divisions overlap.
      // Directions of all registers when signs are drawn in the step, else of one at a time.
      V v[kSignsInStep ? U : 1][D];
      M rare[U], signs[U], flip[U];
      if constexpr (kSignsInStep) {
        M some_sign{};
        for (int u = 0; u < U; ++u) {
          directions(b[u], v[u], rare[u], signs[u]);
          flip[u] = M{};
          some_sign = some_sign | signs[u];
        }
        if (any(some_sign)) draw_signs(signs, j0, k, flip, sign_draws);
      }
      M some_held{};
      for (int u = 0; u < U; ++u) {
        V(&vu)[D] = v[kSignsInStep ? u : 0];
        if constexpr (!kSignsInStep) directions(b[u], vu, rare[u], signs[u]);
        // A drawn sign of -1 flips the provisional direction: (-alpha) v = alpha (-v) exactly.
        const V a = kSignsInStep ? select_(flip[u], -alpha, alpha) : alpha;
        const M held = kSignsInStep ? rare[u] & !signs[u] : rare[u];
        move(b[u], a, vu, !(b[u].div | held), bound);
        some_held = some_held | held;
      }
      if (any(some_held)) finish_held(b, rare, signs, alpha, j0, k, sign_draws, critical);
    }
    for (int u = 0; u < U; ++u) {
      for (int i = 0; i < D; ++i) b[u].x[i].store(&x(i, j0 + u * W));
      b[u].div.to_bytes(&diverged_[j0 + u * W]);
    }
  }

  // The lanes of `moving` step to x - a v; those that leave the bound have diverged.
  static void move(Block& b, V a, const V (&v)[D], M moving, V bound) {
    V xn[D];
    for (int i = 0; i < D; ++i) xn[i] = b.x[i] - a * v[i];
    const M bad = out_of_bounds(xn, bound);
    for (int i = 0; i < D; ++i) b.x[i] = select_(moving, xn[i], b.x[i]);
    b.div = b.div | (bad & moving);
  }

  void directions(const Block& b, V (&v)[D], M& rare, M& signs) const {
    const Kinds kind = kinds_of(opt_.direction(land_, b.x, v));
    rare = M{kind.k != 0} & !b.div;
    signs = M{kind.k == LaneInt(kSignDraw)} & rare;
  }

  // The lanes the step held. Sign lanes (where the step does not draw them itself) draw
  // now and move as the step would have moved them; the others lane by lane.
  [[gnu::noinline]] void finish_held(Block (&b)[U], const M (&rare)[U], const M (&signs)[U],
                                     V alpha, int j0, std::int64_t k, std::uint64_t& sign_draws,
                                     std::uint64_t& critical) const {
    if constexpr (!kSignsInStep) {
      M flip[U], some_sign{};
      for (int u = 0; u < U; ++u) some_sign = some_sign | signs[u];
      if (any(some_sign)) {
        draw_signs(signs, j0, k, flip, sign_draws);
        const V bound(c_.divergence_bound);
        for (int u = 0; u < U; ++u) {
          if (!any(signs[u])) continue;
          V v[D];  // held lanes did not move: their direction is the step's
          opt_.direction(land_, b[u].x, v);
          move(b[u], select_(flip[u], -alpha, alpha), v, signs[u], bound);
        }
      }
    }
    for (int u = 0; u < U; ++u) {
      const M others = rare[u] & !signs[u];
      if (any(others)) finish_lanes(b[u], others, alpha, j0 + u * W, k, sign_draws, critical);
    }
  }

  // The Bouligand signs of the lanes with g == 0 exactly, drawn together for the whole
  // block (simd::negative_signs), as masks of the lanes whose direction flips. Inline:
  // the block's registers are all live here, and a call would spill every one of them
  // (measured: 10% of the float step).
  [[gnu::always_inline]] void draw_signs(const M (&signs)[U], int j0, std::int64_t k, M (&flip)[U],
                                         std::uint64_t& sign_draws) const {
    static_assert(64 % W == 0, "a register's lanes within one word of bits");
    constexpr int kWords = (U * W + 63) / 64;
    std::uint64_t want[kWords] = {}, minus[kWords];
    for (int u = 0; u < U; ++u) want[u * W / 64] |= std::uint64_t(signs[u].bits()) << (u * W % 64);
    simd::negative_signs(c_.seed, static_cast<std::uint64_t>(first_ + j0),
                         static_cast<std::uint32_t>(k), want, minus);
    for (int u = 0; u < U; ++u)
      flip[u] = M::from_bits(static_cast<unsigned>(minus[u * W / 64] >> (u * W % 64)));
    for (int w = 0; w < kWords; ++w) sign_draws += std::uint64_t(__builtin_popcountll(want[w]));
  }

  // The lanes held at step k (critical points, perturbed GD's noise), finished lane by
  // lane with the scalar code, through arrays: writing single lanes of a register stalls
  // every later read of it.
  void finish_lanes(Block& b, M lanes, V alpha, int j0, std::int64_t k, std::uint64_t& sign_draws,
                    std::uint64_t& critical) const {
    const T bound = static_cast<T>(c_.divergence_bound);
    T xs[D][W], as[W];
    LaneInt ds[W];
    for (int i = 0; i < D; ++i) b.x[i].store(xs[i]);
    alpha.store(as);
    std::memcpy(ds, &b.div.m, sizeof(ds));
    for (unsigned bits = lanes.bits(); bits; bits &= bits - 1) {
      const int l = __builtin_ctz(bits);
      T xl[D], vl[D];
      for (int i = 0; i < D; ++i) xl[i] = xs[i][l];
      const RandomKey key{c_.seed, static_cast<std::uint64_t>(first_ + j0 + l),
                          static_cast<std::uint32_t>(k), Purpose::kBouligandSign};
      const StepKind sk = opt_.direction(land_, xl, vl);
      opt_.resolve(sk, land_, xl, vl, key);
      T xn[D];
      for (int i = 0; i < D; ++i) xn[i] = xl[i] - as[l] * vl[i];
      opt_.perturb(sk, xn, key);
      ds[l] = -LaneInt(out_of_bounds(xn, bound));
      for (int i = 0; i < D; ++i) xs[i][l] = xn[i];
      sign_draws += (sk & kSignDraw) != 0;
      critical += (sk & kCriticalPoint) != 0;
    }
    for (int i = 0; i < D; ++i) b.x[i] = V::load(xs[i]);
    std::memcpy(&b.div.m, ds, sizeof(ds));
  }

  // Every optimizer's kinds as lanes: Ngd's come per lane, the others' are one value.
  static Kinds kinds_of(Kinds k) { return k; }
  static Kinds kinds_of(StepKind k) { return {typename M::V{} + LaneInt(k)}; }

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
    for (int j = 0; j < n; ++j)
      if (!div[j] && flat[j] <= eps0) counts.attractor[std::size_t(r) * A + attr[j]] += 1;
    // First and last entry into each eps-ball of the flat set (the record, or -1).
    for (int e = 0; e < E; ++e) {
      int* __restrict first = &entry_first_[std::size_t(e) * cap];
      int* __restrict last_in = &entry_last_[std::size_t(e) * cap];
      for (int j = 0; j < n; ++j) {
        const bool in = !div[j] && flat[j] <= c_.eps[e];
        first[j] = first[j] < 0 && in ? r : first[j];
        last_in[j] = in ? (last_in[j] < 0 ? r : last_in[j]) : -1;
      }
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

  // At step K: the entry histograms and, when asked, per-trajectory output.
  void finish(Statistics& counts, Statistics& out) {
    const int R = plan_.records(), cap = cap_, E = static_cast<int>(c_.eps.size());
    const double eps0 = c_.eps[0];
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
    for (int j = 0; j < n_; ++j) {
      const int settle = entry_last_[j];  // eps[0]'s row
      const auto gid = static_cast<std::size_t>(first_ + j);
      const bool flat = settle >= 0;
      FinalClass cls = kClassDiverged;
      if (!diverged_[j])
        cls = flat ? kClassFlat
                   : (values_[kMinDistance * cap + j] <= eps0 ? kClassMinNotFlat : kClassNeither);
      for (int i = 0; i < D; ++i) out.final_position[gid * D + i] = static_cast<double>(x(i, j));
      out.final_class[gid] = cls;
      out.final_attractor[gid] = flat ? attractor_[j] : -1;
      out.last_entry[gid] = flat ? plan_.record_steps[settle] : -1;
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
  std::vector<unsigned char> diverged_;
  std::vector<int> entry_first_, entry_last_, attractor_;  // entries: [E][cap]
  static constexpr int kSubHistograms = 4;
  std::uint32_t sub_hist_[kSubHistograms][LogBins::kBins + 1];
  std::vector<int> bins_;
  std::vector<double> values_;
  std::vector<unsigned char> valid_;
};

}  // namespace ngdsim
