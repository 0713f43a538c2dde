// The math of docs/model.md against finite differences and brute force.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "landscape_checks.hpp"
#include "ngdsim/init.hpp"
#include "ngdsim/landscapes/parabola.hpp"
#include "ngdsim/landscapes/product.hpp"
#include "ngdsim/observe.hpp"
#include "ngdsim/optimizers/gd.hpp"
#include "ngdsim/optimizers/ngd.hpp"

namespace ngdsim {
namespace {

using test::check_direction_off_set;
using test::check_direction_on_set;
using test::check_gradient;
using test::random_point;

TEST(Gradient, ProductMatchesFiniteDifferences) {
  check_gradient(Product<double, 2>{2});
  check_gradient(Product<double, 3>{2});
  check_gradient(Product<double, 4>{2});
  check_gradient(Product<double, 5>{2});
  check_gradient(Product<double, 6>{2});
  check_gradient(Product<double, 7>{2});
  check_gradient(Product<double, 8>{2});
}

TEST(Gradient, ParabolaMatchesFiniteDifferences) { check_gradient(Parabola<double>{2}); }

TEST(Gradient, NonsmoothQ1MatchesFiniteDifferencesAwayFromTheSet) {
  // f = |g| is differentiable where g != 0; random points have g != 0.
  check_gradient(Product<double, 3>{1});
  check_gradient(Parabola<double>{1});
}

TEST(Direction, EqualsNormalizedGradientOffTheSet) {
  check_direction_off_set(Product<double, 2>{2});
  check_direction_off_set(Product<double, 5>{2});
  check_direction_off_set(Product<double, 3>{1});
  check_direction_off_set(Parabola<double>{2});
  check_direction_off_set(Parabola<double>{1});
}

TEST(Direction, BouligandSignOnTheSet) {
  check_direction_on_set(Product<double, 2>{2}, {2.0, 0.5});
  check_direction_on_set(Product<double, 3>{2}, {4.0, 0.5, 0.5});
  check_direction_on_set(Product<double, 2>{1}, {-0.25, -4.0});
  check_direction_on_set(Parabola<double>{2}, {0.5, 0.25});
  check_direction_on_set(Parabola<double>{1}, {-3.0, 9.0});
}

TEST(Direction, RandomUnitVectorAtCriticalPoint) {
  const Product<double, 3> land{2};
  const double x[3] = {0.0, 0.0, 0.0};
  double v[3];
  ASSERT_EQ(Ngd{}.direction(land, x, v), kCriticalPoint);
  Ngd{}.resolve(kCriticalPoint, land, x, v, RandomKey{1, 2, 3, Purpose::kBouligandSign});
  EXPECT_NEAR(v[0] * v[0] + v[1] * v[1] + v[2] * v[2], 1.0, 1e-14);
}

// Brute force over the 2^(n-1) flat minima.
template <int N>
void check_flat_distance() {
  const Product<double, N> land{2};
  std::mt19937_64 rng(13);
  for (int t = 0; t < 1000; ++t) {
    double x[N];
    random_point(rng, -2.0, 2.0, x);
    int id = -1;
    const double d = land.flat_distance(x, id);
    double best = INFINITY;
    int best_id = -1;
    for (int a = 0; a < Product<double, N>::kAttractors; ++a) {
      double m[N], s = 0.0;
      land.attractor_position(a, m);
      int negatives = 0;
      for (int i = 0; i < N; ++i) {
        negatives += m[i] < 0;
        ASSERT_EQ(std::abs(m[i]), 1.0);
        s += (x[i] - m[i]) * (x[i] - m[i]);
      }
      ASSERT_EQ(negatives % 2, 0);
      if (std::sqrt(s) < best) best = std::sqrt(s), best_id = a;
    }
    ASSERT_NEAR(d, best, 1e-12);
    ASSERT_EQ(id, best_id);
  }
  // Ids are the even sign patterns in increasing bit order (bit i set = x_i < 0).
  std::vector<unsigned> even;
  for (unsigned b = 0; b < (1u << N); ++b)
    if (__builtin_popcount(b) % 2 == 0) even.push_back(b);
  for (int a = 0; a < Product<double, N>::kAttractors; ++a) {
    double m[N];
    land.attractor_position(a, m);
    unsigned bits = 0;
    for (int i = 0; i < N; ++i) bits |= unsigned(m[i] < 0) << i;
    ASSERT_EQ(bits, even[a]);
  }
}

TEST(FlatDistance, ProductMatchesBruteForce) {
  check_flat_distance<2>();
  check_flat_distance<3>();
  check_flat_distance<4>();
  check_flat_distance<5>();
  check_flat_distance<6>();
}

TEST(FlatDistance, ParabolaIsDistanceToOrigin) {
  const Parabola<double> land{2};
  const double x[2] = {3.0, 4.0};
  int id = -1;
  EXPECT_DOUBLE_EQ(land.flat_distance(x, id), 5.0);
  EXPECT_EQ(id, 0);
}

// No sampled point of {g = 0} has a smaller |grad g| than the flat minima.
template <int N>
void check_flattest() {
  const Product<double, N> land{2};
  double m[N], grad[N];
  land.attractor_position(0, m);
  land.g_grad(m, grad);
  const double flat = std::sqrt(squared_norm(grad));
  EXPECT_DOUBLE_EQ(flat, std::sqrt(double(N)));
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> u(-3.0, 3.0);
  for (int t = 0; t < 20000; ++t) {
    double x[N], prod = 1.0;
    for (int i = 0; i + 1 < N; ++i) {
      x[i] = std::exp(u(rng) / 2) * (u(rng) < 0 ? -1.0 : 1.0);
      prod *= x[i];
    }
    x[N - 1] = 1.0 / prod;
    const double g = land.g_grad(x, grad);
    ASSERT_LT(std::abs(g), 1e-12);
    ASSERT_GE(std::sqrt(squared_norm(grad)), flat * (1 - 1e-12));
  }
}

TEST(Flatness, NoPointOfTheSetIsFlatterThanTheFlatMinima) {
  check_flattest<2>();
  check_flattest<3>();
  check_flattest<4>();
  check_flattest<6>();
  const Parabola<double> land{2};
  std::mt19937_64 rng(19);
  std::uniform_real_distribution<double> u(-5.0, 5.0);
  for (int t = 0; t < 20000; ++t) {
    const double a = u(rng);
    const double x[2] = {a, a * a};
    double grad[2];
    land.g_grad(x, grad);
    ASSERT_GE(squared_norm(grad), 1.0);
  }
}

// phi is conserved by the gradient flow, so small-step GD (10^4 steps of 1e-4)
// drifts by < 1e-6 relative. The Euler drift is about (h/2) f(x_0) |Hess phi|,
// so the starts lie near the minimizer set (f(x_0) <= 1e-4) where that bound is
// below 1e-6; to keep the test discriminating, |x|^2, which the flow does not
// conserve, must change by far more than phi does.
template <class L, class Start>
void check_phi_conserved(const L& land, Start&& start) {
  constexpr int D = L::kDim;
  for (int t = 0; t < 20; ++t) {
    double x[D], grad[D];
    start(x, t);
    const double phi0 = land.phi(x);
    const double r0 = squared_norm(x);
    ASSERT_GT(std::abs(land.g_grad(x, grad)), 1e-3);
    for (int k = 0; k < 10000; ++k) {
      double v[D];
      Gd{}.direction(land, x, v);
      for (int i = 0; i < D; ++i) x[i] -= 1e-4 * v[i];
    }
    const double drift = std::abs(land.phi(x) - phi0) / std::abs(phi0);
    ASSERT_LT(drift, 1e-6) << "start " << t;
    ASSERT_GT(std::abs(squared_norm(x) - r0) / r0, 100 * drift) << "start " << t;
  }
}

TEST(Phi, ConservedAlongSmallStepGradientDescent) {
  std::mt19937_64 rng(23);
  std::uniform_real_distribution<double> u(0.4, 2.0), s(-0.01, 0.01);
  auto on_product = [&](auto& x, int t) {
    constexpr int D = sizeof(x) / sizeof(x[0]);
    double prod = 1.0;
    for (int i = 0; i + 1 < D; ++i) x[i] = u(rng) * (t % 2 && i == 0 ? -1 : 1), prod *= x[i];
    x[D - 1] = (1.0 + (std::abs(s(rng)) + 2e-3)) / prod;  // g in [0.002, 0.012]
  };
  check_phi_conserved(Product<double, 2>{2}, on_product);
  check_phi_conserved(Product<double, 3>{2}, on_product);
  check_phi_conserved(Product<double, 4>{2}, on_product);
  check_phi_conserved(Parabola<double>{2}, [&](double(&x)[2], int) {
    x[0] = u(rng) - 1.2;
    x[1] = x[0] * x[0] + (std::abs(s(rng)) + 2e-3);
  });
}

TEST(Phi, ProductIsZeroOnTheBalancedSet) {
  const Product<double, 4> land{2};
  const double x[4] = {-0.7, 0.7, 0.7, -0.7};
  EXPECT_EQ(land.phi(x), 0.0);
}

TEST(Observe, MinDistanceAndGradNorm) {
  const Product<double, 2> land{2};
  const double x[2] = {2.0, 1.0};  // g = 1, grad g = (1, 2)
  double f, phi, flat, mind, gn;
  int a;
  observe(land, x, f, phi, flat, mind, gn, a);
  EXPECT_DOUBLE_EQ(f, 1.0);
  EXPECT_DOUBLE_EQ(phi, 9.0);
  EXPECT_DOUBLE_EQ(mind, 1.0 / std::sqrt(5.0));
  EXPECT_DOUBLE_EQ(gn, 2.0 * std::sqrt(5.0));
  EXPECT_DOUBLE_EQ(flat, 1.0);
  EXPECT_EQ(a, 0);
}

}  // namespace
}  // namespace ngdsim

