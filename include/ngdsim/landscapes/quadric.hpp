// quadric [a, b] (docs/model.md): g(x, y) = a x^2 + b y^2 - 1. Paper
// Example 4.4: an ellipse if b > 0, a hyperbola if b < 0. Needs a != b and at least
// one of them positive (checked by the host registry). The flat minima are the two
// points on the axis of c, the smallest positive coefficient, at distance 1/sqrt(c).
#pragma once

#include "composite.hpp"

namespace ngdsim {

template <class T>
struct Quadric {
  static constexpr int kDim = 2;
  static constexpr int kAttractors = 2;  // +axis point (id 0), -axis point (id 1)

  int q = 2;
  T a = T(1), b = T(4);
  int axis = 0;  // 0: flat minima on the x axis (c = a); 1: on the y axis (c = b)
  T r = T(1);    // 1/sqrt(c)

  static Quadric make(int q, double a, double b) {
    Quadric land;
    land.q = q;
    land.a = static_cast<T>(a);
    land.b = static_cast<T>(b);
    const bool on_x = a > 0.0 && (b <= 0.0 || a < b);
    land.axis = on_x ? 0 : 1;
    land.r = static_cast<T>(1.0 / std::sqrt(on_x ? a : b));
    return land;
  }

  template <class V>
  NGDSIM_HD V g_grad(const V (&x)[2], V (&grad)[2]) const {
    grad[0] = T(2) * a * x[0];
    grad[1] = T(2) * b * x[1];
    return a * x[0] * x[0] + b * x[1] * x[1] - V(1);
  }

  // |x|^b |y|^(-a) is conserved by the gradient flow; phi is that invariant (or
  // its inverse) oriented to vanish on c's axis.
  NGDSIM_HD T phi(const T (&x)[2]) const {
    const T ax = abs_(x[0]), ay = abs_(x[1]);
    return axis == 0 ? pow(ay, a) / pow(ax, b) : pow(ax, b) / pow(ay, a);
  }

  NGDSIM_HD T flat_distance(const T (&x)[2], int& attractor) const {
    const T along = x[axis], across = x[1 - axis];
    attractor = along < T(0) ? 1 : 0;
    const T d = abs_(along) - r;
    return sqrt(d * d + across * across);
  }

  void attractor_position(int id, double* out) const {
    out[axis] = (id == 0 ? 1.0 : -1.0) * static_cast<double>(r);
    out[1 - axis] = 0.0;
  }
};

}  // namespace ngdsim
