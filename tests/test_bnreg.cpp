// The BN regression landscape (bnreg), gradient descent with weight decay (gdwd) and the
// cyclic Jacobi eigenvalue method: the landscape's formulas against finite differences, a
// literal BN implementation and each other; its scale invariance; the minimizers, the
// flattest one theta* and the spherical sharpness on them (Lyu, Li and Arora (2022),
// Theorem 5.1); the exact invariants of gdwd and ngd on it; the reference data
// sets' constants; and the validation of the data.
//
// Eigen is the independent reference throughout (SVD, eigenvalues, linear solves).
// Every translation unit that uses Eigen builds it unvectorized (see host/cli/bnreg_setup.cpp).
#ifndef EIGEN_DONT_VECTORIZE
#define EIGEN_DONT_VECTORIZE
#endif

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "cli/bnreg_setup.hpp"
#include "cli/config.hpp"
#include "cpu/lanes.hpp"
#include "ngdsim/bnreg_dynamics.hpp"
#include "ngdsim/jacobi.hpp"
#include "ngdsim/landscapes/bnreg.hpp"
#include "ngdsim/optimizers/gd.hpp"
#include "ngdsim/optimizers/gdwd.hpp"

namespace ngdsim {
namespace {

using Mat = Eigen::MatrixXd;
using Vec = Eigen::VectorXd;

// ---------------------------------------------------------------------------------------
// The two public reference data sets (X row-major n x d) and their constants, computed by
// an independent NumPy implementation and printed to six decimals.

const std::vector<double> kD8X = {1.02,  0.76, -0.25, 0.44,  0.53,  -0.71, -1.68, -1.04,
                                  0.12,  0.82, -0.03, -0.76, 1.48,  1.37,  -0.19, -1.01,
                                  -0.74, 3.11, 0.08,  0.94,  0.64,  -1.24, 2.70,  0.55,
                                  0.47,  0.22, 0.17,  -0.75, -1.24, 0.94,  1.34,  1.25};
const std::vector<double> kD8y = {0.90, 1.04, 4.48, 0.98};
constexpr double kD8Gamma = 1.519243, kD8SStar = 3.443493, kD8TwoOverSStar = 0.580806;
const std::vector<double> kD8ThetaStar = {-0.295314, 0.588366,  0.011325, 0.293407,
                                          0.247835,  -0.378498, 0.523786, 0.036941};

const std::vector<double> kD16X = {
    -0.65, 1.01,  -1.57, -0.69, -0.75, 0.21,  -1.24, -1.59, 0.22,  -1.18, -0.22, -1.26,
    1.42,  -1.52, 1.09,  -0.27, -0.70, 1.02,  0.20,  0.71,  -0.86, -0.80, 0.77,  -0.51,
    0.10,  0.01,  -0.36, -0.29, 0.15,  0.83,  1.62,  0.58,  -1.21, -2.04, 0.15,  0.51,
    -2.00, 0.07,  -0.64, -0.85, -1.50, -1.68, 0.04,  2.13,  1.75,  -0.26, -1.74, 0.75,
    -0.46, 0.03,  -2.21, 0.31,  -1.04, -0.57, -0.24, -0.20, -0.15, 1.13,  0.48,  -1.98,
    1.69,  -0.88, 0.71,  1.85,  -0.24, -2.75, 0.06,  0.51,  -1.15, -0.16, -0.63, -0.67,
    -1.24, 0.49,  1.56,  1.61,  1.27,  -1.21, 2.33,  -0.75, -1.10, -0.63, 2.54,  1.56,
    -0.05, -0.06, -1.03, -0.67, 0.74,  0.70,  0.59,  -0.69, -0.17, 0.29,  1.96,  0.69};
const std::vector<double> kD16y = {0.06, 0.55, -0.24, 1.67, -0.41, 1.32};
constexpr double kD16Gamma = 0.775960, kD16SStar = 2.482920, kD16TwoOverSStar = 0.805503;

// A printed six-decimal value: the exact one rounds to it.
void expect_six_decimals(double exact, double printed, const std::string& what) {
  EXPECT_LE(std::abs(exact - printed), 0.5e-6 + 1e-12) << what << " = " << exact;
}

void record(const std::string& key, double value) {
  std::ostringstream s;
  s.precision(3);
  s << value;
  ::testing::Test::RecordProperty(key, s.str());
}

// ---------------------------------------------------------------------------------------
// A data set with its landscape in double and the host's matrices, for every check.

Mat rows_of(const std::vector<double>& v, int rows, int cols) {
  Mat m(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) m(i, j) = v[std::size_t(i) * cols + j];
  return m;
}

Vec vec_of(const std::vector<double>& v) {
  return Eigen::Map<const Vec>(v.data(), Eigen::Index(v.size()));
}

template <int D>
Vec vec_of(const double (&w)[D]) {
  Vec v(D);
  for (int i = 0; i < D; ++i) v(i) = w[i];
  return v;
}

template <int D>
void array_of(const Vec& v, double (&w)[D]) {
  for (int i = 0; i < D; ++i) w[i] = v(i);
}

template <int D>
Mat mat_of(const double (&H)[D][D]) {
  Mat m(D, D);
  for (int i = 0; i < D; ++i)
    for (int j = 0; j < D; ++j) m(i, j) = H[i][j];
  return m;
}

template <int D>
struct Case {
  static constexpr int kD = D;
  std::string name;
  BnRegSpec spec;
  BnReg<double, D> land;
  int n;
  double gamma, s_star;
  double sigma_top;  // sqrt(lambda_max(Sigma)) = sigma_max(Xc) / sqrt(n)
  Mat X, Xc, Sigma, VR, VN;
  Vec y, yc, mu, c, w_tilde, theta;

  Case(std::string nm, BnRegSpec s)
      : name(std::move(nm)), spec(std::move(s)), land(make_bnreg<double, D>(spec)) {
    n = spec.summary.n;
    gamma = spec.summary.gamma;
    s_star = spec.summary.s_star;
    sigma_top = spec.sv[0] / std::sqrt(double(n));
    X = rows_of(spec.summary.X, n, D);
    Xc = rows_of(spec.Xc, n, D);
    Sigma = rows_of(spec.Sigma, D, D);
    VR = rows_of(spec.VR, D, n - 1);
    VN = rows_of(spec.VN, D, D - n + 1);
    y = vec_of(spec.summary.y);
    yc = vec_of(spec.yc);
    mu = vec_of(spec.mu_x);
    c = vec_of(spec.c);
    w_tilde = vec_of(spec.summary.w_tilde_star);
    theta = vec_of(spec.summary.theta_star);
  }

