// Shards: one study split into M tree-aligned trajectory ranges that run as separate
// jobs (`ngdsim run --shard I/M`), each writing its partial state, and `ngdsim merge`,
// which continues the fixed reduction from those states: the merged file's statistics
// are the single run's, bit for bit (docs/output.md, "Shards").
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "config.hpp"

namespace ngdsim {

// Trajectories [first, end): leaves [first_leaf, end_leaf) of kLeafSize trajectories.
struct TrajectoryRange {
  std::int64_t first = 0, end = 0, first_leaf = 0, end_leaf = 0;
};

// The whole study, or shard I of M: L / M consecutive leaves of the L, one more for the
// first L % M shards.
TrajectoryRange shard_range(const Config& c);

// Shards as numbered: each of a split into the same M, each I once, none missing. Returns
// I -> position in `ids`; UsageError naming the file (or the missing I) otherwise.
struct ShardId {
  std::string path;
  std::int64_t index = 0, count = 0;
};
std::map<std::int64_t, std::size_t> check_numbering(const std::vector<ShardId>& ids);

// ngdsim run --shard I/M.
void run_shard(const Config& c, std::ostream& out, std::ostream& log);

// ngdsim merge: the shards' partial states into the output file of the whole study.
void merge_shards(const std::vector<std::string>& paths, const std::string& out_path, bool force,
                  std::ostream& out);

}  // namespace ngdsim
