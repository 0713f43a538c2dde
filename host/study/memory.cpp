#include "study/memory.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

#include "cli/registry.hpp"
#include "ngdsim/observe.hpp"
#include "ngdsim/stats.hpp"
#include "study/quantities.hpp"
#include "study/saturating.hpp"

namespace ngdsim {

namespace {

using saturating::add;
using saturating::mul;
constexpr std::uint64_t kSaturated = saturating::kMax;

std::string gib(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / (1ull << 30));
  return text;
}

}  // namespace

std::int64_t record_count(const RecordSpec& spec, std::int64_t K) {
  switch (spec.kind) {
    case RecordSpec::kLog:
      return std::min<std::int64_t>(spec.value, K) + 1;  // 0, then distinct steps in 1..K
    case RecordSpec::kEvery:
      return K / spec.value + 2;
    default:
      return static_cast<std::int64_t>(spec.list.size()) + 2;
  }
}

MemoryNeed host_memory_need(const Config& c, const std::string& backend, int threads) {
  const std::uint64_t R = static_cast<std::uint64_t>(record_count(c.record_spec, c.steps));
  const std::uint64_t Q = recorded_quantities(c).size(), T = std::max(threads, 1);
  const std::uint64_t S = static_cast<std::uint64_t>(std::min(c.sample_paths, c.trajectories));
  const std::uint64_t d = static_cast<std::uint64_t>(c.dim);
  // The parts that grow with a setting; the rest is a few MiB.
  const std::uint64_t steps = mul(static_cast<std::uint64_t>(c.steps), 8);  // alpha_k
  // Per-record statistics: histograms and moments, once for the result and once per
  // thread's counts, plus the leaves of a tile and the tree's pending nodes per thread.
  const std::uint64_t per_record =
      Q * (LogBins::kBins * 8 + sizeof(Moments)) + 64 + 16 * c.eps.size();
  const std::uint64_t leaves_held = static_cast<std::uint64_t>(c.tile) / 256 + 64;
  std::uint64_t records = mul(R, mul(per_record, T + 1));
  records = std::max(records, mul(R, mul(Q * sizeof(Moments), mul(leaves_held, T))));
  records = std::max(records, mul(R, mul(S, d * 8)));
  // Per-trajectory output: the CPU path holds all of /final; devices stream it by chunk.
  const std::uint64_t final =
      c.save_final && backend == "cpu"
          ? mul(static_cast<std::uint64_t>(c.trajectories), d * 8 + 1 + 4 + 8)
          : 0;
  MemoryNeed need;
  need.bytes = add(add(add(steps, records), final), std::uint64_t{64} << 20);
  if (steps >= records && steps >= final) {
    need.setting = "steps";
    need.value = std::to_string(c.steps);
  } else if (records >= final) {
    need.setting = "record";
    need.value = c.record;
  } else {
    need.setting = "save_final";
    need.value = "true (with " + std::to_string(c.trajectories) + " trajectories)";
  }
  return need;
}

std::uint64_t host_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  std::uint64_t bytes = pages > 0 && page > 0 ? mul(pages, page) : kSaturated;
  std::ifstream limit("/sys/fs/cgroup/memory.max");
  std::string text;
  if (limit >> text && text != "max") {
    try {
      bytes = std::min<std::uint64_t>(bytes, std::stoull(text));
    } catch (const std::exception&) {
    }
  }
  return bytes;
}

void check_host_memory(const Config& c, const std::string& backend, int threads) {
  const MemoryNeed need = host_memory_need(c, backend, threads);
  const std::uint64_t have = host_memory();
  if (need.bytes > have)
    throw UsageError("invalid " + need.setting + " '" + need.value +
                     "': the run would need about " + gib(need.bytes) +
                     " of memory, and this machine has " + gib(have));
}

}  // namespace ngdsim
