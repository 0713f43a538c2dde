// A few trajectories side by side as one value: Lanes<E, W> is W numbers of type E
// held in SIMD registers (GCC vector extensions), with the arithmetic, comparisons and
// selects the math of include/ngdsim uses. The landscapes and optimizers are templates
// over their number type, so the CPU path runs the very same code on Lanes: every
// operation is the IEEE operation on each lane (no contraction, correctly rounded
// sqrt and division), hence bit-identical to the scalar code, whatever the width.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ngdsim::simd {

template <class E>
using LaneInt = std::conditional_t<sizeof(E) == 8, std::int64_t, std::int32_t>;

// Per-lane truth, all bits set or clear (what vector comparisons give).
template <class E, int W>
struct Mask {
  typedef LaneInt<E> V __attribute__((vector_size(W * sizeof(E))));
  V m;
  typedef unsigned char Bytes __attribute__((vector_size(W)));

  // From and to one byte per lane (0 or 1), the tile's compact flags.
  static Mask from_bytes(const unsigned char* p) {
    Bytes b;
    std::memcpy(&b, p, sizeof(b));
    return {-__builtin_convertvector(b, V)};
  }
  void to_bytes(unsigned char* p) const {
    const Bytes b = __builtin_convertvector(m & 1, Bytes);
    std::memcpy(p, &b, sizeof(b));
  }

  // Lane l's truth as bit l.
  unsigned bits() const {
#if defined(__AVX512DQ__)
    if constexpr (sizeof(V) == 64 && sizeof(E) == 8)
      return _mm512_movepi64_mask(reinterpret_cast<__m512i>(m));
    if constexpr (sizeof(V) == 64 && sizeof(E) == 4)
      return _mm512_movepi32_mask(reinterpret_cast<__m512i>(m));
#endif
    unsigned r = 0;
    for (int l = 0; l < W; ++l) r |= unsigned(m[l] & 1) << l;
    return r;
  }

  // Bit l as lane l's truth.
  static Mask from_bits(unsigned bits) {
#if defined(__AVX512DQ__)
    if constexpr (sizeof(V) == 64 && sizeof(E) == 8)
      return {reinterpret_cast<V>(_mm512_movm_epi64(static_cast<__mmask8>(bits)))};
    if constexpr (sizeof(V) == 64 && sizeof(E) == 4)
      return {reinterpret_cast<V>(_mm512_movm_epi32(static_cast<__mmask16>(bits)))};
#endif
    V r;
    for (int l = 0; l < W; ++l) r[l] = -LaneInt<E>((bits >> l) & 1u);
    return {r};
  }

  friend Mask operator&(Mask a, Mask b) { return {a.m & b.m}; }
  friend Mask operator|(Mask a, Mask b) { return {a.m | b.m}; }
  friend Mask operator!(Mask a) { return {~a.m}; }
};

// Whether any lane is set: one test of the whole register where the target has it.
template <class E, int W>
bool any(Mask<E, W> a) {
#if defined(__AVX512F__)
  if constexpr (sizeof(a) == 64) {
    const auto i = reinterpret_cast<__m512i>(a.m);
    return _mm512_test_epi64_mask(i, i) != 0;
  }
#endif
#if defined(__AVX__)
  if constexpr (sizeof(a) == 32) {
    const auto i = reinterpret_cast<__m256i>(a.m);
    return !_mm256_testz_si256(i, i);
  }
#endif
  LaneInt<E> r = 0;
  for (int l = 0; l < W; ++l) r |= a.m[l];
  return r != 0;
}

// Number of lanes set.
template <class E, int W>
int count(Mask<E, W> a) {
  return __builtin_popcount(a.bits());
}

template <class E, int W>
struct Lanes {
  typedef E V __attribute__((vector_size(W * sizeof(E))));
  V v;

  Lanes() = default;
  template <class U, class = std::enable_if_t<std::is_arithmetic_v<U>>>
  explicit Lanes(U u) : v(V{} + static_cast<E>(u)) {}
  static Lanes of(V v) {
    Lanes r;
    r.v = v;
    return r;
  }
  static Lanes load(const E* p) {
    Lanes r;
    std::memcpy(&r.v, p, sizeof(V));
    return r;
  }
  void store(E* p) const { std::memcpy(p, &v, sizeof(V)); }

  Lanes operator-() const { return of(-v); }
  Lanes& operator+=(Lanes b) { return v += b.v, *this; }
  Lanes& operator-=(Lanes b) { return v -= b.v, *this; }
  Lanes& operator*=(Lanes b) { return v *= b.v, *this; }
  friend Lanes operator+(Lanes a, Lanes b) { return of(a.v + b.v); }
  friend Lanes operator-(Lanes a, Lanes b) { return of(a.v - b.v); }
  friend Lanes operator*(Lanes a, Lanes b) { return of(a.v * b.v); }
  friend Lanes operator/(Lanes a, Lanes b) { return of(a.v / b.v); }
  // A scalar operand is the same number in every lane (landscape data, step sizes).
  friend Lanes operator*(E a, Lanes b) { return of(a * b.v); }

  friend Mask<E, W> operator<(Lanes a, Lanes b) { return {a.v < b.v}; }
  friend Mask<E, W> operator>(Lanes a, Lanes b) { return {a.v > b.v}; }
  friend Mask<E, W> operator<=(Lanes a, Lanes b) { return {a.v <= b.v}; }
  friend Mask<E, W> operator==(Lanes a, Lanes b) { return {a.v == b.v}; }
};

template <class E, int W>
Lanes<E, W> select_(Mask<E, W> c, Lanes<E, W> a, Lanes<E, W> b) {
  return Lanes<E, W>::of(c.m ? a.v : b.v);
}

// The loop compiles to one vector square root per register (-fno-math-errno).
template <class E, int W>
Lanes<E, W> sqrt(Lanes<E, W> a) {
  Lanes<E, W> r;
  for (int l = 0; l < W; ++l) {
    if constexpr (sizeof(E) == 4)
      r.v[l] = __builtin_sqrtf(a.v[l]);
    else
      r.v[l] = __builtin_sqrt(a.v[l]);
  }
  return r;
}

template <class E, int W>
Lanes<E, W> magnitude_(Lanes<E, W> a) {
  typedef LaneInt<E> I __attribute__((vector_size(W * sizeof(E))));
  const I sign = I{} + (LaneInt<E>(1) << (8 * sizeof(E) - 1));
  return Lanes<E, W>::of(
      reinterpret_cast<typename Lanes<E, W>::V>(reinterpret_cast<I>(a.v) & ~sign));
}

// StepKind flags per lane (see include/ngdsim/optimizers/step_kind.hpp).
template <class E, int W>
struct Kinds {
  typename Mask<E, W>::V k;
};

template <class E, int W>
Kinds<E, W> step_kind_(Mask<E, W> sign_draw, Mask<E, W> critical) {
  return {(sign_draw.m & ~critical.m & 1) | (critical.m & 2)};
}

}  // namespace ngdsim::simd