  double loss(const Vec& w) const {
    double a[D];
    array_of(w, a);
    return land.loss(a);
  }
  Vec grad(const Vec& w) const {
    double a[D], g[D];
    array_of(w, a);
    land.loss_grad(a, g);
    return vec_of(g);
  }
  Mat hessian(const Vec& w) const {
    double a[D], H[D][D];
    array_of(w, a);
    land.hessian(a, H);
    return mat_of(H);
  }
  // The size of grad L at w away from the critical points, gamma^2 / |w| (or |grad L| where
  // that is larger): rounding errors of the gradient are relative to it, and near the
  // minimizers and maximizers |grad L| itself is much smaller.
  double grad_scale(const Vec& w) const {
    return std::max(grad(w).norm(), gamma * gamma / w.norm());
  }
  double sharpness(const Vec& w) const {
    double a[D];
    array_of(w, a);
    return land.sharpness(a);
  }
  double phi(const Vec& w) const {
    double a[D];
    array_of(w, a);
    return land.phi(a);
  }
};

BnRegSpec d8_spec() { return bnreg_spec(4, 8, kD8X, kD8y); }
BnRegSpec d16_spec() { return bnreg_spec(6, 16, kD16X, kD16y); }

// The reference data sets and data drawn from data_seed at the extremes of n and d.
template <class F>
void for_each_case(F&& f) {
  f(Case<8>("D8", d8_spec()));
  f(Case<16>("D16", d16_spec()));
  f(Case<3>("seed 1, n = d = 3", bnreg_spec_from_seed(3, 3, 1)));
  f(Case<7>("seed 2, n = 3, d = 7", bnreg_spec_from_seed(3, 7, 2)));
  f(Case<11>("seed 3, n = 5, d = 11", bnreg_spec_from_seed(5, 11, 3)));
  f(Case<16>("seed 4, n = d = 16", bnreg_spec_from_seed(16, 16, 4)));
}

#define CASE_DIM(k) std::decay_t<decltype(k)>::kD

Vec normal_vec(std::mt19937_64& rng, int d) {
  std::normal_distribution<double> g;
  Vec v(d);
  for (int i = 0; i < d; ++i) v(i) = g(rng);
  return v;
}

// A point in a uniformly random direction, at a random scale over six orders of magnitude.
Vec any_point(std::mt19937_64& rng, int d) {
  std::uniform_real_distribution<double> e(-3.0, 3.0);
  const Vec v = normal_vec(rng, d);
  return v / v.norm() * std::pow(10.0, e(rng));
}

// A generic point of the landscape: any_point, kept when its condition
// |w| sigma_max(Xc) / |Xc w| is at most 10. Near null(Xc), where s -> 0 and L is undefined,
// the k-th derivatives grow like 1 / s^k and every identity loses digits accordingly.
template <class K>
Vec random_point(const K& k, std::mt19937_64& rng) {
  for (;;) {
    const Vec w = any_point(rng, k.kD);
    if (w.norm() * k.sigma_top <= 10 * std::sqrt(w.dot(k.Sigma * w))) return w;
  }
}

// A point of the minimizers on the unit sphere: (t w~* + z) / |t w~* + z|, t > 0, z in
// null(Xc), with phi = |z|^2 / (t |w~*|)^2 spread over about four orders of magnitude.
template <class K>
Vec gamma_point(const K& k, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> e(-2.5, 2.5);
  const double t = std::exp(e(rng)) / k.w_tilde.norm();
  const Vec w = t * k.w_tilde + k.VN * normal_vec(rng, int(k.VN.cols()));
  return w / w.norm();
}

double max_abs_eigenvalue(const Mat& H) {
  return Eigen::SelfAdjointEigenSolver<Mat>(H, Eigen::EigenvaluesOnly)
      .eigenvalues()
      .cwiseAbs()
      .maxCoeff();
}

double top_eigenvalue(const Mat& H) {
  return Eigen::SelfAdjointEigenSolver<Mat>(H, Eigen::EigenvaluesOnly).eigenvalues().maxCoeff();
}

// One step of an optimizer in the kernels' form x <- x - alpha v.
template <class Opt, class L, int D>
void step(const Opt& opt, const L& land, double alpha, double (&w)[D]) {
  double v[D];
  opt.direction(land, w, v);
  for (int i = 0; i < D; ++i) w[i] = w[i] - alpha * v[i];
}

// ---------------------------------------------------------------------------------------
// Loss, gradient and Hessian.

TEST(BnReg, GradientMatchesCentralDifferences) {
  double worst = 0.0;
  for_each_case([&worst](const auto& k) {
    SCOPED_TRACE(k.name);
    std::mt19937_64 rng(101);
    for (int t = 0; t < 1000; ++t) {
      const Vec w = random_point(k, rng);
      const Vec g = k.grad(w);
      const double h = 1e-4 * w.norm();
      double err = 0.0;
      for (int j = 0; j < k.kD; ++j) {
        Vec e = Vec::Zero(k.kD);
        e(j) = h;
        const double fd =
            (-k.loss(w + 2 * e) + 8 * k.loss(w + e) - 8 * k.loss(w - e) + k.loss(w - 2 * e)) /
            (12 * h);
        err = std::max(err, std::abs(fd - g(j)));
      }
      // |grad L| ~ gamma^2 / |w| at generic points: the scale the differences resolve.
      const double scale = std::max(g.cwiseAbs().maxCoeff(), k.gamma * k.gamma / w.norm());
      worst = std::max(worst, err / scale);
      ASSERT_LT(err, 1e-9 * scale) << "point " << t;
    }
  });
  record("max_relative_error", worst);
}

TEST(BnReg, HessianMatchesDifferencesOfTheGradient) {
  double worst = 0.0;
  for_each_case([&worst](const auto& k) {
    SCOPED_TRACE(k.name);
    std::mt19937_64 rng(102);
    for (int t = 0; t < 300; ++t) {
      const Vec w = random_point(k, rng);
      const Mat H = k.hessian(w);
      const double h = 1e-4 * w.norm();
      Mat fd(k.kD, k.kD);
      for (int j = 0; j < k.kD; ++j) {
        Vec e = Vec::Zero(k.kD);
        e(j) = h;
        fd.col(j) =
            (-k.grad(w + 2 * e) + 8 * k.grad(w + e) - 8 * k.grad(w - e) + k.grad(w - 2 * e)) /
            (12 * h);
      }
      const double rel = (fd - H).cwiseAbs().maxCoeff() / H.cwiseAbs().maxCoeff();
      worst = std::max(worst, rel);
      ASSERT_LT(rel, 1e-9) << "point " << t;
      ASSERT_LT((H - H.transpose()).cwiseAbs().maxCoeff(), 1e-14 * H.cwiseAbs().maxCoeff());
    }
  });
  record("max_relative_error", worst);
}

// Differentiating <grad L(c w), c w> = 0 ... or L(c w) = L(w) twice: H(w) w = -grad L(w).
TEST(BnReg, HessianTimesWIsMinusTheGradient) {
  for_each_case([](const auto& k) {
    SCOPED_TRACE(k.name);
    std::mt19937_64 rng(103);
    for (int t = 0; t < 1000; ++t) {
      const Vec w = random_point(k, rng);
      const Vec g = k.grad(w);
      const Mat H = k.hessian(w);
      ASSERT_LT((H * w + g).norm(), 1e-13 * H.norm() * w.norm()) << "point " << t;
    }
  });
}

TEST(BnReg, ScaleInvariance) {
  for_each_case([](const auto& k) {
    SCOPED_TRACE(k.name);
    std::mt19937_64 rng(104);
    for (int t = 0; t < 200; ++t) {
      const Vec w = random_point(k, rng);
      const double L = k.loss(w);
      const Vec g = k.grad(w);
      const Mat H = k.hessian(w);
      for (double c : {1e-3, 0.37, 5.0, 1e4}) {
        ASSERT_NEAR(k.loss(c * w), L, 1e-14 * std::max(L, k.gamma * k.gamma));
        ASSERT_LT((c * k.grad(c * w) - g).norm(), 1e-13 * g.norm());
        ASSERT_LT((c * c * k.hessian(c * w) - H).norm(), 1e-13 * H.norm());
      }
    }
  });
}

// <grad L, w> = 0 (the derivative of L(c w) at c = 1) and grad L in row(Xc): P_N grad L = 0,
// to rounding relative to the gradient's scale (see Case::grad_scale).
TEST(BnReg, GradientIsOrthogonalToWAndToTheNullSpace) {
  for_each_case([](const auto& k) {
    SCOPED_TRACE(k.name);
    std::mt19937_64 rng(105);
    for (int t = 0; t < 1000; ++t) {
      const Vec w = random_point(k, rng);
      const Vec g = k.grad(w);
      const double scale = k.grad_scale(w);
      ASSERT_LT(std::abs(g.dot(w)), 1e-14 * scale * w.norm()) << "point " << t;
      ASSERT_LT((k.VN.transpose() * g).norm(), 1e-14 * scale) << "point " << t;
    }
  });
}

// The BN model written out: predictions gamma (w.x_i - mu_1) / sigma_1 + beta from the raw
// data, mu_1 and sigma_1 the mean and the population std of {w.x_i}.
// sigma_divisor is n for the population std, n - 1 for the sample std.
double literal_bn_loss(const Mat& X, const Vec& y, const Vec& w, double gamma,
                       double sigma_divisor) {
  const Vec p = X * w;
  const double n = double(p.size());
  const double mu1 = p.mean();
  const double sigma1 = std::sqrt((p.array() - mu1).square().sum() / sigma_divisor);
  const double beta = y.mean();
  const Vec phi = (gamma * (p.array() - mu1) / sigma1 + beta).matrix();
  return (phi - y).squaredNorm() / n;
}

TEST(BnReg, LossIsTheLiteralBatchNormFormula) {
  for_each_case([](const auto& k) {
    SCOPED_TRACE(k.name);
    std::mt19937_64 rng(106);
    const double n = k.n;
    const double gamma = std::sqrt((k.y.array() - k.y.mean()).square().sum() / n);
    ASSERT_NEAR(gamma, k.gamma, 1e-15 * gamma);
    for (int t = 0; t < 1000; ++t) {
      const Vec w = random_point(k, rng);
      const double literal = literal_bn_loss(k.X, k.y, w, gamma, n);
      ASSERT_NEAR(k.loss(w), literal, 1e-13 * (literal + gamma * gamma)) << "point " << t;
    }
  });
}

// grad L = -(2 gamma / s) (c - (<c, w> / s^2) Sigma w), the form through c and Sigma. Like
// every gradient, it loses relative accuracy near the critical points (the minimizers and the
// maximizers), where |grad L| is small against the terms it is made of: the error is measured
// against the gradient's scale.
TEST(BnReg, ClosedFormGradientAgreesAtGenericPoints) {
  double worst = 0.0;
  for_each_case([&worst](const auto& k) {
    SCOPED_TRACE(k.name);
    std::mt19937_64 rng(107);
    for (int t = 0; t < 1000; ++t) {
      const Vec w = random_point(k, rng);
      const Vec v = k.Sigma * w;
      const double s2 = w.dot(v), s = std::sqrt(s2);
      const Vec cform = -(2 * k.gamma / s) * (k.c - (k.c.dot(w) / s2) * v);
      const Vec g = k.grad(w);
      const double rel = (cform - g).norm() / k.grad_scale(w);
      worst = std::max(worst, rel);
      ASSERT_LT(rel, 1e-13) << "point " << t;
    }
  });
  record("max_relative_error", worst);
}

// ---------------------------------------------------------------------------------------
// The minimizers and the flattest one.

TEST(BnReg, LossVanishesAtThetaStar) {
  for_each_case([](const auto& k) {
    SCOPED_TRACE(k.name);
    EXPECT_LT(k.loss(k.theta), 1e-25);
    EXPECT_LT(k.loss(k.w_tilde), 1e-25);
    EXPECT_LT(k.loss(1e3 * k.theta), 1e-25);
    // -theta* is the maximum, 4 gamma^2.
    EXPECT_NEAR(k.loss(-k.theta), 4 * k.gamma * k.gamma, 1e-13 * k.gamma * k.gamma);
    EXPECT_LT(k.grad(k.theta).norm(), 1e-12 * k.gamma * k.gamma);
  });
}

// Where s = 0 the loss is undefined: NaN, never a number that could pass for a minimum.
TEST(BnReg, UndefinedWhereTheBatchStdIsZero) {
  const auto land = make_bnreg<double, 8>(d8_spec());
  const double w[8] = {};
  double g[8];
  EXPECT_TRUE(std::isnan(land.loss(w)));
  EXPECT_TRUE(std::isnan(land.loss_grad(w, g)));
  for (double v : g) EXPECT_TRUE(std::isnan(v));
  EXPECT_TRUE(std::isnan(land.sharpness(w)));
  EXPECT_TRUE(std::isnan(land.sharpness_gamma(w)));
}

// Problem (M) of the paper's Theorem 5.1: min |w|^2 subject to w.x_i + b = y_i. Its KKT
// system 2 w = X^T nu, 1^T nu = 0, X w + b 1 = y, solved by Eigen, gives (w~*, b~*).
TEST(BnReg, MinimumNormInterpolantSolvesTheKktSystem) {
  for_each_case([](const auto& k) {
    SCOPED_TRACE(k.name);
    const int d = k.kD, n = k.n, m = d + 1 + n;
    Mat K = Mat::Zero(m, m);
    K.topLeftCorner(d, d) = 2 * Mat::Identity(d, d);
    K.block(0, d + 1, d, n) = -k.X.transpose();
    K.block(d, d + 1, 1, n) = -Eigen::RowVectorXd::Ones(n);
    K.block(d + 1, 0, n, d) = k.X;
    K.block(d + 1, d, n, 1) = Vec::Ones(n);
    Vec rhs = Vec::Zero(m);
    rhs.tail(n) = k.y;
    Eigen::FullPivLU<Mat> lu(K);
    ASSERT_EQ(lu.rank(), m);
    const Vec sol = lu.solve(rhs);
    EXPECT_LT((sol.head(d) - k.w_tilde).norm(), 1e-12 * k.w_tilde.norm());
    EXPECT_NEAR(sol(d), k.spec.summary.b_tilde_star, 1e-12 * (1 + std::abs(sol(d))));
    // It interpolates, and adding a null-space part keeps it interpolating but longer.
    const Vec resid = k.X * k.w_tilde + Vec::Constant(n, k.spec.summary.b_tilde_star) - k.y;
    EXPECT_LT(resid.norm(), 1e-12 * k.y.norm());
    EXPECT_LT((k.Xc * k.VN).norm(), 1e-13 * k.Xc.norm());
  });
}

// Paper eq. (4): the BN model at theta* has coefficients w~ = gamma theta* / ||theta*||_Sigma
// and b~ = beta - w~.mu_x, which are (w~*, b~*).
TEST(BnReg, EquationFourAtThetaStarGivesTheInterpolant) {
  for_each_case([](const auto& k) {
    SCOPED_TRACE(k.name);
    const double norm_sigma = std::sqrt(k.theta.dot(k.Sigma * k.theta));
    const Vec wt = k.gamma * k.theta / norm_sigma;
    EXPECT_LT((wt - k.w_tilde).norm(), 1e-13 * k.w_tilde.norm());
    const double bt = k.y.mean() - wt.dot(k.mu);
    EXPECT_NEAR(bt, k.spec.summary.b_tilde_star, 1e-13 * (1 + std::abs(bt)));
  });
}

TEST(BnReg, SharpnessAtThetaStarIsSStar) {
  for_each_case([](const auto& k) {
    SCOPED_TRACE(k.name);
    EXPECT_NEAR(k.sharpness(k.theta), k.s_star, 1e-13 * k.s_star);
    EXPECT_NEAR(top_eigenvalue(k.hessian(k.theta)), k.s_star, 1e-13 * k.s_star);
    EXPECT_NEAR(k.land.s_star, k.s_star, 0.0);
    EXPECT_NEAR(k.phi(k.theta), 0.0, 1e-28);
    EXPECT_DOUBLE_EQ(k.spec.summary.two_over_s_star, 2 / k.s_star);
  });
}

// At 1000 sampled points of the minimizers per data set: L ~ 0, H = 2 M / ||theta||_Sigma^2
// has rank n - 2, S = S* (1 + phi) = sharpness_gamma, and none is flatter than theta*.
TEST(BnReg, OnTheMinimizersSharpnessIsSStarTimesOnePlusPhi) {
  double worst = 0.0, worst_loss = 0.0;
  for_each_case([&](const auto& k) {
    SCOPED_TRACE(k.name);
    constexpr int D = CASE_DIM(k);
    std::mt19937_64 rng(108);
    const Mat M = k.gamma * k.gamma * k.Sigma - k.c * k.c.transpose();
    for (int t = 0; t < 1000; ++t) {
      const Vec th = gamma_point(k, rng);
      double a[D];
      array_of(th, a);
      const double S = k.land.sharpness(a), phi = k.land.phi(a);
      const double rel = std::abs(S - k.s_star * (1 + phi)) / S;
      worst = std::max(worst, rel);
      worst_loss = std::max(worst_loss, k.land.loss(a));
      ASSERT_LT(k.land.loss(a), 1e-20) << "point " << t;
      ASSERT_LT(rel, 1e-9) << "point " << t << ", phi " << phi;
      ASSERT_NEAR(k.land.sharpness_gamma(a), k.s_star * (1 + phi), 1e-15 * S);
      const Mat H = k.hessian(th);
      ASSERT_LT((H - 2 * M / th.dot(k.Sigma * th)).norm(), 1e-12 * H.norm());
      const Vec ev = Eigen::SelfAdjointEigenSolver<Mat>(H, Eigen::EigenvaluesOnly).eigenvalues();
      const double top = ev.cwiseAbs().maxCoeff();
      ASSERT_EQ((ev.array().abs() > 1e-9 * top).count(), k.n - 2) << "point " << t;
      ASSERT_GE(ev.minCoeff(), -1e-12 * top);
      ASSERT_LT(k.land.min_distance(a), 1e-14);
    }
  });
  record("max_relative_error", worst);
  record("max_loss", worst_loss);
}

TEST(BnReg, NoSampledMinimizerIsFlatterThanThetaStar) {
  double lowest = INFINITY;
  for_each_case([&lowest](const auto& k) {
    SCOPED_TRACE(k.name);
    std::mt19937_64 rng(109);
    std::uniform_real_distribution<double> e(-6.0, -1.0);
    for (int t = 0; t < 2000; ++t) {
      // Half of the points close to theta*, where the margin is smallest.
      Vec th = gamma_point(k, rng);
      if (t % 2) {
        th = k.theta + std::pow(10.0, e(rng)) * (k.VN * normal_vec(rng, int(k.VN.cols())));
        th /= th.norm();
      }
      const double ratio = k.sharpness(th) / k.s_star;
      lowest = std::min(lowest, ratio);
      ASSERT_GE(ratio, 1 - 1e-9) << "point " << t;
    }
  });
  record("min_S_over_S_star_minus_1", lowest - 1);
}

// The uncentered pinv(X) y is an interpolant with b = 0, hence also a minimizer of L, but not
// the flattest one: an implementation that forgets to center would converge elsewhere.
TEST(BnReg, UncenteredPseudoInverseIsNotThetaStar) {
  for_each_case([](const auto& k) {
    SCOPED_TRACE(k.name);
    const Vec wrong = k.X.completeOrthogonalDecomposition().pseudoInverse() * k.y;
    const Vec dir = wrong / wrong.norm();
    EXPECT_LT(k.loss(dir), 1e-20);
    EXPECT_GT((dir - k.theta).norm(), 1e-3);
    EXPECT_GT(k.phi(dir), 1e-6);
    EXPECT_GT(k.sharpness(dir), k.s_star * (1 + 1e-6));
  });
}

// gamma over sigma_1 is all that enters: the sample std (divisor n - 1) for both gives the
// same loss, but mixing conventions fixes the norm of the predictions at the wrong value, and
// the loss cannot go below (sqrt(n / (n-1)) - 1)^2 gamma^2 (or with n / (n-1) inverted).
TEST(BnReg, MixedStdConventionsLeaveALossFloor) {
  for_each_case([](const auto& k) {
    SCOPED_TRACE(k.name);
    const double n = k.n, g2 = k.gamma * k.gamma;
    const double gamma_sample = k.gamma * std::sqrt(n / (n - 1));
    std::mt19937_64 rng(110);
    for (int t = 0; t < 500; ++t) {
      const Vec w = random_point(k, rng);
      const double same = literal_bn_loss(k.X, k.y, w, gamma_sample, n - 1);
      ASSERT_NEAR(same, k.loss(w), 1e-13 * (same + g2));
    }
    // gamma population, sigma sample; and gamma sample, sigma population.
    const double floor_a = std::pow(std::sqrt((n - 1) / n) - 1, 2) * g2;
    const double floor_b = std::pow(std::sqrt(n / (n - 1)) - 1, 2) * g2;
    EXPECT_GT(std::min(floor_a, floor_b), 1e-6 * g2);
    EXPECT_NEAR(literal_bn_loss(k.X, k.y, k.theta, k.gamma, n - 1), floor_a, 1e-12 * g2);
    EXPECT_NEAR(literal_bn_loss(k.X, k.y, k.theta, gamma_sample, n), floor_b, 1e-12 * g2);
    for (int t = 0; t < 500; ++t) {
      const Vec w = t % 2 ? random_point(k, rng) : gamma_point(k, rng);
      ASSERT_GE(literal_bn_loss(k.X, k.y, w, k.gamma, n - 1), floor_a * (1 - 1e-12));
      ASSERT_GE(literal_bn_loss(k.X, k.y, w, gamma_sample, n), floor_b * (1 - 1e-12));
    }
  });
}

// ---------------------------------------------------------------------------------------
// The quantities recorded per trajectory against Eigen's projections.

TEST(BnReg, PhiAndDistancesMatchTheProjections) {
  for_each_case([](const auto& k) {
    SCOPED_TRACE(k.name);
    constexpr int D = CASE_DIM(k);
    const Mat PN = k.VN * k.VN.transpose(), PR = Mat::Identity(D, D) - PN;
    std::mt19937_64 rng(111);
    for (int t = 0; t < 1000; ++t) {
      const Vec w = random_point(k, rng);
      double a[D];
      array_of(w, a);
      // |P_N w| is resolved to about the roundoff of |w|: relative error eps / sqrt(phi).
      const double phi = k.land.phi(a);
      ASSERT_NEAR(phi, (PN * w).squaredNorm() / (PR * w).squaredNorm(),
                  1e-14 * (phi + std::sqrt(phi)));
      const Vec th = w / w.norm();
      int id = -1;
      const double flat = k.land.flat_distance(a, id);
      ASSERT_EQ(id, 0);
      ASSERT_NEAR(flat, (th - k.theta).norm(), 1e-14);
      // The nearest point of the closed cone over the minimizers keeps theta's null-space
      // part and replaces its row-space part by its projection onto the ray of theta*.
      const Vec nearest = PN * th + std::max(th.dot(k.theta), 0.0) * k.theta;
      const double mind = k.land.min_distance(a);
      ASSERT_NEAR(mind, (th - nearest).norm(), 1e-14);
      ASSERT_LE(mind, flat + 1e-15);
    }
    double a[D];
    array_of(k.theta, a);
    int id = -1;
    EXPECT_LT(k.land.flat_distance(a, id), 1e-14);
    EXPECT_LT(k.land.min_distance(a), 1e-14);
    array_of(Vec(-k.theta), a);
    EXPECT_NEAR(k.land.flat_distance(a, id), 2.0, 1e-14);
    EXPECT_NEAR(k.land.min_distance(a), 1.0, 1e-14);
    double pos[D];
    k.land.attractor_position(0, pos);
    EXPECT_LT((vec_of(pos) - k.theta).norm(), 1e-16);
  });
}

// ---------------------------------------------------------------------------------------
// The cyclic Jacobi method.

// Random symmetric matrices of every size up to 16, some with repeated eigenvalues and
// some diagonal already, against Eigen's eigensolver: all the eigenvalues.
TEST(Jacobi, MatchesEigenOnRandomSymmetricMatrices) {
  std::mt19937_64 rng(112);
  std::normal_distribution<double> g;
  int most_sweeps = 0;
  double worst = 0.0;
  for (int m = 1; m <= 16; ++m) {
    for (int t = 0; t < 60; ++t) {
      Mat A(m, m);
      if (t % 3 == 2) {
        // Q diag(lambda) Q^T with eigenvalues in pairs: clusters are no obstacle.
        const Mat Q = Eigen::HouseholderQR<Mat>(Mat::NullaryExpr(m, m, [&] {
                        return g(rng);
                      })).householderQ();
        Vec lam(m);
        for (int i = 0; i < m; ++i) lam(i) = std::round(double(i) / 2) - 3;
        A = Q * lam.asDiagonal() * Q.transpose();
        A = Mat((A + A.transpose()) / 2);  // a copy: A = A + A^T would alias
      } else if (t == 3) {
        A = Mat::Zero(m, m);
        for (int i = 0; i < m; ++i) A(i, i) = g(rng);
      } else {
        A = Mat::NullaryExpr(m, m, [&] { return g(rng); });
        A = Mat((A + A.transpose()) / 2);  // a copy: A = A + A^T would alias
      }
      double J[16][16] = {};
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < m; ++j) J[i][j] = A(i, j);
      const int sweeps = jacobi_diagonalize(J, m);
      ASSERT_LT(sweeps, kJacobiMaxSweeps);
      most_sweeps = std::max(most_sweeps, sweeps);
      Vec ours(m);
      for (int i = 0; i < m; ++i) ours(i) = J[i][i];
      std::sort(ours.data(), ours.data() + m);
      const Vec ref = Eigen::SelfAdjointEigenSolver<Mat>(A, Eigen::EigenvaluesOnly).eigenvalues();
      const double scale = ref.cwiseAbs().maxCoeff();
      const double err = (ours - ref).cwiseAbs().maxCoeff() / scale;
      worst = std::max(worst, err);
      ASSERT_LT(err, 1e-14) << "m = " << m << ", matrix " << t;
      // The rest of the storage is never touched.
      for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 16; ++j)
          if (i >= m || j >= m) {
            ASSERT_EQ(J[i][j], 0.0);
          }
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < m; ++j) J[i][j] = A(i, j);
      ASSERT_NEAR(jacobi_max_eigenvalue(J, m), ref(m - 1), 1e-14 * scale);
    }
  }
  // Quadratic convergence, also with repeated eigenvalues.
  EXPECT_LE(most_sweeps, 10);
  record("max_sweeps", most_sweeps);
  record("max_relative_error", worst);
}

