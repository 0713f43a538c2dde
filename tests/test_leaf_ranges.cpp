// Leaf sets and the tree-aligned pieces a device runs them in. The pieces are checked
// the strong way: reducing each piece on its own (as a device does) and merging the
// pieces' nodes gives the tree's root bit for bit, for every way of cutting.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "stats/leaf_ranges.hpp"
#include "stats/moment_tree.hpp"

namespace ngdsim {
namespace {

TEST(LeafRanges, NormalizedSortsJoinsAndDropsEmptyRanges) {
  EXPECT_EQ(normalized({{5, 7}, {0, 2}, {2, 3}, {4, 4}, {6, 9}}), (LeafRanges{{0, 3}, {5, 9}}));
  EXPECT_EQ(normalized({}), LeafRanges{});
}

TEST(LeafRanges, SubtractLeavesWhatIsNotDone) {
  EXPECT_EQ(subtract({0, 10}, {}), (LeafRanges{{0, 10}}));
  EXPECT_EQ(subtract({0, 10}, {{0, 10}}), LeafRanges{});
  EXPECT_EQ(subtract({0, 10}, {{2, 4}, {6, 7}}), (LeafRanges{{0, 2}, {4, 6}, {7, 10}}));
  EXPECT_EQ(subtract({3, 8}, {{0, 4}, {7, 20}}), (LeafRanges{{4, 7}}));
  EXPECT_EQ(trajectories_in({{0, 2}, {3, 4}}, 900), 256 * 2 + (900 - 3 * 256));
  EXPECT_TRUE(covers({{0, 2}, {5, 9}}, 6, 8));
  EXPECT_FALSE(covers({{0, 2}, {5, 9}}, 1, 6));
}

// A node of `width` 1 standing for one leaf: distinct, non-round values, so that any
// change in the merge order changes the bits.
std::vector<Moments> leaf(std::int64_t i) {
  const double x = 1.0 / (3.0 + static_cast<double>(i));
  return {Moments{1.0 + static_cast<double>(i % 5), x, x * x / 7.0, -x, x}};
}

int level_of(std::int64_t size) {
  int k = 0;
  while ((std::int64_t{1} << k) < size) ++k;
  return k;
}

TEST(LeafRanges, TreePiecesReduceToTheTreesRootForEveryCut) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 3000; ++trial) {
    const std::int64_t total = 1 + static_cast<std::int64_t>(rng() % 300);
    const std::int64_t max_leaves = std::int64_t{1} << (rng() % 8);
    // Some leaves done already (a checkpoint), in a random range (a shard).
    const std::int64_t a = static_cast<std::int64_t>(rng() % total);
    const std::int64_t b = a + 1 + static_cast<std::int64_t>(rng() % (total - a));
    LeafRanges done;
    for (int k = 0; k < 3; ++k) {
      const std::int64_t f = static_cast<std::int64_t>(rng() % total);
      done.push_back({f, std::min(total, f + static_cast<std::int64_t>(rng() % 20))});
    }
    const LeafRanges todo = subtract({a, b}, done);
    const LeafRanges pieces = tree_pieces(todo, max_leaves, total);
    SCOPED_TRACE("total " + std::to_string(total) + ", max " + std::to_string(max_leaves) +
                 ", range [" + std::to_string(a) + ", " + std::to_string(b) + ")");
    EXPECT_EQ(normalized(pieces), normalized(todo));

    MomentTree whole(total, 1), cut(total, 1);
    for (std::int64_t i = 0; i < total; ++i) whole.insert(0, i, leaf(i));
    // Outside the range, leaves go in one by one; inside, one node per piece, each reduced
    // on its own with the same rule.
    for (const LeafRange& r : subtract({0, total}, todo))
      for (std::int64_t i = r.first; i < r.end; ++i) cut.insert(0, i, leaf(i));
    for (const LeafRange& p : pieces) {
      const std::int64_t size = p.end - p.first;
      ASSERT_LE(size, max_leaves);
      const int level = level_of(size);
      ASSERT_EQ(p.first % (std::int64_t{1} << level), 0);
      MomentTree own(size, 1);
      for (std::int64_t i = p.first; i < p.end; ++i) own.insert(0, i - p.first, leaf(i));
      ASSERT_TRUE(own.complete());
      cut.insert(level, p.first >> level, own.root());
    }
    ASSERT_TRUE(cut.complete());
    const Moments x = whole.root()[0], y = cut.root()[0];
    EXPECT_EQ(std::memcmp(&x, &y, sizeof(Moments)), 0);
  }
}

}  // namespace
}  // namespace ngdsim
