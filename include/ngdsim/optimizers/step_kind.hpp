#pragma once

#include <cstdint>

namespace ngdsim {

// What the vectorizable part of a step left for the rare, random part to decide.
enum StepKind : std::uint8_t {
  kRegular = 0,
  kSignDraw = 1,       // g == 0 exactly: Bouligand sign drawn from the stream
  kCriticalPoint = 2,  // grad g == 0: uniform random unit direction
};

}  // namespace ngdsim
