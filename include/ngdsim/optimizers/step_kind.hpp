#pragma once

#include <cstdint>

#include "../hd.hpp"

namespace ngdsim {

// What the vectorizable part of a step left for the rare, per-trajectory part to do
// (bit flags).
enum StepKind : std::uint8_t {
  kRegular = 0,
  kSignDraw = 1,       // g == 0 exactly: Bouligand sign drawn from the stream
  kCriticalPoint = 2,  // grad g == 0: uniform random unit direction
  kNoise = 4,          // perturbed GD: Gaussian noise added after the step
};

// Branch-free so loops over trajectories vectorize; a critical point wins over g == 0.
NGDSIM_HD StepKind step_kind_(bool sign_draw, bool critical) {
  return static_cast<StepKind>((unsigned(sign_draw) & ~unsigned(critical)) |
                               (unsigned(critical) << 1));
}

}  // namespace ngdsim
