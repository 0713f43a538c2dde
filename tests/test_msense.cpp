// msense's math: section 8's checks that need no run (loss, gradient, invariances, the
// saddle at zero and its Hessian, the solution-set distance, the spectrum, the data).
// Eigen with its SIMD paths off, like every translation unit of the program that uses it.
#ifndef EIGEN_DONT_VECTORIZE
#define EIGEN_DONT_VECTORIZE
#endif

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>
#include <vector>

#include "cli/msense_setup.hpp"
#include "ngdsim/landscapes/msense.hpp"

using namespace ngdsim;

namespace {

const std::vector<double> kDataA = {
    0.56,  0.12,  0.41,  0.87,  0.12,  -0.22, 1.00,  -0.50, 0.41,  1.00,  0.90,  0.07,  0.87,
    -0.50, 0.07,  1.47,  -1.08, -0.18, -0.33, -0.18, -0.18, -0.56, -0.01, 0.57,  -0.33, -0.01,
    -0.88, -0.08, -0.18, 0.57,  -0.08, 0.23,  -0.64, 0.56,  -0.34, -0.89, 0.56,  0.93,  -0.84,
    -1.09, -0.34, -0.84, 0.83,  0.56,  -0.89, -1.09, 0.56,  2.55,  -0.61, 0.97,  0.99,  0.99,
    0.97,  -0.84, -0.43, -0.23, 0.99,  -0.43, -0.68, 0.16,  0.99,  -0.23, 0.16,  -0.01, 0.71,
    0.59,  -0.06, 0.48,  0.59,  -1.11, -0.75, 1.12,  -0.06, -0.75, -0.90, 1.21,  0.48,  1.12,
    1.21,  -0.07, -0.88, 0.70,  -0.63, 0.11,  0.70,  1.43,  -0.19, -0.07, -0.63, -0.19, 0.70,
    0.90,  0.11,  -0.07, 0.90,  -0.23, 0.57,  -0.60, 0.61,  0.51,  -0.60, 1.66,  0.79,  0.20,
    0.61,  0.79,  -0.84, -0.05, 0.51,  0.20,  -0.05, -0.66, 1.22,  -1.04, 1.19,  0.06,  -1.04,
    0.31,  0.45,  -0.24, 1.19,  0.45,  -0.81, -1.02, 0.06,  -0.24, -1.02, -0.24};
const std::vector<double> kUstarA = {0.195, -0.667, -0.051, 0.717};
const std::vector<double> kDataC = {
    0.56,  -0.73, 0.31,  -0.73, 1.21,  -0.74, 0.31,  -0.74, 0.80,  1.40,  1.56,  0.68,
    1.56,  0.26,  -0.42, 0.68,  -0.42, -0.51, -1.50, -0.42, 0.50,  -0.42, 0.68,  -0.43,
    0.50,  -0.43, -0.88, -0.06, -0.09, 0.38,  -0.09, 0.23,  -0.99, 0.38,  -0.99, -1.17,
    1.68,  0.49,  -0.06, 0.49,  0.67,  0.10,  -0.06, 0.10,  -0.61, -2.24, -0.21, 2.21,
    -0.21, 0.69,  1.34,  2.21,  1.34,  -0.84, 0.37,  -0.76, 0.33,  -0.76, -0.68, 0.22,
    0.33,  0.22,  -0.29, -0.01, 0.46,  -0.23, 0.46,  -0.53, -0.16, -0.23, -0.16, 2.13,
    -0.34, 0.69,  -0.25, 0.69,  1.49,  0.02,  -0.25, 0.02,  -0.88, -0.37, 0.69,  0.50,
    0.69,  1.43,  -0.47, 0.50,  -0.47, -0.31, 0.70,  0.85,  0.09,  0.85,  -0.41, -0.09,
    0.09,  -0.09, 0.78,  -0.30, 0.27,  0.73,  0.27,  0.43,  -0.20, 0.73,  -0.20, -0.88};
const std::vector<double> kUstarC = {0.857, -0.016, 0.515};

MSenseSpec data_a(int rp = 4) { return msense_spec(4, rp, 1, 8, kDataA, kUstarA); }
MSenseSpec data_c() { return msense_spec(3, 3, 1, 12, kDataC, kUstarC); }
MSenseSpec drawn(int d, int rp, int r, int m, std::uint64_t seed) {
  std::vector<double> A, u;
  msense_draw(d, r, m, seed, A, u);
  return msense_spec(d, rp, r, m, A, u);
}

// f by its definition, from U U^T formed in long double.
double literal_loss(const MSenseSpec& s, const double* u) {
  long double f = 0;
  for (int i = 0; i < s.m; ++i) {
    long double ri = 0;
    for (int a = 0; a < s.d; ++a)
      for (int c = 0; c < s.d; ++c) {
        long double g = 0;
        for (int b = 0; b < s.rp; ++b) g += (long double)u[a * s.rp + b] * u[c * s.rp + b];
        ri += s.A[(i * s.d + a) * s.d + c] * g;
      }
    ri -= s.y[i];
    f += ri * ri;
  }
  return double(f / (4.0L * s.m));
}

template <int D>
void random_point(std::mt19937_64& rng, int n, double scale, double (&u)[D]) {
  std::normal_distribution<double> g(0.0, scale);
  for (int k = 0; k < D; ++k) u[k] = k < n ? g(rng) : 0.0;
}

Eigen::MatrixXd as_matrix(const double* u, int d, int rp) {
  Eigen::MatrixXd U(d, rp);
  for (int a = 0; a < d; ++a)
    for (int b = 0; b < rp; ++b) U(a, b) = u[a * rp + b];
  return U;
}

}  // namespace

