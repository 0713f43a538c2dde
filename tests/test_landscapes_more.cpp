// cubic, quadric, bilinear, cross and the sam and perturbed optimizers (docs/model.md):
// finite differences, the NGD direction on and off
// {g = 0}, brute-force flat_distance, flatness, phi, one step by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "cli/bilinear_setup.hpp"
#include "cli/config.hpp"
#include "landscape_checks.hpp"
#include "ngdsim/landscapes/bilinear.hpp"
#include "ngdsim/landscapes/cross.hpp"
#include "ngdsim/landscapes/cubic.hpp"
#include "ngdsim/landscapes/parabola.hpp"
#include "ngdsim/landscapes/product.hpp"
#include "ngdsim/landscapes/quadric.hpp"
#include "ngdsim/observe.hpp"
#include "ngdsim/optimizers/gd.hpp"
#include "ngdsim/optimizers/ngd.hpp"
#include "ngdsim/optimizers/perturbed.hpp"
#include "ngdsim/optimizers/sam.hpp"

namespace ngdsim {
namespace {

using test::check_direction_off_set;
using test::check_direction_on_set;
using test::check_gradient;
using test::random_point;

Bilinear<double, 3> bilinear3(const std::string& A = "random", std::uint64_t seed = 7) {
  Config c;
  c.landscape = "bilinear";
  c.param["m"] = "3";
  c.param["A"] = A;
  c.seed = seed;
  resolve(c);
  return make_bilinear<double, 3>(bilinear_spec(c), 2);
}

// Every landscape of this file, with the parameters the studies use.
template <class F>
void for_each_landscape(F&& f) {
  f(Cubic<double>{2});
  f(Quadric<double>::make(2, 1.0, 4.0));   // ellipse
  f(Quadric<double>::make(2, 1.0, -1.0));  // hyperbola
  f(Quadric<double>::make(2, 3.0, 0.5));   // flat minima on the y axis
  f(Cross<double>{2});
  f(bilinear3());
}

TEST(MoreLandscapes, GradientMatchesFiniteDifferences) {
  for_each_landscape([](const auto& land) { check_gradient(land); });
}

TEST(MoreLandscapes, DirectionIsNormalizedGradientOffTheSet) {
  for_each_landscape([](const auto& land) { check_direction_off_set(land); });
}

TEST(MoreLandscapes, BouligandSignOnTheSet) {
  check_direction_on_set(Cubic<double>{2}, {1.0, 0.0});
  check_direction_on_set(Cubic<double>{1}, {0.0, 1.0});
  check_direction_on_set(Quadric<double>::make(2, 1.0, 4.0), {0.0, 0.5});
  check_direction_on_set(Quadric<double>::make(2, 1.0, -1.0), {-1.0, 0.0});
  check_direction_on_set(Cross<double>{2}, {2.0, 0.0});  // +-(0, 1) at an axis point
  check_direction_on_set(bilinear3("1,0,0,0,2,0,0,0,3"), {1.0, 0.0, 0.0, 1.0, 0.0, 0.0});
}

// flat_distance and the attractor id against brute force over the flat minima.
TEST(MoreLandscapes, FlatDistanceMatchesBruteForce) {
  for_each_landscape([](const auto& land) {
    using L = std::decay_t<decltype(land)>;
    constexpr int D = L::kDim;
    std::mt19937_64 rng(13);
    for (int t = 0; t < 1000; ++t) {
      double x[D];
      random_point(rng, -3.0, 3.0, x);
      int id = -1;
      const double d = land.flat_distance(x, id);
      double best = INFINITY;
      int best_id = -1;
      for (int a = 0; a < L::kAttractors; ++a) {
        double m[D], s = 0.0;
        land.attractor_position(a, m);
        for (int i = 0; i < D; ++i) s += (x[i] - m[i]) * (x[i] - m[i]);
        if (std::sqrt(s) < best) best = std::sqrt(s), best_id = a;
      }
      ASSERT_NEAR(d, best, 1e-12);
      ASSERT_EQ(id, best_id);
    }
    // The flat minima lie on {g = 0}.
    for (int a = 0; a < L::kAttractors; ++a) {
      double m[D], grad[D];
      land.attractor_position(a, m);
      ASSERT_NEAR(land.g_grad(m, grad), 0.0, 1e-12);
    }
  });
}

// min(eps) contains flat(eps): min_distance is the first-order distance |g| / |grad g|
// capped by flat_distance. The cap binds at some points (else this test proves nothing)
// and the first-order value is kept elsewhere.
TEST(MoreLandscapes, MinDistanceNeverExceedsFlatDistance) {
  int capped = 0;
  auto check = [&capped](const auto& land) {
    using L = std::decay_t<decltype(land)>;
    constexpr int D = L::kDim;
    std::mt19937_64 rng(23);
    int first_order = 0;
    for (int t = 0; t < 2000; ++t) {
      double x[D], grad[D], f, phi, flat, mind, gn;
      int a = -1;
      random_point(rng, -3.0, 3.0, x);
      observe(land, x, f, phi, flat, mind, gn, a);
      const double g = land.g_grad(x, grad);
      const double fo = std::abs(g) / std::sqrt(squared_norm(grad));
      ASSERT_LE(mind, flat);
      ASSERT_EQ(mind, fo < flat ? fo : flat);
      capped += fo > flat;
      first_order += fo < flat;
    }
    EXPECT_GT(first_order, 0);
  };
  for_each_landscape(check);
  check(Parabola<double>{2});
  check(Product<double, 2>{2});
  check(Product<double, 3>{1});
  EXPECT_GT(capped, 0);
  // The cross's origin lies on {g = 0} with grad g = 0: |g| / |grad g| is 0/0 there, and
  // the distance is the flat one, not NaN.
  const double origin[2] = {0.0, 0.0};
  double f, phi, flat, mind, gn;
  int a = -1;
  observe(Cross<double>{2}, origin, f, phi, flat, mind, gn, a);
  EXPECT_TRUE(std::isfinite(flat));
  EXPECT_EQ(mind, flat);
}

// No sampled point of {g = 0} has a smaller |grad g| than the flat minima.
template <class L, class Sample>
void check_flattest(const L& land, Sample&& sample) {
  constexpr int D = L::kDim;
  double m[D], grad[D];
  land.attractor_position(0, m);
  land.g_grad(m, grad);
  const double flat = std::sqrt(squared_norm(grad));
  std::mt19937_64 rng(17);
  for (int t = 0; t < 20000; ++t) {
    double x[D];
    sample(rng, x);
    const double g = land.g_grad(x, grad);
    ASSERT_LT(std::abs(g), 1e-9);
    ASSERT_GE(std::sqrt(squared_norm(grad)), flat * (1 - 1e-9));
  }
}

TEST(MoreLandscapes, NoPointOfTheSetIsFlatterThanTheFlatMinima) {
  std::uniform_real_distribution<double> u(-4.0, 4.0);
  check_flattest(Cubic<double>{2}, [&](auto& rng, double(&x)[2]) {
    x[0] = u(rng);
    x[1] = std::cbrt(1.0 - x[0] * x[0] * x[0]);
  });
  check_flattest(Quadric<double>::make(2, 1.0, 4.0), [&](auto& rng, double(&x)[2]) {
    const double t = u(rng);
    x[0] = std::cos(t), x[1] = std::sin(t) / 2;
  });
  check_flattest(Quadric<double>::make(2, 1.0, -1.0), [&](auto& rng, double(&x)[2]) {
    const double t = u(rng) / 2;
    x[0] = std::cosh(t) * (u(rng) < 0 ? -1 : 1), x[1] = std::sinh(t);
  });
  check_flattest(Cross<double>{2}, [&](auto& rng, double(&x)[2]) {
    const bool on_x = u(rng) < 0;
    x[0] = on_x ? u(rng) : 0.0, x[1] = on_x ? 0.0 : u(rng);
  });
  const auto bl = bilinear3();
  check_flattest(bl, [&](auto& rng, double(&z)[6]) {
    for (double& v : z) v = u(rng);
    double grad[6];
    const double xay = bl.g_grad(z, grad) + 1.0;  // x^T A y
    for (int i = 3; i < 6; ++i) z[i] /= xay;      // rescale y so that x^T A y = 1
  });
}

TEST(Bilinear, FlatMinimaHaveGradNormSquaredTwiceTheSmallestSingularValue) {
  Config c;
  c.landscape = "bilinear";
  c.param["m"] = "3";
  c.seed = 7;
  resolve(c);
  const BilinearSpec spec = bilinear_spec(c);
  const auto land = make_bilinear<double, 3>(spec, 2);
  const double smin = *std::min_element(spec.s.begin(), spec.s.end());
  EXPECT_EQ(spec.s[spec.kmin], smin);
  for (int a = 0; a < 2; ++a) {
    double z[6], grad[6];
    land.attractor_position(a, z);
    land.g_grad(z, grad);
    EXPECT_NEAR(squared_norm(grad), 2 * smin, 1e-12);
    EXPECT_NEAR(land.phi(z), 0.0, 1e-12);
  }
}

TEST(Bilinear, RejectsASmallestSingularValueThatIsNotSimpleOrZero) {
  // A = Q diag(2, 0.5, 0.5 (1 + 1e-8)) R^T with random orthogonal Q, R.
  std::mt19937_64 rng(3);
  std::normal_distribution<double> n(0.0, 1.0);
  auto orthogonal = [&] {
    double q[3][3];
    for (auto& row : q)
      for (double& v : row) v = n(rng);
    for (int i = 0; i < 3; ++i) {  // Gram-Schmidt on the rows
      for (int j = 0; j < i; ++j) {
        double d = 0;
        for (int k = 0; k < 3; ++k) d += q[i][k] * q[j][k];
        for (int k = 0; k < 3; ++k) q[i][k] -= d * q[j][k];
      }
      double s = 0;
      for (int k = 0; k < 3; ++k) s += q[i][k] * q[i][k];
      for (int k = 0; k < 3; ++k) q[i][k] /= std::sqrt(s);
    }
    return std::vector<double>(&q[0][0], &q[0][0] + 9);
  };
  const auto Q = orthogonal(), R = orthogonal();
  auto make_text = [&](const double(&s)[3]) {
    std::ostringstream o;
    o.precision(17);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        double v = 0;
        for (int k = 0; k < 3; ++k) v += Q[i * 3 + k] * s[k] * R[j * 3 + k];
        o << (i || j ? "," : "") << v;
      }
    return o.str();
  };
  auto spec_of = [&](const std::string& A) {
    Config c;
    c.landscape = "bilinear";
    c.param["m"] = "3";
    c.param["A"] = A;
    resolve(c);
    return bilinear_spec(c);
  };
  try {
    spec_of(make_text({2.0, 0.5, 0.5 * (1 + 1e-8)}));
    FAIL() << "accepted a near-repeated smallest singular value";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("not simple"), std::string::npos) << e.what();
  }
  EXPECT_THROW(spec_of(make_text({2.0, 1.0, 0.0})), UsageError);
  EXPECT_NO_THROW(spec_of(make_text({2.0, 1.0, 0.5})));
  EXPECT_THROW(spec_of("1,2,3"), UsageError);  // wrong shape
  EXPECT_THROW(spec_of("1,0,0,0,1,0,0,0,nan"), UsageError);
}

