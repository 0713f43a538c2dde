// parabola (docs/model.md): g(x, y) = y - x^2. Paper Example 4.2.
#pragma once

#include "composite.hpp"

namespace ngdsim {

template <class T>
struct Parabola {
  static constexpr int kDim = 2;
  static constexpr int kAttractors = 1;  // the origin

  int q = 2;

  template <class V>
  NGDSIM_HD V g_grad(const V (&x)[2], V (&grad)[2]) const {
    grad[0] = V(-2) * x[0];
    grad[1] = V(1);
    return x[1] - x[0] * x[0];
  }

  // x e^(2y) is conserved by the gradient flow; its square is reported.
  NGDSIM_HD T phi(const T (&x)[2]) const { return x[0] * x[0] * exp(T(4) * x[1]); }

  NGDSIM_HD T flat_distance(const T (&x)[2], int& attractor) const {
    attractor = 0;
    return sqrt(x[0] * x[0] + x[1] * x[1]);
  }

  void attractor_position(int, double* out) const { out[0] = out[1] = 0.0; }
};

}  // namespace ngdsim
