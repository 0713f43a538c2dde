// The BN regression landscape's host-side data: the data set (given, or drawn from a
// data_seed), validated, and everything derived from it once per run in double precision
// with Eigen (centering, SVD, the minimum-norm interpolant, the flattest minimizer theta*
// and its sharpness S*); and the landscape built from it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/config.hpp"
#include "ngdsim/landscapes/bnreg.hpp"

namespace ngdsim {

// What a run reports about its data set: printed at start-up and written to the output file.
struct BnRegSummary {
  int n = 0, d = 0;
  std::vector<double> X, y;          // the data set used: X row-major n x d (row i is x_i), y (n)
  double beta = 0.0;                 // mean of y (the frozen BN shift)
  double gamma = 0.0;                // population std of y (the frozen BN scale)
  std::vector<double> w_tilde_star;  // pinv(Xc) yc: the minimum-norm interpolant's weights
  double b_tilde_star = 0.0;         // beta - <w~*, mu_x>: its intercept
  std::vector<double> theta_star;    // w~* / |w~*|: the flattest minimizer on the sphere
  double s_star = 0.0;           // S* = 2 lambda_1(M) |w~*|^2 / gamma^2, M = gamma^2 Sigma - c c^T
  double two_over_s_star = 0.0;  // 2 / S*: learning rates are chosen relative to it
};

// Everything derived from the data (row-major matrices).
struct BnRegSpec {
  BnRegSummary summary;
  std::vector<double> mu_x;         // mean of the x_i (d)
  std::vector<double> Xc, yc;       // centered inputs (n x d) and targets (n)
  std::vector<double> Sigma, c;     // Xc^T Xc / n (d x d), Xc^T yc / n (d)
  std::vector<double> sv;           // the n - 1 non-zero singular values of Xc, descending
  std::vector<double> VR;           // d x (n-1): orthonormal basis of row(Xc), column k for sv[k]
  std::vector<double> VN;           // d x (d-n+1): orthonormal basis of null(Xc)
  std::vector<double> cR;           // V_R^T c (n - 1)
  std::vector<double> theta_starR;  // V_R^T theta* (n - 1)
};

// A comma-separated list of finite numbers, the form of the X and y settings; `setting` names
// it in the UsageError thrown for anything else.
std::vector<double> bnreg_numbers(const std::string& text, const std::string& setting);

// Validates the data set and derives everything from it. Refused, with a UsageError naming
// the setting: n < 3, d < n, d > 16, a count of X other than n d or of y other than n, a
// non-finite number, constant y, and centered inputs of rank below n - 1 (the (n-1)-th
// singular value of Xc at most 1e-10 times the largest).
BnRegSpec bnreg_spec(int n, int d, const std::vector<double>& X, const std::vector<double>& y);

// The data set drawn from data_seed: x_i ~ N(0, I_d), w_true ~ N(0, I_d / d),
// b_true ~ N(0, 1), y_i = <w_true, x_i> + b_true (noise-free), all from the Philox stream
// (data_seed, trajectory 0, step 0, Purpose::kBnRegData), in that order. Independent of the
// run's seed. Returns X (row-major n x d) and y.
void bnreg_draw(int n, int d, std::uint64_t data_seed, std::vector<double>& X,
                std::vector<double>& y);

// The data set of a configuration: its X and y, or drawn from its data_seed.
BnRegSpec bnreg_spec(const Config& c);

// bnreg_spec of the data set drawn from data_seed (n and d validated first).
BnRegSpec bnreg_spec_from_seed(int n, int d, std::uint64_t data_seed);

// The landscape in precision T with capacity D >= d, zero-padded to D rows and columns.
template <class T, int D>
BnReg<T, D> make_bnreg(const BnRegSpec& b) {
  const int n = b.summary.n, d = b.summary.d;
  if (d > D)
    throw std::logic_error("make_bnreg: the data have d = " + std::to_string(d) +
                           ", the landscape holds d <= " + std::to_string(D));
  BnReg<T, D> land;
  land.d = d;
  land.n = n;
  land.gamma = static_cast<T>(b.summary.gamma);
  land.s_star = static_cast<T>(b.summary.s_star);
  for (int i = 0; i < d; ++i) {
    land.c[i] = static_cast<T>(b.c[i]);
    land.theta_star[i] = static_cast<T>(b.summary.theta_star[i]);
    for (int j = 0; j < d; ++j) land.Sigma[i][j] = static_cast<T>(b.Sigma[i * d + j]);
  }
  for (int i = 0; i < n; ++i) {
    land.yc[i] = static_cast<T>(b.yc[i]);
    for (int j = 0; j < d; ++j) land.Xc[i][j] = static_cast<T>(b.Xc[i * d + j]);
  }
  for (int k = 0; k < n - 1; ++k) {
    land.sigmaR[k] = static_cast<T>(b.sv[k] * b.sv[k] / n);
    land.cR[k] = static_cast<T>(b.cR[k]);
    land.theta_starR[k] = static_cast<T>(b.theta_starR[k]);
    for (int i = 0; i < d; ++i) land.VR[k][i] = static_cast<T>(b.VR[i * (n - 1) + k]);
  }
  return land;
}

}  // namespace ngdsim
