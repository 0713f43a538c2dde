// bnreg: linear regression with batch normalization, the worked example of Lyu, Li and Arora
// (2022) (their Theorem 5.1): a scale-invariant loss in w in R^d.
//
// Data: n points (x_i, y_i), 3 <= n <= d <= 16. The host centers them once
// (host/cli/bnreg_setup.cpp): Xc = X - 1 mu_x^T, yc = y - mean(y), gamma = population std of
// y, Sigma = Xc^T Xc / n, c = Xc^T yc / n, and the thin SVD Xc = U diag(sv) V_R^T, whose
// n - 1 right singular vectors span the row space row(Xc); null(Xc) is its complement.
//
// The BN model gamma (w.x - mu_1(w)) / sigma_1(w) + beta, with mu_1, sigma_1 the mean and
// population std of {w.x_i}, has the mean squared error, with u = Xc w,
//     s = sqrt(|u|^2 / n) = sigma_1(w),   r_i = gamma u_i / s - yc_i,   L(w) = |r|^2 / n.
// L(c w) = L(w) for c > 0, and L is undefined where s = 0 (w in null(Xc), w = 0 included):
// there the loss, its gradient and the sharpness are NaN.
// The minimizers on the unit sphere are the directions of t w~* + z, t > 0, z in null(Xc),
// where w~* = pinv(Xc) yc is the minimum-norm interpolant; the flattest of them, the unique
// minimizer of the spherical sharpness, is theta* = w~* / |w~*|, with sharpness S*.
#pragma once

#include "../jacobi.hpp"
#include "composite.hpp"

// The loops of what is evaluated at recorded steps only (projections, the sharpness) stay
// rolled: fully unrolled d x d loops cost compile time (nvcc) and no run time worth it.
#if defined(__CUDACC__)
#define NGDSIM_BNREG_ROLLED _Pragma("unroll 1")
#else
#define NGDSIM_BNREG_ROLLED _Pragma("GCC unroll 1")
#endif

namespace ngdsim {

template <class T, int D>
struct BnReg {
  static_assert(D >= 3 && D <= kMaxDim, "bnreg needs 3 <= d <= kMaxDim");
  static constexpr int kDim = D;
  // A single flattest minimizer, theta* (-theta* is the loss maximum).
  static constexpr int kAttractors = 1;

  // D is a capacity: the data's dimension d <= D, and the coordinates d.. of every array
  // (and of w) are zero, which leaves every sum, product and comparison below as it would
  // be with D = d. Runs use D = 8 or 16 (fewer instantiations); tests use D = d as well.
  int d = D;
  int n = 3;           // data points, 3 <= n <= d
  T gamma = T(1);      // population std of y (the frozen BN scale)
  T Xc[D][D] = {};     // centered inputs x_i - mu_x in rows i < n; rows n.. zero
  T yc[D] = {};        // centered targets y_i - mean(y), i < n; zero beyond
  T Sigma[D][D] = {};  // Xc^T Xc / n
  T c[D] = {};         // Xc^T yc / n
  // Orthonormal basis of row(Xc): VR[k] is the k-th right singular vector of Xc, k < n - 1;
  // rows n - 1.. zero. V_R^T w is w's row-space coordinates, and P_R w = V_R V_R^T w.
  T VR[D][D] = {};
  T sigmaR[D] = {};       // sv_k^2 / n: Sigma = V_R diag(sigmaR) V_R^T
  T cR[D] = {};           // V_R^T c (c lies in row(Xc))
  T theta_star[D] = {};   // the flattest minimizer w~* / |w~*|
  T theta_starR[D] = {};  // V_R^T theta* (theta* lies in row(Xc))
  T s_star = T(0);        // S* = S(theta*), the smallest sharpness on the minimizers

  // The loss L(w), in the residual form above. Never through the closed form
  // 2 gamma^2 (1 - rho): near the minimizers that cancels to an absolute error of order
  // gamma^2 times the unit roundoff, while the residual form keeps the error relative to |r|.
  // V is T or, on the CPU path, a set of SIMD lanes of T.
  template <class V>
  NGDSIM_HD V loss(const V (&w)[D]) const {
    V u[D], r[D], uu, rr, ur;
    residuals(w, u, r, uu, rr, ur);
    return rr / V(T(n));
  }

