#include "stats/leaf_ranges.hpp"

#include <algorithm>

#include "cli/registry.hpp"

namespace ngdsim {

LeafRanges normalized(LeafRanges r) {
  std::sort(r.begin(), r.end(), [](const LeafRange& a, const LeafRange& b) {
    return a.first < b.first || (a.first == b.first && a.end < b.end);
  });
  LeafRanges out;
  for (const LeafRange& x : r) {
    if (x.end <= x.first) continue;
    if (!out.empty() && x.first <= out.back().end)
      out.back().end = std::max(out.back().end, x.end);
    else
      out.push_back(x);
  }
  return out;
}

LeafRanges subtract(const LeafRange& whole, const LeafRanges& done) {
  LeafRanges out;
  std::int64_t at = whole.first;
  for (const LeafRange& d : normalized(done)) {
    if (d.end <= at) continue;
    if (d.first >= whole.end) break;
    if (d.first > at) out.push_back({at, d.first});
    at = std::max(at, d.end);
  }
  if (at < whole.end) out.push_back({at, whole.end});
  return out;
}

std::int64_t leaf_count(const LeafRanges& r) {
  std::int64_t n = 0;
  for (const LeafRange& x : r) n += x.end - x.first;
  return n;
}

std::int64_t trajectories_in(const LeafRanges& r, std::int64_t trajectories) {
  std::int64_t n = 0;
  for (const LeafRange& x : r)
    n += std::min<std::int64_t>(x.end * kLeafSize, trajectories) - x.first * kLeafSize;
  return n;
}

bool covers(const LeafRanges& r, std::int64_t first, std::int64_t end) {
  for (const LeafRange& x : r)
    if (x.first <= first && end <= x.end) return true;
  return false;
}

LeafRanges tree_pieces(const LeafRanges& todo, std::int64_t max_leaves, std::int64_t total_leaves) {
  LeafRanges out;
  for (const LeafRange& x : todo) {
    std::int64_t at = x.first;
    while (at < x.end) {
      // The largest block aligned at `at`, within max_leaves.
      std::int64_t size = max_leaves;
      while (size > 1 && at % size != 0) size /= 2;
      // Within the range, unless the range ends where the tree does (the tail reduces
      // with the tree's own rule for its last, incomplete block).
      while (size > 1 && at + size > x.end && x.end != total_leaves) size /= 2;
      const std::int64_t end = std::min(at + size, x.end);
      out.push_back({at, end});
      at = end;
    }
  }
  return out;
}

}  // namespace ngdsim
