// The kernel: one thread per trajectory, its state in registers for all K steps;
// one block of 256 threads is one leaf of the reduction tree. At each recorded step
// the block reduces the statistics of output.md section 1: integer counts and
// histograms through shared memory into global atomics (exact), moments per leaf
// with the same leaf_moments() the CPU path uses, so the moments are bit-identical
// to the CPU path's when the trajectories are.
#pragma once

#include "launch.cuh"
#include "ngdsim/init.hpp"
#include "ngdsim/observe.hpp"
#include "ngdsim/optimizers/step_kind.hpp"
#include "ngdsim/stats.hpp"

namespace ngdsim::NGDSIM_KERNEL_NS {

inline constexpr int kBlock = 256;  // equals kLeafSize (host/registry.hpp)
inline constexpr int kMaxAttractors = 128;

// Per-record counters kept in shared memory, then added to global memory.
struct CounterLayout {
  int E, A;
  __host__ __device__ int flat(int e) const { return e; }
  __host__ __device__ int min(int e) const { return E + e; }
  __host__ __device__ int attractor(int a) const { return 2 * E + a; }
  __host__ __device__ int diverged() const { return 2 * E + A; }
  __host__ __device__ int nonfinite(int q) const { return 2 * E + A + 1 + q; }
  __host__ __device__ int sign_draws() const { return 2 * E + A + 1 + kNumQuantities; }
  __host__ __device__ int critical() const { return sign_draws() + 1; }
  __host__ __device__ int size() const { return critical() + 1; }
};
inline constexpr int kMaxCounters = 2 * kMaxEps + kMaxAttractors + 1 + kNumQuantities + 2;

struct RunParams {
  InitDist init;
  unsigned long long seed;
  const double* alpha;            // [K] alpha_k, tabulated on the host
  const float* alpha_f;           // [K] the same as float (float runs only, else null)
  const double* edges;            // [LogBins::kEdges]
  const long long* record_steps;  // [R]
  int R;
  const double* eps;  // [E]
  CounterLayout counters;
  const long long* sample_ids;  // [S], sorted
  int S;
  double bound;  // divergence bound
  bool save_final;
};

// Global outputs. Integer statistics accumulate over all chunks; leaf moments and
// per-trajectory arrays are per chunk.
struct DeviceOutputs {
  unsigned long long* histogram;  // [R][Q][kBins]
  unsigned long long* counters;   // [R][counters.size()]
  unsigned long long* settled;    // [R + 1]
  double* sample;                 // [R][S][D]
  Moments* leaves;                // [chunk leaves][R][Q]
  double* final_position;         // [chunk][D]
  signed char* final_class;       // [chunk]
  int* final_attractor;           // [chunk]
  long long* last_entry;          // [chunk]
};

// The step sizes in the trajectory's precision: a float run reads a table converted
// once on the host (the same rounding as converting each step).
template <class T>
__device__ __forceinline__ const T* step_sizes(const RunParams& p) {
  if constexpr (sizeof(T) == sizeof(float))
    return p.alpha_f;
  else
    return p.alpha;
}

// The trajectory's slot among the sampled paths (binary search of the sorted sample
// ids), or -1: found once, used at every record.
__device__ __forceinline__ int sample_slot(const RunParams& p, long long gid) {
  int lo = 0, hi = p.S;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (p.sample_ids[mid] < gid)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < p.S && p.sample_ids[lo] == gid ? lo : -1;
}

// Registers per thread are capped so that 3 blocks of 256 fit on an SM (sm_90: 65536
// registers, so at most 80 per thread), which bench/sass_report.py shows the step loop
// needs no more than, without spills, up to 7 dimensions; 8 and more keep 2 blocks (at
// most 128 registers), as the cap of 80 spilled inside product n = 8's step loop.
template <int D>
inline constexpr int kMinBlocksPerSm = D < 8 ? 3 : 2;
// Row padding of the per-thread values, so the 40 threads that reduce them at a record
// read from distinct shared-memory banks.
inline constexpr int kRowPad = 8;
inline constexpr int kLaneThreads = kNumQuantities * kLanes;
inline constexpr int kHistPerThread = (kNumQuantities * LogBins::kBins + kBlock - 1) / kBlock;
static_assert(kMaxCounters <= kBlock, "one counter per thread at most");

template <class L, class Opt, class T>
__global__ void __launch_bounds__(kBlock, kMinBlocksPerSm<L::kDim>)
    advance_leaves(const L land, const Opt opt, const RunParams p, const DeviceOutputs out,
                   long long first, int n) {
  constexpr int D = L::kDim;
  __shared__ double vals[kNumQuantities][kBlock + kRowPad];
  __shared__ unsigned char ok[kNumQuantities][kBlock + kRowPad];
  __shared__ unsigned int hist[kNumQuantities * LogBins::kBins];
  __shared__ unsigned int count[kMaxCounters];
  __shared__ double edges[LogBins::kEdges];
  // Lane partials of leaf_moments, one thread per (quantity, lane).
  __shared__ double lane_sum[kNumQuantities][kLanes], lane_cnt[kNumQuantities][kLanes],
      lane_lo[kNumQuantities][kLanes], lane_hi[kNumQuantities][kLanes],
      lane_m2[kNumQuantities][kLanes];

  const int t = threadIdx.x;
  const int j = blockIdx.x * kBlock + t;  // index within the chunk
  const bool active = j < n;
  const long long gid = first + j;
  const CounterLayout& cl = p.counters;

  // Shared counters start at zero; each record's flush zeroes what it added.
  NGDSIM_UNROLL
  for (int it = 0; it < kHistPerThread; ++it)
    if (const int i = t + it * kBlock; i < kNumQuantities * LogBins::kBins) hist[i] = 0;
  if (t < cl.size()) count[t] = 0;
  for (int i = t; i < LogBins::kEdges; i += kBlock) edges[i] = p.edges[i];
  const int slot = active ? sample_slot(p, gid) : -1;

  T x[D];
  {
    double p0[D];
    initial_point<D>(p.init, p.seed, static_cast<unsigned long long>(active ? gid : 0), p0);
    for (int i = 0; i < D; ++i) x[i] = static_cast<T>(p0[i]);
  }
  bool div = !active;  // inactive threads never move and are excluded below
  int settle = -1, attractor = -1;
  unsigned int sign_draws = 0, critical = 0;
  const T bound = static_cast<T>(p.bound);
  const T* alpha = step_sizes<T>(p);
  unsigned int k = 0;  // K < 2^32 (the configuration's limit)
  __syncthreads();

  for (int r = 0; r < p.R; ++r) {
    // Advance to the recorded step: the same arithmetic as CpuTile::step().
    const auto k_end = static_cast<unsigned int>(p.record_steps[r]);
    if (!div) {
      for (; k < k_end; ++k) {  // sass-report: step
        const T a_k = alpha[k];
        T v[D];
        const StepKind kind = opt.direction(land, x, v);
        const RandomKey key{p.seed, static_cast<unsigned long long>(gid), k,
                            Purpose::kBouligandSign};
        if (kind != kRegular) {
          opt.resolve(kind, land, x, v, key);
          sign_draws += (kind & kSignDraw) != 0;
          critical += (kind & kCriticalPoint) != 0;
        }
        T xn[D];
        for (int i = 0; i < D; ++i) xn[i] = x[i] - a_k * v[i];
        if (kind & kNoise) opt.perturb(kind, xn, key);
        const bool bad = out_of_bounds(xn, bound);
        for (int i = 0; i < D; ++i) x[i] = xn[i];
        if (bad) {
          div = true;
          break;
        }
      }
    }
    k = k_end;

    double q[kNumQuantities];
    int a = 0;
    observe(land, x, q[kF], q[kPhi], q[kFlatDistance], q[kMinDistance], q[kGradNorm], a);
    for (int i = 0; i < kNumQuantities; ++i) {
      const bool good = !div && is_finite_(q[i]);
      vals[i][t] = good ? q[i] : 0.0;
      ok[i][t] = good;
      if (good) atomicAdd(&hist[i * LogBins::kBins + LogBins::bin(edges, q[i])], 1u);
      if (!div && !good) atomicAdd(&count[cl.nonfinite(i)], 1u);
    }
    if (active && div) atomicAdd(&count[cl.diverged()], 1u);
    const bool flat_ok = !div && is_finite_(q[kFlatDistance]);
    const bool min_ok = !div && is_finite_(q[kMinDistance]);
    for (int e = 0; e < cl.E; ++e) {
      if (flat_ok && q[kFlatDistance] <= p.eps[e]) atomicAdd(&count[cl.flat(e)], 1u);
      if (min_ok && q[kMinDistance] <= p.eps[e]) atomicAdd(&count[cl.min(e)], 1u);
    }
    const bool in = !div && q[kFlatDistance] <= p.eps[0];
    if (in) atomicAdd(&count[cl.attractor(a)], 1u);
    settle = in ? (settle < 0 ? r : settle) : -1;
    attractor = in ? a : -1;
    if (sign_draws) atomicAdd(&count[cl.sign_draws()], sign_draws);
    if (critical) atomicAdd(&count[cl.critical()], critical);
    if (slot >= 0)
      for (int i = 0; i < D; ++i)
        out.sample[(static_cast<size_t>(r) * p.S + slot) * D + i] = static_cast<double>(x[i]);
    __syncthreads();

    // Every thread flushes and re-zeroes its share of the block's counters, while 40
    // threads each sum one lane of one quantity's leaf moments.
    unsigned long long* gh =
        out.histogram + static_cast<size_t>(r) * kNumQuantities * LogBins::kBins;
    for (int i = t; i < kNumQuantities * LogBins::kBins; i += kBlock)
      if (const unsigned int h = hist[i]) {
        atomicAdd(&gh[i], static_cast<unsigned long long>(h));
        hist[i] = 0;
      }
    unsigned long long* gc = out.counters + static_cast<size_t>(r) * cl.size();
    if (t < cl.size())
      if (const unsigned int c = count[t]) {
        atomicAdd(&gc[t], static_cast<unsigned long long>(c));
        count[t] = 0;
      }
    const int lq = t / kLanes, ll = t % kLanes;
    if (t < kLaneThreads) {  // sass-report: lanes
      double sum = 0.0, cnt = 0.0, lo = INFINITY, hi = -INFINITY;
      NGDSIM_UNROLL
      for (int i = 0; i < kBlock; i += kLanes)
        lane_add(sum, cnt, lo, hi, ok[lq][i + ll] != 0, vals[lq][i + ll]);
      lane_sum[lq][ll] = sum;
      lane_cnt[lq][ll] = cnt;
      lane_lo[lq][ll] = lo;
      lane_hi[lq][ll] = hi;
    }
    __syncthreads();

    // Each lane thread combines its quantity's lanes (all eight alike), then sums its
    // lane's squared deviations from that mean.
    if (t < kLaneThreads) {  // sass-report: lanes
      const double mean = combine_lanes(lane_sum[lq], lane_cnt[lq], lane_lo[lq], lane_hi[lq]).mean;
      double m2 = 0.0;
      NGDSIM_UNROLL
      for (int i = 0; i < kBlock; i += kLanes)
        lane_add_sq_dev(m2, ok[lq][i + ll] != 0, vals[lq][i + ll], mean);
      lane_m2[lq][ll] = m2;
    }
    __syncthreads();
    if (t < kNumQuantities) {  // sass-report: one warp
      Moments m = combine_lanes(lane_sum[t], lane_cnt[t], lane_lo[t], lane_hi[t]);
      if (m.count != 0.0) m.m2 = combine_m2(lane_m2[t]);
      out.leaves[(static_cast<size_t>(blockIdx.x) * p.R + r) * kNumQuantities + t] = m;
    }
    // The next record writes vals, ok and the lane partials only after two more
    // barriers, and what was read since the last one is read by its own thread.
  }

  // Settling records, counted in the block (in the histogram's shared memory, free now)
  // and added once per distinct record; past that many records, one atomic per thread.
  const int settled_at = settle < 0 ? p.R : settle;
  if (p.R + 1 <= kNumQuantities * LogBins::kBins) {
    __syncthreads();
    if (active) atomicAdd(&hist[settled_at], 1u);
    __syncthreads();
    for (int i = t; i <= p.R; i += kBlock)
      if (const unsigned int c = hist[i])
        atomicAdd(&out.settled[i], static_cast<unsigned long long>(c));
  } else if (active) {
    atomicAdd(&out.settled[settled_at], 1ull);
  }
  if (!active || !p.save_final) return;
  for (int i = 0; i < D; ++i)
    out.final_position[static_cast<size_t>(j) * D + i] = static_cast<double>(x[i]);
  signed char cls = kClassDiverged;
  if (!div)
    cls = settle >= 0 ? kClassFlat
                      : (vals[kMinDistance][t] <= p.eps[0] && ok[kMinDistance][t] ? kClassMinNotFlat
                                                                                  : kClassNeither);
  out.final_class[j] = cls;
  out.final_attractor[j] = settle >= 0 ? attractor : -1;
  out.last_entry[j] = settle >= 0 ? p.record_steps[settle] : -1;
}

}  // namespace ngdsim::NGDSIM_KERNEL_NS