// phi is conserved along small-step GD where docs/model.md says the flow conserves
// it; starts near {g = 0} as in test_landscapes.cpp (Euler drift ~ h f(x_0)).
template <class L, class Start>
void check_phi_conserved(const L& land, Start&& start) {
  constexpr int D = L::kDim;
  std::mt19937_64 rng(29);
  for (int t = 0; t < 20; ++t) {
    double x[D];
    start(rng, x);
    const double phi0 = land.phi(x), r0 = squared_norm(x);
    for (int k = 0; k < 10000; ++k) {
      double v[D];
      Gd{}.direction(land, x, v);
      for (int i = 0; i < D; ++i) x[i] -= 1e-4 * v[i];
    }
    const double drift = std::abs(land.phi(x) - phi0) / std::abs(phi0);
    ASSERT_LT(drift, 1e-6) << "start " << t << " of landscape d=" << D << " phi0=" << phi0;
    ASSERT_GT(std::abs(squared_norm(x) - r0) / r0, 100 * drift) << "start " << t;
  }
}

TEST(MoreLandscapes, PhiConservedAlongSmallStepGradientDescent) {
  std::uniform_real_distribution<double> u(0.3, 1.2), s(0.002, 0.012);
  check_phi_conserved(Cubic<double>{2}, [&](auto& rng, double(&x)[2]) {
    x[0] = 0.5 + 0.4 * (u(rng) - 0.3) / 0.9;  // x, y in about [0.5, 0.96]: away from the axes
    x[1] = std::cbrt(1.0 + s(rng) - x[0] * x[0] * x[0]);
  });
  check_phi_conserved(Quadric<double>::make(2, 1.0, 4.0), [&](auto& rng, double(&x)[2]) {
    const double t = u(rng);
    const double r = std::sqrt(1.0 + s(rng));
    x[0] = r * std::cos(t), x[1] = r * std::sin(t) / 2;
  });
  check_phi_conserved(Quadric<double>::make(2, 1.0, -1.0), [&](auto& rng, double(&x)[2]) {
    const double t = u(rng);
    const double r = std::sqrt(1.0 + s(rng));
    x[0] = r * std::cosh(t), x[1] = r * std::sinh(t);
  });
}

