// A trajectory on msense: its step under gd, ipgd (= perturbed), ngd or sam, its escape
// from the saddle at 0 and its first fit, and what is measured about it at a recorded step
// (docs/msense.md). One definition for every backend.
#pragma once

#include "init.hpp"
#include "landscapes/msense.hpp"
#include "random.hpp"
#include "unit_direction.hpp"

namespace ngdsim {

// The quantities recorded on msense, in this order; the last two are those of the
// trajectory's escape and first fit, over the trajectories escaped (fitted) so far.
enum MSenseQuantity : int {
  kMsF = 0,
  kMsErr,
  kMsLamNext,
  kMsTail,
  kMsEffRank,
  kMsSolDist,
  kMsNorm,
  kMsGradNorm,
  kMsEscStep,
  kMsFitStep,
  kMSenseSlots
};

// The first step with |U_k|_F >= escape radius (-1 until then) and the first with
// f(U_k) < fit_tol.
struct MSenseTrack {
  long long esc = -1, fit = -1;
};

// The optimizer of an msense run, chosen at run time: one instantiation serves them all.
struct MSenseOptimizer {
  enum Kind : int { kGd = 0, kPerturbed, kNgd, kSam };
  int kind = kGd;
  double sigma = 0.0, rho = 0.0;
};

template <class T, int D>
NGDSIM_HD void msense_note(const MSense<T, D>& land, const T (&u)[D], T loss, double radius,
                           double fit_tol, long long k, MSenseTrack& tr) {
  (void)land;
  if (tr.esc < 0 && static_cast<double>(sqrt(squared_norm(u))) >= radius) tr.esc = k;
  if (tr.fit < 0 && static_cast<double>(loss) < fit_tol) tr.fit = k;
}

// Step k: U <- U - alpha_k v (+ sigma Z_k for ipgd), after noting escape and fit at U_k.
// v is grad f(U) for gd and ipgd, its direction for ngd (a uniform random direction of the
// d rp coordinates where the gradient is exactly zero), and the gradient at the ascent
// point U + rho grad f/|grad f| for sam. Returns true when the new point has diverged.
template <class T, int D>
NGDSIM_HD bool msense_step(const MSense<T, D>& land, const MSenseOptimizer& opt, T (&u)[D], T alpha,
                           RandomKey key, T bound, double radius, double fit_tol, MSenseTrack& tr) {
  const int n = land.d * land.rp;
  T v[D];
  const T loss = land.loss_grad(u, v);
  msense_note(land, u, loss, radius, fit_tol, static_cast<long long>(key.step), tr);
  if (opt.kind == MSenseOptimizer::kNgd) {
    const T n2 = squared_norm(v);
    if (n2 == T(0)) {
      random_unit_direction(key, n, v);
    } else {
      const T inv = T(1) / sqrt(n2);
      for (int i = 0; i < D; ++i) v[i] = v[i] * inv;
    }
  } else if (opt.kind == MSenseOptimizer::kSam) {
    const T n2 = squared_norm(v);
    const T scale = n2 > T(0) ? static_cast<T>(opt.rho) / sqrt(n2) : T(0);
    T ua[D];
    for (int i = 0; i < D; ++i) ua[i] = u[i] + scale * v[i];
    land.loss_grad(ua, v);
  }
  for (int i = 0; i < D; ++i) u[i] = u[i] - alpha * v[i];
  if (opt.kind == MSenseOptimizer::kPerturbed && opt.sigma > 0.0) {
    key.purpose = Purpose::kPerturbation;
    double z[D] = {};
    normals(key, z, n);
    for (int i = 0; i < n; ++i) u[i] += static_cast<T>(opt.sigma * z[i]);
  }
  T n2 = T(0);
  for (int i = 0; i < D; ++i) n2 += u[i] * u[i];
  return !(n2 <= bound * bound);
}

// The recorded quantities at step k, in the order of MSenseQuantity, after noting escape
// and fit at U_k. The escape and fit steps are NaN until they happen.
template <class T, int D>
NGDSIM_HD void msense_observe(const MSense<T, D>& land, const T (&u)[D], double radius,
                              double fit_tol, long long k, MSenseTrack& tr,
                              double (&q)[kMSenseSlots]) {
  T grad[D];
  const T loss = land.loss_grad(u, grad);
  msense_note(land, u, loss, radius, fit_tol, k, tr);
  T lam[kMaxDim];
  land.eigenvalues(u, lam);
  const MSenseSpectrum<T> s = msense_spectrum(lam, land.d, land.r);
  q[kMsF] = static_cast<double>(loss);
  q[kMsErr] = static_cast<double>(land.err(u));
  q[kMsLamNext] = static_cast<double>(s.lam_next);
  q[kMsTail] = static_cast<double>(s.tail);
  q[kMsEffRank] = static_cast<double>(s.eff_rank);
  q[kMsSolDist] = static_cast<double>(land.sol_dist(u));
  q[kMsNorm] = static_cast<double>(sqrt(squared_norm(u)));
  q[kMsGradNorm] = static_cast<double>(sqrt(squared_norm(grad)));
  q[kMsEscStep] = tr.esc >= 0 ? static_cast<double>(tr.esc) : NAN;
  q[kMsFitStep] = tr.fit >= 0 ? static_cast<double>(tr.fit) : NAN;
}

// At most this many thresholds tau on lam_next (--tau).
inline constexpr int kMaxTau = 4;

// msense as a model of the CPU tile and kernel that carry a trajectory with its own record
// (host/cpu/model_tile.hpp, kernels/model.cuh; the interface is documented there).
template <class T, int D>
struct MSenseModel {
  static constexpr int kDim = D, kSlots = kMSenseSlots;
  using Track = MSenseTrack;
  MSense<T, D> land;
  MSenseOptimizer opt;
  double radius = 0.0;  // --escape-radius times |U*|_F
  double fit_tol = 0.0;
  int taus = 0;
  double tau[kMaxTau] = {};
  // The escape steps' histogram at step K: bins of esc_width steps, esc_bins of them.
  long long esc_width = 1;
  int esc_bins = 1;

