// Pieces shared by every composite landscape f = |g|^q (docs/model.md).
#pragma once

#include "../hd.hpp"

namespace ngdsim {

template <class T>
NGDSIM_HD T f_of_g(T g, int q) {
  return q == 2 ? g * g : abs_(g);
}

// |grad f| = q |g|^(q-1) |grad g|, with the zero subgradient at g = 0 when q = 1.
template <class T>
NGDSIM_HD T grad_f_norm(T g, T grad_g_norm, int q) {
  return q == 2 ? T(2) * abs_(g) * grad_g_norm : (g == T(0) ? T(0) : grad_g_norm);
}

template <class T, int D>
NGDSIM_HD T squared_norm(const T (&v)[D]) {
  // From the first square rather than 0 + it: the same value (a square is never -0), one
  // addition less.
  T s = v[0] * v[0];
  for (int i = 1; i < D; ++i) s += v[i] * v[i];
  return s;
}

// grad f = q |g|^(q-1) bsign(g) grad g, with the zero subgradient at g = 0 when q = 1.
// Branch-free so loops over trajectories vectorize.
template <class L, class T, int D>
NGDSIM_HD void grad_f(const L& land, const T (&x)[D], T (&v)[D]) {
  T grad[D];
  const T g = land.g_grad(x, grad);
  const T sign0 = select_(g > T(0), T(1), T(0)) - select_(g < T(0), T(1), T(0));
  const T c = land.q == 2 ? T(2) * g : sign0;
  for (int i = 0; i < D; ++i) v[i] = grad[i] * c;
}

}  // namespace ngdsim