TEST(Jacobi, SpecialMatrices) {
  double A[4][4] = {};
  EXPECT_EQ(jacobi_diagonalize(A, 4), 0);  // zero
  EXPECT_EQ(jacobi_max_eigenvalue(A, 4), 0.0);
  A[0][0] = -2, A[1][1] = -1, A[2][2] = -5, A[3][3] = 7;
  int sweeps = -1;
  EXPECT_EQ(jacobi_max_eigenvalue(A, 3, &sweeps), -1.0);  // diagonal; all negative
  EXPECT_EQ(sweeps, 0);
  double B[1][1] = {{-3.5}};
  EXPECT_EQ(jacobi_max_eigenvalue(B, 1), -3.5);
  // [[0, 1], [1, 0]]: +-1 exactly; a NaN entry ends the iteration at once.
  double C[2][2] = {{0, 1}, {1, 0}};
  EXPECT_EQ(jacobi_max_eigenvalue(C, 2), 1.0);
  double E[2][2] = {{0, NAN}, {NAN, 0}};
  EXPECT_EQ(jacobi_diagonalize(E, 2), 0);
}

TEST(Jacobi, FloatConvergesToItsOwnPrecision) {
  std::mt19937_64 rng(113);
  std::normal_distribution<double> g;
  for (int m = 2; m <= 16; ++m) {
    for (int t = 0; t < 30; ++t) {
      Mat A = Mat::NullaryExpr(m, m, [&] { return g(rng); });
      A = Mat((A + A.transpose()) / 2);  // a copy: A = A + A^T would alias
      float J[16][16] = {};
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < m; ++j) J[i][j] = static_cast<float>(A(i, j));
      Mat Af = Mat::Zero(m, m);
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < m; ++j) Af(i, j) = J[i][j];
      int sweeps = 0;
      const float top = jacobi_max_eigenvalue(J, m, &sweeps);
      ASSERT_LT(sweeps, kJacobiMaxSweeps);
      const Vec ref = Eigen::SelfAdjointEigenSolver<Mat>(Af, Eigen::EigenvaluesOnly).eigenvalues();
      ASSERT_NEAR(top, ref(m - 1), 2e-6 * ref.cwiseAbs().maxCoeff()) << "m = " << m;
    }
  }
}

