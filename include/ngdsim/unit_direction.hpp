// A uniform random unit vector in the first n of D coordinates (the rest zero), from the
// trajectory's stream under Purpose::kRandomDirection: the step direction of NGD where the
// gradient vanishes exactly.
#pragma once

#include "random.hpp"

namespace ngdsim {

template <class T, int D>
NGDSIM_HD void random_unit_direction(RandomKey key, int n, T (&v)[D]) {
  key.purpose = Purpose::kRandomDirection;
  double z[D] = {};
  normals(key, z, n);
  double n2 = 0.0;
  for (int i = 0; i < D; ++i) n2 += z[i] * z[i];
  const double inv = 1.0 / sqrt(n2);
  for (int i = 0; i < D; ++i) v[i] = static_cast<T>(z[i] * inv);
}

}  // namespace ngdsim
