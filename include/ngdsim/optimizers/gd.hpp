// Plain gradient descent: x <- x - alpha_k grad f(x), grad f = q |g|^(q-1) bsign(g) grad g,
// with the zero subgradient at g = 0 when q = 1. Never needs random numbers.
#pragma once

#include "../landscapes/composite.hpp"
#include "../random.hpp"
#include "step_kind.hpp"

namespace ngdsim {

struct Gd {
  template <class L, class T, int D>
  NGDSIM_HD static StepKind direction(const L& land, const T (&x)[D], T (&v)[D]) {
    T grad[D];
    const T g = land.g_grad(x, grad);
    const T sign0 = T(g > T(0)) - T(g < T(0));  // branch-free, so the loop vectorizes
    const T c = land.q == 2 ? T(2) * g : sign0;
    for (int i = 0; i < D; ++i) v[i] = grad[i] * c;
    return kRegular;
  }

  template <class L, class T, int D>
  NGDSIM_HD static void resolve(StepKind, const L&, const T (&)[D], T (&)[D], RandomKey) {}
};

}  // namespace ngdsim
