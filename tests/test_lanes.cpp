// The CPU path runs the landscapes and optimizers on registers of lanes
// (host/cpu/lanes.hpp). Each lane must be the scalar computation bit for bit, for every
// landscape and optimizer, at ordinary points and at the special ones (g = 0, critical
// points, signed zeros, infinities, NaN).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "cli/bilinear_setup.hpp"
#include "cli/config.hpp"
#include "cpu/lanes.hpp"
#include "cpu/philox_lanes.hpp"
#include "ngdsim/landscapes/cross.hpp"
#include "ngdsim/landscapes/cubic.hpp"
#include "ngdsim/landscapes/parabola.hpp"
#include "ngdsim/landscapes/product.hpp"
#include "ngdsim/landscapes/quadric.hpp"
#include "ngdsim/observe.hpp"
#include "ngdsim/optimizers/gd.hpp"
#include "ngdsim/optimizers/ngd.hpp"
#include "ngdsim/optimizers/perturbed.hpp"
#include "ngdsim/optimizers/sam.hpp"

namespace ngdsim {
namespace {

template <class T>
bool same_bits(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Values that exercise every rounding and special case, then random ones of all scales.
template <class T>
std::vector<T> test_values(int n, std::uint32_t seed) {
  const T inf = std::numeric_limits<T>::infinity();
  std::vector<T> v = {T(0),
                      -T(0),
                      T(1),
                      T(-1),
                      inf,
                      -inf,
                      std::numeric_limits<T>::quiet_NaN(),
                      std::numeric_limits<T>::denorm_min(),
                      std::numeric_limits<T>::min(),
                      std::numeric_limits<T>::max(),
                      T(0.1),
                      T(3)};
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> mantissa(-2.0, 2.0);
  std::uniform_int_distribution<int> exponent(-30, 30);
  while (static_cast<int>(v.size()) < n)
    v.push_back(static_cast<T>(std::ldexp(mantissa(rng), exponent(rng))));
  return v;
}

template <class T, int W>
void expect_arithmetic_per_lane() {
  using V = simd::Lanes<T, W>;
  const auto a = test_values<T>(W * 8, 1), b = test_values<T>(W * 8, 2);
  for (std::size_t j = 0; j + W <= a.size(); j += W) {
    // b rotated, so special values meet each other and ordinary ones.
    T bj[W];
    for (int l = 0; l < W; ++l) bj[l] = b[(j + l * 3 + 1) % b.size()];
    const V x = V::load(&a[j]), y = V::load(bj);
    const V sum = x + y, diff = x - y, prod = x * y, quot = x / y, root = sqrt(x);
    const V mag = magnitude_(x), sel = select_(x < y, x, y), neg = -x;
    const auto less = x < y, equal = x == y, le = x <= y;
    for (int l = 0; l < W; ++l) {
      const T p = a[j + l], q = bj[l];
      EXPECT_TRUE(same_bits<T>(sum.v[l], p + q)) << p << " + " << q;
      EXPECT_TRUE(same_bits<T>(diff.v[l], p - q)) << p << " - " << q;
      EXPECT_TRUE(same_bits<T>(prod.v[l], p * q)) << p << " * " << q;
      EXPECT_TRUE(same_bits<T>(quot.v[l], p / q)) << p << " / " << q;
      EXPECT_TRUE(same_bits<T>(root.v[l], sqrt(p)) || (p != p && root.v[l] != root.v[l])) << p;
      EXPECT_TRUE(same_bits<T>(mag.v[l], magnitude_(p))) << p;
      EXPECT_TRUE(same_bits<T>(sel.v[l], select_(p < q, p, q))) << p << " " << q;
      EXPECT_TRUE(same_bits<T>(neg.v[l], -p)) << p;
      EXPECT_EQ(less.m[l] != 0, p < q);
      EXPECT_EQ(equal.m[l] != 0, p == q);
      EXPECT_EQ(le.m[l] != 0, p <= q);
    }
  }
}

TEST(Lanes, ArithmeticIsTheScalarArithmeticInEveryLane) {
  expect_arithmetic_per_lane<double, 8>();
  expect_arithmetic_per_lane<double, 4>();
  expect_arithmetic_per_lane<float, 16>();
  expect_arithmetic_per_lane<float, 8>();
}

TEST(Lanes, MasksCountAndRoundTripThroughBytes) {
  using M = simd::Mask<double, 8>;
  const unsigned char bytes[8] = {0, 1, 0, 0, 1, 1, 0, 1};
  const M m = M::from_bytes(bytes);
  EXPECT_TRUE(any(m));
  EXPECT_EQ(count(m), 4);
  unsigned char back[8];
  m.to_bytes(back);
  EXPECT_EQ(std::memcmp(bytes, back, 8), 0);
  const unsigned char none[8] = {};
  EXPECT_FALSE(any(M::from_bytes(none)));
  EXPECT_FALSE(any(m & !m));
  EXPECT_EQ(count(m | !m), 8);
}

#if defined(__AVX512F__)
TEST(Lanes, PhiloxOfEightCountersIsRandom123s) {
  std::mt19937_64 rng(11);
  for (int t = 0; t < 2000; ++t) {
    const std::uint64_t seed = t < 2 ? (t ? ~0ull : 0ull) : rng();
    const auto step = static_cast<std::uint32_t>(t < 2 ? (t ? ~0u : 0u) : rng());
    simd::U64x8 ids;
    for (int l = 0; l < 8; ++l) ids[l] = t % 3 ? rng() : rng() % 1000;  // high words zero or not
    const simd::U64x8 got = simd::philox_word0(seed, ids, step, Purpose::kBouligandSign);
    for (int l = 0; l < 8; ++l)
      ASSERT_EQ(got[l], philox_words({seed, ids[l], step, Purpose::kBouligandSign}, 0).v[0])
          << "seed " << seed << " trajectory " << ids[l] << " step " << step;
  }
}
#endif

template <class E, int W>
void expect_bits_round_trip() {
  using M = simd::Mask<E, W>;
  for (unsigned bits : {0u, 1u, 0x5au, 0xffffu, 0xa5a5u}) {
    bits &= (1u << W) - 1;
    const M m = M::from_bits(bits | (1u << W));  // bits from W on are ignored
    EXPECT_EQ(m.bits(), bits);
    for (int l = 0; l < W; ++l) EXPECT_EQ(m.m[l], (bits >> l & 1u) ? -1 : 0);
  }
}

TEST(Lanes, MasksRoundTripThroughBits) {
  expect_bits_round_trip<double, 8>();
  expect_bits_round_trip<double, 4>();
  expect_bits_round_trip<float, 16>();
  expect_bits_round_trip<float, 8>();
}

// Every lane's sign is random_sign()'s, whichever lanes ask and however many: one word,
// two words merged into one stream of draws, two words too many to merge (more than 64
// lanes), and trajectory numbers whose high 32 bits are set.
template <int kWords>
void expect_signs_of_random123(std::mt19937_64& rng, int density) {
  for (int t = 0; t < 300; ++t) {
    const std::uint64_t seed = rng(), first = t % 2 ? rng() : rng() % 100000;
    const auto step = static_cast<std::uint32_t>(rng());
    std::uint64_t want[kWords], minus[kWords];
    for (auto& w : want) {
      w = ~0ull;
      for (int d = 0; d < density; ++d) w &= rng();  // about 64 / 2^density lanes
    }
    if (t == 0) want[0] = 0;
    simd::negative_signs(seed, first, step, want, minus);
    for (int w = 0; w < kWords; ++w)
      for (int b = 0; b < 64; ++b) {
        const bool asked = want[w] >> b & 1u;
        const RandomKey key{seed, first + 64 * std::uint64_t(w) + std::uint64_t(b), step,
                            Purpose::kBouligandSign};
        ASSERT_EQ(bool(minus[w] >> b & 1u), asked && random_sign(key) < 0)
            << "word " << w << " lane " << b << " of " << t;
      }
  }
}

TEST(Lanes, PackedSignDrawsAreRandom123s) {
  std::mt19937_64 rng(12);
  for (int density : {0, 1, 3, 5}) {
    expect_signs_of_random123<1>(rng, density);
    expect_signs_of_random123<2>(rng, density);
  }
}

// Points of landscape L: random, plus the special ones of product-like landscapes.
template <int D, class T>
std::vector<std::array<T, D>> points(int n) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-2.0, 2.0);
  std::vector<std::array<T, D>> p;
  std::array<T, D> ones, zeros, mixed;
  ones.fill(T(1));
  zeros.fill(T(0));
  mixed.fill(T(-1));
  mixed[0] = T(1);
  p.push_back(ones);   // g = 0 for product
  p.push_back(zeros);  // a critical point of g for product, cross, bilinear
  p.push_back(mixed);
  for (int i = 0; i < n; ++i) {
    std::array<T, D> x;
    for (auto& c : x) c = static_cast<T>(u(rng));
    p.push_back(x);
  }
  return p;
}

// direction() on lanes against direction() on each lane's point: the step and the kind.
template <class T, class L, class Opt>
void expect_direction_per_lane(const L& land, const Opt& opt) {
  constexpr int D = L::kDim, W = 64 / int(sizeof(T));
  using V = simd::Lanes<T, W>;
  const auto pts = points<D, T>(4 * W);
  for (std::size_t j = 0; j + W <= pts.size(); j += W) {
    T cols[D][W];
    for (int i = 0; i < D; ++i)
      for (int l = 0; l < W; ++l) cols[i][l] = pts[j + l][i];
    V x[D], v[D];
    for (int i = 0; i < D; ++i) x[i] = V::load(cols[i]);
    const auto kinds = opt.direction(land, x, v);
    const auto bad = out_of_bounds(x, V(T(1.5)));
    for (int l = 0; l < W; ++l) {
      T xs[D], vs[D];
      for (int i = 0; i < D; ++i) xs[i] = pts[j + l][i];
      const StepKind kind = opt.direction(land, xs, vs);
      if constexpr (std::is_same_v<decltype(kinds), const StepKind>)
        EXPECT_EQ(kinds, kind);
      else
        EXPECT_EQ(kinds.k[l], kind) << "lane " << l;
      for (int i = 0; i < D; ++i)
        EXPECT_TRUE(same_bits<T>(v[i].v[l], vs[i]) || (vs[i] != vs[i] && v[i].v[l] != v[i].v[l]))
            << "lane " << l << " coordinate " << i << ": " << v[i].v[l] << " vs " << vs[i];
      EXPECT_EQ(bad.m[l] != 0, out_of_bounds(xs, T(1.5)));
    }
  }
}

template <class T, class L>
void expect_every_optimizer(const L& land) {
  expect_direction_per_lane<T>(land, Ngd{});
  expect_direction_per_lane<T>(land, Gd{});
  expect_direction_per_lane<T>(land, Sam{0.05});
  expect_direction_per_lane<T>(land, Perturbed{0.01});
}

template <class T>
void expect_every_landscape() {
  expect_every_optimizer<T>(Product<T, 2>{2});
  expect_every_optimizer<T>(Product<T, 3>{1});
  expect_every_optimizer<T>(Product<T, 5>{2});
  expect_every_optimizer<T>(Product<T, 8>{2});
  expect_every_optimizer<T>(Parabola<T>{2});
  expect_every_optimizer<T>(Cubic<T>{2});
  expect_every_optimizer<T>(Quadric<T>::make(1, 1.0, 4.0));
  expect_every_optimizer<T>(Cross<T>{2});
  Config c;
  c.landscape = "bilinear";
  c.param["m"] = "3";
  resolve(c);
  expect_every_optimizer<T>(make_bilinear<T, 3>(bilinear_spec(c), 2));
}

TEST(Lanes, EveryLandscapeAndOptimizerStepsAsTheScalarCodeDouble) {
  expect_every_landscape<double>();
}

TEST(Lanes, EveryLandscapeAndOptimizerStepsAsTheScalarCodeFloat) {
  expect_every_landscape<float>();
}

}  // namespace
}  // namespace ngdsim
