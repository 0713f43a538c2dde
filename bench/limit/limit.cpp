// The limit loops: ngdsim's optimization step and nothing else (no statistics, no
// bookkeeping), written for this machine's limit, so that bench/cpu_peers.py can say how
// far ngdsim's CPU path is from it. A block of U registers of lanes (8 doubles or 16
// floats each) keeps its trajectories in registers for all K steps; the U independent
// registers hide the latency of the square root and the division. Every lane computes
// exactly ngdsim's operations in ngdsim's order with correctly rounded AVX-512
// instructions and the same Philox streams, so the final positions are ngdsim's bit for
// bit (tests/python/test_limit_loops.py checks it against `ngdsim run --save-final`).
//
// Build, one command line from the repository root (AVX-512 only, which is the point):
//   g++ -std=c++17 -O3 -march=native -ffp-contract=off -fno-math-errno -Iinclude
//       bench/limit/limit.cpp -o limit
// Run:
//   limit CASE [--trajectories N] [--steps K] [--precision double|float] [--seed S]
//              [--alpha0 A] [--p P] [--init box:LO,HI|normal:MEAN,SIGMA] [--dump FILE]
// CASE: product2-ngd product8-ngd bilinear3-ngd product2-sam product2-gd
// product2-perturbed. Defaults as ngdsim's: N = 10^6, K = 5000, alpha0 = 1 (0.1 for gd,
// sam and perturbed: with 1, most of their trajectories diverge within a few steps),
// p = 0.5, box:-2,2, seed 20260208, divergence bound 1e6, rho 0.05, sigma 0.01, q = 2.
// Prints the run's time (starting points and steps) and a checksum (FNV-1a of the final
// positions' bytes); --dump writes the final positions as raw doubles, [N, d] row-major
// like /final/position.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "ngdsim/init.hpp"
#include "ngdsim/random.hpp"
#include "simd.hpp"

namespace limit {

using ngdsim::Purpose;

// num / sqrt(n2), as ngdsim computes it (single precision in float).
template <class V>
V quotient(V num, V n2) {
  return num / sqrt(n2);
}

struct Setup {
  std::string name;
  bool single = false;  // float
  std::uint64_t n = 1000000;
  std::uint32_t steps = 5000;
  double alpha0 = 1.0, p = 0.5, bound = 1e6, rho = 0.05, sigma = 0.01;
  std::uint64_t seed = 20260208;
  ngdsim::InitDist init;  // box:-2,2
};

template <class V>
V splat(double a) {
  return V(static_cast<typename V::Scalar>(a));
}

// ---- Landscapes: g and grad g exactly as include/ngdsim/landscapes/ computes them.

template <class V, int N>
struct Product {
  static constexpr int kDim = N;
  V g_grad(const V (&x)[N], V (&grad)[N]) const {
    V prefix = splat<V>(1.0);
#pragma GCC unroll 16
    for (int i = 0; i < N; ++i) {
      grad[i] = prefix;
      prefix = prefix * x[i];
    }
    V suffix = splat<V>(1.0);
#pragma GCC unroll 16
    for (int i = N - 1; i >= 0; --i) {
      grad[i] = grad[i] * suffix;
      suffix = suffix * x[i];
    }
    return prefix - splat<V>(1.0);
  }
};

template <class V, int M>
struct Bilinear {
  static constexpr int kDim = 2 * M;
  typename V::Scalar A[M][M];
  V g_grad(const V (&z)[2 * M], V (&grad)[2 * M]) const {
    // Sums start from 0 as ngdsim's do (0 + a product is not always the product: -0).
    V g = splat<V>(0.0);
#pragma GCC unroll 16
    for (int i = 0; i < M; ++i) {
      V ay = splat<V>(0.0), atx = splat<V>(0.0);
#pragma GCC unroll 16
      for (int j = 0; j < M; ++j) {
        ay = ay + V(A[i][j]) * z[M + j];
        atx = atx + V(A[j][i]) * z[j];
      }
      grad[i] = ay;
      grad[M + i] = atx;
      g = g + z[i] * ay;
    }
    return g - splat<V>(1.0);
  }
};

// ngdsim's random A for bilinear m: N(0, 1/m) entries from the seed (host/cli/bilinear_setup.cpp).
template <class V, int M>
Bilinear<V, M> random_bilinear(std::uint64_t seed) {
  double z[M * M];
  ngdsim::normals(ngdsim::RandomKey{seed, 0, 0, Purpose::kLandscape}, z, M * M);
  Bilinear<V, M> land;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < M; ++j)
      land.A[i][j] = static_cast<typename V::Scalar>(z[i * M + j] / std::sqrt(double(M)));
  return land;
}

