// A trajectory on bnreg: its step under gd/gdwd or ngd, the record of its first fit, and
// what is measured about it at a recorded step (docs/bnreg.md). One definition for every
// backend.
#pragma once

#include "init.hpp"
#include "landscapes/bnreg.hpp"
#include "observe.hpp"
#include "optimizers/gdwd.hpp"
#include "optimizers/ngd.hpp"
#include "unit_direction.hpp"

namespace ngdsim {

// The quantities recorded on bnreg, after the five common ones (kQuantityNames), in this
// order. The two of the effective learning rate exist for gd and gdwd only; the last
// three are those of the first fit, over the trajectories fitted so far.
enum BnRegQuantity : int {
  kSharpness = kNumQuantities,
  kSharpnessGamma,
  kNorm,
  kTwoOverEffLr,
  kEosRatio,
  kFitStep,
  kSharpnessFit,
  kPhiFit,
  kBnRegSlots
};

// Fine histograms at step K of three sharpness ratios to S* (sharpness, sharpness_gamma
// and sharpness_fit over S*): bins of width 1e-3 over [0, 4), then one bin for >= 4. The
// log-histograms of the recorded quantities resolve a factor 10^(1/8) only, and the
// medians that tell the flattest minimizer from its neighbours differ in the third digit.
inline constexpr int kRatioBins = 4001;
inline constexpr double kRatioWidth = 1e-3;
enum BnRegRatio : int { kRatioSharpness = 0, kRatioSharpnessGamma, kRatioSharpnessFit, kRatios };

NGDSIM_HD int ratio_bin(double ratio) {
  const double b = ratio / kRatioWidth;
  return b < double(kRatioBins - 1) ? (b > 0.0 ? int(b) : 0) : kRatioBins - 1;
}

// The first step with L < fit_tol (-1 until then), and S and phi there.
struct BnRegFit {
  long long step = -1;
  double sharpness = 0.0, phi = 0.0;
};

// Trajectory i's starting point: what initial_point<d> draws for the data's dimension
// d <= D, in the first d coordinates of w, the rest zero.
template <int D>
NGDSIM_HD void bnreg_initial_point(const InitDist& dist, std::uint64_t seed, std::uint64_t i, int d,
                                   double (&w)[D]) {
  for (int k = 0; k < D; ++k) w[k] = 0.0;
  initial_point_n(dist, seed, i, d, w);
}

// Records step k as the first fit when L(w_k) = loss is below the tolerance.
template <class T, int D>
NGDSIM_HD void note_fit(const BnReg<T, D>& land, const T (&w)[D], T loss, double fit_tol,
                        long long k, BnRegFit& fit) {
  if (fit.step < 0 && static_cast<double>(loss) < fit_tol) {
    fit.step = k;
    fit.sharpness = static_cast<double>(land.sharpness(w));
    fit.phi = static_cast<double>(land.phi(w));
  }
}

// The step direction v and L(w) for gd and gdwd: grad L(w) + wd w.
template <class T, int D>
NGDSIM_HD T bnreg_direction(const BnReg<T, D>& land, const Gdwd& opt, const T (&w)[D], T (&v)[D],
                            const RandomKey&) {
  return opt.direction_loss(land, w, v);
}

// For ngd: grad L(w) / |grad L(w)|, the exact gradient's direction; where the gradient is
// exactly zero, a uniform random unit vector from the trajectory's stream.
template <class T, int D>
NGDSIM_HD T bnreg_direction(const BnReg<T, D>& land, const Ngd&, const T (&w)[D], T (&v)[D],
                            RandomKey key) {
  const T loss = land.loss_grad(w, v);
  const T n2 = squared_norm(v);
  if (n2 == T(0)) {
    random_unit_direction(key, land.d, v);  // the padding stays zero
  } else {
    const T inv = T(1) / sqrt(n2);
    for (int i = 0; i < D; ++i) v[i] = v[i] * inv;
  }
  return loss;
}

// The optimizer of a bnreg run, chosen at run time (one instantiation serves gd, gdwd and
// ngd): normalized (ngd) or gradient descent with weight decay wd (gd: wd = 0).
struct BnRegOptimizer {
  bool normalized = false;
  double wd = 0.0;
};

template <class T, int D>
NGDSIM_HD T bnreg_direction(const BnReg<T, D>& land, const BnRegOptimizer& opt, const T (&w)[D],
                            T (&v)[D], const RandomKey& key) {
  return opt.normalized ? bnreg_direction(land, Ngd{}, w, v, key)
                        : bnreg_direction(land, Gdwd{opt.wd}, w, v, key);
}

// Step k: w <- w - alpha_k v, after noting a first fit at w_k. Returns true when the new
// point has diverged: a non-finite coordinate (also where s(w) = 0, on null(Xc), the loss
// and its gradient are NaN) or |w| beyond the bound.
template <class T, int D, class Opt>
NGDSIM_HD bool bnreg_step(const BnReg<T, D>& land, const Opt& opt, T (&w)[D], T alpha,
                          const RandomKey& key, T bound, double fit_tol, BnRegFit& fit) {
  T v[D];
  const T loss = bnreg_direction(land, opt, w, v, key);
  note_fit(land, w, loss, fit_tol, static_cast<long long>(key.step), fit);
  T n2 = T(0);
  for (int i = 0; i < D; ++i) {
    w[i] = w[i] - alpha * v[i];
    n2 += w[i] * w[i];
  }
  return !(n2 <= bound * bound);
}

// The recorded quantities at step k, in the order of BnRegQuantity, after noting a first
// fit at w_k. alpha is alpha_k; eff_lr = alpha_k / ((1 - alpha_k wd) |w|^2). The fit's
// quantities are NaN until the first fit.
template <class T, int D>
NGDSIM_HD void bnreg_observe(const BnReg<T, D>& land, const T (&w)[D], double alpha, double wd,
                             double fit_tol, long long k, BnRegFit& fit, double (&q)[kBnRegSlots]) {
  T grad[D];
  const T loss = land.loss_grad(w, grad);
  note_fit(land, w, loss, fit_tol, k, fit);
  int attractor = 0;
  const double norm2 = static_cast<double>(squared_norm(w));
  q[kF] = static_cast<double>(loss);
  q[kPhi] = static_cast<double>(land.phi(w));
  q[kFlatDistance] = static_cast<double>(land.flat_distance(w, attractor));
  q[kMinDistance] = static_cast<double>(land.min_distance(w));
  q[kGradNorm] = static_cast<double>(sqrt(squared_norm(grad)));
  q[kSharpness] = static_cast<double>(land.sharpness(w));
  q[kSharpnessGamma] = static_cast<double>(land.sharpness_gamma(w));
  q[kNorm] = sqrt(norm2);
  const double eff_lr = alpha / ((1.0 - alpha * wd) * norm2);
  q[kTwoOverEffLr] = 2.0 / eff_lr;
  q[kEosRatio] = eff_lr * q[kSharpness] / 2.0;
  const bool fitted = fit.step >= 0;
  q[kFitStep] = fitted ? static_cast<double>(fit.step) : NAN;
  q[kSharpnessFit] = fitted ? fit.sharpness : NAN;
  q[kPhiFit] = fitted ? fit.phi : NAN;
}

}  // namespace ngdsim