TEST(MSense, LossIsTheLiteralFormulaAndTheGradientItsDifferences) {
  std::mt19937_64 rng(1);
  for (const MSenseSpec& s : {data_a(), data_c(), drawn(3, 5, 2, 7, 4), drawn(8, 2, 1, 40, 9)}) {
    MSenseData<double> data;
    const auto land = make_msense<double, 16>(s, data);
    const int n = s.d * s.rp;
    for (int t = 0; t < 300; ++t) {
      double u[16], g[16];
      random_point(rng, n, 0.5, u);
      const double f = land.loss_grad(u, g);
      EXPECT_NEAR(f, literal_loss(s, u), 1e-13 * (1 + f));
      EXPECT_EQ(f, land.loss(u));
      for (int k = 0; k < 16; ++k) {
        if (k >= n) {
          EXPECT_EQ(g[k], 0.0);
          continue;
        }
        const double h = 1e-6;
        double up[16], um[16];
        std::copy(u, u + 16, up);
        std::copy(u, u + 16, um);
        up[k] += h;
        um[k] -= h;
        const double fd = (land.loss(up) - land.loss(um)) / (2 * h);
        EXPECT_NEAR(g[k], fd, 1e-7 * (1 + std::abs(fd)));
      }
    }
  }
}

TEST(MSense, OrthogonalInvariance) {
  std::mt19937_64 rng(2);
  const MSenseSpec s = data_a();
  MSenseData<double> data;
  const auto land = make_msense<double, 16>(s, data);
  std::normal_distribution<double> n01;
  for (int t = 0; t < 200; ++t) {
    double u[16], uq[16], g[16], gq[16];
    random_point(rng, 16, 0.4, u);
    Eigen::MatrixXd R(4, 4);
    for (int i = 0; i < 16; ++i) R(i / 4, i % 4) = n01(rng);
    const Eigen::MatrixXd Q = Eigen::HouseholderQR<Eigen::MatrixXd>(R).householderQ();
    const Eigen::MatrixXd UQ = as_matrix(u, 4, 4) * Q;
    for (int i = 0; i < 16; ++i) uq[i] = UQ(i / 4, i % 4);
    const double f = land.loss_grad(u, g), fq = land.loss_grad(uq, gq);
    EXPECT_NEAR(f, fq, 1e-13 * (1 + f));
    const Eigen::MatrixXd GQ = as_matrix(g, 4, 4) * Q;
    for (int i = 0; i < 16; ++i) EXPECT_NEAR(gq[i], GQ(i / 4, i % 4), 1e-12);
  }
}

TEST(MSense, GroundTruthIsAZeroOfLossAndGradient) {
  for (const MSenseSpec& s : {data_a(), data_a(2), data_c(), drawn(4, 3, 2, 12, 5)}) {
    MSenseData<double> data;
    const auto land = make_msense<double, 16>(s, data);
    double u[16] = {}, g[16];
    for (int a = 0; a < s.d; ++a)
      for (int j = 0; j < s.r; ++j) u[a * s.rp + j] = s.ustar[a * s.r + j];
    EXPECT_LT(land.loss_grad(u, g), 1e-30);
    for (double v : g) EXPECT_LT(std::abs(v), 1e-15);
    EXPECT_LT(land.err(u), 1e-15);
    EXPECT_LT(land.sol_dist(u), 1e-7);
  }
}

