// Pieces shared by every composite landscape f = |g|^q (landscapes.md section 2).
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
  T s = T(0);
  for (int i = 0; i < D; ++i) s += v[i] * v[i];
  return s;
}

}  // namespace ngdsim
