// Initial distributions (docs/model.md): box, normal, ball, sphere.
#pragma once

#include "random.hpp"

namespace ngdsim {

enum class InitKind : int { kBox = 0, kNormal = 1, kBall = 2, kSphere = 3 };

struct InitDist {
  InitKind kind = InitKind::kBox;
  double a = -2.0;              // box: lo;  normal: mean;  ball, sphere: radius
  double b = 2.0;               // box: hi;  normal: sigma
  double center[kMaxDim] = {};  // ball only
};

// The starting point of trajectory i: a pure function of (seed, i).
template <int D>
NGDSIM_HD void initial_point(const InitDist& dist, std::uint64_t seed, std::uint64_t i,
                             double (&x)[D]) {
  RandomKey key{seed, i, 0u, Purpose::kInit};
  if (dist.kind == InitKind::kBox) {
    double u[D];
    uniforms(key, u, D);
    for (int k = 0; k < D; ++k) x[k] = dist.a + (dist.b - dist.a) * u[k];
  } else if (dist.kind == InitKind::kNormal) {
    normals(key, x, D);
    for (int k = 0; k < D; ++k) x[k] = dist.a + dist.b * x[k];
  } else if (dist.kind == InitKind::kSphere) {
    // Uniform on the sphere of radius a about the origin: a normalized standard normal.
    normals(key, x, D);
    double n2 = 0.0;
    for (int k = 0; k < D; ++k) n2 += x[k] * x[k];
    const double r = dist.a / sqrt(n2);
    for (int k = 0; k < D; ++k) x[k] = r * x[k];
  } else {
    // Uniform in the ball: isotropic direction times radius r u^(1/D). The radius
    // uses a block of the stream the direction never reaches (D <= 16 needs 8 blocks).
    double z[D];
    normals(key, z, D);
    double n2 = 0.0;
    for (int k = 0; k < D; ++k) n2 += z[k] * z[k];
    const auto w = philox_words(key, 64u);
    const double r = dist.a * pow(uniform_open(w.v[0], w.v[1]), 1.0 / D) / sqrt(n2);
    for (int k = 0; k < D; ++k) x[k] = dist.center[k] + r * z[k];
  }
}

}  // namespace ngdsim