// Away from the minimizers the Hessian is indefinite, often with |lambda_min| > lambda_max,
// where power iteration would find the wrong eigenvalue; Jacobi finds the largest algebraic
// one of the full 16 x 16 Hessian of D16.
TEST(Jacobi, FindsTheLargestAlgebraicEigenvalueOfIndefiniteHessians) {
  const Case<16> k("D16", d16_spec());
  std::mt19937_64 rng(114);
  int most_sweeps = 0, dominated = 0;
  double worst = 0.0;
  for (int t = 0; t < 1000; ++t) {
    const Vec w = random_point(k, rng);
    const Vec th = w / w.norm();
    double a[16], H[16][16];
    array_of(th, a);
    k.land.hessian(a, H);
    const Mat Hm = mat_of(H);
    const Vec ref = Eigen::SelfAdjointEigenSolver<Mat>(Hm, Eigen::EigenvaluesOnly).eigenvalues();
    dominated += -ref(0) > ref(15);
    int sweeps = 0;
    const double top = jacobi_max_eigenvalue(H, 16, &sweeps);
    most_sweeps = std::max(most_sweeps, sweeps);
    const double scale = ref.cwiseAbs().maxCoeff();
    worst = std::max(worst, std::abs(top - ref(15)) / scale);
    ASSERT_NEAR(top, ref(15), 1e-14 * scale) << "point " << t;
  }
  EXPECT_GT(dominated, 200);
  EXPECT_LE(most_sweeps, 10);
  record("max_sweeps", most_sweeps);
  record("lambda_min_dominates", dominated);
  record("max_relative_error", worst);
}

