// Initial distributions (docs/model.md): box, normal, ball, sphere, zero.
#pragma once

#include "random.hpp"

namespace ngdsim {

enum class InitKind : int { kBox = 0, kNormal = 1, kBall = 2, kSphere = 3, kZero = 4 };

struct InitDist {
  InitKind kind = InitKind::kBox;
  double a = -2.0;              // box: lo;  normal: mean;  ball, sphere: radius
  double b = 2.0;               // box: hi;  normal: sigma
  double center[kMaxDim] = {};  // ball only
};

// The starting point of trajectory i in n dimensions, x[0..n): a pure function of
// (seed, i). Run-time n, so that a landscape of run-time dimension (bnreg) draws exactly
// what initial_point<n> draws.
NGDSIM_HD void initial_point_n(const InitDist& dist, std::uint64_t seed, std::uint64_t i, int n,
                               double* x) {
  RandomKey key{seed, i, 0u, Purpose::kInit};
  if (dist.kind == InitKind::kZero) {
    // Exactly the origin (matrix sensing's strict saddle), drawing nothing.
    for (int k = 0; k < n; ++k) x[k] = 0.0;
  } else if (dist.kind == InitKind::kBox) {
    uniforms(key, x, n);
    for (int k = 0; k < n; ++k) x[k] = dist.a + (dist.b - dist.a) * x[k];
  } else if (dist.kind == InitKind::kNormal) {
    normals(key, x, n);
    for (int k = 0; k < n; ++k) x[k] = dist.a + dist.b * x[k];
  } else if (dist.kind == InitKind::kSphere) {
    // Uniform on the sphere of radius a about the origin: a normalized standard normal.
    normals(key, x, n);
    double n2 = 0.0;
    for (int k = 0; k < n; ++k) n2 += x[k] * x[k];
    const double r = dist.a / sqrt(n2);
    for (int k = 0; k < n; ++k) x[k] = r * x[k];
  } else {
    // Uniform in the ball: isotropic direction times radius r u^(1/n). The radius
    // uses a block of the stream the direction never reaches (n <= 16 needs 8 blocks).
    normals(key, x, n);
    double n2 = 0.0;
    for (int k = 0; k < n; ++k) n2 += x[k] * x[k];
    const auto w = philox_words(key, 64u);
    const double r = dist.a * pow(uniform_open(w.v[0], w.v[1]), 1.0 / n) / sqrt(n2);
    for (int k = 0; k < n; ++k) x[k] = dist.center[k] + r * x[k];
  }
}

template <int D>
NGDSIM_HD void initial_point(const InitDist& dist, std::uint64_t seed, std::uint64_t i,
                             double (&x)[D]) {
  initial_point_n(dist, seed, i, D, x);
}

}  // namespace ngdsim