namespace ngdsim {
namespace {

// Initial distributions: a pure function of (seed, trajectory), with the right law.
TEST(Init, BoxNormalAndBall) {
  InitDist box;
  box.a = -2.0, box.b = 3.0;
  InitDist normal;
  normal.kind = InitKind::kNormal, normal.a = 1.0, normal.b = 0.5;
  InitDist ball;
  ball.kind = InitKind::kBall, ball.a = 0.25, ball.center[0] = 1.0, ball.center[1] = -1.0,
  ball.center[2] = 2.0;
  const int n = 200000;
  double box_sum = 0, nsum = 0, nsq = 0, inner = 0;
  for (int i = 0; i < n; ++i) {
    double b[2], z[3], w[3];
    initial_point<2>(box, 9, i, b);
    ASSERT_TRUE(b[0] >= -2.0 && b[0] < 3.0 && b[1] >= -2.0 && b[1] < 3.0);
    box_sum += b[0] + b[1];
    initial_point<3>(normal, 9, i, z);
    nsum += z[0] + z[1] + z[2];
    nsq += (z[0] - 1) * (z[0] - 1);
    initial_point<3>(ball, 9, i, w);
    const double r2 = (w[0] - 1) * (w[0] - 1) + (w[1] + 1) * (w[1] + 1) + (w[2] - 2) * (w[2] - 2);
    ASSERT_LE(r2, 0.25 * 0.25 * (1 + 1e-12));
    inner += r2 <= 0.125 * 0.125;  // uniform in 3-D: (1/2)^3 of the volume
  }
  EXPECT_NEAR(box_sum / (2 * n), 0.5, 0.01);
  EXPECT_NEAR(nsum / (3 * n), 1.0, 0.005);
  EXPECT_NEAR(nsq / n, 0.25, 0.005);
  EXPECT_NEAR(inner / n, 0.125, 0.003);
  double a[2], b[2];
  initial_point<2>(box, 9, 12345, a);
  initial_point<2>(box, 9, 12345, b);
  EXPECT_EQ(a[0], b[0]);
  initial_point<2>(box, 10, 12345, b);
  EXPECT_NE(a[0], b[0]);
}

}  // namespace
}  // namespace ngdsim
