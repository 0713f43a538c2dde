// bilinear [m, A] (docs/model.md): g(x, y) = x^T A y - 1 with x, y in R^m,
// d = 2m. Paper Example 4.5, a shallow linear network. The host computes the SVD
// A = U S V^T once (host/cli/bilinear_setup.cpp); the flat minima are
// +-(u_min, v_min)/sqrt(s_min) for the smallest singular value s_min, which must be
// simple and non-zero.
#pragma once

#include "composite.hpp"

namespace ngdsim {

template <class T, int M>
struct Bilinear {
  static_assert(M >= 1 && 2 * M <= kMaxDim, "bilinear needs 1 <= m <= kMaxDim / 2");
  static constexpr int kDim = 2 * M;
  static constexpr int kAttractors = 2;  // +(u, v)/sqrt(s) (id 0) and -(u, v)/sqrt(s) (id 1)

  int q = 2;
  T A[M][M];
  T U[M][M];  // U[i][k]: component i of left singular vector k
  T V[M][M];
  int kmin = 0;   // index of the smallest singular value
  T flat[2 * M];  // (u_min, v_min) / sqrt(s_min)

  template <class V>
  NGDSIM_HD V g_grad(const V (&z)[2 * M], V (&grad)[2 * M]) const {
    V g = V(0);
    for (int i = 0; i < M; ++i) {
      V ay = V(0), atx = V(0);
      for (int j = 0; j < M; ++j) {
        ay += A[i][j] * z[M + j];
        atx += A[j][i] * z[j];
      }
      grad[i] = ay;
      grad[M + i] = atx;
      g += z[i] * ay;
    }
    return g - V(1);
  }

  // sum_{k != min} (xt_k^2 + yt_k^2) + (xt_min^2 - yt_min^2)^2 with xt = U^T x,
  // yt = V^T y: zero exactly on the flat set among global minima.
  NGDSIM_HD T phi(const T (&z)[2 * M]) const {
    T s = T(0);
    for (int k = 0; k < M; ++k) {
      T xt = T(0), yt = T(0);
      for (int i = 0; i < M; ++i) {
        xt += U[i][k] * z[i];
        yt += V[i][k] * z[M + i];
      }
      const T d = xt * xt - yt * yt;
      s += k == kmin ? d * d : xt * xt + yt * yt;
    }
    return s;
  }

  NGDSIM_HD T flat_distance(const T (&z)[2 * M], int& attractor) const {
    T plus = T(0), minus = T(0);
    for (int i = 0; i < 2 * M; ++i) {
      const T dp = z[i] - flat[i], dm = z[i] + flat[i];
      plus += dp * dp;
      minus += dm * dm;
    }
    attractor = minus < plus ? 1 : 0;
    return sqrt(minus < plus ? minus : plus);
  }

  void attractor_position(int id, double* out) const {
    for (int i = 0; i < 2 * M; ++i) out[i] = (id == 0 ? 1.0 : -1.0) * static_cast<double>(flat[i]);
  }
};

}  // namespace ngdsim
