// Gradient descent with weight decay (Lyu, Li and Arora (2022), eq. (1)):
//     w_{k+1} = (1 - alpha_k wd) w_k - alpha_k grad L(w_k),
// for landscapes with a loss gradient `loss_grad` (the BN regression landscape). The
// gradient is taken at w_k, before the decay. In the optimizers' common form
// x <- x - alpha_k v this is v = grad L(w_k) + wd w_k, the same map up to rounding. w is never
// renormalized: on a scale-invariant loss its norm carries the effective learning rate
// alpha_k / ((1 - alpha_k wd) |w_k|^2). The configuration requires 0 <= alpha0 wd < 1.
// Never needs random numbers.
#pragma once

#include "../random.hpp"
#include "step_kind.hpp"

namespace ngdsim {

struct Gdwd {
  double wd = 0.0;  // weight decay lambda >= 0

  template <class L, class T, int D>
  NGDSIM_HD StepKind direction(const L& land, const T (&x)[D], T (&v)[D]) const {
    direction_loss(land, x, v);
    return kRegular;
  }

  // The direction, and the loss L(x) that the gradient's computation yields on the way.
  template <class L, class T, int D>
  NGDSIM_HD T direction_loss(const L& land, const T (&x)[D], T (&v)[D]) const {
    const T loss = land.loss_grad(x, v);
    // Skipped at wd = 0 rather than adding 0 * x: v is then the gradient itself, bit for
    // bit (also its signed zeros, and where x is not finite), so that plain gradient
    // descent and gdwd with wd = 0 take identical steps.
    if (wd != 0.0) {
      const T lam = T(wd);
      for (int i = 0; i < D; ++i) v[i] += lam * x[i];
    }
    return loss;
  }

  template <class L, class T, int D>
  NGDSIM_HD void resolve(StepKind, const L&, const T (&)[D], T (&)[D], RandomKey) const {}

  template <class T, int D>
  NGDSIM_HD void perturb(StepKind, T (&)[D], RandomKey) const {}
};

}  // namespace ngdsim
