#pragma once

#include "launch.cuh"
#include "ngdsim/stats.hpp"

namespace ngdsim::NGDSIM_KERNEL_NS {

// Reduces a chunk's `leaves` nodes of `width` moments each, level by level with
// MomentTree's rule (pairs merge left to right, a node without a sibling is
// promoted), ping-ponging between a and b. Returns the device pointer holding the
// chunk's node and sets `level` to its level in the tree.
const Moments* reduce_chunk(Moments* a, Moments* b, long long leaves, int width, int& level);

}  // namespace ngdsim::NGDSIM_KERNEL_NS
