// The moments a CPU tile takes at a recorded step: per leaf of kLeafSize trajectories and
// per quantity, over the fixed lanes of leaf_moments (the kernels' order), from the
// tile's values and valid flags laid out [quantity][capacity].
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "cli/registry.hpp"
#include "ngdsim/stats.hpp"

namespace ngdsim {

// leaf[l][r * Q + q] for the n trajectories of the tile (capacity cap); the flags past n
// are zero up to the next multiple of kLanes.
inline void tile_leaf_moments(const double* values, const unsigned char* valid, int cap, int n,
                              int Q, int r, std::vector<std::vector<Moments>>& leaf) {
  const int leaves = static_cast<int>(leaf.size());
  for (int l = 0; l < leaves; ++l) {
    const int off = l * kLeafSize, len = std::min(kLeafSize, n - off);
    const int padded = (len + kLanes - 1) / kLanes * kLanes;
    for (int q = 0; q < Q; ++q)
      leaf[l][std::size_t(r) * Q + q] = leaf_moments(&values[std::size_t(q) * cap + off],
                                                     &valid[std::size_t(q) * cap + off], padded);
  }
}

}  // namespace ngdsim
