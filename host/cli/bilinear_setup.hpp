// bilinear's host-side data: A given in the configuration or drawn from the seed,
// its SVD (Eigen), validated once per run; and the landscape built from it.
#pragma once

#include <vector>

#include "cli/config.hpp"
#include "ngdsim/landscapes/bilinear.hpp"

namespace ngdsim {

struct BilinearSpec {
  int m = 0;
  std::vector<double> A, U, V, s;  // row-major m x m; s ascending order not assumed
  int kmin = 0;
};

// Parses or draws A, computes its SVD, and rejects A whose smallest singular value
// is zero or not simple (relative gap < 1e-6). Throws UsageError.
BilinearSpec bilinear_spec(const Config& c);

template <class T, int M>
Bilinear<T, M> make_bilinear(const BilinearSpec& b, int q) {
  Bilinear<T, M> land;
  land.q = q;
  land.kmin = b.kmin;
  const double scale = 1.0 / std::sqrt(b.s[b.kmin]);
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < M; ++j) {
      land.A[i][j] = static_cast<T>(b.A[i * M + j]);
      land.U[i][j] = static_cast<T>(b.U[i * M + j]);
      land.V[i][j] = static_cast<T>(b.V[i * M + j]);
    }
    land.flat[i] = static_cast<T>(b.U[i * M + b.kmin] * scale);
    land.flat[M + i] = static_cast<T>(b.V[i * M + b.kmin] * scale);
  }
  return land;
}

}  // namespace ngdsim