template <class V, int D>
inline V squared_norm(const V (&v)[D]) {
  V s = v[0] * v[0];
#pragma GCC unroll 16
  for (int i = 1; i < D; ++i) s = s + v[i] * v[i];
  return s;
}

// grad f = 2 g grad g (q = 2).
template <class V, class Land, int D>
inline void grad_f(const Land& land, const V (&x)[D], V (&v)[D]) {
  V grad[D];
  const V c = splat<V>(2.0) * land.g_grad(x, grad);
#pragma GCC unroll 16
  for (int i = 0; i < D; ++i) v[i] = grad[i] * c;
}

// The lanes in `active` move to xn; a lane whose xn is beyond the bound (or not finite)
// keeps that point and stops for good, as in host/cpu/cpu_tile.hpp.
template <class V, int D>
inline void commit(V (&x)[D], const V (&xn)[D], typename V::Mask& active, V bound) {
  typename V::Mask ok = le(abs(xn[0]), bound);
#pragma GCC unroll 16
  for (int i = 1; i < D; ++i) ok &= le(abs(xn[i]), bound);
#pragma GCC unroll 16
  for (int i = 0; i < D; ++i) x[i] = select(active, xn[i], x[i]);
  active &= ok;
}

// Bytes 0, 1, ..., 63.
inline __m512i byte_ids() {
  return _mm512_set_epi64(0x3f3e3d3c3b3a3938, 0x3736353433323130, 0x2f2e2d2c2b2a2928,
                          0x2726252423222120, 0x1f1e1d1c1b1a1918, 0x1716151413121110,
                          0x0f0e0d0c0b0a0908, 0x0706050403020100);
}

// ---- Optimizers: one step of U registers of lanes, trajectories first, first + 1, ...

struct Ngd {
  // The random Bouligand signs of the lanes set in `draw` (bit b: trajectory first + b):
  // the lanes' indices are packed (vpcompressb), their Philox words drawn 8 at a time,
  // and the sign bits spread back (pdep). Returns the lanes whose sign is +1. All in
  // registers: the draw is on the step's critical path.
  static std::uint64_t signs(std::uint64_t draw, std::uint32_t first, std::uint32_t k,
                             std::uint64_t seed) {
    __m512i packed = _mm512_maskz_compress_epi8(draw, byte_ids());
    const int n = __builtin_popcountll(draw);
    std::uint64_t odd = 0;
    for (int b = 0; b < n; b += 8) {
      const auto w = philox8(counters8(_mm512_castsi512_si128(packed), first), 0, k,
                             static_cast<std::uint32_t>(Purpose::kBouligandSign), seed);
      odd |= std::uint64_t(_mm512_test_epi64_mask(w.w[0], _mm512_set1_epi64(1))) << b;
      packed = _mm512_alignr_epi64(_mm512_setzero_si512(), packed, 1);  // the next 8 bytes
    }
    return _pdep_u64(odd, draw);
  }

  // At a critical point of g: ngdsim's uniform random unit direction (never happens in
  // these studies; kept so the loop is the whole step).
  template <class V, int D>
  [[gnu::noinline, gnu::cold]] static void directions(V (&v)[D], unsigned lanes,
                                                      std::uint32_t first, std::uint32_t k,
                                                      std::uint64_t seed) {
    using T = typename V::Scalar;
    alignas(64) T lane[D][V::kLanes];
    for (int i = 0; i < D; ++i) v[i].store(lane[i]);
    for (int l = 0; l < V::kLanes; ++l) {
      if (!(lanes >> l & 1u)) continue;
      double z[D], n2 = 0.0;
      ngdsim::normals({seed, first + l, k, Purpose::kRandomDirection}, z, D);
      for (int i = 0; i < D; ++i) n2 += z[i] * z[i];
      const double inv = 1.0 / std::sqrt(n2);
      for (int i = 0; i < D; ++i) lane[i][l] = static_cast<T>(z[i] * inv);
    }
    for (int i = 0; i < D; ++i) v[i] = V::load(lane[i]);
  }

