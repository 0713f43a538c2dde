// Eigenvalues of a small symmetric matrix by the cyclic Jacobi method, host and device.
//
// Each sweep visits every off-diagonal pair (p, q) in row order and applies the plane
// rotation that zeroes A[p][q] (the stable update of Rutishauser, as in Numerical Recipes'
// `jacobi`). The method is exact to rounding, converges quadratically, and needs no
// workspace beyond the matrix itself. Unlike power iteration, it finds the largest
// *algebraic* eigenvalue of an indefinite matrix, and a small gap between the two largest
// eigenvalues does not slow it down.
#pragma once

#include "hd.hpp"

namespace ngdsim {

// Sweeps stop once the off-diagonal Frobenius norm is at most this fraction of the whole
// matrix's: about the unit roundoff of T.
template <class T>
NGDSIM_HD T jacobi_tolerance() {
  return sizeof(T) == sizeof(float) ? T(1.2e-7) : T(1e-15);
}

// Quadratic convergence takes a 16 x 16 matrix to the tolerance in well under ten sweeps;
// the cap only bounds the work on non-finite input.
inline constexpr int kJacobiMaxSweeps = 32;

// Diagonalizes the leading m x m block of the symmetric matrix A (m <= N) in place: on
// return its diagonal holds the eigenvalues, in no particular order, each to about
// tol |A|_F. Only that block is read or written. Returns the number of sweeps applied (0 for
// an already diagonal matrix). A non-finite entry stops the iteration at once.
template <class T, int N>
NGDSIM_HD int jacobi_diagonalize(T (&A)[N][N], int m, int max_sweeps = kJacobiMaxSweeps) {
  const T tol = jacobi_tolerance<T>();
  int sweep = 0;
  for (; sweep < max_sweeps; ++sweep) {
    T diag = T(0), off = T(0);
    for (int p = 0; p < m; ++p) {
      diag += A[p][p] * A[p][p];
      for (int q = p + 1; q < m; ++q) off += A[p][q] * A[p][q];
    }
    const T norm = sqrt(diag + T(2) * off);
    // Written so that NaN stops it too.
    if (!(sqrt(off) > tol * norm)) break;
    // Elements this small are set to zero rather than rotated away: together they move the
    // eigenvalues by at most about tol |A|_F, the accuracy the stopping test accepts anyway.
    // Rotating them away would gain no accuracy and can cost many sweeps: between two exactly
    // equal diagonal entries (a repeated eigenvalue, such as the Hessian's zeros) a
    // rounding-level element makes a 45-degree rotation, which reshuffles the couplings to the
    // other eigenvalues at first order and turns the quadratic convergence into a linear one
    // (20 sweeps instead of 6 on a 5 x 5 matrix with two double eigenvalues).
    const T negligible = tol * norm / T(m);
    for (int p = 0; p < m - 1; ++p) {
      for (int q = p + 1; q < m; ++q) {
        const T apq = A[p][q];
        if (abs_(apq) <= negligible) {
          A[p][q] = A[q][p] = T(0);
          continue;
        }
        // t = tan of the rotation angle, the smaller root of t^2 + 2 theta t - 1 = 0. Where
        // theta^2 overflows, t = 0: A[p][q] is then negligible against A[q][q] - A[p][p]
        // and is simply set to zero.
        const T theta = (A[q][q] - A[p][p]) / (T(2) * apq);
        T t = T(1) / (abs_(theta) + sqrt(theta * theta + T(1)));
        if (theta < T(0)) t = -t;
        const T c = T(1) / sqrt(t * t + T(1));
        const T s = t * c;
        const T tau = s / (T(1) + c);
        const T h = t * apq;
        A[p][p] -= h;
        A[q][q] += h;
        A[p][q] = A[q][p] = T(0);
        for (int r = 0; r < m; ++r) {
          if (r == p || r == q) continue;
          const T arp = A[r][p], arq = A[r][q];
          A[r][p] = A[p][r] = arp - s * (arq + arp * tau);
          A[r][q] = A[q][r] = arq + s * (arp - arq * tau);
        }
      }
    }
  }
  return sweep;
}

// The largest algebraic eigenvalue of the leading m x m block of the symmetric matrix A
// (1 <= m <= N), which is overwritten. `sweeps`, when given, receives the sweep count.
template <class T, int N>
NGDSIM_HD T jacobi_max_eigenvalue(T (&A)[N][N], int m, int* sweeps = nullptr) {
  const int k = jacobi_diagonalize(A, m);
  if (sweeps) *sweeps = k;
  T top = A[0][0];
  for (int p = 1; p < m; ++p) top = A[p][p] > top ? A[p][p] : top;
  return top;
}

}  // namespace ngdsim
