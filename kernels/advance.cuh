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

template <class L, class Opt, class T>
__global__ void __launch_bounds__(kBlock)
    advance_leaves(const L land, const Opt opt, const RunParams p, const DeviceOutputs out,
                   long long first, int n) {
  constexpr int D = L::kDim;
  __shared__ double vals[kNumQuantities][kBlock];
  __shared__ unsigned char ok[kNumQuantities][kBlock];
  __shared__ unsigned int hist[kNumQuantities][LogBins::kBins];
  __shared__ unsigned int count[kMaxCounters];

  const int t = threadIdx.x;
  const int j = blockIdx.x * kBlock + t;  // index within the chunk
  const bool active = j < n;
  const long long gid = first + j;
  const CounterLayout& cl = p.counters;

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
  long long k = 0;

  for (int r = 0; r < p.R; ++r) {
    // Advance to the recorded step: the same arithmetic as CpuTile::step().
    const long long k_end = p.record_steps[r];
    if (!div) {
      for (; k < k_end; ++k) {
        const T alpha = static_cast<T>(p.alpha[k]);
        T v[D];
        const StepKind kind = opt.direction(land, x, v);
        const RandomKey key{p.seed, static_cast<unsigned long long>(gid),
                            static_cast<unsigned int>(k), Purpose::kBouligandSign};
        if (kind != kRegular) {
          opt.resolve(kind, land, x, v, key);
          sign_draws += (kind & kSignDraw) != 0;
          critical += (kind & kCriticalPoint) != 0;
        }
        T xn[D];
        for (int i = 0; i < D; ++i) xn[i] = x[i] - alpha * v[i];
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

    for (int i = t; i < kNumQuantities * LogBins::kBins; i += kBlock) (&hist[0][0])[i] = 0;
    for (int i = t; i < cl.size(); i += kBlock) count[i] = 0;
    __syncthreads();

    double q[kNumQuantities];
    int a = 0;
    observe(land, x, q[kF], q[kPhi], q[kFlatDistance], q[kMinDistance], q[kGradNorm], a);
    for (int i = 0; i < kNumQuantities; ++i) {
      const bool good = !div && is_finite_(q[i]);
      vals[i][t] = good ? q[i] : 0.0;
      ok[i][t] = good;
      if (good) atomicAdd(&hist[i][LogBins::bin(p.edges, q[i])], 1u);
      if (!div && !good) atomicAdd(&count[cl.nonfinite(i)], 1u);
    }
    if (active && div) atomicAdd(&count[cl.diverged()], 1u);
    for (int e = 0; e < cl.E; ++e) {
      if (ok[kFlatDistance][t] && q[kFlatDistance] <= p.eps[e]) atomicAdd(&count[cl.flat(e)], 1u);
      if (ok[kMinDistance][t] && q[kMinDistance] <= p.eps[e]) atomicAdd(&count[cl.min(e)], 1u);
    }
    const bool in = !div && q[kFlatDistance] <= p.eps[0];
    if (in) atomicAdd(&count[cl.attractor(a)], 1u);
    settle = in ? (settle < 0 ? r : settle) : -1;
    attractor = in ? a : -1;
    if (sign_draws) atomicAdd(&count[cl.sign_draws()], sign_draws);
    if (critical) atomicAdd(&count[cl.critical()], critical);
    if (active && p.S > 0) {
      // Sampled paths: binary search of the sorted sample ids.
      int lo = 0, hi = p.S;
      while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (p.sample_ids[mid] < gid)
          lo = mid + 1;
        else
          hi = mid;
      }
      if (lo < p.S && p.sample_ids[lo] == gid)
        for (int i = 0; i < D; ++i)
          out.sample[(static_cast<size_t>(r) * p.S + lo) * D + i] = static_cast<double>(x[i]);
    }
    __syncthreads();

    unsigned long long* gh =
        out.histogram + static_cast<size_t>(r) * kNumQuantities * LogBins::kBins;
    for (int i = t; i < kNumQuantities * LogBins::kBins; i += kBlock)
      if (const unsigned int h = (&hist[0][0])[i])
        atomicAdd(&gh[i], static_cast<unsigned long long>(h));
    unsigned long long* gc = out.counters + static_cast<size_t>(r) * cl.size();
    for (int i = t; i < cl.size(); i += kBlock)
      if (count[i]) atomicAdd(&gc[i], static_cast<unsigned long long>(count[i]));
    if (t < kNumQuantities)
      out.leaves[(static_cast<size_t>(blockIdx.x) * p.R + r) * kNumQuantities + t] =
          leaf_moments(vals[t], ok[t], kBlock);
    __syncthreads();
  }

  if (!active) return;
  atomicAdd(&out.settled[settle < 0 ? p.R : settle], 1ull);
  if (!p.save_final) return;
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
