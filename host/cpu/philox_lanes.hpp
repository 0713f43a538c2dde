// Random123's Philox4x32-10, word 0 only, for eight counters at once, and the CPU path's
// Bouligand sign draws built on it. GCC vectorizes a loop over philox4x32 calls, but
// with 64 x 64-bit multiplies; each lane's 32-bit words here sit in the low half of a
// 64-bit lane, so one vpmuludq is a whole 32 x 32 -> 64-bit product. tests/test_lanes.cpp
// checks every word and every sign against Random123.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "ngdsim/random.hpp"

namespace ngdsim::simd {

#if defined(__AVX512F__)
typedef std::uint64_t U64x8 __attribute__((vector_size(64)));

// Word 0 of philox_words({seed, ids[l], step, purpose}, 0) in lane l.
[[gnu::always_inline]] inline U64x8 philox_word0(std::uint64_t seed, U64x8 ids, std::uint32_t step,
                                                 Purpose purpose) {
  typedef int I32 __attribute__((vector_size(64)));
  typedef long long I64 __attribute__((vector_size(64)));
  // Low 32 bits times m, 64-bit products: vpmuludq (GCC multiplies 64 x 64 otherwise).
  // The builtin rather than _mm512_mul_epu32, whose undefined pass-through GCC 12 warns on.
  const auto mul32 = [](U64x8 a, std::uint32_t m) {
    return reinterpret_cast<U64x8>(__builtin_ia32_pmuludq512_mask(
        reinterpret_cast<I32>(a), reinterpret_cast<I32>(U64x8{} + m), I64{}, 0xff));
  };
  const U64x8 low = U64x8{} + 0xffffffffu;
  U64x8 c0 = ids & low, c1 = ids >> 32, c2 = U64x8{} + step,
        c3 = U64x8{} + static_cast<std::uint32_t>(purpose);
  std::uint64_t k0 = static_cast<std::uint32_t>(seed), k1 = seed >> 32;
  for (int r = 0; r < 10; ++r) {
    if (r > 0) k0 = (k0 + 0x9E3779B9u) & 0xffffffffu, k1 = (k1 + 0xBB67AE85u) & 0xffffffffu;
    const U64x8 p0 = mul32(c0, 0xD2511F53u), p1 = mul32(c2, 0xCD9E8D57u);
    c0 = (p1 >> 32) ^ c1 ^ k0;
    c1 = p1 & low;
    c2 = (p0 >> 32) ^ c3 ^ k1;
    c3 = p0 & low;
  }
  return c0 & low;
}
#endif

#if defined(__AVX512VBMI2__) && defined(__AVX512BW__)
// Bytes 0, 1, ..., 63.
inline __m512i byte_ids() {
  return _mm512_set_epi64(0x3f3e3d3c3b3a3938, 0x3736353433323130, 0x2f2e2d2c2b2a2928,
                          0x2726252423222120, 0x1f1e1d1c1b1a1918, 0x1716151413121110,
                          0x0f0e0d0c0b0a0908, 0x0706050403020100);
}

// Bit i: whether word 0 of trajectory first + packed[i]'s sign draw is odd, for the n
// offsets packed as bytes; bits from n on are meaningless.
[[gnu::always_inline]] inline std::uint64_t odd_words(std::uint64_t seed, std::uint64_t first,
                                                      std::uint32_t step, __m512i packed, int n) {
  // Vector extensions rather than the intrinsics whose undefined pass-through GCC 12
  // warns on (vpmovzxbq, valignq).
  typedef unsigned char B64 __attribute__((vector_size(64)));
  typedef unsigned char B8 __attribute__((vector_size(8)));
  B64 bytes = reinterpret_cast<B64>(packed);
  const B64 zero{};
  std::uint64_t odd = 0;
  for (int b = 0; b < n; b += 8) {
    const B8 low = __builtin_shufflevector(bytes, bytes, 0, 1, 2, 3, 4, 5, 6, 7);
    const U64x8 w = philox_word0(seed, __builtin_convertvector(low, U64x8) + first, step,
                                 Purpose::kBouligandSign);
    odd |= std::uint64_t(_mm512_test_epi64_mask(reinterpret_cast<__m512i>(w), _mm512_set1_epi64(1)))
           << b;
    bytes = __builtin_shufflevector(  // the next 8 bytes
        bytes, zero, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
        28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50,
        51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71);
  }
  return odd;
}
#endif

// The Bouligand signs (random_sign()) of the lanes set in want, bit b of want[w] being
// trajectory first + 64 w + b: minus gets the lanes whose sign is -1. With AVX-512 the
// lanes' offsets are packed as bytes (vpcompressb), both words' into one stream when
// they fit, drawn 8 at a time and spread back as bits (pdep): all in registers, since
// the draw is on the step's critical path.
template <int kWords>
[[gnu::always_inline]] inline void negative_signs(std::uint64_t seed, std::uint64_t first,
                                                  std::uint32_t step,
                                                  const std::uint64_t (&want)[kWords],
                                                  std::uint64_t (&minus)[kWords]) {
#if defined(__AVX512VBMI2__) && defined(__AVX512BW__)
  if constexpr (kWords <= 2) {
    const __m512i ids = byte_ids();
    const int n0 = __builtin_popcountll(want[0]);
    __m512i packed = _mm512_maskz_compress_epi8(want[0], ids);
    minus[kWords - 1] = 0;
    if constexpr (kWords == 2) {
      const int n1 = __builtin_popcountll(want[1]);
      if (n1 > 0 && n0 + n1 <= 64) {  // then n0 < 64
        // Word 1's offsets (64 + b) after word 0's: byte i >= n0 takes byte i - n0.
        const __m512i p1 =
            _mm512_maskz_compress_epi8(want[1], _mm512_add_epi8(ids, _mm512_set1_epi8(64)));
        packed = _mm512_mask_permutexvar_epi8(packed, ~0ull << n0,
                                              _mm512_sub_epi8(ids, _mm512_set1_epi8(char(n0))), p1);
        const std::uint64_t odd = odd_words(seed, first, step, packed, n0 + n1);
        minus[0] = want[0] & ~_pdep_u64(odd, want[0]);
        minus[1] = want[1] & ~_pdep_u64(odd >> n0, want[1]);
        return;
      }
      if (n1 > 0) {
        const __m512i p1 = _mm512_maskz_compress_epi8(want[1], ids);
        minus[1] = want[1] & ~_pdep_u64(odd_words(seed, first + 64, step, p1, n1), want[1]);
      }
    }
    minus[0] = want[0] & ~_pdep_u64(odd_words(seed, first, step, packed, n0), want[0]);
    return;
  }
#endif
  for (int w = 0; w < kWords; ++w) {
    minus[w] = 0;
    for (std::uint64_t bits = want[w]; bits; bits &= bits - 1) {
      const int b = __builtin_ctzll(bits);
      const RandomKey key{seed, first + 64 * std::uint64_t(w) + std::uint64_t(b), step,
                          Purpose::kBouligandSign};
      if (random_sign(key) < 0) minus[w] |= std::uint64_t(1) << b;
    }
  }
}

}  // namespace ngdsim::simd
