// The host memory estimate that refuses impossible runs before they allocate.
#include <gtest/gtest.h>

#include "cli/config.hpp"
#include "study/memory.hpp"

namespace ngdsim {
namespace {

Config resolved(const std::vector<std::pair<std::string, std::string>>& settings) {
  Config c;
  for (const auto& [k, v] : settings) set_option(c, k, v);
  resolve(c);
  return c;
}

TEST(Memory, RecordCountsBoundTheSchedules) {
  EXPECT_EQ(record_count(parse_record("log:200"), 5000), 201);
  EXPECT_EQ(record_count(parse_record("log:200"), 10), 11);
  EXPECT_EQ(record_count(parse_record("every:7"), 500), 73);
  EXPECT_EQ(record_count(parse_record("list:3,5"), 500), 4);
}

TEST(Memory, TheDefaultStudyNeedsLittle) {
  const MemoryNeed need = host_memory_need(resolved({}), "cpu", 2);
  EXPECT_LT(need.bytes, std::uint64_t{128} << 20);
}

TEST(Memory, TheLargestPartIsNamed) {
  // K = 2^32 - 1: the step-size table alone is 34 GB.
  const MemoryNeed steps = host_memory_need(resolved({{"steps", "4294967295"}}), "cpu", 2);
  EXPECT_EQ(steps.setting, "steps");
  EXPECT_GE(steps.bytes, std::uint64_t{34359738360});
  // every:1 with K = 10^6: 10^6 records of histograms, three copies with 2 threads.
  const MemoryNeed records =
      host_memory_need(resolved({{"steps", "1000000"}, {"record", "every:1"}}), "cpu", 2);
  EXPECT_EQ(records.setting, "record");
  EXPECT_GE(records.bytes, std::uint64_t{1000001} * 5 * 242 * 8 * 3);
  // /final of 10^9 trajectories on the CPU path (29 bytes each for d = 2); a device
  // streams it chunk by chunk.
  const Config final = resolved({{"trajectories", "1000000000"}, {"save_final", "true"}});
  const MemoryNeed cpu = host_memory_need(final, "cpu", 2);
  EXPECT_EQ(cpu.setting, "save_final");
  EXPECT_GE(cpu.bytes, std::uint64_t{29000000000});
  EXPECT_LT(host_memory_need(final, "cuda", 2).bytes, std::uint64_t{1} << 30);
}

TEST(Memory, TheMachineHasSome) {
  EXPECT_GT(host_memory(), std::uint64_t{256} << 20);
  // This refusal holds on any machine with less than 34 GB, such as CI's 24 GiB.
  if (host_memory() < std::uint64_t{34000000000}) {
    EXPECT_THROW(check_host_memory(resolved({{"steps", "4294967295"}}), "cpu", 2), UsageError);
  }
  EXPECT_NO_THROW(check_host_memory(resolved({}), "cpu", 2));
}

}  // namespace
}  // namespace ngdsim
