// Random123's Philox4x32-10 for eight counters at once, word 0 only: what the CPU
// path's packed sign draws need. GCC vectorizes a loop over philox4x32 calls, but with
// 64 x 64-bit multiplies; each lane's 32-bit words here sit in the low half of a 64-bit
// lane, so one vpmuludq is a whole 32 x 32 -> 64-bit product. tests/test_lanes.cpp
// checks every word against Random123.
#pragma once

#include <cstdint>
#include <cstring>

#include "ngdsim/random.hpp"

namespace ngdsim::simd {

// Word 0 of philox_words({seed, ids[l], step, purpose}, 0) for l = 0..7.
inline void philox_word0(std::uint64_t seed, const std::uint64_t (&ids)[8], std::uint32_t step,
                         Purpose purpose, std::uint32_t (&out)[8]) {
#if defined(__AVX512F__)
  typedef std::uint64_t U64 __attribute__((vector_size(64)));
  typedef int I32 __attribute__((vector_size(64)));
  typedef long long I64 __attribute__((vector_size(64)));
  // Low 32 bits times m, 64-bit products: vpmuludq (GCC multiplies 64 x 64 otherwise).
  // The builtin rather than _mm512_mul_epu32, whose undefined pass-through GCC 12 warns on.
  const auto mul32 = [](U64 a, std::uint32_t m) {
    return reinterpret_cast<U64>(__builtin_ia32_pmuludq512_mask(
        reinterpret_cast<I32>(a), reinterpret_cast<I32>(U64{} + m), I64{}, 0xff));
  };
  const U64 low = U64{} + 0xffffffffu;
  U64 c0, c1, c2 = U64{} + step, c3 = U64{} + static_cast<std::uint32_t>(purpose);
  std::memcpy(&c0, ids, sizeof(c0));
  c1 = c0 >> 32;
  c0 &= low;
  std::uint64_t k0 = static_cast<std::uint32_t>(seed), k1 = seed >> 32;
  for (int r = 0; r < 10; ++r) {
    if (r > 0) k0 = (k0 + 0x9E3779B9u) & 0xffffffffu, k1 = (k1 + 0xBB67AE85u) & 0xffffffffu;
    const U64 p0 = mul32(c0, 0xD2511F53u), p1 = mul32(c2, 0xCD9E8D57u);
    c0 = (p1 >> 32) ^ c1 ^ k0;
    c1 = p1 & low;
    c2 = (p0 >> 32) ^ c3 ^ k1;
    c3 = p0 & low;
  }
  for (int l = 0; l < 8; ++l) out[l] = static_cast<std::uint32_t>(c0[l]);
#else
  for (int l = 0; l < 8; ++l) out[l] = philox_words({seed, ids[l], step, purpose}, 0).v[0];
#endif
}

}  // namespace ngdsim::simd