// bilinear's phi is not itself conserved; what the flow conserves is
// xt_k^2 - yt_k^2 (xt = U^T x, yt = V^T y) for every k (docs/model.md).
TEST(Bilinear, BalanceOfEverySingularPairConservedAlongSmallStepGradientDescent) {
  const auto bl = bilinear3();
  auto balance = [&](const double(&z)[6], int k) {
    double xt = 0, yt = 0;
    for (int i = 0; i < 3; ++i) xt += bl.U[i][k] * z[i], yt += bl.V[i][k] * z[3 + i];
    return xt * xt - yt * yt;
  };
  std::mt19937_64 rng(37);
  std::uniform_real_distribution<double> w(-1.0, 1.0), s(0.002, 0.012);
  for (int t = 0; t < 20; ++t) {
    double z[6], grad[6];
    for (double& v : z) v = w(rng);
    const double xay = bl.g_grad(z, grad) + 1.0;
    for (int i = 3; i < 6; ++i) z[i] *= (1.0 + s(rng)) / xay;
    double b0[3];
    for (int k = 0; k < 3; ++k) b0[k] = balance(z, k);
    const double r0 = squared_norm(z);
    for (int step = 0; step < 10000; ++step) {
      double v[6];
      Gd{}.direction(bl, z, v);
      for (int i = 0; i < 6; ++i) z[i] -= 1e-4 * v[i];
    }
    double drift = 0;
    for (int k = 0; k < 3; ++k) drift = std::max(drift, std::abs(balance(z, k) - b0[k]));
    ASSERT_LT(drift, 1e-6 * r0) << t;
    ASSERT_GT(std::abs(squared_norm(z) - r0), 100 * drift) << t;  // the point did move
  }
}

