// msense: over-parameterized matrix sensing (Li, Ma and Zhang 2018; Ma, Liang and Fattahi
// 2025). The state U in R^{d x rp} is stored row-major in the first d*rp of D coordinates
// (U[a][b] at a*rp + b; the rest zero). With m symmetric d x d sensing matrices A_i and
// y_i = <A_i, X*>, X* = U* U*^T of rank r,
//     r_i(U) = <A_i, U U^T> - y_i,   f(U) = (1/(4m)) sum_i r_i^2,
//     S(U) = (1/m) sum_i r_i A_i,    grad f(U) = S(U) U.
// U = 0 is a strict saddle: grad f(0) = S(0) 0 = 0 exactly. The low-rank solution set is
// {U : U U^T = X*} = {[U*, 0] Q : Q in O(rp)}.
// The data (A, y) are held by the caller (host memory, or device memory for a kernel) and
// only pointed to: m d^2 can reach 4096 numbers.
#pragma once

#include "../jacobi.hpp"
#include "composite.hpp"

namespace ngdsim {

template <class T, int D>
struct MSense {
  static_assert(D >= 2 && D <= kMaxDim, "msense needs 2 <= d rp <= kMaxDim");
  static constexpr int kDim = D;
  static constexpr int kAttractors = 1;  // [U*, 0], one point of the solution set

  int d = 2, rp = 1, r = 1, m = 1;
  const T* A = nullptr;  // [m][d][d], each symmetric
  const T* y = nullptr;  // [m]
  T ustar[D] = {};       // U* row-major, d x r (d r <= d rp = D)
  T ustar_norm = T(0);   // ||U*||_F

  // G = U U^T (d x d, row-major in g[0..d*d)).
  NGDSIM_HD void outer(const T (&u)[D], T* g) const {
    for (int a = 0; a < d; ++a)
      for (int c = 0; c < d; ++c) {
        T s = T(0);
        for (int b = 0; b < rp; ++b) s += u[a * rp + b] * u[c * rp + b];
        g[a * d + c] = s;
      }
  }

  // The residuals r_i and f = (1/(4m)) sum r_i^2.
  NGDSIM_HD T residuals(const T (&u)[D], T* res) const {
    T g[kMaxDim * kMaxDim];
    outer(u, g);
    T f = T(0);
    for (int i = 0; i < m; ++i) {
      const T* Ai = A + static_cast<long>(i) * d * d;
      T s = T(0);
      for (int k = 0; k < d * d; ++k) s += Ai[k] * g[k];
      res[i] = s - y[i];
      f += res[i] * res[i];
    }
    return f / (T(4) * T(m));
  }

  // f(U) and grad f(U) = S(U) U (zero beyond d*rp).
  NGDSIM_HD T loss_grad(const T (&u)[D], T (&grad)[D]) const {
    T S[kMaxDim * kMaxDim];
    const T f = residual_matrix(u, S);
    for (int k = 0; k < D; ++k) grad[k] = T(0);
    for (int a = 0; a < d; ++a)
      for (int b = 0; b < rp; ++b) {
        T s = T(0);
        for (int c = 0; c < d; ++c) s += S[a * d + c] * u[c * rp + b];
        grad[a * rp + b] = s;
      }
    return f;
  }

  NGDSIM_HD T loss(const T (&u)[D]) const {
    T S[kMaxDim * kMaxDim];
    return residual_matrix(u, S);
  }

  // ||U U^T - X*||_F, entry by entry (no cancellation of ||U U^T||^2 against ||X*||^2).
  NGDSIM_HD T err(const T (&u)[D]) const {
    T e2 = T(0);
    for (int a = 0; a < d; ++a)
      for (int c = 0; c < d; ++c) {
        T s = T(0);
        for (int b = 0; b < rp; ++b) s += u[a * rp + b] * u[c * rp + b];
        T t = T(0);
        for (int j = 0; j < r; ++j) t += ustar[a * r + j] * ustar[c * r + j];
        e2 += (s - t) * (s - t);
      }
    return sqrt(e2);
  }

