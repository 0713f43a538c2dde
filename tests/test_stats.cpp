// Accumulators against hand-computed values and brute force (docs/output.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "ngdsim/stats.hpp"
#include "stats/moment_tree.hpp"
#include "study/estimates.hpp"
#include "study/plan.hpp"

namespace ngdsim {
namespace {

// leaf_moments over [begin, end), copied into buffers padded as the CPU tile pads them.
Moments moments_of(const std::vector<double>& v, const std::vector<unsigned char>& ok,
                   std::size_t begin, std::size_t end) {
  const std::size_t n = end - begin, padded = (n + kLanes - 1) / kLanes * kLanes;
  std::vector<double> pv(padded, 123.0);  // garbage past n must not matter
  std::vector<unsigned char> pok(padded, 0);
  std::copy(v.begin() + begin, v.begin() + end, pv.begin());
  std::copy(ok.begin() + begin, ok.begin() + end, pok.begin());
  return leaf_moments(pv.data(), pok.data(), int(padded));
}

TEST(Moments, LeafAndChanMergeMatchDirectComputation) {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> dist(0.0, 2.0);
  std::vector<double> v(1000);
  for (auto& x : v) x = dist(rng);
  std::vector<unsigned char> ok(v.size(), 1);
  ok[3] = ok[500] = 0;
  long double sum = 0, n = 0;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (ok[i]) sum += v[i], n += 1;
  const long double mean = sum / n;
  long double m2 = 0;
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (ok[i])
      m2 += (v[i] - mean) * (v[i] - mean), lo = std::min(lo, v[i]), hi = std::max(hi, v[i]);
  for (int split : {1, 7, 256, 999}) {
    const Moments a = moments_of(v, ok, 0, split);
    const Moments b = moments_of(v, ok, split, v.size());
    const Moments m = merge(a, b);
    EXPECT_EQ(m.count, 998.0);
    EXPECT_NEAR(m.mean, double(mean), 1e-12 * double(mean));
    EXPECT_NEAR(m.m2, double(m2), 1e-10 * double(m2));
    EXPECT_EQ(m.min, lo);
    EXPECT_EQ(m.max, hi);
  }
}

TEST(Moments, HandComputedSmallCase) {
  const double v[] = {1.0, 2.0, 3.0, 4.0, 100.0, 0.0, 0.0, 0.0};
  const unsigned char ok[] = {1, 1, 1, 1, 0, 0, 0, 0};
  const Moments m = leaf_moments(v, ok, 8);
  EXPECT_EQ(m.count, 4.0);
  EXPECT_EQ(m.mean, 2.5);
  EXPECT_EQ(m.m2, 5.0);
  EXPECT_DOUBLE_EQ(m.variance(), 5.0 / 3.0);
  EXPECT_EQ(m.min, 1.0);
  EXPECT_EQ(m.max, 4.0);
  const Moments e = leaf_moments(v, ok, 0);
  EXPECT_EQ(merge(m, e).mean, m.mean);
}

TEST(Wilson, MatchesHandComputedIntervals) {
  struct Case {
    double k, n, lo, hi;
  };
  // 95% Wilson score intervals computed independently from the textbook formula.
  const Case cases[] = {{0, 10, 0.0, 0.277532799863},
                        {5, 10, 0.236593090513, 0.763406909487},
                        {81, 263, 0.255288519878, 0.366209576983},
                        {20000, 20000, 0.999807963944, 1.0},
                        {9900, 10000, 0.987853017745, 0.991770663852}};
  for (const auto& c : cases) {
    const Interval w = wilson(c.k, c.n);
    EXPECT_DOUBLE_EQ(w.estimate, c.k / c.n);
    EXPECT_NEAR(w.low, c.lo, 1e-11);
    EXPECT_NEAR(w.high, c.hi, 1e-11);
  }
}

// The edges and the cell table, as a plan holds them.
struct Binning {
  std::vector<double> edges = std::vector<double>(LogBins::kEdges);
  std::vector<std::int32_t> cells = std::vector<std::int32_t>(LogBins::kCells);
  // The default edges, or another spread (msense: low = -30, 6 per decade).
  explicit Binning(int low = LogBins::kLowDecade, int per_decade = LogBins::kPerDecade) {
    LogBins::fill_edges(edges.data(), low, per_decade);
    LogBins::fill_cells(edges.data(), cells.data());
  }
  int operator()(double v) const { return LogBins::bin(edges.data(), cells.data(), v); }
};

double from_bits(std::uint64_t b) {
  double v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

// Every probe's bin equals the number of edges at or below it.
void expect_brute_force_bins(const Binning& bin) {
  const auto& edges = bin.edges;
  auto brute = [&](double v) {
    return int(std::upper_bound(edges.begin(), edges.end(), v) - edges.begin());
  };
  std::vector<double> probes = {0.0,   -0.0, -1.0, NAN, -NAN,   INFINITY, -INFINITY, 1e-300,
                                1e300, 1.0,  0.5,  2.0, 5e-324, DBL_MAX,  -1e-20,    1e10};
  for (double e : edges) {
    probes.push_back(e);
    probes.push_back(std::nextafter(e, 0.0));
    probes.push_back(std::nextafter(e, INFINITY));
  }
  // Every cell's first double and its neighbours, and cells beyond both ends.
  for (int cell = LogBins::kFirstCell - 40; cell <= LogBins::kLastCell + 40; ++cell) {
    const double lo = from_bits(std::uint64_t(cell) << (32 + LogBins::kCellShift));
    probes.push_back(lo);
    probes.push_back(std::nextafter(lo, 0.0));
    probes.push_back(std::nextafter(lo, INFINITY));
  }
  for (std::uint64_t payload : {1ull, 0x8000000000000ull, 0xfffffffffffffull}) {
    probes.push_back(from_bits(0x7ff0000000000000ull | payload));  // NaNs, either sign
    probes.push_back(from_bits(0xfff0000000000000ull | payload));
  }
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-35.0, 12.0);
  for (int i = 0; i < 200000; ++i) probes.push_back(std::pow(10.0, u(rng)));
  for (int i = 0; i < 200000; ++i) probes.push_back(from_bits(rng()));  // any bit pattern
  for (double v : probes) {
    const int expect = std::isnan(v) ? 0 : brute(v);
    ASSERT_EQ(bin(v), expect) << v;
    const int loose = LogBins::bin_unless_nan(edges.data(), bin.cells.data(), v);
    if (std::isnan(v))
      ASSERT_TRUE(loose >= 0 && loose < LogBins::kBins) << v;
    else
      ASSERT_EQ(loose, expect) << v;
  }
}

TEST(LogBins, BinEqualsBruteForceEdgeCount) {
  const Binning bin;
  expect_brute_force_bins(bin);
  const auto& edges = bin.edges;
  EXPECT_EQ(LogBins::kBins, 242);
  EXPECT_DOUBLE_EQ(edges[0], 1e-20);
  EXPECT_DOUBLE_EQ(edges[8], 1e-19);
}

TEST(LogBins, WideEdgesDownTo1e30BinLikeBruteForce) {
  const Binning bin(-30, 6);
  expect_brute_force_bins(bin);
  EXPECT_DOUBLE_EQ(bin.edges[0], 1e-30);
  EXPECT_DOUBLE_EQ(bin.edges[6], 1e-29);
  EXPECT_DOUBLE_EQ(bin.edges[LogBins::kEdges - 1], 1e10);
  EXPECT_EQ(bin(1e-31), 0);
  EXPECT_EQ(bin(bin.edges[0]), 1);
  for (int i = 0; i + 1 < LogBins::kCells; ++i)
    ASSERT_LE(bin.cells[i + 1] - bin.cells[i], 1) << "cell " << i;
  EXPECT_EQ(bin.cells.front(), 0);
}

TEST(LogBins, EveryCellHoldsAtMostOneEdge) {
  const Binning bin;
  for (int i = 0; i + 1 < LogBins::kCells; ++i)
    EXPECT_LE(bin.cells[i + 1] - bin.cells[i], 1) << "cell " << i;
  EXPECT_EQ(bin.cells.front(), 0);
  EXPECT_EQ(bin.cells.back(), LogBins::kEdges - 1);
}

TEST(LogBins, QuantilesWithinOneBinOfTheData) {
  const Binning bin;
  const auto& edges = bin.edges;
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> dist(-3.0, 3.0);
  std::vector<double> v(100000);
  std::vector<std::uint64_t> hist(LogBins::kBins, 0);
  for (auto& x : v) {
    x = dist(rng);
    ++hist[bin(x)];
  }
  std::sort(v.begin(), v.end());
  const double width = std::pow(10.0, 1.0 / LogBins::kPerDecade);
  for (double q : {0.05, 0.25, 0.5, 0.75, 0.95}) {
    const double exact = v[std::size_t(q * v.size())];
    const double est = histogram_quantile(hist.data(), edges.data(), q, v.front(), v.back());
    EXPECT_LT(est / exact, width) << q;
    EXPECT_GT(est / exact, 1.0 / width) << q;
  }
  // A point mass: every quantile is the value itself (clamped to [min, max]).
  std::vector<std::uint64_t> one(LogBins::kBins, 0);
  one[bin(0.3)] = 10;
  EXPECT_EQ(histogram_quantile(one.data(), edges.data(), 0.5, 0.3, 0.3), 0.3);
}

TEST(MomentTree, ResultIndependentOfInsertionOrder) {
  std::mt19937_64 rng(9);
  std::normal_distribution<double> dist(1.0, 3.0);
  const int leaves = 37, width = 3;
  std::vector<std::vector<Moments>> data(leaves, std::vector<Moments>(width));
  for (auto& leaf : data)
    for (auto& m : leaf) {
      double v[24] = {};
      unsigned char ok[24] = {};
      for (int i = 0; i < 17; ++i) v[i] = dist(rng), ok[i] = 1;
      m = leaf_moments(v, ok, 24);
    }
  std::vector<int> order(leaves);
  std::iota(order.begin(), order.end(), 0);
  std::vector<Moments> first;
  for (int trial = 0; trial < 5; ++trial) {
    MomentTree tree(leaves, width);
    for (int i : order) tree.insert(0, i, data[i]);
    if (trial == 0) {
      first = tree.root();
      EXPECT_EQ(first[0].count, 17.0 * leaves);
    } else {
      ASSERT_EQ(std::memcmp(first.data(), tree.root().data(), sizeof(Moments) * width), 0);
    }
    std::shuffle(order.begin(), order.end(), rng);
  }
}

TEST(MomentTree, AnAlignedSubtreeInsertedWholeGivesTheSameRoot) {
  // What the CUDA backend does: merge 2^m leaves itself, insert the level-m node.
  std::mt19937_64 rng(10);
  std::normal_distribution<double> dist(0.0, 1.0);
  const int leaves = 11;
  std::vector<std::vector<Moments>> data(leaves, std::vector<Moments>(1));
  for (auto& leaf : data) {
    double v[8];
    unsigned char ok[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    for (double& x : v) x = dist(rng);
    leaf[0] = leaf_moments(v, ok, 8);
  }
  MomentTree by_leaf(leaves, 1);
  for (int i = 0; i < leaves; ++i) by_leaf.insert(0, i, data[i]);
  MomentTree by_block(leaves, 1);
  // Leaves 0-7 as one level-3 node ((01)(23))((45)(67)); 8-10 as a level-2 node (89)(10).
  auto m = [&](int i) { return data[i][0]; };
  by_block.insert(2, 2, {merge(merge(m(8), m(9)), m(10))});
  by_block.insert(3, 0,
                  {merge(merge(merge(m(0), m(1)), merge(m(2), m(3))),
                         merge(merge(m(4), m(5)), merge(m(6), m(7))))});
  ASSERT_EQ(std::memcmp(&by_leaf.root()[0], &by_block.root()[0], sizeof(Moments)), 0);
}

TEST(MomentTree, ThePartialStatesOfRangesContinueToTheSameRoot) {
  // Shards: each range of leaves reduced in its own tree; their nodes inserted into one
  // tree give the root of all leaves, for every split (the ranges' edges anywhere).
  std::mt19937_64 rng(12);
  std::normal_distribution<double> dist(0.0, 2.0);
  const int leaves = 23;
  std::vector<std::vector<Moments>> data(leaves, std::vector<Moments>(2));
  for (auto& leaf : data)
    for (auto& m : leaf) {
      double v[8];
      unsigned char ok[8] = {1, 1, 1, 1, 1, 1, 1, 0};
      for (double& x : v) x = dist(rng);
      m = leaf_moments(v, ok, 8);
    }
  MomentTree whole(leaves, 2);
  for (int i = 0; i < leaves; ++i) whole.insert(0, i, data[i]);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<int> cuts = {0, leaves};
    for (int c = 0; c < trial % 6; ++c) cuts.push_back(1 + int(rng() % (leaves - 1)));
    std::sort(cuts.begin(), cuts.end());
    MomentTree merged(leaves, 2);
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
      MomentTree part(leaves, 2);
      for (int i = cuts[k]; i < cuts[k + 1]; ++i) part.insert(0, i, data[i]);
      EXPECT_EQ(part.complete(), cuts[k] == 0 && cuts[k + 1] == leaves);
      for (auto& n : part.nodes()) merged.insert(n.level, n.index, n.data);
    }
    ASSERT_TRUE(merged.complete());
    ASSERT_EQ(std::memcmp(whole.root().data(), merged.root().data(), 2 * sizeof(Moments)), 0)
        << "trial " << trial;
  }
}

// Entry steps of 10 trajectories at records 0, 10, 20, 30: none, 3, 4, 2 entered, 1 never.
// Median: the 5th smallest (20); its 95% interval, ranks floor(5 - 1.96 sqrt(2.5)) = 1 to
// min(10, ceil(5 + 3.10) + 1) = 10: [10, inf) (the 10th never entered). 90%: the 9th (30),
// ranks 7 to 10: [20, inf).
TEST(Settling, EntryQuantilesByHand) {
  Plan plan;
  plan.record_steps = {0, 10, 20, 30};
  const std::uint64_t counts[] = {0, 3, 4, 2, 1};
  const StepQuantile median = entry_quantile(counts, plan, 10, 0.5);
  EXPECT_EQ(median.value, 20.0);
  EXPECT_EQ(median.low, 10.0);
  EXPECT_TRUE(std::isinf(median.high));
  const StepQuantile q90 = entry_quantile(counts, plan, 10, 0.9);
  EXPECT_EQ(q90.value, 30.0);
  EXPECT_EQ(q90.low, 20.0);
  EXPECT_TRUE(std::isinf(q90.high));
  // All 10 entered by step 10: every quantile and both ends are 0 or 10.
  const std::uint64_t early[] = {6, 4, 0, 0, 0};
  const StepQuantile m = entry_quantile(early, plan, 10, 0.5);
  EXPECT_EQ(m.value, 0.0);
  EXPECT_EQ(m.low, 0.0);
  EXPECT_EQ(m.high, 10.0);
  // Fewer than half ever entered: beyond K.
  const std::uint64_t late[] = {0, 0, 0, 4, 6};
  EXPECT_TRUE(std::isinf(entry_quantile(late, plan, 10, 0.5).value));
}

TEST(RecordSchedule, LogEveryAndList) {
  RecordSpec log;
  log.kind = RecordSpec::kLog;
  log.value = 200;
  const auto s = record_steps(log, 5000);
  EXPECT_EQ(s.front(), 0);
  EXPECT_EQ(s.back(), 5000);
  EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
  EXPECT_EQ(std::adjacent_find(s.begin(), s.end()), s.end());
  EXPECT_GT(s.size(), 100u);
  EXPECT_LE(s.size(), 200u);
  RecordSpec every;
  every.kind = RecordSpec::kEvery;
  every.value = 3;
  EXPECT_EQ(record_steps(every, 10), (std::vector<std::int64_t>{0, 3, 6, 9, 10}));
  RecordSpec list;
  list.kind = RecordSpec::kList;
  list.list = {7, 2, 7};
  EXPECT_EQ(record_steps(list, 10), (std::vector<std::int64_t>{0, 2, 7, 10}));
}

}  // namespace
}  // namespace ngdsim
