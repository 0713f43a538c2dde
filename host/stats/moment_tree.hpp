// Deterministic merge of per-leaf moments: a fixed binary tree over leaf indices
// whose shape depends only on the number of leaves. Leaves may arrive in any
// order from any thread; siblings merge (left, right) as soon as both exist, so
// memory stays small and the result is bit-identical for any scheduling.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "ngdsim/stats.hpp"

namespace ngdsim {

class MomentTree {
 public:
  MomentTree(std::int64_t leaves, std::size_t width) : leaves_(leaves), width_(width) {}

  // Inserts node `index` of `level` (level 0: a leaf). A backend that already merged
  // an aligned block of 2^level leaves with the same rule inserts that node.
  void insert(int level, std::int64_t index, std::vector<Moments> data);
  // The root; valid once every leaf has been inserted.
  const std::vector<Moments>& root() const { return root_; }
  bool complete() const { return !root_.empty(); }

  // The tree's state when only some leaves were inserted: the nodes waiting for a
  // sibling (and the root, if complete), in (level, index) order. Inserting them into a
  // tree of the same shape continues the reduction as if nothing had stopped.
  struct Node {
    int level;
    std::int64_t index;
    std::vector<Moments> data;
  };
  std::vector<Node> nodes() const;

 private:
  std::int64_t leaves_;
  std::size_t width_;
  std::map<std::pair<int, std::int64_t>, std::vector<Moments>> pending_;
  std::vector<Moments> root_;
  std::mutex mutex_;
};

}  // namespace ngdsim