  // The eigenvalues of U U^T in decreasing order, d of them, negatives from rounding
  // clamped to 0: from the rp x rp Gram matrix U^T U when rp <= d (padded with zeros),
  // else from U U^T; cyclic Jacobi.
  NGDSIM_HD void eigenvalues(const T (&u)[D], T (&lam)[kMaxDim]) const {
    T M[kMaxDim][kMaxDim];
    const int n = rp <= d ? rp : d;
    for (int p = 0; p < n; ++p)
      for (int q = 0; q < n; ++q) {
        T s = T(0);
        if (rp <= d)
          for (int a = 0; a < d; ++a) s += u[a * rp + p] * u[a * rp + q];
        else
          for (int b = 0; b < rp; ++b) s += u[p * rp + b] * u[q * rp + b];
        M[p][q] = s;
      }
    jacobi_diagonalize(M, n);
    for (int k = 0; k < kMaxDim; ++k) lam[k] = T(0);
    for (int k = 0; k < n; ++k) lam[k] = M[k][k] > T(0) ? M[k][k] : T(0);
    // Insertion sort, decreasing (n <= 16).
    for (int k = 1; k < n; ++k) {
      const T v = lam[k];
      int j = k - 1;
      while (j >= 0 && lam[j] < v) {
        lam[j + 1] = lam[j];
        --j;
      }
      lam[j + 1] = v;
    }
  }

  // Distance to the low-rank solution set (orthogonal Procrustes):
  //     sol_dist^2 = ||U||_F^2 + ||U*||_F^2 - 2 ||U*^T U||_*,
  // the nuclear norm from the eigenvalues of B B^T, B = U*^T U (r x rp); a negative
  // rounding result is clamped to 0.
  NGDSIM_HD T sol_dist(const T (&u)[D]) const {
    T B[kMaxDim][kMaxDim];  // r x rp
    for (int j = 0; j < r; ++j)
      for (int b = 0; b < rp; ++b) {
        T s = T(0);
        for (int a = 0; a < d; ++a) s += ustar[a * r + j] * u[a * rp + b];
        B[j][b] = s;
      }
    T BB[kMaxDim][kMaxDim];
    for (int j = 0; j < r; ++j)
      for (int l = 0; l < r; ++l) {
        T s = T(0);
        for (int b = 0; b < rp; ++b) s += B[j][b] * B[l][b];
        BB[j][l] = s;
      }
    jacobi_diagonalize(BB, r);
    T nuclear = T(0);
    for (int j = 0; j < r; ++j) nuclear += BB[j][j] > T(0) ? sqrt(BB[j][j]) : T(0);
    const T s2 = squared_norm(u) + ustar_norm * ustar_norm - T(2) * nuclear;
    return s2 > T(0) ? sqrt(s2) : T(0);
  }

  // [U*, 0] (d x rp, row-major, padded with zeros to D): where err, the main criterion,
  // measures from (host/cli/registry.cpp writes the d rp coordinates in use).
  void attractor_position(int, double* out) const {
    for (int k = 0; k < D; ++k) out[k] = 0.0;
    for (int a = 0; a < d; ++a)
      for (int b = 0; b < r; ++b) out[a * rp + b] = static_cast<double>(ustar[a * r + b]);
  }

 private:
  // S(U) (d x d) and f(U).
  NGDSIM_HD T residual_matrix(const T (&u)[D], T* S) const {
    T g[kMaxDim * kMaxDim];
    outer(u, g);
    for (int k = 0; k < d * d; ++k) S[k] = T(0);
    T f = T(0);
    for (int i = 0; i < m; ++i) {
      const T* Ai = A + static_cast<long>(i) * d * d;
      T s = T(0);
      for (int k = 0; k < d * d; ++k) s += Ai[k] * g[k];
      const T ri = s - y[i];
      f += ri * ri;
      for (int k = 0; k < d * d; ++k) S[k] += ri * Ai[k];
    }
    const T inv_m = T(1) / T(m);
    for (int k = 0; k < d * d; ++k) S[k] *= inv_m;
    return f / (T(4) * T(m));
  }
};

// The quantities of docs at a recorded step, from the eigenvalues lam of U U^T.
template <class T>
struct MSenseSpectrum {
  T lam_next, tail, eff_rank;
};

template <class T>
NGDSIM_HD MSenseSpectrum<T> msense_spectrum(const T (&lam)[kMaxDim], int d, int r) {
  MSenseSpectrum<T> s{};
  s.lam_next = r < d ? lam[r] : T(0);
  T tail = T(0), sum = T(0), sum2 = T(0);
  for (int j = 0; j < d; ++j) {
    if (j >= r) tail += lam[j];
    sum += lam[j];
    sum2 += lam[j] * lam[j];
  }
  s.tail = tail;
  s.eff_rank = sum2 > T(0) ? sum * sum / sum2 : T(NAN);  // NaN at U = 0
  return s;
}

}  // namespace ngdsim