  // L(w) (returned) and grad L(w) = (2 gamma / (n s)) Xc^T (r - kappa u), with
  // kappa = <u, r> / (n s^2). r - kappa u is orthogonal to u, so <grad L, w> = 0 to rounding,
  // and grad L lies in row(Xc).
  template <class V>
  NGDSIM_HD V loss_grad(const V (&w)[D], V (&grad)[D]) const {
    V u[D], r[D], uu, rr, ur;
    residuals(w, u, r, uu, rr, ur);
    // n s^2 = |u|^2.
    const V kappa = ur / uu;
    const V s = sqrt(uu / V(T(n)));
    const V coef = V(T(2) * gamma) / (V(T(n)) * s);
    V e[D];
    for (int i = 0; i < D; ++i) e[i] = i < n ? r[i] - kappa * u[i] : V(0);
    for (int j = 0; j < D; ++j) {
      V g = Xc[0][j] * e[0];
      for (int i = 1; i < D; ++i)
        if (i < n) g += Xc[i][j] * e[i];
      grad[j] = coef * g;
    }
    return rr / V(T(n));
  }

  // The Hessian in closed form: with v = Sigma w, a = <c, w> and s^2 = w^T Sigma w,
  //     H(w) = (2 gamma / s^3) [c v^T + v c^T + a Sigma - (3 a / s^2) v v^T].
  // Exact to rounding; H(c w) = H(w) / c^2 and H(w) w = -grad L(w).
  NGDSIM_HD void hessian(const T (&w)[D], T (&H)[D][D]) const {
    T v[D];
    T a = T(0), s2 = T(0);
    for (int i = 0; i < D; ++i) {
      T vi = T(0);
      for (int j = 0; j < D; ++j) vi += Sigma[i][j] * w[j];
      v[i] = vi;
      a += c[i] * w[i];
      s2 += w[i] * vi;
    }
    const T s = sqrt(s2);
    const T scale = T(2) * gamma / (s2 * s);
    const T b = T(3) * a / s2;
    for (int i = 0; i < D; ++i)
      for (int j = 0; j < D; ++j)
        H[i][j] = scale * (c[i] * v[j] + v[i] * c[j] + a * Sigma[i][j] - b * v[i] * v[j]);
  }

  // phi(w) = |P_N w|^2 / |P_R w|^2, the squared tangent of the angle between w and row(Xc):
  // zero exactly on the row space, and never increased by gradient descent with weight decay.
  // P_N w is formed as w - P_R w, so that |P_N w|^2 has no floor at the roundoff of |w|^2.
  NGDSIM_HD T phi(const T (&w)[D]) const {
    T z[D];
    const T pr2 = row_coordinates(w, z);
    T pn2 = T(0);
    NGDSIM_BNREG_ROLLED
    for (int i = 0; i < D; ++i) {
      T p = w[i];
      for (int k = 0; k < D; ++k)
        if (k < n - 1) p -= VR[k][i] * z[k];
      pn2 += p * p;
    }
    return pn2 / pr2;
  }

  // |theta - theta*| with theta = w / |w|; the attractor id is always 0.
  NGDSIM_HD T flat_distance(const T (&w)[D], int& attractor) const {
    const T norm = sqrt(squared_norm(w));
    T d2 = T(0);
    for (int i = 0; i < D; ++i) {
      const T e = w[i] / norm - theta_star[i];
      d2 += e * e;
    }
    attractor = 0;
    return sqrt(d2);
  }

  // Distance from theta = w / |w| to the closed cone over the minimizers,
  // |P_R theta - max(<theta, theta*>, 0) theta*| (the sine of the angle to the minimizers),
  // in the n - 1 row-space coordinates: the null-space part of theta is free on the cone.
  NGDSIM_HD T min_distance(const T (&w)[D]) const {
    const T norm = sqrt(squared_norm(w));
    T z[D];
    row_coordinates(w, z);
    T along = T(0);
    for (int k = 0; k < D; ++k)
      if (k < n - 1) along += (z[k] / norm) * theta_starR[k];
    along = along > T(0) ? along : T(0);
    T d2 = T(0);
    for (int k = 0; k < D; ++k)
      if (k < n - 1) {
        const T e = z[k] / norm - along * theta_starR[k];
        d2 += e * e;
      }
    return sqrt(d2);
  }