// lambda_1(H) = max(lambda_max(V_R^T H V_R), 0): the (n-1) x (n-1) reduction the landscape's
// sharpness uses, against the full Hessian's top eigenvalue (Eigen and Jacobi), at generic
// points, on the minimizers and near the maximizer -theta*. The full Hessian always has the
// eigenvalue 0 (null(Xc), and w itself), so S is never negative, not even by rounding where
// every other eigenvalue is negative.
TEST(BnReg, RowSpaceReductionEqualsTheFullEigenvalue) {
  double worst = 0.0;
  for_each_case([&worst](const auto& k) {
    SCOPED_TRACE(k.name);
    constexpr int D = CASE_DIM(k);
    std::mt19937_64 rng(115);
    std::uniform_real_distribution<double> e(-12.0, -1.0);
    for (int t = 0; t < 1500; ++t) {
      Vec w = t % 3 == 0 ? random_point(k, rng) : gamma_point(k, rng);
      if (t % 3 == 2) w = -w + std::pow(10.0, e(rng)) * normal_vec(rng, D);
      double a[D], H[D][D];
      array_of(w, a);
      const double S = k.land.sharpness(a);
      ASSERT_GE(S, 0.0) << "point " << t;
      array_of(Vec(w / w.norm()), a);
      k.land.hessian(a, H);
      const Mat Hm = mat_of(H);
      const double scale = max_abs_eigenvalue(Hm);
      const double full = top_eigenvalue(Hm);
      ASSERT_GE(full, -1e-14 * scale);
      // Near null(Xc) (phi large) s = ||theta||_Sigma is small, about |P_R theta| =
      // 1 / sqrt(1 + phi) times the row-space scale, and the terms of H cancel accordingly.
      const double tol = 1e-13 * (1 + std::sqrt(k.land.phi(a))) * scale;
      ASSERT_NEAR(S, full, tol) << "point " << t;
      ASSERT_NEAR(S, jacobi_max_eigenvalue(H, D), tol) << "point " << t;
      worst = std::max(worst, std::abs(S - full) / tol);
    }
  });
  record("max_error_over_tolerance", worst);
}

