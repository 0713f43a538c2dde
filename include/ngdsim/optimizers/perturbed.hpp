// Infinitesimally perturbed gradient descent (docs/model.md):
// x <- x - alpha_k grad f(x) + sigma xi_k, xi_k ~ N(0, I) from the trajectory's
// (seed, i, k) stream. With sigma = 0 no noise is drawn or added, so the path is
// gradient descent's bit for bit.
#pragma once

#include "../landscapes/composite.hpp"
#include "../random.hpp"
#include "step_kind.hpp"

namespace ngdsim {

struct Perturbed {
  double sigma = 0.01;

  template <class L, class T, int D>
  NGDSIM_HD StepKind direction(const L& land, const T (&x)[D], T (&v)[D]) const {
    grad_f(land, x, v);
    return sigma > 0.0 ? kNoise : kRegular;
  }

  template <class L, class T, int D>
  NGDSIM_HD void resolve(StepKind, const L&, const T (&)[D], T (&)[D], RandomKey) const {}

  template <class T, int D>
  NGDSIM_HD void perturb(StepKind kind, T (&xn)[D], RandomKey key) const {
    if (!(kind & kNoise)) return;
    key.purpose = Purpose::kPerturbation;
    double z[D];
    normals(key, z, D);
    for (int i = 0; i < D; ++i) xn[i] += static_cast<T>(sigma * z[i]);
  }
};

}  // namespace ngdsim
