// Shards: one study split into M tree-aligned trajectory ranges that run as separate
// jobs (`ngdsim run --shard I/M`), each writing its partial state, and `ngdsim merge`,
// which continues the fixed reduction from those states: the merged file's statistics
// are the single run's, bit for bit (docs/output.md, "Shards").
#pragma once

#include <hdf5.h>

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/config.hpp"
#include "io/final_sink.hpp"
#include "stats/statistics.hpp"
#include "study/estimates.hpp"
#include "study/plan.hpp"
#include "study/run_checkpoint.hpp"

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

// Continues a study's fixed reduction from partial states (shard files, MPI ranks) into
// its ordinary output under `root`: counts added, nodes inserted into a tree of the
// study's shape, /final rows streamed into the output (never all in memory).
class PartialMerge {
 public:
  PartialMerge(const Config& c, hid_t root);
  ~PartialMerge();
  // One partial state (a "partial" group), which must cover exactly `range`; throws
  // std::runtime_error otherwise. Without `with_rows` its /final rows come through rows().
  void add(hid_t partial, const TrajectoryRange& range, bool with_rows = true);
  // Where the /final rows go (nullptr without save_final).
  FinalSink* rows();
  // Whether every leaf has been added.
  bool complete() const;
  // The estimates and the output datasets; `seconds` is the wall time to report.
  Estimates finish(double seconds, const std::string& backend, const std::string& device);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Runs c's range (all trajectories, or a shard's) on the chosen backend, with
// `checkpoint` when given; with save_final the /final rows are in the result's arrays.
Statistics run_range(const std::string& backend, const Config& c, const Plan& plan,
                     std::atomic<std::int64_t>& progress, RunCheckpoint* checkpoint = nullptr);

// ngdsim run --shard I/M.
void run_shard(const Config& c, std::ostream& out, std::ostream& log);

// ngdsim merge: the shards' partial states into the output file of the whole study.
void merge_shards(const std::vector<std::string>& paths, const std::string& out_path, bool force,
                  std::ostream& out);

}  // namespace ngdsim
