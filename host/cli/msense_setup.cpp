// Eigen with its SIMD paths off, as in every translation unit that uses it (bnreg_setup.cpp).
#ifndef EIGEN_DONT_VECTORIZE
#define EIGEN_DONT_VECTORIZE
#endif

#include "cli/msense_setup.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "cli/registry.hpp"
#include "ngdsim/random.hpp"

namespace ngdsim {
namespace {

[[noreturn]] void refuse(const std::string& setting, const std::string& why) {
  throw UsageError("invalid param " + setting + " for landscape msense: " + why);
}

void check_sizes(int d, int rp, int r, int m) {
  if (d < 2) refuse("d", "d = " + std::to_string(d) + ", d >= 2 needed");
  if (rp < 1 || d * rp > kMaxDim)
    refuse("rp", "rp = " + std::to_string(rp) + ", 1 <= rp and d rp <= " + std::to_string(kMaxDim) +
                     " needed (d = " + std::to_string(d) + ")");
  if (r < 1 || r > std::min(d, rp))
    refuse("r", "r = " + std::to_string(r) +
                    ", 1 <= r <= min(d, rp) = " + std::to_string(std::min(d, rp)) + " needed");
  if (m < 1 || long(m) * d * d > 4096)
    refuse("m", "m = " + std::to_string(m) + ", 1 <= m and m d^2 <= 4096 needed");
}

}  // namespace

MSenseSpec msense_spec(int d, int rp, int r, int m, const std::vector<double>& A,
                       const std::vector<double>& ustar) {
  check_sizes(d, rp, r, m);
  const std::size_t dd = std::size_t(d) * d;
  if (A.size() != std::size_t(m) * dd)
    refuse("A",
           std::to_string(A.size()) + " numbers, m d^2 = " + std::to_string(m * dd) + " needed");
  if (ustar.size() != std::size_t(d) * r)
    refuse("Ustar", std::to_string(ustar.size()) + " numbers, d r = " + std::to_string(d * r) +
                        " needed (row-major)");
  double amax = 0.0;
  for (double v : A) {
    if (!std::isfinite(v)) refuse("A", "finite numbers needed");
    amax = std::max(amax, std::abs(v));
  }
  for (double v : ustar)
    if (!std::isfinite(v)) refuse("Ustar", "finite numbers needed");
  for (int i = 0; i < m; ++i)
    for (int a = 0; a < d; ++a)
      for (int b = a + 1; b < d; ++b) {
        const double x = A[i * dd + a * d + b], z = A[i * dd + b * d + a];
        if (std::abs(x - z) > 1e-12 * amax) {
          std::ostringstream o;
          o << "matrix " << i << " is not symmetric (A[" << i << "][" << a << "][" << b
            << "] = " << x << ", A[" << i << "][" << b << "][" << a << "] = " << z << ")";
          refuse("A", o.str());
        }
      }
  MSenseSpec s;
  s.d = d, s.rp = rp, s.r = r, s.m = m;
  s.A = A;
  s.ustar = ustar;
  double n2 = 0.0;
  for (double v : ustar) n2 += v * v;
  if (!(n2 > 0.0)) refuse("Ustar", "U* = 0: the ground truth must be non-zero");
  s.ustar_norm = std::sqrt(n2);
  s.xstar.assign(dd, 0.0);
  for (int a = 0; a < d; ++a)
    for (int c = 0; c < d; ++c)
      for (int j = 0; j < r; ++j) s.xstar[a * d + c] += ustar[a * r + j] * ustar[c * r + j];
  s.y.assign(m, 0.0);
  Eigen::MatrixXd M0 = Eigen::MatrixXd::Zero(d, d);
  for (int i = 0; i < m; ++i) {
    double yi = 0.0;
    for (std::size_t k = 0; k < dd; ++k) yi += A[i * dd + k] * s.xstar[k];
    s.y[i] = yi;
    for (int a = 0; a < d; ++a)
      for (int c = 0; c < d; ++c) M0(a, c) += yi * A[i * dd + a * d + c] / m;
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(M0, Eigen::EigenvaluesOnly);
  for (int k = d - 1; k >= 0; --k) s.mu.push_back(eig.eigenvalues()(k));
  if (!(s.mu[0] > 0.0)) {
    std::ostringstream o;
    o << "the largest eigenvalue of M0 = (1/m) sum y_i A_i is " << s.mu[0]
      << " <= 0: U = 0 is not a strict saddle (another A or Ustar needed)";
    refuse("A", o.str());
  }
  return s;
}

void msense_draw(int d, int r, int m, std::uint64_t data_seed, std::vector<double>& A,
                 std::vector<double>& ustar) {
  const std::size_t dd = std::size_t(d) * d;
  std::vector<double> z(m * dd + std::size_t(d) * r);
  normals(RandomKey{data_seed, 0, 0, Purpose::kMSenseData}, z.data(), int(z.size()));
  A.assign(m * dd, 0.0);
  for (int i = 0; i < m; ++i)
    for (int a = 0; a < d; ++a)
      for (int c = 0; c < d; ++c)
        A[i * dd + a * d + c] = (z[i * dd + a * d + c] + z[i * dd + c * d + a]) / 2.0;
  ustar.assign(z.begin() + std::ptrdiff_t(m * dd), z.end());
  // ||U* U*^T||_F = 1: divide U* by the square root of that norm.
  double x2 = 0.0;
  for (int a = 0; a < d; ++a)
    for (int c = 0; c < d; ++c) {
      double s = 0.0;
      for (int j = 0; j < r; ++j) s += ustar[a * r + j] * ustar[c * r + j];
      x2 += s * s;
    }
  const double scale = 1.0 / std::sqrt(std::sqrt(x2));
  for (double& v : ustar) v *= scale;
}

MSenseSpec msense_spec(const Config& c) {
  const auto p = resolved_params(c);
  const int d = std::stoi(p.at("d")), rp = std::stoi(p.at("rp")), r = std::stoi(p.at("r")),
            m = std::stoi(p.at("m"));
  const std::string &A = p.at("A"), &U = p.at("Ustar");
  if (A.empty() != U.empty())
    refuse(A.empty() ? "A" : "Ustar",
           "missing; A and Ustar are given together, or neither (the data are then drawn from "
           "data_seed)");
  check_sizes(d, rp, r, m);
  if (A.empty()) {
    std::vector<double> a, u;
    msense_draw(d, r, m, std::stoull(p.at("data_seed")), a, u);
    return msense_spec(d, rp, r, m, a, u);
  }
  return msense_spec(d, rp, r, m, param_numbers(A, "A", "msense"),
                     param_numbers(U, "Ustar", "msense"));
}

}  // namespace ngdsim