  template <class V, class Land, int U, int D>
  void step(const Land& land, V (&x)[U][D], typename V::Mask (&active)[U], V a, V bound,
            std::uint32_t first, std::uint32_t k, std::uint64_t seed) const {
    using Mask = typename V::Mask;
    // Sign draws go by words of 64 lanes: vector u is bits (u % kPer) * L.. of word u / kPer.
    constexpr int L = V::kLanes, kPer = 64 / L, W = (U + kPer - 1) / kPer;
    V grad[U][D], root[U];
    Mask negative[U], critical[U];
    std::uint64_t draw[W] = {};
    const V zero = splat<V>(0.0);
#pragma GCC unroll 8
    for (int u = 0; u < U; ++u) {
      const V g = land.g_grad(x[u], grad[u]);
      const V n2 = squared_norm(grad[u]);
      // ngdsim's (g < 0 ? -1 : 1) / sqrt(n2) is +-(1 / sqrt(n2)) exactly, so the
      // quotient need not wait for the sign, nor for a drawn one.
      root[u] = quotient(splat<V>(1.0), n2);
      negative[u] = lt(g, zero);
      critical[u] = eq(n2, zero) & active[u];
      draw[u / kPer] |= std::uint64_t(eq(g, zero) & active[u] & ~critical[u]) << (u % kPer * L);
    }
#pragma GCC unroll 8
    for (int w = 0; w < W; ++w) {
      if (!draw[w]) continue;
      const std::uint64_t minus = draw[w] & ~signs(draw[w], first + w * kPer * L, k, seed);
#pragma GCC unroll 8
      for (int j = 0; j < kPer; ++j) {
        const int u = w * kPer + j;
        if (u >= U) break;
        negative[u] |= static_cast<Mask>(minus >> (j * L));  // g == 0 there: not yet negative
      }
    }
#pragma GCC unroll 8
    for (int u = 0; u < U; ++u) {
      const V s = negate_where(negative[u], root[u]);
      V v[D], xn[D];
#pragma GCC unroll 16
      for (int i = 0; i < D; ++i) v[i] = grad[u][i] * s;
      if (__builtin_expect(critical[u] != 0, 0)) {
        // Through a copy: v itself must not escape, or it lives in memory on every step.
        V w[D];
        for (int i = 0; i < D; ++i) w[i] = v[i];
        directions(w, critical[u], first + u * L, k, seed);
        for (int i = 0; i < D; ++i) v[i] = w[i];
      }
#pragma GCC unroll 16
      for (int i = 0; i < D; ++i) xn[i] = x[u][i] - a * v[i];
      commit(x[u], xn, active[u], bound);
    }
  }
};

struct Gd {
  template <class V, class Land, int U, int D>
  void step(const Land& land, V (&x)[U][D], typename V::Mask (&active)[U], V a, V bound,
            std::uint32_t, std::uint32_t, std::uint64_t) const {
#pragma GCC unroll 8
    for (int u = 0; u < U; ++u) {
      V v[D], xn[D];
      grad_f(land, x[u], v);
#pragma GCC unroll 16
      for (int i = 0; i < D; ++i) xn[i] = x[u][i] - a * v[i];
      commit(x[u], xn, active[u], bound);
    }
  }
};

struct Sam {
  double rho;
  template <class V, class Land, int U, int D>
  void step(const Land& land, V (&x)[U][D], typename V::Mask (&active)[U], V a, V bound,
            std::uint32_t, std::uint32_t, std::uint64_t) const {
    const V zero = splat<V>(0.0), r = splat<V>(rho);
#pragma GCC unroll 8
    for (int u = 0; u < U; ++u) {
      V gf[D], xa[D], v[D], xn[D];
      grad_f(land, x[u], gf);
      const V n2 = squared_norm(gf);
      const V scale = select(gt(n2, zero), quotient(r, n2), zero);
#pragma GCC unroll 16
      for (int i = 0; i < D; ++i) xa[i] = x[u][i] + scale * gf[i];
      grad_f(land, xa, v);
#pragma GCC unroll 16
      for (int i = 0; i < D; ++i) xn[i] = x[u][i] - a * v[i];
      commit(x[u], xn, active[u], bound);
    }
  }
};

struct Perturbed {
  double sigma;
  // sigma xi for the lanes set in `live` (bit b: trajectory first + b; diverged ones
  // never move again, so ngdsim draws nothing for them): Philox words 8 lanes at a time,
  // then ngdsim's Box-Muller per lane with the same libm calls, so the bits agree.
  template <class T>
  void noise(std::uint64_t live, std::uint32_t first, std::uint32_t k, std::uint64_t seed, T* n0,
             T* n1) const {
    for (int b = 0; b < 64 && (live >> b); b += 8) {
      if (!((live >> b) & 0xff)) continue;
      const auto w = philox8(counters8(_mm512_castsi512_si128(byte_ids()), first + b), 0, k,
                             static_cast<std::uint32_t>(Purpose::kPerturbation), seed);
      alignas(64) std::uint64_t word[4][8];
      for (int i = 0; i < 4; ++i) _mm512_store_si512(word[i], w.w[i]);
      for (int l = 0; l < 8; ++l) {
        if (!((live >> (b + l)) & 1u)) continue;
        const auto lo = [&](int i) { return static_cast<std::uint32_t>(word[i][l]); };
        const double u1 = ngdsim::uniform_open(lo(0), lo(1));
        const double u2 = ngdsim::uniform_open(lo(2), lo(3));
        const double r = std::sqrt(-2.0 * std::log(u1));
        const double angle = 6.283185307179586 * u2;
        n0[b + l] = static_cast<T>(sigma * (r * std::cos(angle)));
        n1[b + l] = static_cast<T>(sigma * (r * std::sin(angle)));
      }
    }
  }

