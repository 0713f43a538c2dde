// Sets of trajectory leaves (kLeafSize trajectories each) as sorted, disjoint ranges:
// what a checkpoint has done, what a run still has to do, and the tree-aligned pieces a
// device runs them in.
#pragma once

#include <cstdint>
#include <vector>

namespace ngdsim {

struct LeafRange {
  std::int64_t first = 0, end = 0;  // leaves [first, end)
  bool operator==(const LeafRange& o) const { return first == o.first && end == o.end; }
};
using LeafRanges = std::vector<LeafRange>;

// Sorted, with touching or overlapping ranges joined and empty ones dropped.
LeafRanges normalized(LeafRanges r);
// The leaves of `whole` not in `done`.
LeafRanges subtract(const LeafRange& whole, const LeafRanges& done);
std::int64_t leaf_count(const LeafRanges& r);
// The trajectories in r, of a study of `trajectories` (whose last leaf may be short).
std::int64_t trajectories_in(const LeafRanges& r, std::int64_t trajectories);
// Whether leaf range [first, end) lies within r.
bool covers(const LeafRanges& r, std::int64_t first, std::int64_t end);

// `todo` cut into pieces that each reduce to one node of the fixed tree over
// `total_leaves` leaves: aligned blocks of 2^k leaves, at most `max_leaves` (a power of
// two), or the tail of the tree (a block's start aligned to the block, its end the
// tree's). Few and large: greedy from the left.
LeafRanges tree_pieces(const LeafRanges& todo, std::int64_t max_leaves, std::int64_t total_leaves);

}  // namespace ngdsim
