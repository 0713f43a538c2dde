// Host memory a run needs, estimated from its configuration before anything is
// allocated, so that an impossible request is refused at once (exit 2) instead of
// ending in std::bad_alloc after working for a while.
#pragma once

#include <cstdint>
#include <string>

#include "cli/config.hpp"

namespace ngdsim {

// The largest number of recorded steps a record schedule gives for K steps.
std::int64_t record_count(const RecordSpec& spec, std::int64_t steps);

struct MemoryNeed {
  std::uint64_t bytes = 0;  // the estimate, an upper bound of the big allocations
  std::string setting;      // the setting behind the largest part of it
  std::string value;        // that setting's value
};

// On `backend` ("cpu", "cuda" or "emulated") with `threads` CPU threads.
MemoryNeed host_memory_need(const Config& c, const std::string& backend, int threads);

// Physical memory, or the cgroup's limit when that is lower.
std::uint64_t host_memory();

// UsageError naming the setting and the memory it would need when the estimate
// exceeds the machine's memory.
void check_host_memory(const Config& c, const std::string& backend, int threads);

}  // namespace ngdsim