  NGDSIM_HD int coords() const { return land.d * land.rp; }
  NGDSIM_HD bool bad_start(const T (&u)[D]) const {
    return !is_finite_(static_cast<double>(land.loss(u)));
  }
  NGDSIM_HD bool step(T (&u)[D], T alpha, const RandomKey& key, T bound, Track& tr) const {
    return msense_step(land, opt, u, alpha, key, bound, radius, fit_tol, tr);
  }
  NGDSIM_HD void observe(const T (&u)[D], double, long long k, Track& tr,
                         double (&q)[kSlots]) const {
    msense_observe(land, u, radius, fit_tol, k, tr, q);
  }
  NGDSIM_HD void observe_gone(const Track& tr, double (&q)[kSlots]) const {
    for (int s = 0; s < kSlots; ++s) q[s] = NAN;
    if (tr.esc >= 0) q[kMsEscStep] = static_cast<double>(tr.esc);
    if (tr.fit >= 0) q[kMsFitStep] = static_cast<double>(tr.fit);
  }
  NGDSIM_HD bool counted(int slot, bool live, const Track& tr) const {
    return slot == kMsEscStep ? tr.esc >= 0 : (slot == kMsFitStep ? tr.fit >= 0 : live);
  }
  // err(eps) takes the place of the flat minima's ball; a global minimizer of any rank
  // (f < fit_tol) that of "a minimum".
  NGDSIM_HD double flat_value(const double (&q)[kSlots]) const { return q[kMsErr]; }
  NGDSIM_HD bool min_within(const double (&q)[kSlots], bool live, double) const {
    return live && q[kMsF] < fit_tol;
  }
  // fit, fitted, escaped, lowrank(tau_t) per t, solution(eps_e, tau_t) per (e, t).
  NGDSIM_HD int extras(const double (&q)[kSlots], bool live, const Track& tr, const double* eps,
                       int E, unsigned char* hit) const {
    hit[0] = live && q[kMsF] < fit_tol;
    hit[1] = tr.fit >= 0;
    hit[2] = tr.esc >= 0;
    int n = 3;
    for (int t = 0; t < taus; ++t) hit[n++] = live && q[kMsLamNext] <= tau[t];
    for (int e = 0; e < E; ++e)
      for (int t = 0; t < taus; ++t)
        hit[n++] = live && q[kMsErr] <= eps[e] && q[kMsLamNext] <= tau[t];
    return n;
  }
  NGDSIM_HD int finals(const double (&)[kSlots], bool, const Track& tr, int* cell) const {
    if (tr.esc < 0) return 0;
    const long long b = tr.esc / esc_width;
    cell[0] = b < esc_bins ? static_cast<int>(b) : esc_bins - 1;
    return 1;
  }
};

}  // namespace ngdsim