namespace ngdsim {

// bnreg as a model of the CPU tile and kernel that carry a trajectory with its own record
// (host/cpu/model_tile.hpp, kernels/model.cuh; the interface is documented there).
template <class T, int D>
struct BnRegModel {
  static constexpr int kDim = D, kSlots = kBnRegSlots;
  using Track = BnRegFit;
  BnReg<T, D> land;
  BnRegOptimizer opt;
  double fit_tol = 0.0;

  NGDSIM_HD int coords() const { return land.d; }
  // A start on null(Xc) (probability zero) has no loss: diverged from the outset.
  NGDSIM_HD bool bad_start(const T (&w)[D]) const {
    return !is_finite_(static_cast<double>(land.loss(w)));
  }
  NGDSIM_HD bool step(T (&w)[D], T alpha, const RandomKey& key, T bound, Track& fit) const {
    return bnreg_step(land, opt, w, alpha, key, bound, fit_tol, fit);
  }
  NGDSIM_HD void observe(const T (&w)[D], double alpha, long long k, Track& fit,
                         double (&q)[kSlots]) const {
    bnreg_observe(land, w, alpha, opt.normalized ? 0.0 : opt.wd, fit_tol, k, fit, q);
  }
  // A diverged trajectory: no values, but the fit's record stays with it.
  NGDSIM_HD void observe_gone(const Track& fit, double (&q)[kSlots]) const {
    for (int s = 0; s < kSlots; ++s) q[s] = NAN;
    if (fit.step >= 0) {
      q[kFitStep] = static_cast<double>(fit.step);
      q[kSharpnessFit] = fit.sharpness;
      q[kPhiFit] = fit.phi;
    }
  }
  // Whether slot's value counts for this trajectory (finite or not).
  NGDSIM_HD bool counted(int slot, bool live, const Track& fit) const {
    return slot >= kFitStep ? fit.step >= 0 : live;
  }
  NGDSIM_HD double flat_value(const double (&q)[kSlots]) const { return q[kFlatDistance]; }
  NGDSIM_HD bool min_within(const double (&q)[kSlots], bool live, double eps) const {
    return live && is_finite_(q[kMinDistance]) && q[kMinDistance] <= eps;
  }
  // The landscape's counts per record (quantities.cpp names them): fit, fitted.
  NGDSIM_HD int extras(const double (&q)[kSlots], bool live, const Track& fit, const double*, int,
                       unsigned char* hit) const {
    hit[0] = live && q[kF] < fit_tol;
    hit[1] = fit.step >= 0;
    return 2;
  }
  // Cells of the counts at step K (Statistics::final_counts): the sharpness ratios.
  NGDSIM_HD int finals(const double (&q)[kSlots], bool live, const Track& fit, int* cell) const {
    const double s_star = static_cast<double>(land.s_star);
    int n = 0;
    if (live && is_finite_(q[kSharpness]))
      cell[n++] = kRatioSharpness * kRatioBins + ratio_bin(q[kSharpness] / s_star);
    if (live && is_finite_(q[kSharpnessGamma]))
      cell[n++] = kRatioSharpnessGamma * kRatioBins + ratio_bin(q[kSharpnessGamma] / s_star);
    if (fit.step >= 0 && is_finite_(fit.sharpness))
      cell[n++] = kRatioSharpnessFit * kRatioBins + ratio_bin(fit.sharpness / s_star);
    return n;
  }
};

}  // namespace ngdsim
