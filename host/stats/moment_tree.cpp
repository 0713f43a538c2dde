#include "stats/moment_tree.hpp"

namespace ngdsim {

void MomentTree::insert(int level, std::int64_t index, std::vector<Moments> data) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (;;) {
    const std::int64_t nodes = (leaves_ + (std::int64_t{1} << level) - 1) >> level;
    if (nodes == 1) {
      root_ = std::move(data);
      return;
    }
    const std::int64_t sibling = index ^ 1;
    if (sibling < nodes) {
      const auto it = pending_.find({level, sibling});
      if (it == pending_.end()) {
        pending_.emplace(std::make_pair(level, index), std::move(data));
        return;
      }
      const bool left = (index & 1) == 0;
      for (std::size_t i = 0; i < width_; ++i)
        data[i] = left ? merge(data[i], it->second[i]) : merge(it->second[i], data[i]);
      pending_.erase(it);
    }
    ++level;
    index >>= 1;
  }
}

std::vector<MomentTree::Node> MomentTree::nodes() const {
  std::vector<Node> out;
  for (const auto& [key, data] : pending_) out.push_back({key.first, key.second, data});
  if (complete()) {
    int top = 0;
    while (((leaves_ + (std::int64_t{1} << top) - 1) >> top) > 1) ++top;
    out.push_back({top, 0, root_});
  }
  return out;
}

}  // namespace ngdsim
