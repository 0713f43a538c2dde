// What is measured about one trajectory at a recorded step, and its classification
// (docs/model.md). Evaluated only at recorded steps.
#pragma once

#include "landscapes/composite.hpp"

namespace ngdsim {

// The continuous quantities of docs/output.md, in a fixed order.
enum Quantity : int { kF = 0, kPhi, kFlatDistance, kMinDistance, kGradNorm, kNumQuantities };

inline constexpr const char* kQuantityNames[kNumQuantities] = {"f", "phi", "flat_distance",
                                                               "min_distance", "grad_norm"};

// Outputs by reference (not a returned struct) so the compiler keeps them in
// registers and the CPU loop of observations over trajectories vectorizes. Q, when
// not 0, is land.q known at compile time: GCC if-converts the float loop only then.
template <int Q = 0, class L, class T, int D>
NGDSIM_HD void observe(const L& land, const T (&x)[D], double& f, double& phi,
                       double& flat_distance, double& min_distance, double& grad_norm,
                       int& attractor) {
  const int q = Q != 0 ? Q : land.q;
  T grad[D];
  const T g = land.g_grad(x, grad);
  const T gn = sqrt(squared_norm(grad));
  f = static_cast<double>(f_of_g(g, q));
  phi = static_cast<double>(land.phi(x));
  flat_distance = static_cast<double>(land.flat_distance(x, attractor));
  // |g| / |grad g|: first-order distance to {g = 0}; infinite at a critical point off the set.
  // Capped by the distance to the nearest flat minimum, itself a point of the set, so that
  // min(eps) contains flat(eps) whatever the first-order error; also where that is 0/0 (a
  // critical point on the set, the cross's origin).
  const double first_order = static_cast<double>(abs_(g)) / static_cast<double>(gn);
  min_distance = first_order < flat_distance ? first_order : flat_distance;
  grad_norm = static_cast<double>(grad_f_norm(g, gn, q));
}

// Final class of a trajectory at step K (stored in /final/class).
enum FinalClass : std::int8_t {
  kClassFlat = 0,
  kClassMinNotFlat = 1,
  kClassNeither = 2,
  kClassDiverged = 3
};

// Divergence: a coordinate non-finite or beyond the bound. Written so NaN counts.
template <class T, int D>
NGDSIM_HD auto out_of_bounds(const T (&x)[D], T bound) {
  auto bad = !(magnitude_(x[0]) <= bound);
  for (int i = 1; i < D; ++i) bad = bad | !(magnitude_(x[i]) <= bound);
  return bad;
}

}  // namespace ngdsim