  template <class V, class Land, int U, int D>
  void step(const Land& land, V (&x)[U][D], typename V::Mask (&active)[U], V a, V bound,
            std::uint32_t first, std::uint32_t k, std::uint64_t seed) const {
    static_assert(D == 2, "one Philox block is two normals");
    constexpr int L = V::kLanes;
    static_assert(U * L <= 64, "the block's lanes fit one 64-bit word");
    std::uint64_t live = 0;
    for (int u = 0; u < U; ++u) live |= std::uint64_t(active[u]) << (u * L);
    // Lanes that get no noise keep zeros (they do not move).
    alignas(64) typename V::Scalar n0[U * L] = {}, n1[U * L] = {};
    noise(live, first, k, seed, n0, n1);
#pragma GCC unroll 8
    for (int u = 0; u < U; ++u) {
      V v[D], xn[D];
      grad_f(land, x[u], v);
      for (int i = 0; i < D; ++i) xn[i] = x[u][i] - a * v[i];
      xn[0] = xn[0] + V::load(n0 + u * L);
      xn[1] = xn[1] + V::load(n1 + u * L);
      commit(x[u], xn, active[u], bound);
    }
  }
};

// ---- The loop: blocks of U * L trajectories, each through all K steps in registers.

template <class V, int U, class Land, class Opt>
void run_block(const Land& land, const Opt& opt, const Setup& s,
               const std::vector<typename V::Scalar>& alpha, std::uint32_t first, double* out) {
  using T = typename V::Scalar;
  constexpr int D = Land::kDim, L = V::kLanes;
  alignas(64) T start[D][U * L];
  for (int j = 0; j < U * L; ++j) {
    double p[D];
    ngdsim::initial_point<D>(s.init, s.seed, first + j, p);
    for (int i = 0; i < D; ++i) start[i][j] = static_cast<T>(p[i]);
  }
  V x[U][D];
  typename V::Mask active[U];
  for (int u = 0; u < U; ++u) {
    for (int i = 0; i < D; ++i) x[u][i] = V::load(&start[i][u * L]);
    active[u] = static_cast<typename V::Mask>(~0u);
  }
  const V bound = splat<V>(s.bound);
  const T* table = alpha.data();
  for (std::uint32_t k = 0; k < s.steps; ++k)
    opt.step(land, x, active, V(table[k]), bound, first, k, s.seed);
  for (int u = 0; u < U; ++u)
    for (int i = 0; i < D; ++i) x[u][i].store(&start[i][u * L]);
  for (int j = 0; j < U * L && first + j < s.n; ++j)
    for (int i = 0; i < D; ++i) out[(first + j) * std::size_t(D) + i] = double(start[i][j]);
}

// Runs every trajectory; returns the dimension d. out gets [N, d].
template <class V, int U, class Land, class Opt>
int run_all(const Land& land, const Opt& opt, const Setup& s, std::vector<double>& out) {
  using T = typename V::Scalar;
  // ngdsim's table (include/ngdsim/schedule.hpp), rounded to the precision once.
  std::vector<T> alpha(s.steps);
  for (std::uint32_t k = 0; k < s.steps; ++k)
    alpha[k] = static_cast<T>(s.p == 0.0 ? s.alpha0 : s.alpha0 / std::pow(double(k + 1), s.p));
  out.assign(s.n * Land::kDim, 0.0);
  for (std::uint64_t first = 0; first < s.n; first += U * V::kLanes)
    run_block<V, U>(land, opt, s, alpha, static_cast<std::uint32_t>(first), out.data());
  return Land::kDim;
}

