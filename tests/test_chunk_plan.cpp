// The device backends' chunk planner: a pure function, checked over the whole range of
// run sizes and device memories it must handle (no device needed).
#include <gtest/gtest.h>

#include <climits>

#include "study/chunk_plan.hpp"

namespace ngdsim {
namespace {

ChunkShape default_shape(std::int64_t n) {
  // The default study's shape: K = 5000, 149 recorded steps, d = 2, 3 eps, 2 attractors.
  return {n, 5000, 149, 2, 3, 2, 64, false, 0};
}

bool is_leaf_power(std::int64_t c) {
  return c >= 256 && c % 256 == 0 && ((c / 256) & (c / 256 - 1)) == 0;
}

TEST(ChunkPlan, ChunksAreWholeLeafPowersInIntRangeForEveryNAndMemory) {
  const std::int64_t sizes[] = {1, 255, 256, 257, (std::int64_t{1} << 31) + 1, 10000000000};
  for (const std::int64_t n : sizes)
    for (const bool save_final : {false, true})
      for (std::uint64_t free = std::uint64_t{1} << 20; free <= std::uint64_t{1} << 40; free *= 2) {
        SCOPED_TRACE("N = " + std::to_string(n) + ", free = " + std::to_string(free));
        ChunkShape s = default_shape(n);
        s.save_final = save_final;
        const ChunkPlan p = plan_chunks(s, free);
        EXPECT_TRUE(is_leaf_power(p.chunk)) << p.chunk;
        EXPECT_LE(p.chunk, kMaxChunk);
        EXPECT_LE(p.chunk, INT_MAX);
        EXPECT_EQ(p.chunks, (n + p.chunk - 1) / p.chunk);
        // No larger than N needs: the smallest leaf power that holds N at most.
        EXPECT_TRUE(p.chunk == 256 || p.chunk / 2 < n) << p.chunk;
        if (p.chunk > 256) {
          EXPECT_TRUE(p.fits);
          // The fixed part and one chunk's buffers fit, with as much again to spare.
          EXPECT_LE(p.fixed_bytes + 2 * p.chunk_bytes, free);
        }
        // The next size up would not have fitted, unless N or the int range stopped it.
        ChunkShape bigger = s;
        bigger.chunk = 2 * p.chunk;
        if (p.chunk < n && p.chunk < kMaxChunk && p.fixed_bytes < free) {
          EXPECT_GT(plan_chunks(bigger, free).chunk_bytes, (free - p.fixed_bytes) / 2);
        }
      }
}

TEST(ChunkPlan, HandChecked) {
  // One leaf: 2 buffers x 149 records x 5 quantities x 40 bytes.
  const ChunkPlan one = plan_chunks(default_shape(1), std::uint64_t{1} << 30);
  EXPECT_EQ(one.chunk, 256);
  EXPECT_EQ(one.chunks, 1);
  EXPECT_EQ(one.chunk_bytes, 2u * 149 * 5 * 40);
  // alpha, edges and binning cells, steps, eps and their order, sample ids, histograms,
  // counters (2E + A + Q + 3 = 16), first and last entries per eps, sampled paths.
  EXPECT_EQ(one.fixed_bytes, 5000u * 8 + 241 * 8 + 1081 * 4 + 149 * 8 + 3 * 12 + 64 * 8 +
                                 149u * 5 * 242 * 8 + 149u * 16 * 8 + 150 * 2 * 3 * 8 +
                                 149u * 64 * 2 * 8);
  // 10^8 trajectories on an 80 GB card fit one chunk of 2^27.
  const ChunkPlan h100 = plan_chunks(default_shape(100000000), std::uint64_t{80} << 30);
  EXPECT_EQ(h100.chunk, std::int64_t{1} << 27);
  EXPECT_EQ(h100.chunks, 1);
  // 10^10 on 1 TiB: capped at 2^30 (int range), 10 chunks.
  const ChunkPlan big = plan_chunks(default_shape(10000000000), std::uint64_t{1} << 40);
  EXPECT_EQ(big.chunk, kMaxChunk);
  EXPECT_EQ(big.chunks, 10);
  // 1 MiB cannot hold the fixed part of the default study (3.6 MB of histograms).
  const ChunkPlan tiny = plan_chunks(default_shape(1000), std::uint64_t{1} << 20);
  EXPECT_EQ(tiny.chunk, 256);
  EXPECT_FALSE(tiny.fits);
}

TEST(ChunkPlan, AnExplicitChunkIsKeptAndChecked) {
  ChunkShape s = default_shape(5000);
  s.chunk = 2048;
  const ChunkPlan p = plan_chunks(s, std::uint64_t{1} << 30);
  EXPECT_EQ(p.chunk, 2048);
  EXPECT_EQ(p.chunks, 3);
  EXPECT_TRUE(p.fits);
  s.chunk = kMaxChunk;
  s.steps = 5000;
  EXPECT_FALSE(plan_chunks(s, std::uint64_t{80} << 30).fits);
}

TEST(ChunkPlan, ByteCountsSaturateInsteadOfWrapping) {
  ChunkShape s = default_shape(10000000000);
  s.records = INT_MAX;
  s.steps = std::int64_t{1} << 62;
  const ChunkPlan p = plan_chunks(s, std::uint64_t{1} << 40);
  EXPECT_EQ(p.chunk, 256);
  EXPECT_FALSE(p.fits);
}

}  // namespace
}  // namespace ngdsim
