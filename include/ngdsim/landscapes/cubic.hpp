// cubic (docs/model.md): g(x, y) = x^3 + y^3 - 1. Paper Example 4.3.
// The paper proves only local attraction; {g = 0} also has the minima (1, 0),
// (0, 1), where phi is undefined, and an unbounded branch (x -> +inf, y -> -inf).
#pragma once

#include "composite.hpp"

namespace ngdsim {

template <class T>
struct Cubic {
  static constexpr int kDim = 2;
  static constexpr int kAttractors = 1;                    // x = y = 2^(-1/3)
  static constexpr double kFlat = 0.79370052598409973738;  // 2^(-1/3)

  int q = 2;

  template <class V>
  NGDSIM_HD V g_grad(const V (&x)[2], V (&grad)[2]) const {
    grad[0] = V(3) * x[0] * x[0];
    grad[1] = V(3) * x[1] * x[1];
    return x[0] * x[0] * x[0] + x[1] * x[1] * x[1] - V(1);
  }

  // 1/x - 1/y is conserved by the gradient flow where xy != 0; non-finite at the
  // axes, where it is excluded from phi's statistics and counted.
  NGDSIM_HD T phi(const T (&x)[2]) const {
    const T d = T(1) / x[0] - T(1) / x[1];
    return d * d;
  }

  NGDSIM_HD T flat_distance(const T (&x)[2], int& attractor) const {
    attractor = 0;
    const T dx = x[0] - T(kFlat), dy = x[1] - T(kFlat);
    return sqrt(dx * dx + dy * dy);
  }

  void attractor_position(int, double* out) const { out[0] = out[1] = kFlat; }
};

}  // namespace ngdsim
