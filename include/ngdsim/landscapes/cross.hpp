// cross (docs/model.md): g(x, y) = x y. Paper Example 4.1. The global
// minima are the two axes; the flat minimum is the origin.
#pragma once

#include "composite.hpp"

namespace ngdsim {

template <class T>
struct Cross {
  static constexpr int kDim = 2;
  static constexpr int kAttractors = 1;  // the origin

  int q = 2;

  template <class V>
  NGDSIM_HD V g_grad(const V (&x)[2], V (&grad)[2]) const {
    grad[0] = x[1];
    grad[1] = x[0];
    return x[0] * x[1];
  }

  // x^2 + y^2: a Lyapunov function of the flow, not a conserved quantity.
  NGDSIM_HD T phi(const T (&x)[2]) const { return x[0] * x[0] + x[1] * x[1]; }

  NGDSIM_HD T flat_distance(const T (&x)[2], int& attractor) const {
    attractor = 0;
    return sqrt(x[0] * x[0] + x[1] * x[1]);
  }

  void attractor_position(int, double* out) const { out[0] = out[1] = 0.0; }
};

}  // namespace ngdsim