TEST(MSense, ZeroIsAStrictSaddleThatGradientDescentNeverLeaves) {
  const MSenseSpec s = data_a();
  MSenseData<double> data;
  const auto land = make_msense<double, 16>(s, data);
  double u[16] = {}, g[16];
  double f0 = 0;
  for (double yi : s.y) f0 += yi * yi;
  EXPECT_DOUBLE_EQ(land.loss_grad(u, g), f0 / (4.0 * s.m));
  for (int k = 0; k < 1000; ++k) {
    land.loss_grad(u, g);
    for (int i = 0; i < 16; ++i) u[i] = u[i] - 0.1 * g[i];
  }
  for (double v : u) EXPECT_EQ(std::signbit(v) ? 1 : 0, 0) << v;
  for (double v : u) EXPECT_EQ(v, 0.0);
  // The Hessian at 0 by differences of the gradient: -M0 (x) I_rp.
  Eigen::MatrixXd M0 = Eigen::MatrixXd::Zero(4, 4);
  for (int i = 0; i < s.m; ++i)
    for (int a = 0; a < 4; ++a)
      for (int c = 0; c < 4; ++c) M0(a, c) += s.y[i] * s.A[(i * 4 + a) * 4 + c] / s.m;
  const double h = 1e-5;
  for (int k = 0; k < 16; ++k) {
    double up[16] = {}, um[16] = {}, gp[16], gm[16];
    up[k] = h;
    um[k] = -h;
    land.loss_grad(up, gp);
    land.loss_grad(um, gm);
    const int a = k / 4, b = k % 4;
    for (int l = 0; l < 16; ++l) {
      const int c = l / 4, e = l % 4;
      const double want = e == b ? -M0(c, a) : 0.0;
      EXPECT_NEAR((gp[l] - gm[l]) / (2 * h), want, 1e-8) << k << " " << l;
    }
  }
  // The escape rate's guide (section 2.4) on data A at sigma = 1e-8, rho = 0.1: about 100.
  const double rate = 1 + 0.1 * s.mu[0];
  const double c = std::sqrt(4.0 / (1 - 1 / (rate * rate)));
  const double k_esc = std::log(0.1 * s.ustar_norm / (1e-8 * c)) / std::log(rate);
  EXPECT_NEAR(k_esc, 100, 2) << "mu_1 = " << s.mu[0];
}

TEST(MSense, SolutionDistanceIsTheProcrustesMinimum) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> n01;
  for (const MSenseSpec& s : {data_a(), drawn(3, 4, 2, 9, 7), drawn(4, 2, 2, 16, 8)}) {
    MSenseData<double> data;
    const auto land = make_msense<double, 16>(s, data);
    const int d = s.d, rp = s.rp, r = s.r;
    Eigen::MatrixXd Us = Eigen::MatrixXd::Zero(d, rp);
    for (int a = 0; a < d; ++a)
      for (int j = 0; j < r; ++j) Us(a, j) = s.ustar[a * r + j];
    for (int t = 0; t < 100; ++t) {
      double u[16];
      random_point(rng, d * rp, 0.5, u);
      const Eigen::MatrixXd U = as_matrix(u, d, rp);
      // Procrustes with Eigen's SVD: min over Q of ||U - Us Q|| at Q = V W^T, Us^T U = V S W^T.
      Eigen::JacobiSVD<Eigen::MatrixXd> svd(Us.transpose() * U,
                                            Eigen::ComputeFullU | Eigen::ComputeFullV);
      const Eigen::MatrixXd Q = svd.matrixU() * svd.matrixV().transpose();
      const double best = (U - Us * Q).norm();
      const double closed = land.sol_dist(u);
      EXPECT_NEAR(closed, best, 1e-9);
      for (int k = 0; k < 50; ++k) {
        Eigen::MatrixXd R(rp, rp);
        for (int i = 0; i < rp * rp; ++i) R(i / rp, i % rp) = n01(rng);
        const Eigen::MatrixXd P = Eigen::HouseholderQR<Eigen::MatrixXd>(R).householderQ();
        EXPECT_LE(closed, (U - Us * P).norm() + 1e-12);
      }
      // Zero on the solution set.
      const Eigen::MatrixXd S = Us * Q;
      double v[16] = {};
      for (int i = 0; i < d * rp; ++i) v[i] = S(i / rp, i % rp);
      EXPECT_LT(land.sol_dist(v), 1e-7);
    }
  }
}