// ---------------------------------------------------------------------------------------
// The reference data sets.

TEST(BnReg, ReferenceDataSetsReproduceTheirConstants) {
  const BnRegSummary d8 = d8_spec().summary;
  expect_six_decimals(d8.gamma, kD8Gamma, "D8 gamma");
  expect_six_decimals(d8.s_star, kD8SStar, "D8 S*");
  expect_six_decimals(d8.two_over_s_star, kD8TwoOverSStar, "D8 2/S*");
  for (int i = 0; i < 8; ++i)
    expect_six_decimals(d8.theta_star[i], kD8ThetaStar[i], "D8 theta*_" + std::to_string(i));
  const BnRegSummary d16 = d16_spec().summary;
  expect_six_decimals(d16.gamma, kD16Gamma, "D16 gamma");
  expect_six_decimals(d16.s_star, kD16SStar, "D16 S*");
  expect_six_decimals(d16.two_over_s_star, kD16TwoOverSStar, "D16 2/S*");
  EXPECT_EQ(d8.X, kD8X);
  EXPECT_EQ(d8.y, kD8y);
  EXPECT_EQ(d16.n, 6);
  EXPECT_EQ(d16.d, 16);
}

// ---------------------------------------------------------------------------------------
// Gradient descent with weight decay and normalized gradient descent on bnreg.

// Paper Lemma 3.1: one step is (1 - eta lam) |w| [theta - eff_lr grad L(theta)], with
// eff_lr = eta / ((1 - eta lam) |w|^2); |w| changes as the gradient is orthogonal to w; and
// eff_lr S(theta) / 2 = eta lambda_1(H(w)) / (2 (1 - eta lam)).
TEST(Gdwd, OneStepIsTheProjectedFormOfLemma31) {
  for_each_case([](const auto& k) {
    SCOPED_TRACE(k.name);
    constexpr int D = CASE_DIM(k);
    std::mt19937_64 rng(116);
    for (int t = 0; t < 300; ++t) {
      const double eta = t % 3 == 0 ? 0.1 : t % 3 == 1 ? 1.0 : 0.01;
      const double lam = t % 4 == 0 ? 0.0 : t % 4 == 1 ? 1e-2 : t % 4 == 2 ? 1e-4 : 0.5;
      const Vec w0 = random_point(k, rng);
      double w[D];
      array_of(w0, w);
      step(Gdwd{lam}, k.land, eta, w);
      const Vec w1 = vec_of(w);
      const Vec th0 = w0 / w0.norm();
      const Vec g_th = k.grad(th0), g0 = k.grad(w0);
      const double shrink = 1 - eta * lam;
      const double eff_lr = eta / (shrink * w0.squaredNorm());
      const Vec pred = shrink * w0.norm() * (th0 - eff_lr * g_th);
      // Rounding: of the decayed w, and of the step at the gradient's scale.
      const double tol = 1e-14 * (shrink * w0.norm() + eta * k.grad_scale(w0));
      ASSERT_LT((w1 - pred).norm(), tol) << "point " << t;
      const Vec moved = th0 - eff_lr * g_th;
      ASSERT_LT((w1 / w1.norm() - moved / moved.norm()).norm(), tol / w1.norm());
      ASSERT_NEAR(w1.squaredNorm(),
                  shrink * shrink * w0.squaredNorm() + eta * eta * g0.squaredNorm(),
                  1e-14 * w1.squaredNorm());
      double a[D], H[D][D];
      array_of(w0, a);
      k.land.hessian(a, H);
      const double lhs = eff_lr * k.sharpness(w0) / 2;
      const double rhs = eta * jacobi_max_eigenvalue(H, D) / (2 * shrink);
      const double scale = eta * max_abs_eigenvalue(mat_of(H)) / (2 * shrink);
      ASSERT_NEAR(lhs, rhs, 1e-12 * scale) << "point " << t;
    }
  });
}

// The gradient lies in row(Xc) and the decay scales all of w: P_N w_k is
// prod (1 - eta lam) P_N w_0, and phi never increases, by exactly
// phi_{k+1} = phi_k / (1 + eta^2 |grad L|^2 / ((1 - eta lam)^2 |P_R w_k|^2)).
TEST(Gdwd, NullSpacePartOnlyDecaysAndPhiNeverIncreases) {
  double worst_null = 0.0, worst_phi = 0.0;
  for_each_case([&](const auto& k) {
    SCOPED_TRACE(k.name);
    constexpr int D = CASE_DIM(k);
    std::mt19937_64 rng(117);
    const double eta = 0.1, lam = 1e-2;
    for (int run = 0; run < 3; ++run) {
      Vec w0 = normal_vec(rng, D);
      w0 /= w0.norm();
      double w[D];
      array_of(w0, w);
      const Vec pn0 = k.VN.transpose() * w0;
      double decay = 1.0, phi = k.land.phi(w);
      for (int s = 0; s < 4000; ++s) {
        const Vec wk = vec_of(w);
        const double pr2 = (k.VR.transpose() * wk).squaredNorm();
        const double g2 = k.grad(wk).squaredNorm();
        step(Gdwd{lam}, k.land, eta, w);
        decay *= 1 - eta * lam;
        const Vec pn = k.VN.transpose() * vec_of(w);
        const double err = (pn - decay * pn0).norm();
        worst_null = std::max(worst_null, err);
        ASSERT_LT(err, 1e-13) << "step " << s;
        const double next = k.land.phi(w);
        ASSERT_LE(next, phi * (1 + 1e-12)) << "step " << s;
        const double expected =
            phi / (1 + eta * eta * g2 / ((1 - eta * lam) * (1 - eta * lam) * pr2));
        worst_phi = std::max(worst_phi, std::abs(next - expected) / expected);
        ASSERT_NEAR(next, expected, 1e-11 * expected) << "step " << s;
        phi = next;
      }
      double a[D];
      array_of(w0, a);
      EXPECT_LT(phi, k.land.phi(a));  // it did decrease
    }
  });
  record("max_null_space_error", worst_null);
  record("max_phi_recurrence_error", worst_phi);
}