TEST(MoreLandscapes, CrossPhiDecreasesAlongGradientFlow) {
  const Cross<double> land{2};
  std::mt19937_64 rng(31);
  for (int t = 0; t < 20; ++t) {
    double x[2];
    random_point(rng, -1.5, 1.5, x);
    double prev = land.phi(x);
    for (int k = 0; k < 10000; ++k) {
      double v[2];
      Gd{}.direction(land, x, v);
      for (int i = 0; i < 2; ++i) x[i] -= 1e-4 * v[i];
      ASSERT_LE(land.phi(x), prev * (1 + 1e-15));
      prev = land.phi(x);
    }
  }
}

TEST(Optimizers, SamStepByHand) {
  const Cross<double> land{2};  // f = (xy)^2, grad f = 2xy (y, x)
  const double x[2] = {2.0, 1.0}, rho = 0.1, alpha = 0.01;
  double v[2];
  EXPECT_EQ((Sam{rho}.direction(land, x, v)), kRegular);
  // By hand: grad f(x) = (4, 8); the ascent point x + rho (4, 8)/|(4, 8)|.
  const double n = std::sqrt(16.0 + 64.0);
  const double a0 = 2.0 + rho * 4.0 / n, a1 = 1.0 + rho * 8.0 / n;
  const double expect[2] = {2 * a0 * a1 * a1, 2 * a0 * a1 * a0};
  EXPECT_NEAR(v[0], expect[0], 1e-14);
  EXPECT_NEAR(v[1], expect[1], 1e-14);
  EXPECT_NEAR(x[0] - alpha * v[0], 2.0 - alpha * expect[0], 1e-15);
  // At a point with grad f = 0 the ascent step is zero: SAM is GD there.
  const double origin[2] = {0.0, 0.0};
  Sam{rho}.direction(land, origin, v);
  EXPECT_EQ(v[0], 0.0);
  EXPECT_EQ(v[1], 0.0);
}

TEST(Optimizers, PerturbedStepByHand) {
  const Cross<double> land{2};
  const double x[2] = {2.0, 1.0}, sigma = 0.3, alpha = 0.01;
  const RandomKey key{9, 4, 17, Purpose::kBouligandSign};
  double v[2];
  const Perturbed opt{sigma};
  const StepKind kind = opt.direction(land, x, v);
  ASSERT_EQ(kind, kNoise);
  double xn[2] = {x[0] - alpha * v[0], x[1] - alpha * v[1]};
  opt.perturb(kind, xn, key);
  // By hand: x - alpha grad f + sigma xi, xi the (seed, i, k, perturbation) normals.
  double xi[2];
  normals(RandomKey{9, 4, 17, Purpose::kPerturbation}, xi, 2);
  EXPECT_EQ(xn[0], (2.0 - alpha * 4.0) + sigma * xi[0]);
  EXPECT_EQ(xn[1], (1.0 - alpha * 8.0) + sigma * xi[1]);
  // sigma = 0: no noise flagged or added.
  EXPECT_EQ(Perturbed{0.0}.direction(land, x, v), kRegular);
}

}  // namespace
}  // namespace ngdsim
