// Where per-trajectory final state goes: written chunk by chunk (the CUDA backend
// streams 10^8+ trajectories through it) into the output file's /final group.
#pragma once

#include <cstdint>

namespace ngdsim {

class FinalSink {
 public:
  virtual ~FinalSink() = default;
  // Trajectories [first, first + count): positions [count][d], class, attractor id,
  // last-entry step.
  virtual void write(std::int64_t first, std::int64_t count, const double* position,
                     const std::int8_t* cls, const std::int32_t* attractor,
                     const std::int64_t* last_entry) = 0;
};

}  // namespace ngdsim
