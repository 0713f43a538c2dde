// Eigen factors matrices of at most 16 x 16, once per run: its SIMD paths buy nothing here
// and trip GCC 12's -Wmaybe-uninitialized inside the AVX-512 intrinsics. Every translation
// unit of the program that uses Eigen sets this, so all of them share one Eigen.
#ifndef EIGEN_DONT_VECTORIZE
#define EIGEN_DONT_VECTORIZE
#endif

#include "cli/bnreg_setup.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "cli/registry.hpp"
#include "ngdsim/random.hpp"

namespace ngdsim {

namespace {

const char* const kAllowed = "3 <= n <= d <= 16";

void check_dimensions(int n, int d) {
  if (n < 3)
    throw UsageError("invalid param n = " + std::to_string(n) +
                     " for landscape bnreg: n >= 3 data points needed (" + kAllowed + ")");
  if (d > kMaxDim)
    throw UsageError("invalid param d = " + std::to_string(d) + " for landscape bnreg: d <= " +
                     std::to_string(kMaxDim) + " needed (" + kAllowed + ")");
  if (d < n)
    throw UsageError("invalid param d = " + std::to_string(d) + " for landscape bnreg: d >= n = " +
                     std::to_string(n) + " needed (" + kAllowed + ")");
}

}  // namespace

std::vector<double> bnreg_numbers(const std::string& text, const std::string& setting) {
  return param_numbers(text, setting, "bnreg");
}

BnRegSpec bnreg_spec(int n, int d, const std::vector<double>& X, const std::vector<double>& y) {
  check_dimensions(n, d);
  if (static_cast<long>(X.size()) != long(n) * d)
    throw UsageError("invalid param X for landscape bnreg: " + std::to_string(X.size()) +
                     " numbers, n x d = " + std::to_string(n * d) +
                     " needed (row-major, row i is x_i)");
  if (static_cast<long>(y.size()) != n)
    throw UsageError("invalid param y for landscape bnreg: " + std::to_string(y.size()) +
                     " numbers, n = " + std::to_string(n) + " needed");
  for (double v : X)
    if (!std::isfinite(v))
      throw UsageError("invalid param X for landscape bnreg: finite numbers needed");
  for (double v : y)
    if (!std::isfinite(v))
      throw UsageError("invalid param y for landscape bnreg: finite numbers needed");

  BnRegSpec b;
  BnRegSummary& s = b.summary;
  s.n = n;
  s.d = d;
  s.X = X;
  s.y = y;

  Eigen::MatrixXd Xm(n, d);
  Eigen::VectorXd ym(n);
  for (int i = 0; i < n; ++i) {
    ym(i) = y[i];
    for (int j = 0; j < d; ++j) Xm(i, j) = X[std::size_t(i) * d + j];
  }
  const Eigen::VectorXd mu = Xm.colwise().mean().transpose();
  const Eigen::MatrixXd Xc = Xm.rowwise() - mu.transpose();
  s.beta = ym.mean();
  const Eigen::VectorXd yc = ym.array() - s.beta;
  s.gamma = std::sqrt(yc.squaredNorm() / n);
  // Constant y: all equal, or a spread lost in the rounding of their mean.
  const double ymax = ym.cwiseAbs().maxCoeff();
  if (ym.maxCoeff() == ym.minCoeff() || !(s.gamma > 1e-12 * ymax))
    throw UsageError(
        "invalid param y for landscape bnreg: y is constant; the BN scale gamma, the "
        "population std of y, must be positive");

  // Thin SVD Xc = U diag(sv) V_R^T. The centered rows sum to zero, so the rank is at most
  // n - 1; the n-th singular value is zero to rounding, and its right singular vector belongs
  // to null(Xc) with the last d - n.
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(Xc, Eigen::ComputeFullU | Eigen::ComputeFullV);
  const Eigen::VectorXd& sv = svd.singularValues();  // descending, n of them
  const int r = n - 1;
  if (!(sv(r - 1) > 1e-10 * sv(0))) {
    std::ostringstream msg;
    msg << "invalid param X for landscape bnreg: the centered inputs x_i - mean(x) have rank "
           "below n - 1 = "
        << r << " (singular value " << r << " is " << sv(r - 1) << ", at most 1e-10 x the largest "
        << sv(0) << "); n - 1 linearly independent centered points needed";
    throw UsageError(msg.str());
  }
  const Eigen::MatrixXd VR = svd.matrixV().leftCols(r);
  const Eigen::MatrixXd VN = svd.matrixV().rightCols(d - r);
  const Eigen::MatrixXd UR = svd.matrixU().leftCols(r);
  const Eigen::VectorXd svR = sv.head(r);

  const Eigen::MatrixXd Sigma = Xc.transpose() * Xc / n;
  const Eigen::VectorXd c = Xc.transpose() * yc / n;
  // The minimum-norm interpolant of the centered data, pinv(Xc) yc = pinv(Sigma) c.
  const Eigen::VectorXd wt = VR * (UR.transpose() * yc).cwiseQuotient(svR);
  const Eigen::VectorXd theta = wt / wt.norm();
  // M = gamma^2 Sigma - c c^T is positive semidefinite of rank n - 2; on the minimizers
  // H(theta) = 2 M / (theta^T Sigma theta), largest where theta^T Sigma theta is, at theta*.
  const Eigen::MatrixXd M = s.gamma * s.gamma * Sigma - c * c.transpose();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(M, Eigen::EigenvaluesOnly);
  const double lambda1 = eig.eigenvalues().maxCoeff();

  s.b_tilde_star = s.beta - wt.dot(mu);
  s.s_star = 2.0 * lambda1 * wt.squaredNorm() / (s.gamma * s.gamma);
  s.two_over_s_star = 2.0 / s.s_star;
  s.w_tilde_star.assign(wt.data(), wt.data() + d);
  s.theta_star.assign(theta.data(), theta.data() + d);

  auto row_major = [](const Eigen::MatrixXd& A) {
    std::vector<double> v;
    v.reserve(std::size_t(A.size()));
    for (Eigen::Index i = 0; i < A.rows(); ++i)
      for (Eigen::Index j = 0; j < A.cols(); ++j) v.push_back(A(i, j));
    return v;
  };
  auto vec = [](const Eigen::VectorXd& v) {
    return std::vector<double>(v.data(), v.data() + v.size());
  };
  b.mu_x = vec(mu);
  b.Xc = row_major(Xc);
  b.yc = vec(yc);
  b.Sigma = row_major(Sigma);
  b.c = vec(c);
  b.sv = vec(svR);
  b.VR = row_major(VR);
  b.VN = row_major(VN);
  b.cR = vec(VR.transpose() * c);
  b.theta_starR = vec(VR.transpose() * theta);
  return b;
}

void bnreg_draw(int n, int d, std::uint64_t data_seed, std::vector<double>& X,
                std::vector<double>& y) {
  check_dimensions(n, d);
  std::vector<double> z(std::size_t(n) * d + d + 1);
  normals(RandomKey{data_seed, 0, 0, Purpose::kBnRegData}, z.data(), static_cast<int>(z.size()));
  X.assign(z.begin(), z.begin() + std::ptrdiff_t(n) * d);
  const double* w_true = z.data() + std::size_t(n) * d;
  const double b_true = z.back();
  const double w_scale = 1.0 / std::sqrt(double(d));
  y.assign(std::size_t(n), 0.0);
  for (int i = 0; i < n; ++i) {
    double dot = 0.0;
    for (int j = 0; j < d; ++j) dot += (w_scale * w_true[j]) * X[std::size_t(i) * d + j];
    y[std::size_t(i)] = dot + b_true;
  }
}

BnRegSpec bnreg_spec_from_seed(int n, int d, std::uint64_t data_seed) {
  std::vector<double> X, y;
  bnreg_draw(n, d, data_seed, X, y);
  return bnreg_spec(n, d, X, y);
}

BnRegSpec bnreg_spec(const Config& c) {
  const auto p = resolved_params(c);
  const int n = std::stoi(p.at("n")), d = std::stoi(p.at("d"));
  const std::string &X = p.at("X"), &y = p.at("y");
  if (X.empty() != y.empty())
    throw UsageError(std::string("invalid param ") + (X.empty() ? "X" : "y") +
                     " for landscape bnreg: missing; X and y are given together, or neither (the "
                     "data are then drawn from data_seed)");
  if (X.empty()) return bnreg_spec_from_seed(n, d, std::stoull(p.at("data_seed")));
  check_dimensions(n, d);
  return bnreg_spec(n, d, bnreg_numbers(X, "X"), bnreg_numbers(y, "y"));
}

}  // namespace ngdsim
