// Checks of docs/model.md shared by the landscape test files: the
// gradient against central finite differences and the NGD direction off {g = 0}.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "ngdsim/optimizers/gd.hpp"
#include "ngdsim/optimizers/ngd.hpp"

namespace ngdsim::test {

template <class L>
double f_at(const L& land, const double (&x)[L::kDim]) {
  double grad[L::kDim];
  return f_of_g(land.g_grad(x, grad), land.q);
}

template <int D>
void random_point(std::mt19937_64& rng, double lo, double hi, double (&x)[D]) {
  std::uniform_real_distribution<double> u(lo, hi);
  for (auto& v : x) v = u(rng);
}

// grad f from Gd::direction (the optimizer's own gradient) against a 5-point
// central difference of f, at 1000 random points.
template <class L>
void check_gradient(const L& land) {
  constexpr int D = L::kDim;
  std::mt19937_64 rng(7);
  for (int t = 0; t < 1000;) {
    double x[D], v[D], grad[D];
    random_point(rng, -2.0, 2.0, x);
    // The stencil must not straddle the kink of |g| (q = 1): keep points with
    // |g| well above the stencil's reach.
    if (land.q == 1 && std::abs(land.g_grad(x, grad)) < 0.2) continue;
    ++t;
    Gd{}.direction(land, x, v);
    double err = 0.0, scale = 0.0;
    for (int i = 0; i < D; ++i) {
      const double h = 1e-3 * std::max(1.0, std::abs(x[i]));
      double xp[D], xm[D], xp2[D], xm2[D];
      std::copy(x, x + D, xp), std::copy(x, x + D, xm), std::copy(x, x + D, xp2),
          std::copy(x, x + D, xm2);
      xp[i] += h, xm[i] -= h, xp2[i] += 2 * h, xm2[i] -= 2 * h;
      const double fd =
          (-f_at(land, xp2) + 8 * f_at(land, xp) - 8 * f_at(land, xm) + f_at(land, xm2)) / (12 * h);
      err = std::max(err, std::abs(fd - v[i]));
      scale = std::max(scale, std::abs(v[i]));
    }
    ASSERT_LT(err, 1e-6 * std::max(scale, 1.0)) << "point " << t;
  }
}

// NGD direction = grad f / |grad f| wherever g != 0 and grad g != 0.
template <class L>
void check_direction_off_set(const L& land) {
  constexpr int D = L::kDim;
  std::mt19937_64 rng(11);
  for (int t = 0; t < 1000; ++t) {
    double x[D], v[D], gf[D];
    random_point(rng, -2.0, 2.0, x);
    ASSERT_EQ(Ngd{}.direction(land, x, v), kRegular);
    Gd{}.direction(land, x, gf);
    double n = 0.0;
    for (double c : gf) n += c * c;
    n = std::sqrt(n);
    for (int i = 0; i < D; ++i) ASSERT_NEAR(v[i], gf[i] / n, 1e-12);
  }
}

// On {g = 0} exactly: +-grad g/|grad g|, the sign drawn from the stream, both signs seen.
template <class L>
void check_direction_on_set(const L& land, const double (&x)[L::kDim]) {
  constexpr int D = L::kDim;
  double grad[D], v[D];
  ASSERT_EQ(land.g_grad(x, grad), 0.0);
  ASSERT_EQ(Ngd{}.direction(land, x, v), kSignDraw);
  const double n = std::sqrt(squared_norm(grad));
  int plus = 0;
  for (std::uint64_t i = 0; i < 200; ++i) {
    Ngd{}.resolve(kSignDraw, land, x, v, RandomKey{5, i, 9, Purpose::kBouligandSign});
    double dot = 0.0;
    for (int k = 0; k < D; ++k) dot += v[k] * grad[k];
    const double s = dot > 0 ? 1.0 : -1.0;
    plus += s > 0;
    for (int k = 0; k < D; ++k) ASSERT_DOUBLE_EQ(v[k], s * grad[k] / n);
  }
  EXPECT_GT(plus, 50);
  EXPECT_LT(plus, 150);
}

}  // namespace ngdsim::test
