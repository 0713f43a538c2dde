#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/config.hpp"

namespace ngdsim {

// Runs base once per point of its `vary` list or grid (every point validated before
// any runs) into one file; prints the table of estimates. UsageError on bad input.
void run_sweep(const Config& base, std::ostream& out, std::ostream& log);

// Whether `path` is a sweep shard file (ngdsim sweep --shard).
bool is_sweep_shard(const std::string& path);
// ngdsim merge of sweep shards: their points and table rows into the sweep file.
void merge_sweep_shards(const std::vector<std::string>& paths, const std::string& out_path,
                        bool force, std::ostream& out);

}  // namespace ngdsim