TEST(MSense, GramEigenvaluesAreThoseOfUUt) {
  std::mt19937_64 rng(4);
  for (const MSenseSpec& s : {data_a(), data_a(2), drawn(2, 8, 1, 5, 3), drawn(8, 2, 2, 30, 2)}) {
    MSenseData<double> data;
    const auto land = make_msense<double, 16>(s, data);
    for (int t = 0; t < 100; ++t) {
      double u[16], lam[kMaxDim];
      random_point(rng, s.d * s.rp, 0.7, u);
      land.eigenvalues(u, lam);
      const Eigen::MatrixXd U = as_matrix(u, s.d, s.rp);
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(U * U.transpose());
      for (int j = 0; j < s.d; ++j)
        EXPECT_NEAR(lam[j], std::max(0.0, eig.eigenvalues()(s.d - 1 - j)), 1e-13);
      for (int j = 1; j < s.d; ++j) EXPECT_GE(lam[j - 1], lam[j]);
      const auto sp = msense_spectrum(lam, s.d, s.r);
      double tail = 0, sum = 0, sum2 = 0;
      for (int j = 0; j < s.d; ++j) {
        if (j >= s.r) tail += lam[j];
        sum += lam[j];
        sum2 += lam[j] * lam[j];
      }
      EXPECT_EQ(sp.lam_next, s.r < s.d ? lam[s.r] : 0.0);
      EXPECT_EQ(sp.tail, tail);
      EXPECT_NEAR(sp.eff_rank, sum * sum / sum2, 1e-14);
      EXPECT_NEAR(land.err(u),
                  (U * U.transpose() -
                   [&] {
                     Eigen::MatrixXd X = Eigen::MatrixXd::Zero(s.d, s.d);
                     for (int i = 0; i < s.d * s.d; ++i) X(i / s.d, i % s.d) = s.xstar[i];
                     return X;
                   }())
                      .norm(),
                  1e-13);
    }
  }
  double zero[16] = {}, lam[kMaxDim];
  MSenseData<double> data;
  make_msense<double, 16>(data_a(), data).eigenvalues(zero, lam);
  EXPECT_TRUE(std::isnan(msense_spectrum(lam, 4, 1).eff_rank));
}

TEST(MSenseSetup, DrawnDataAreSymmetricAndIsotropic) {
  // E <A, X>^2 = ||X||_F^2 for symmetric X: Monte Carlo over 1e5 drawn matrices, 1%.
  std::vector<double> A, u;
  msense_draw(3, 1, 100000, 1, A, u);
  const double X[9] = {1.0, 0.5, -0.2, 0.5, -0.3, 0.7, -0.2, 0.7, 0.4};
  double fro2 = 0;
  for (double v : X) fro2 += v * v;
  double mean = 0;
  for (int i = 0; i < 100000; ++i) {
    double s = 0;
    for (int k = 0; k < 9; ++k) s += A[i * 9 + k] * X[k];
    mean += s * s / 100000;
    for (int a = 0; a < 3; ++a)
      for (int c = 0; c < 3; ++c) ASSERT_EQ(A[i * 9 + a * 3 + c], A[i * 9 + c * 3 + a]);
  }
  EXPECT_NEAR(mean / fro2, 1.0, 0.01);
  // ||X*||_F = 1 for drawn data; explicit data are taken as given.
  const MSenseSpec s = drawn(4, 4, 2, 12, 3);
  double x2 = 0;
  for (double v : s.xstar) x2 += v * v;
  EXPECT_NEAR(x2, 1.0, 1e-14);
  const MSenseSpec a = data_a();
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_EQ(a.xstar[i * 4 + j], kUstarA[i] * kUstarA[j]);
}

TEST(MSenseSetup, RefusesInvalidData) {
  auto refused = [](auto f, const std::string& setting) {
    try {
      f();
      ADD_FAILURE() << "accepted; expected a refusal naming " << setting;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("invalid param " + setting), std::string::npos)
          << e.what();
    }
  };
  refused([] { msense_spec(1, 4, 1, 8, {}, {}); }, "d");
  refused([] { msense_spec(4, 5, 1, 8, {}, {}); }, "rp");
  refused([] { msense_spec(4, 4, 0, 8, {}, {}); }, "r");
  refused([] { msense_spec(4, 2, 3, 8, {}, {}); }, "r");
  refused([] { msense_spec(4, 4, 1, 257, {}, {}); }, "m");
  refused([] { msense_spec(4, 4, 1, 8, std::vector<double>(127, 0.1), kUstarA); }, "A");
  refused([] { msense_spec(4, 4, 1, 8, kDataA, {1.0, 2.0}); }, "Ustar");
  refused([] { msense_spec(4, 4, 1, 8, kDataA, {0.0, 0.0, 0.0, 0.0}); }, "Ustar");
  refused(
      [] {
        auto A = kDataA;
        A[1] += 0.01;
        msense_spec(4, 4, 1, 8, A, kUstarA);
      },
      "A");
  refused(
      [] {
        // A measurement blind to X* (y = 0): M0 = 0, so 0 is no strict saddle.
        std::vector<double> A(16, 0.0);
        A[1 * 4 + 1] = 1.0;
        msense_spec(4, 4, 1, 1, A, {1.0, 0.0, 0.0, 0.0});
      },
      "A");
}
