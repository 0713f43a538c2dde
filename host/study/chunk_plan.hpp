// How a device backend splits N trajectories into chunks that fit its memory: a
// pure function of the run's shape and the free memory, so it is tested without a
// device. A chunk is 256 * 2^m trajectories, so its leaves reduce on the device to
// one node of the fixed tree.
#pragma once

#include <cstdint>

namespace ngdsim {

// Largest chunk: the kernels index a chunk's trajectories with int.
inline constexpr std::int64_t kMaxChunk = std::int64_t{1} << 30;

struct ChunkShape {
  std::int64_t trajectories = 0;  // N
  std::int64_t steps = 0;         // K: the step-size table lives on the device
  int records = 0;                // R
  int dim = 0;                    // d
  int eps = 0;                    // E
  int attractors = 0;             // A
  int samples = 0;                // S
  bool save_final = false;
  std::int64_t chunk = 0;  // --chunk: trajectories per chunk, 0 to size it from memory
};

struct ChunkPlan {
  std::int64_t chunk = 0;         // trajectories per chunk: 256 * 2^m <= kMaxChunk
  std::int64_t chunks = 0;        // ceil(N / chunk)
  std::uint64_t fixed_bytes = 0;  // device memory whatever the chunk: tables, counts, samples
  std::uint64_t chunk_bytes = 0;  // device memory of one chunk: moment buffers, /final rows
  bool fits = false;              // fixed_bytes + chunk_bytes <= free memory
};

// The given chunk, or else the largest 256 * 2^m that is no larger than N needs and
// whose buffers fit half of the memory left after the fixed allocations (the other
// half is headroom: allocation granularity, other users of the device). At least 256.
ChunkPlan plan_chunks(const ChunkShape& shape, std::uint64_t free_bytes);

}  // namespace ngdsim