  // The spherical sharpness S(theta) = lambda_1(H(theta)) at theta = w / |w|: the largest
  // algebraic eigenvalue. H is supported on row(Xc), H = V_R Hr V_R^T, so
  //     lambda_1(H) = max(lambda_max(Hr), 0),
  // the 0 standing for the d - n + 1 eigenvalues on null(Xc). (In exact arithmetic
  // lambda_max(Hr) >= 0 anyway: z^T Hr z = theta^T H theta = -<grad L(theta), theta> = 0 for
  // z = V_R^T theta, so the maximum only removes rounding below zero, as at the loss maximum
  // -theta*, where every other eigenvalue is negative.) In row-space coordinates
  // z = V_R^T theta, Sigma is diag(sigmaR), so Hr = (2 gamma / s^3) [cR v^T + v cR^T
  // + a diag(sigmaR) - (3 a / s^2) v v^T] with v = sigmaR * z, a = <cR, z>, s^2 = <z, v>.
  // Hr is (n-1) x (n-1); its top eigenvalue comes from the cyclic Jacobi method.
  NGDSIM_HD T sharpness(const T (&w)[D], int* sweeps = nullptr) const {
    const T norm = sqrt(squared_norm(w));
    T z[D], v[D];
    row_coordinates(w, z);
    T a = T(0), s2 = T(0);
    for (int k = 0; k < D; ++k) {
      z[k] = z[k] / norm;
      v[k] = sigmaR[k] * z[k];
      a += cR[k] * z[k];
      s2 += z[k] * v[k];
    }
    const T s = sqrt(s2);
    const T scale = T(2) * gamma / (s2 * s);
    const T b = T(3) * a / s2;
    T Hr[D][D] = {};
    const int m = n - 1;
    NGDSIM_BNREG_ROLLED
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < m; ++j)
        Hr[i][j] = scale * (cR[i] * v[j] + v[i] * cR[j] + (i == j ? a * sigmaR[i] : T(0)) -
                            b * v[i] * v[j]);
    const T top = jacobi_max_eigenvalue(Hr, m, sweeps);
    return top < T(0) ? T(0) : top;  // NaN (where s = 0) stays NaN
  }

  // S* (1 + phi(w)): the sharpness of the minimizer that gradient flow from w reaches, and
  // S(theta) itself wherever theta is a minimizer. Cheap, and free of the oscillation of
  // S(theta) at the edge of stability.
  NGDSIM_HD T sharpness_gamma(const T (&w)[D]) const { return s_star * (T(1) + phi(w)); }

  void attractor_position(int, double* out) const {
    for (int i = 0; i < D; ++i) out[i] = static_cast<double>(theta_star[i]);
  }

 private:
  // u = Xc w, r = gamma u / s - yc (rows i < n), |u|^2, |r|^2 and <u, r>.
  template <class V>
  NGDSIM_HD void residuals(const V (&w)[D], V (&u)[D], V (&r)[D], V& uu, V& rr, V& ur) const {
    // Rows i >= n are padding: their u_i and r_i are set to 0 but never read.
    for (int i = 0; i < D; ++i) {
      V ui = V(0);
      if (i < n) {
        ui = Xc[i][0] * w[0];
        for (int j = 1; j < D; ++j) ui += Xc[i][j] * w[j];
      }
      u[i] = ui;
    }
    uu = u[0] * u[0];
    for (int i = 1; i < D; ++i)
      if (i < n) uu += u[i] * u[i];
    const V q = V(gamma) / sqrt(uu / V(T(n)));
    for (int i = 0; i < D; ++i) r[i] = i < n ? q * u[i] - V(yc[i]) : V(0);
    rr = r[0] * r[0];
    ur = u[0] * r[0];
    for (int i = 1; i < D; ++i)
      if (i < n) {
        rr += r[i] * r[i];
        ur += u[i] * r[i];
      }
  }

  // z = V_R^T w (z[k] = 0 for k >= n - 1); returns |z|^2 = |P_R w|^2.
  NGDSIM_HD T row_coordinates(const T (&w)[D], T (&z)[D]) const {
    T z2 = T(0);
    NGDSIM_BNREG_ROLLED
    for (int k = 0; k < D; ++k) {
      T zk = T(0);
      if (k < n - 1)
        for (int i = 0; i < D; ++i) zk += VR[k][i] * w[i];
      z[k] = zk;
      z2 += zk * zk;
    }
    return z2;
  }
};

// Plain gradient descent on bnreg: the landscape's own gradient, the very computation that
// gradient descent with weight decay uses, so that gd is gdwd with wd = 0 bit for bit.
// (The composite landscapes' grad_f builds grad |g|^q, which bnreg is not.)
template <class T, int D, class V>
NGDSIM_HD void grad_f(const BnReg<T, D>& land, const V (&w)[D], V (&v)[D]) {
  land.loss_grad(w, v);
}

}  // namespace ngdsim
