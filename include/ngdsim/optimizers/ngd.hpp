// Normalized gradient descent: x <- x - alpha_k d_k, d_k in N f(x_k), computed as
// bsign(g) grad g / |grad g| (docs/model.md), never as grad f / |grad f|,
// which underflows near the minimizer set long before grad g does.
#pragma once

#include "../landscapes/composite.hpp"
#include "../random.hpp"
#include "../unit_direction.hpp"
#include "step_kind.hpp"

namespace ngdsim {

struct Ngd {
  // Branch-free part, vectorizable across trajectories. The sign at g == 0 is set
  // to +1 provisionally and the step is flagged for resolve().
  // T is a number or, on the CPU path, a set of SIMD lanes (host/cpu/lanes.hpp).
  template <class L, class T, int D>
  NGDSIM_HD auto direction(const L& land, const T (&x)[D], T (&v)[D]) const {
    T grad[D];
    const T g = land.g_grad(x, grad);
    const T n2 = squared_norm(grad);
    const T s = select_(g < T(0), T(-1), T(1)) / sqrt(n2);
    for (int i = 0; i < D; ++i) v[i] = grad[i] * s;
    return step_kind_(g == T(0), n2 == T(0));
  }

  // The rare part: random Bouligand sign at g == 0, random unit direction where
  // grad g == 0. Both draw from the trajectory's (seed, i, k) stream.
  template <class L, class T, int D>
  NGDSIM_HD void resolve(StepKind kind, const L& land, const T (&x)[D], T (&v)[D],
                         RandomKey key) const {
    if (kind & kCriticalPoint) {
      random_unit_direction(key, D, v);
    } else if (kind & kSignDraw) {
      key.purpose = Purpose::kBouligandSign;
      T grad[D];
      land.g_grad(x, grad);
      const T s = T(random_sign(key)) / sqrt(squared_norm(grad));
      for (int i = 0; i < D; ++i) v[i] = grad[i] * s;
    }
  }

  template <class T, int D>
  NGDSIM_HD void perturb(StepKind, T (&)[D], RandomKey) const {}
};

}  // namespace ngdsim
