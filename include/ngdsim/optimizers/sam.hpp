// Sharpness-aware minimization (docs/model.md):
// x <- x - alpha_k grad f(x + rho grad f(x) / |grad f(x)|). Where grad f(x) = 0 the
// ascent step is taken as zero (the perturbed point is x itself).
#pragma once

#include "../landscapes/composite.hpp"
#include "../random.hpp"
#include "step_kind.hpp"

namespace ngdsim {

struct Sam {
  double rho = 0.05;

  template <class L, class T, int D>
  NGDSIM_HD StepKind direction(const L& land, const T (&x)[D], T (&v)[D]) const {
    T gf[D];
    grad_f(land, x, gf);
    const T n2 = squared_norm(gf);
    const T scale = select_(n2 > T(0), static_cast<T>(rho) / sqrt(n2), T(0));
    T xa[D];
    for (int i = 0; i < D; ++i) xa[i] = x[i] + scale * gf[i];
    grad_f(land, xa, v);
    return kRegular;
  }

  template <class L, class T, int D>
  NGDSIM_HD void resolve(StepKind, const L&, const T (&)[D], T (&)[D], RandomKey) const {}

  template <class T, int D>
  NGDSIM_HD void perturb(StepKind, T (&)[D], RandomKey) const {}
};

}  // namespace ngdsim
