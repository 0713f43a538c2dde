#include "study/chunk_plan.hpp"

#include "ngdsim/observe.hpp"
#include "ngdsim/stats.hpp"
#include "study/saturating.hpp"

namespace ngdsim {

namespace {

using saturating::add;
using saturating::mul;

constexpr std::int64_t kLeaf = 256;

// What kernels/driver.cuh allocates once per run.
std::uint64_t fixed_bytes(const ChunkShape& s) {
  const std::uint64_t R = s.records, Q = kNumQuantities;
  const std::uint64_t counters = 2 * std::uint64_t(s.eps) + s.attractors + 1 + Q + 2;
  std::uint64_t b = mul(std::uint64_t(s.steps), 8);                             // alpha_k
  b = add(b, LogBins::kEdges * 8 + LogBins::kCells * 4);                        // edges, cells
  b = add(b, mul(R, 8));                                                        // recorded steps
  b = add(b, std::uint64_t(s.eps) * 12);                                        // eps, order
  b = add(b, std::uint64_t(s.samples) * 8);                                     // sampled ids
  b = add(b, mul(mul(R, Q), LogBins::kBins * 8));                               // histograms
  b = add(b, mul(R, counters * 8));                                             // counters
  b = add(b, mul(mul(R + 1, 2 * std::uint64_t(s.eps)), 8));                     // entries
  b = add(b, mul(mul(R, std::uint64_t(s.samples)), std::uint64_t(s.dim) * 8));  // sampled paths
  return b;
}

// One chunk: two moment buffers per leaf (the tree's ping-pong) and /final rows.
std::uint64_t chunk_bytes(const ChunkShape& s, std::int64_t chunk) {
  const std::uint64_t per_leaf =
      mul(mul(2 * std::uint64_t(s.records), kNumQuantities), sizeof(Moments));
  std::uint64_t b = mul(std::uint64_t(chunk / kLeaf), per_leaf);
  if (s.save_final) b = add(b, mul(std::uint64_t(chunk), std::uint64_t(s.dim) * 8 + 1 + 4 + 8));
  return b;
}

}  // namespace

ChunkPlan plan_chunks(const ChunkShape& s, std::uint64_t free_bytes) {
  ChunkPlan p;
  p.fixed_bytes = fixed_bytes(s);
  if (s.chunk > 0) {
    p.chunk = s.chunk;
  } else {
    const std::uint64_t budget = free_bytes > p.fixed_bytes ? (free_bytes - p.fixed_bytes) / 2 : 0;
    p.chunk = kLeaf;
    while (p.chunk < s.trajectories && p.chunk < kMaxChunk && chunk_bytes(s, 2 * p.chunk) <= budget)
      p.chunk *= 2;
  }
  p.chunks = s.trajectories / p.chunk + (s.trajectories % p.chunk != 0);
  p.chunk_bytes = chunk_bytes(s, p.chunk);
  p.fits = p.fixed_bytes <= free_bytes && p.chunk_bytes <= free_bytes - p.fixed_bytes;
  return p;
}

}  // namespace ngdsim
