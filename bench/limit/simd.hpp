// Thin AVX-512 wrappers for the limit loops (bench/limit/limit.cpp): one register of
// lanes with the operators the step needs, and Philox-4x32-10 across 8 lanes. Every
// operation is one correctly rounded instruction (no FMA), so a lane computes what
// ngdsim's scalar code computes, bit for bit.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace limit {

struct F64 {
  using Scalar = double;
  using Mask = __mmask8;
  static constexpr int kLanes = 8;
  __m512d v;
  F64() = default;
  F64(__m512d r) : v(r) {}
  explicit F64(double a) : v(_mm512_set1_pd(a)) {}
  static F64 load(const double* p) { return _mm512_loadu_pd(p); }
  void store(double* p) const { _mm512_storeu_pd(p, v); }
};

struct F32 {
  using Scalar = float;
  using Mask = __mmask16;
  static constexpr int kLanes = 16;
  __m512 v;
  F32() = default;
  F32(__m512 r) : v(r) {}
  explicit F32(float a) : v(_mm512_set1_ps(a)) {}
  static F32 load(const float* p) { return _mm512_loadu_ps(p); }
  void store(float* p) const { _mm512_storeu_ps(p, v); }
};

inline F64 operator+(F64 a, F64 b) { return _mm512_add_pd(a.v, b.v); }
inline F64 operator-(F64 a, F64 b) { return _mm512_sub_pd(a.v, b.v); }
inline F64 operator*(F64 a, F64 b) { return _mm512_mul_pd(a.v, b.v); }
inline F64 operator/(F64 a, F64 b) { return _mm512_div_pd(a.v, b.v); }
inline F64 sqrt(F64 a) { return _mm512_sqrt_pd(a.v); }
inline F64 abs(F64 a) { return _mm512_abs_pd(a.v); }
inline __mmask8 lt(F64 a, F64 b) { return _mm512_cmp_pd_mask(a.v, b.v, _CMP_LT_OQ); }
inline __mmask8 gt(F64 a, F64 b) { return _mm512_cmp_pd_mask(a.v, b.v, _CMP_GT_OQ); }
inline __mmask8 le(F64 a, F64 b) { return _mm512_cmp_pd_mask(a.v, b.v, _CMP_LE_OQ); }
inline __mmask8 eq(F64 a, F64 b) { return _mm512_cmp_pd_mask(a.v, b.v, _CMP_EQ_OQ); }
// m ? a : b, lane by lane.
inline F64 select(__mmask8 m, F64 a, F64 b) { return _mm512_mask_blend_pd(m, b.v, a.v); }

// -a where m is set, exactly (the sign bit flipped), a elsewhere.
inline F64 negate_where(__mmask8 m, F64 a) {
  return _mm512_mask_xor_pd(a.v, m, a.v, _mm512_set1_pd(-0.0));
}

inline F32 operator+(F32 a, F32 b) { return _mm512_add_ps(a.v, b.v); }
inline F32 operator-(F32 a, F32 b) { return _mm512_sub_ps(a.v, b.v); }
inline F32 operator*(F32 a, F32 b) { return _mm512_mul_ps(a.v, b.v); }
inline F32 operator/(F32 a, F32 b) { return _mm512_div_ps(a.v, b.v); }
inline F32 sqrt(F32 a) { return _mm512_sqrt_ps(a.v); }
inline F32 abs(F32 a) { return _mm512_abs_ps(a.v); }
inline __mmask16 lt(F32 a, F32 b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ); }
inline __mmask16 gt(F32 a, F32 b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ); }
inline __mmask16 le(F32 a, F32 b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_LE_OQ); }
inline __mmask16 eq(F32 a, F32 b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_EQ_OQ); }
inline F32 select(__mmask16 m, F32 a, F32 b) { return _mm512_mask_blend_ps(m, b.v, a.v); }

inline F32 negate_where(__mmask16 m, F32 a) {
  return _mm512_mask_xor_ps(a.v, m, a.v, _mm512_set1_ps(-0.0f));
}

// Philox-4x32-10 (Random123's philox4x32 with R = 10) on 8 counters at once, one per
// 64-bit lane with each 32-bit word in the lane's low half: then one vpmuludq is a full
// 32 x 32 -> 64-bit product, and a round is six instructions. Lane l gets the block of
// counter {c0[l], c1, c2, c3} under key {k0, k1}; the upper halves hold garbage.
struct Words8 {
  __m512i w[4];
};

inline Words8 philox8(__m512i c0, std::uint32_t c1, std::uint32_t c2, std::uint32_t c3,
                      std::uint64_t seed) {
  const __m512i m0 = _mm512_set1_epi64(0xD2511F53), m1 = _mm512_set1_epi64(0xCD9E8D57);
  __m512i x0 = c0, x1 = _mm512_set1_epi64(c1), x2 = _mm512_set1_epi64(c2);
  __m512i x3 = _mm512_set1_epi64(c3);
  std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    if (r > 0) k0 += 0x9E3779B9u, k1 += 0xBB67AE85u;
    const __m512i p0 = _mm512_mul_epu32(x0, m0), p1 = _mm512_mul_epu32(x2, m1);
    // 0x96: a ^ b ^ c.
    x0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), x1, _mm512_set1_epi64(k0), 0x96);
    x2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), x3, _mm512_set1_epi64(k1), 0x96);
    x1 = p1;
    x3 = p0;
  }
  return {{x0, x1, x2, x3}};
}

// 8 lane indices (bytes 0..7 of b) plus first, as philox8's counters.
inline __m512i counters8(__m128i b, std::uint32_t first) {
  return _mm512_add_epi64(_mm512_cvtepu8_epi64(b), _mm512_set1_epi64(first));
}

}  // namespace limit
