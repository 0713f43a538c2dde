// Byte counts of memory estimates that saturate instead of wrapping: an estimate that
// overflows is simply more than any machine has.
#pragma once

#include <cstdint>
#include <limits>

namespace ngdsim::saturating {

inline constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

inline std::uint64_t mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  return __builtin_mul_overflow(a, b, &r) ? kMax : r;
}

inline std::uint64_t add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  return __builtin_add_overflow(a, b, &r) ? kMax : r;
}

}  // namespace ngdsim::saturating