// Normalized gradient descent w <- w - alpha_k grad L / |grad L| (written here): the step is
// orthogonal to w and lies in row(Xc), so |P_R w|^2 grows by exactly alpha_k^2 per step,
// P_N w never changes, and phi_K = |P_N w_0|^2 / (|P_R w_0|^2 + sum alpha_k^2).
TEST(Ngd, RowSpaceNormGrowsByAlphaSquaredAndNullPartIsFixed) {
  for_each_case([](const auto& k) {
    SCOPED_TRACE(k.name);
    constexpr int D = CASE_DIM(k);
    std::mt19937_64 rng(118);
    for (int run = 0; run < 3; ++run) {
      Vec w = normal_vec(rng, D);
      w /= w.norm();
      const Vec pn0 = k.VN.transpose() * w;
      const double pr2_0 = (k.VR.transpose() * w).squaredNorm();
      double sum_alpha2 = 0.0;
      for (int s = 0; s < 2000; ++s) {
        const double alpha = 1.0 / std::sqrt(s + 1.0);
        const double pr2 = (k.VR.transpose() * w).squaredNorm();
        const Vec g = k.grad(w);
        w = w - alpha * g / g.norm();
        sum_alpha2 += alpha * alpha;
        const double grown = (k.VR.transpose() * w).squaredNorm() - pr2;
        ASSERT_NEAR(grown, alpha * alpha, 1e-14 * w.squaredNorm()) << "step " << s;
        ASSERT_LT((k.VN.transpose() * w - pn0).norm(), 1e-13 * w.norm()) << "step " << s;
      }
      EXPECT_NEAR(k.phi(w), pn0.squaredNorm() / (pr2_0 + sum_alpha2), 1e-11 * k.phi(w));
    }
  });
}

// gd on bnreg is gdwd with wd = 0, bit for bit: the same direction at every point (signed
// zeros included) and the same trajectory; with wd > 0 the direction is grad L + wd w.
TEST(Gdwd, WithoutDecayIsPlainGradientDescentBitForBit) {
  const Case<8> k("D8", d8_spec());
  std::mt19937_64 rng(119);
  for (int t = 0; t < 1000; ++t) {
    double w[8], v_gd[8], v_wd[8], v_lam[8];
    array_of(random_point(k, rng), w);
    if (t % 10 == 0) w[t % 8] = -0.0;
    Gd{}.direction(k.land, w, v_gd);
    Gdwd{0.0}.direction(k.land, w, v_wd);
    ASSERT_EQ(std::memcmp(v_gd, v_wd, sizeof v_gd), 0) << "point " << t;
    Gdwd{0.01}.direction(k.land, w, v_lam);
    for (int i = 0; i < 8; ++i) ASSERT_EQ(v_lam[i], v_gd[i] + 0.01 * w[i]);
  }
  double a[8], b[8];
  array_of(Vec(normal_vec(rng, 8).normalized()), a);
  std::memcpy(b, a, sizeof a);
  for (int s = 0; s < 3000; ++s) {
    step(Gd{}, k.land, 0.1, a);
    step(Gdwd{0.0}, k.land, 0.1, b);
  }
  EXPECT_EQ(std::memcmp(a, b, sizeof a), 0);
}

// ---------------------------------------------------------------------------------------
// Float, and the CPU path's SIMD lanes.

TEST(BnReg, FloatAgreesWithDouble) {
  const Case<8> k("D8", d8_spec());
  const BnRegSpec& spec = k.spec;
  const auto& ld = k.land;
  const auto lf = make_bnreg<float, 8>(spec);
  const double g2 = spec.summary.gamma * spec.summary.gamma;
  std::mt19937_64 rng(120);
  double worst_loss = 0.0, worst_grad = 0.0, worst_sharp = 0.0;
  for (int t = 0; t < 1000; ++t) {
    const Vec w = random_point(k, rng);
    float wf[8], gf[8];
    double wd[8], gd[8];
    for (int i = 0; i < 8; ++i) wd[i] = wf[i] = static_cast<float>(w(i));
    const double Ld = ld.loss_grad(wd, gd);
    const double Lf = lf.loss_grad(wf, gf);
    ASSERT_EQ(static_cast<double>(lf.loss(wf)), Lf);
    double gerr = 0.0, gmax = 0.0;
    for (int i = 0; i < 8; ++i) {
      gerr = std::max(gerr, std::abs(gf[i] - gd[i]));
      gmax = std::max(gmax, std::abs(gd[i]));
    }
    worst_loss = std::max(worst_loss, std::abs(Lf - Ld) / (Ld + 1e-2 * g2));
    worst_grad = std::max(worst_grad, gerr / gmax);
    ASSERT_NEAR(Lf, Ld, 1e-5 * (Ld + 1e-2 * g2)) << "point " << t;
    ASSERT_LT(gerr, 1e-5 * gmax) << "point " << t;
    const double Sd = ld.sharpness(wd), Sf = lf.sharpness(wf);
    // Relative to the Hessian's spectral norm: S itself may be near 0 at a generic point.
    const double scale = max_abs_eigenvalue(k.hessian(w / w.norm()));
    worst_sharp = std::max(worst_sharp, std::abs(Sf - Sd) / scale);
    ASSERT_NEAR(Sf, Sd, 1e-5 * scale) << "point " << t;
    ASSERT_NEAR(lf.phi(wf), ld.phi(wd), 1e-4 * ld.phi(wd) + 1e-6);
  }
  // The residual form resolves the minimum in float too: the closed form 2 gamma^2 (1 - rho)
  // could not go below about 1e-7 gamma^2 there.
  EXPECT_LT(lf.loss(lf.theta_star), 1e-11 * g2);
  EXPECT_NEAR(lf.sharpness(lf.theta_star), spec.summary.s_star, 1e-5 * spec.summary.s_star);
  record("max_relative_error_loss", worst_loss);
  record("max_relative_error_grad", worst_grad);
  record("max_relative_error_sharpness", worst_sharp);
}

template <class T, int W, int D>
void expect_lanes_equal_scalar(const BnReg<T, D>& land) {
  using V = simd::Lanes<T, W>;
  std::mt19937_64 rng(121);
  for (int t = 0; t < 50; ++t) {
    T pts[W][D];
    for (int l = 0; l < W; ++l) {
      const Vec w = any_point(rng, D);
      for (int i = 0; i < D; ++i) pts[l][i] = static_cast<T>(w(i));
    }
    V x[D], g[D], v[D];
    for (int i = 0; i < D; ++i) {
      T col[W];
      for (int l = 0; l < W; ++l) col[l] = pts[l][i];
      x[i] = V::load(col);
    }
    const V L = land.loss_grad(x, g);
    Gdwd{0.01}.direction(land, x, v);
    for (int l = 0; l < W; ++l) {
      T gs[D], vs[D];
      const T Ls = land.loss_grad(pts[l], gs);
      Gdwd{0.01}.direction(land, pts[l], vs);
      ASSERT_EQ(std::memcmp(&L.v[l], &Ls, sizeof(T)), 0);
      for (int i = 0; i < D; ++i) {
        ASSERT_EQ(std::memcmp(&g[i].v[l], &gs[i], sizeof(T)), 0) << "lane " << l;
        ASSERT_EQ(std::memcmp(&v[i].v[l], &vs[i], sizeof(T)), 0) << "lane " << l;
      }
    }
  }
}

TEST(BnReg, LanesComputeTheScalarLossAndGradientBitForBit) {
  expect_lanes_equal_scalar<double, 8>(make_bnreg<double, 8>(d8_spec()));
  expect_lanes_equal_scalar<float, 16>(make_bnreg<float, 8>(d8_spec()));
  expect_lanes_equal_scalar<double, 4>(make_bnreg<double, 16>(d16_spec()));
}

