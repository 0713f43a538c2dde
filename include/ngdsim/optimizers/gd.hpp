// Plain gradient descent: x <- x - alpha_k grad f(x). Never needs random numbers.
#pragma once

#include "../landscapes/composite.hpp"
#include "../random.hpp"
#include "step_kind.hpp"

namespace ngdsim {

struct Gd {
  template <class L, class T, int D>
  NGDSIM_HD StepKind direction(const L& land, const T (&x)[D], T (&v)[D]) const {
    grad_f(land, x, v);
    return kRegular;
  }

  template <class L, class T, int D>
  NGDSIM_HD void resolve(StepKind, const L&, const T (&)[D], T (&)[D], RandomKey) const {}

  template <class T, int D>
  NGDSIM_HD void perturb(StepKind, T (&)[D], RandomKey) const {}
};

}  // namespace ngdsim
