// Counter-based random numbers: a trajectory's draws are a pure function of
// (seed, trajectory, step, purpose), so paths do not depend on how trajectories
// are scheduled across tiles, threads, blocks or devices.
#pragma once

#include <Random123/philox.h>

#include "hd.hpp"

namespace ngdsim {

enum class Purpose : std::uint32_t {
  kInit = 1,             // starting point
  kBouligandSign = 2,    // sign at g == 0 exactly
  kRandomDirection = 3,  // direction at a critical point of g
  kPerturbation = 4,     // perturbed GD noise
  kLandscape = 5,        // random landscape data (bilinear A): trajectory 0, step 0
  kBnRegData = 6,        // the BN regression data set drawn from data_seed: trajectory 0, step 0
  kMSenseData = 7,       // the matrix sensing data set drawn from data_seed: trajectory 0, step 0
};

struct RandomKey {
  std::uint64_t seed;
  std::uint64_t trajectory;
  std::uint32_t step;
  Purpose purpose;
};

// Four independent 32-bit words for block `block` of the (seed, trajectory,
// step, purpose) stream. The purpose word carries the block index in its high
// half so one purpose can draw any number of words.
NGDSIM_HD r123::Philox4x32::ctr_type philox_words(const RandomKey& key, std::uint32_t block) {
  r123::Philox4x32 rng;
  r123::Philox4x32::ctr_type ctr = {{static_cast<std::uint32_t>(key.trajectory),
                                     static_cast<std::uint32_t>(key.trajectory >> 32), key.step,
                                     static_cast<std::uint32_t>(key.purpose) | (block << 16)}};
  r123::Philox4x32::key_type k = {
      {static_cast<std::uint32_t>(key.seed), static_cast<std::uint32_t>(key.seed >> 32)}};
  return rng(ctr, k);
}

// Uniform in the open interval (0, 1) from two 32-bit words (53 bits), so log() is safe.
NGDSIM_HD double uniform_open(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t bits = ((static_cast<std::uint64_t>(hi) << 32) | lo) >> 11;
  return (static_cast<double>(bits) + 0.5) * (1.0 / 9007199254740992.0);
}

// Fills out[0..n) with uniforms in (0, 1) drawn from the keyed stream.
NGDSIM_HD void uniforms(const RandomKey& key, double* out, int n) {
  for (int b = 0; 2 * b < n; ++b) {
    const auto w = philox_words(key, static_cast<std::uint32_t>(b));
    out[2 * b] = uniform_open(w.v[0], w.v[1]);
    if (2 * b + 1 < n) out[2 * b + 1] = uniform_open(w.v[2], w.v[3]);
  }
}

// Standard normals by Box-Muller on pairs of uniforms; deterministic on host and device.
NGDSIM_HD void normals(const RandomKey& key, double* out, int n) {
  for (int b = 0; b < n; b += 2) {
    const auto w = philox_words(key, static_cast<std::uint32_t>(b / 2));
    const double u1 = uniform_open(w.v[0], w.v[1]);
    const double u2 = uniform_open(w.v[2], w.v[3]);
    const double r = sqrt(-2.0 * log(u1));
    const double a = 6.283185307179586 * u2;
    out[b] = r * cos(a);
    if (b + 1 < n) out[b + 1] = r * sin(a);
  }
}

// A fair random sign (+1 or -1).
NGDSIM_HD int random_sign(const RandomKey& key) {
  return (philox_words(key, 0).v[0] & 1u) ? 1 : -1;
}

}  // namespace ngdsim