// Runs hold the landscape with capacity 8 or 16: every quantity and step of a capacity
// D > d is that of the exact size bit for bit (the padding is zero), and so is the start.
TEST(BnReg, CapacityBeyondTheDimensionChangesNoBit) {
  const BnRegSpec spec = bnreg_spec_from_seed(4, 5, 3);
  const auto exact = make_bnreg<double, 5>(spec);
  const auto padded = make_bnreg<double, 8>(spec);
  EXPECT_EQ(padded.d, 5);
  for (int t = 0; t < 200; ++t) {
    double w5[5], w8[8] = {};
    bnreg_initial_point(InitDist{InitKind::kSphere, 2.0, 0.0, {}}, 7, std::uint64_t(t), 5, w8);
    initial_point<5>(InitDist{InitKind::kSphere, 2.0, 0.0, {}}, 7, std::uint64_t(t), w5);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(w8[i], i < 5 ? w5[i] : 0.0);
    double g5[5], g8[8];
    EXPECT_EQ(exact.loss_grad(w5, g5), padded.loss_grad(w8, g8));
    for (int i = 0; i < 8; ++i) EXPECT_EQ(g8[i], i < 5 ? g5[i] : 0.0);
    int a = 0;
    EXPECT_EQ(exact.phi(w5), padded.phi(w8));
    EXPECT_EQ(exact.flat_distance(w5, a), padded.flat_distance(w8, a));
    EXPECT_EQ(exact.min_distance(w5), padded.min_distance(w8));
    EXPECT_EQ(exact.sharpness(w5), padded.sharpness(w8));
    BnRegFit f5, f8;
    const RandomKey key{1, std::uint64_t(t), 0, Purpose::kBouligandSign};
    for (int k = 0; k < 20; ++k) {
      bnreg_step(exact, Gdwd{0.01}, w5, 0.1, key, 1e6, 1e-6, f5);
      bnreg_step(padded, Gdwd{0.01}, w8, 0.1, key, 1e6, 1e-6, f8);
    }
    for (int i = 0; i < 8; ++i) EXPECT_EQ(w8[i], i < 5 ? w5[i] : 0.0);
  }
}

// ---------------------------------------------------------------------------------------
// The data: drawn from data_seed, and the refused inputs.

TEST(BnRegSetup, DrawFromDataSeedIsReproducibleAndValid) {
  std::vector<double> X1, y1, X2, y2, X3, y3;
  bnreg_draw(4, 8, 5, X1, y1);
  bnreg_draw(4, 8, 5, X2, y2);
  bnreg_draw(4, 8, 6, X3, y3);
  EXPECT_EQ(X1, X2);
  EXPECT_EQ(y1, y2);
  EXPECT_NE(X1, X3);
  ASSERT_EQ(X1.size(), 32u);
  ASSERT_EQ(y1.size(), 4u);
  // The first n d numbers of the stream are X, the next d make w_true (scaled by
  // 1/sqrt(d)), the last b_true, and y_i = <w_true, x_i> + b_true.
  std::vector<double> z(32 + 8 + 1);
  normals(RandomKey{5, 0, 0, Purpose::kBnRegData}, z.data(), int(z.size()));
  for (int i = 0; i < 32; ++i) EXPECT_EQ(X1[i], z[i]);
  for (int i = 0; i < 4; ++i) {
    double dot = 0.0;
    for (int j = 0; j < 8; ++j) dot += z[32 + j] / std::sqrt(8.0) * z[i * 8 + j];
    EXPECT_NEAR(y1[i], dot + z[40], 1e-14);
  }
  for (int n = 3; n <= 16; n += 3)
    for (int d = n; d <= 16; d += 4)
      for (std::uint64_t seed = 0; seed < 10; ++seed) {
        const BnRegSpec s = bnreg_spec_from_seed(n, d, seed);
        EXPECT_GT(s.summary.s_star, 0.0);
        EXPECT_NEAR(Vec(vec_of(s.summary.theta_star)).norm(), 1.0, 1e-15);
      }
}

void expect_refused(const std::function<void()>& f, const std::string& setting) {
  try {
    f();
    ADD_FAILURE() << "accepted; expected a refusal naming " << setting;
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("invalid param " + setting), std::string::npos) << what;
    EXPECT_NE(what.find("bnreg"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST(BnRegSetup, RefusesInvalidData) {
  const std::vector<double> y4 = {1, 2, 3, 5};
  auto X = [](int n, int d) {
    std::vector<double> v;
    std::mt19937_64 rng(122);
    std::normal_distribution<double> g;
    for (int i = 0; i < n * d; ++i) v.push_back(g(rng));
    return v;
  };
  expect_refused([&] { bnreg_spec(2, 8, X(2, 8), {1, 2}); }, "n");
  expect_refused([&] { bnreg_spec_from_seed(2, 8, 0); }, "n");
  expect_refused([&] { bnreg_spec(5, 4, X(5, 4), {1, 2, 3, 4, 5}); }, "d");
  expect_refused([&] { bnreg_spec_from_seed(4, 17, 0); }, "d");
  expect_refused([&] { bnreg_spec(17, 17, X(17, 17), std::vector<double>(17, 1.0)); }, "d");
  std::vector<double> x31 = kD8X;
  x31.pop_back();
  expect_refused([&] { bnreg_spec(4, 8, x31, kD8y); }, "X");
  expect_refused([&] { bnreg_spec(4, 8, kD8X, {1, 2, 3}); }, "y");
  expect_refused([&] { bnreg_spec(4, 8, kD8X, {1, 2, 3, 4, 5}); }, "y");
  std::vector<double> xnan = kD8X;
  xnan[5] = NAN;
  expect_refused([&] { bnreg_spec(4, 8, xnan, kD8y); }, "X");
  expect_refused([&] { bnreg_spec(4, 8, kD8X, {1, INFINITY, 3, 4}); }, "y");
  // Constant y, also where its mean does not round back to the common value.
  expect_refused([&] { bnreg_spec(4, 8, kD8X, {2.5, 2.5, 2.5, 2.5}); }, "y");
  expect_refused([&] { bnreg_spec(3, 8, X(3, 8), {0.1, 0.1, 0.1}); }, "y");
  // Centered inputs of rank below n - 1: a repeated point, all points equal, collinear points.
  std::vector<double> repeated = kD8X;
  std::copy(repeated.begin(), repeated.begin() + 8, repeated.begin() + 8);
  expect_refused([&] { bnreg_spec(4, 8, repeated, kD8y); }, "X");
  std::vector<double> same(32);
  for (int i = 0; i < 32; ++i) same[i] = kD8X[i % 8];
  expect_refused([&] { bnreg_spec(4, 8, same, kD8y); }, "X");
  std::vector<double> line(32);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 8; ++j) line[i * 8 + j] = kD8X[j] + (i * i - 1.5) * kD8X[8 + j];
  expect_refused([&] { bnreg_spec(4, 8, line, kD8y); }, "X");
  // The text of the X and y settings.
  expect_refused([] { bnreg_numbers("1,abc", "X"); }, "X");
  expect_refused([] { bnreg_numbers("1,,2", "y"); }, "y");
  expect_refused([] { bnreg_numbers("1,nan", "X"); }, "X");
  expect_refused([] { bnreg_numbers("1,2x", "y"); }, "y");
  // The allowed range is named.
  try {
    bnreg_spec(2, 8, X(2, 8), {1, 2});
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("3 <= n <= d <= 16"), std::string::npos);
  }
  // And what is allowed is accepted.
  EXPECT_EQ(bnreg_numbers("1.5, -2,3e-1", "X"), (std::vector<double>{1.5, -2, 0.3}));
  EXPECT_NO_THROW(bnreg_spec(4, 8, kD8X, y4));
  EXPECT_NO_THROW(bnreg_spec(3, 3, X(3, 3), {1, 2, 4}));
  EXPECT_NO_THROW(bnreg_spec(16, 16, X(16, 16), X(1, 16)));
}

}  // namespace
}  // namespace ngdsim