// Blocks of 4 registers (32 doubles or 64 floats) for the 2-d landscapes, 3 for the
// larger ones: the fastest here (more run out of registers, fewer leave the divider idle).
template <class V>
int run_case(const Setup& s, std::vector<double>& out) {
  constexpr int U2 = 4, U8 = 3;
  const std::string& c = s.name;
  if (c == "product2-ngd") return run_all<V, U2>(Product<V, 2>{}, Ngd{}, s, out);
  if (c == "product8-ngd") return run_all<V, U8>(Product<V, 8>{}, Ngd{}, s, out);
  if (c == "bilinear3-ngd") return run_all<V, U8>(random_bilinear<V, 3>(s.seed), Ngd{}, s, out);
  if (c == "product2-sam") return run_all<V, U2>(Product<V, 2>{}, Sam{s.rho}, s, out);
  if (c == "product2-gd") return run_all<V, U2>(Product<V, 2>{}, Gd{}, s, out);
  if (c == "product2-perturbed") return run_all<V, U2>(Product<V, 2>{}, Perturbed{s.sigma}, s, out);
  return 0;
}

// box:LO,HI or normal:MEAN,SIGMA (ngdsim's --init; normal starts near 0 reach the
// critical-point fallback, which the test uses).
inline bool parse_init(const std::string& spec, ngdsim::InitDist& init) {
  const auto colon = spec.find(':'), comma = spec.find(',');
  if (colon == std::string::npos || comma == std::string::npos) return false;
  const std::string kind = spec.substr(0, colon);
  if (kind != "box" && kind != "normal") return false;
  init.kind = kind == "box" ? ngdsim::InitKind::kBox : ngdsim::InitKind::kNormal;
  init.a = std::strtod(spec.substr(colon + 1, comma - colon - 1).c_str(), nullptr);
  init.b = std::strtod(spec.substr(comma + 1).c_str(), nullptr);
  return true;
}

}  // namespace limit

int main(int argc, char** argv) {
  using limit::Setup;
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: limit CASE [--trajectories N] [--steps K] [--precision double|float]\n"
                 "       [--seed S] [--alpha0 A] [--p P] [--init box:LO,HI|normal:MEAN,SIGMA]\n"
                 "       [--dump FILE]\n");
    return 2;
  }
  Setup s;
  s.name = argv[1];
  if (s.name == "product2-gd" || s.name == "product2-sam" || s.name == "product2-perturbed")
    s.alpha0 = 0.1;
  std::string dump;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string key = argv[i], val = argv[i + 1];
    if (key == "--trajectories")
      s.n = std::strtoull(val.c_str(), nullptr, 10);
    else if (key == "--steps")
      s.steps = static_cast<std::uint32_t>(std::strtoul(val.c_str(), nullptr, 10));
    else if (key == "--precision")
      s.single = val == "float";
    else if (key == "--seed")
      s.seed = std::strtoull(val.c_str(), nullptr, 10);
    else if (key == "--alpha0")
      s.alpha0 = std::strtod(val.c_str(), nullptr);
    else if (key == "--p")
      s.p = std::strtod(val.c_str(), nullptr);
    else if (key == "--dump")
      dump = val;
    else if (key == "--init") {
      if (!limit::parse_init(val, s.init)) {
        std::fprintf(stderr, "limit: --init takes box:LO,HI or normal:MEAN,SIGMA\n");
        return 2;
      }
    } else {
      std::fprintf(stderr, "limit: unknown option %s\n", key.c_str());
      return 2;
    }
  }
  if (s.n < 1 || s.n + 64 >= (std::uint64_t(1) << 32)) {
    std::fprintf(stderr, "limit: --trajectories must be in 1..2^32 - 65\n");
    return 2;
  }
  std::vector<double> out;
  const auto t0 = std::chrono::steady_clock::now();
  const int d =
      s.single ? limit::run_case<limit::F32>(s, out) : limit::run_case<limit::F64>(s, out);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (d == 0) {
    std::fprintf(stderr, "limit: unknown case %s\n", s.name.c_str());
    return 2;
  }
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the bytes of the positions
  const auto* bytes = reinterpret_cast<const unsigned char*>(out.data());
  for (std::size_t i = 0; i < out.size() * sizeof(double); ++i)
    h = (h ^ bytes[i]) * 1099511628211ull;
  const char* precision = s.single ? "float" : "double";
  std::printf(
      "limit %s %s: N = %llu, K = %u, d = %d, %.4f s, %.3f ns per trajectory-step, "
      "checksum %016llx\n",
      s.name.c_str(), precision, (unsigned long long)s.n, s.steps, d, seconds,
      1e9 * seconds / (double(s.n) * s.steps), (unsigned long long)h);
  if (!dump.empty()) {
    std::FILE* f = std::fopen(dump.c_str(), "wb");
    if (!f || std::fwrite(out.data(), sizeof(double), out.size(), f) != out.size() ||
        std::fclose(f) != 0) {
      std::fprintf(stderr, "limit: cannot write %s\n", dump.c_str());
      return 1;
    }
  }
  return 0;
}
