// The kernel: one thread per trajectory, its state in registers for all K steps;
// one block of 256 threads is one leaf of the reduction tree. At each recorded step
// the block reduces the recorded statistics: integer counts and histograms through a
// shared-memory tally into global atomics (exact), and moments per leaf with the lanes
// of leaf_moments() (include/ngdsim/stats.hpp), in the order the CPU path sums them, so
// the moments are bit-identical to the CPU path's when the trajectories are.
#pragma once

#include "launch.cuh"
#include "ngdsim/init.hpp"
#include "ngdsim/observe.hpp"
#include "ngdsim/optimizers/step_kind.hpp"
#include "ngdsim/stats.hpp"

namespace ngdsim::NGDSIM_KERNEL_NS {

inline constexpr int kBlock = 256;  // equals kLeafSize (host/cli/registry.hpp)
inline constexpr int kMaxAttractors = 128;

// Per-record counters in global memory (the flat and min counts are counted in the
// block as ranks, see kEpsRanks; the rest in the block's tally).
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
  const std::int32_t* bin_cells;  // [LogBins::kCells]
  const long long* record_steps;  // [R]
  int R;
  const double* eps_desc;  // [E] the thresholds in decreasing order
  const int* eps_index;    // [E] the position of eps_desc[s] in the configuration's list
  double eps0;             // the configuration's first threshold (attractors, settling)
  CounterLayout counters;
  const long long* sample_ids;  // [S], sorted
  int S;
  double bound;  // divergence bound
  bool save_final;
};

// Global outputs. Integer statistics accumulate over all chunks; leaf moments and
// per-trajectory arrays are per chunk.
struct DeviceOutputs {
  unsigned long long* histogram;          // [R][Q][kBins]
  unsigned long long* counters;           // [R][counters.size()]
  unsigned long long* first_entry_count;  // [E][R + 1], rows in the configuration's eps order
  unsigned long long* last_entry_count;   // [E][R + 1]
  double* sample;                         // [R][S][D]
  Moments* leaves;                        // [chunk leaves][R][Q]
  double* final_position;                 // [chunk][D]
  signed char* final_class;               // [chunk]
  int* final_attractor;                   // [chunk]
  long long* last_entry;                  // [chunk]
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
__device__ __forceinline__ int sample_slot(const long long* ids, int S, long long gid) {
  int lo = 0, hi = S;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (ids[mid] < gid)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < S && ids[lo] == gid ? lo : -1;
}

// Registers per thread are capped so that 3 blocks of 256 fit on an SM (sm_90: 65536
// registers, so at most 80 per thread), which bench/sass_report.py shows the step loop
// needs no more than, without spills, up to 6 dimensions (product n = 7 NGD double has
// one spill instruction there: cheaper than a third fewer warps); 8 and more keep 2
// blocks (at most 128 registers), as the cap of 80 spilled inside product n = 8's step
// loop. Float trajectories of up to 3 dimensions fit 4 blocks (64 registers) without a
// spill there.
template <int D, class T>
inline constexpr int kMinBlocksPerSm = D < 8 ? (sizeof(T) == 4 && D < 4 ? 4 : 3) : 2;
// Row padding of the per-thread values, so the 40 threads that reduce them at a record
// read from distinct shared-memory banks.
inline constexpr int kRowPad = 8;
inline constexpr int kLaneThreads = kNumQuantities * kLanes;
// The block's tally of one record: the histograms, then (from a 16-byte boundary) the
// counters in CounterLayout's order, all flushed by one loop over 16-byte quads.
inline constexpr int kHistWords = kNumQuantities * LogBins::kBins;
inline constexpr int kTallyCounters = (kHistWords + 3) / 4 * 4;
inline constexpr int kTallyQuads = (kTallyCounters + kMaxCounters + 3) / 4;
static_assert(kTallyQuads <= kBlock + 3 * 32, "a second quad for threads of 3 warps at most");
struct alignas(16) Quad {
  unsigned int w[4];
};
// Threshold counts as ranks: a thread adds 1 at the number of thresholds (in decreasing
// order) its distance lies within, and the count of threshold s is the sum of the
// ranks above s. Two atomics per thread instead of two per threshold.
inline constexpr int kEpsRanks = kMaxEps + 1;
static_assert(2 * kEpsRanks <= kBlock && kLaneThreads <= kBlock, "one thread each");

template <class L, class Opt, class T>
__global__ void __launch_bounds__(kBlock, kMinBlocksPerSm<L::kDim, T>)
    advance_leaves(const L land, const Opt opt, const RunParams p, const DeviceOutputs out,
                   long long first, int n) {
  constexpr int D = L::kDim;
  __shared__ double vals[kNumQuantities][kBlock + kRowPad];
  __shared__ unsigned char ok[kNumQuantities][kBlock + kRowPad];
  alignas(16) __shared__ unsigned int tally[4 * kTallyQuads];
  __shared__ unsigned int rank[2 * kEpsRanks];  // flat distance's, then min distance's
  __shared__ unsigned int spare;                // never read
  __shared__ double edges[LogBins::kEdges];
  __shared__ std::int32_t cells[LogBins::kCells];
  __shared__ double eps[kMaxEps];
  // Lane partials of leaf_moments, one thread per (quantity, lane).
  __shared__ double lane_sum[kNumQuantities][kLanes], lane_cnt[kNumQuantities][kLanes],
      lane_lo[kNumQuantities][kLanes], lane_hi[kNumQuantities][kLanes],
      lane_m2[kNumQuantities][kLanes];
  Quad* const tally_quads = reinterpret_cast<Quad*>(tally);

  const int t = threadIdx.x;
  const int j = blockIdx.x * kBlock + t;  // index within the chunk
  const bool active = j < n;
  const long long gid = first + j;
  const CounterLayout& cl = p.counters;
  const int E = cl.E;
  const int quads = (kTallyCounters + cl.size() + 3) / 4;
  const int nonfinite_word = kTallyCounters + cl.nonfinite(0);  // then one per quantity

  // Shared tallies start at zero; each record's flush zeroes what it added.
  for (int u = t; u < kTallyQuads; u += kBlock) tally_quads[u] = Quad{};
  if (t < 2 * kEpsRanks) rank[t] = 0;
  for (int i = t; i < LogBins::kEdges; i += kBlock) edges[i] = p.edges[i];
  for (int i = t; i < LogBins::kCells; i += kBlock) cells[i] = p.bin_cells[i];
  if (t < E) eps[t] = p.eps_desc[t];
  const int slot = active ? sample_slot(p.sample_ids, p.S, gid) : -1;

  T x[D];
  {
    double p0[D];
    initial_point<D>(p.init, p.seed, static_cast<unsigned long long>(active ? gid : 0), p0);
    for (int i = 0; i < D; ++i) x[i] = static_cast<T>(p0[i]);
  }
  bool div = !active;  // inactive threads never move and are excluded below
  int settle = -1, attractor = -1;
  // First and last entry record per threshold, in decreasing order of eps (as the ranks).
  // Indexed at run time, so in local memory: touched only at records, and E registers'
  // worth of loads and stores there cost less than 2 kMaxEps registers held through the
  // step loop (bench/results/sass_report.md).
  int first_at[kMaxEps], last_at[kMaxEps];
  NGDSIM_ROLLED
  for (int s = 0; s < E; ++s) first_at[s] = last_at[s] = -1;
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

    // Each thread tallies its trajectory: one histogram bin per quantity (or the
    // quantity's non-finite counter), its threshold ranks, and the rarer counters.
    double q[kNumQuantities];
    int a = 0;
    observe(land, x, q[kF], q[kPhi], q[kFlatDistance], q[kMinDistance], q[kGradNorm], a);
    const bool live = !div;
    bool good[kNumQuantities];
    for (int i = 0; i < kNumQuantities; ++i) {
      good[i] = live & is_finite_(q[i]);
      vals[i][t] = good[i] ? q[i] : 0.0;
      ok[i][t] = good[i];
      const int b = LogBins::bin_unless_nan(edges, cells, q[i]);
      const int w = good[i] ? i * LogBins::kBins + b : nonfinite_word + i;
      // Selects rather than a branch; a diverged thread adds to the spare word.
      atomicAdd(live ? &tally[w] : &spare, 1u);
    }
    if (active && div) atomicAdd(&tally[kTallyCounters + cl.diverged()], 1u);
    {
      // The thresholds decrease, so those a distance lies within come first.
      int nf = 0, nm = 0;
      NGDSIM_ROLLED
      for (int e = 0; e < E; ++e) {  // sass-report: trips 3
        nf = good[kFlatDistance] & (q[kFlatDistance] <= eps[e]) ? e + 1 : nf;
        nm = good[kMinDistance] & (q[kMinDistance] <= eps[e]) ? e + 1 : nm;
      }
      atomicAdd(&rank[nf], 1u);
      atomicAdd(&rank[kEpsRanks + nm], 1u);
      NGDSIM_ROLLED
      for (int s = 0; s < E; ++s) {  // sass-report: trips 3
        const bool in_s = s < nf;    // the distance lies within the s + 1 largest thresholds
        first_at[s] = first_at[s] < 0 && in_s ? r : first_at[s];
        last_at[s] = in_s ? (last_at[s] < 0 ? r : last_at[s]) : -1;
      }
    }
    const bool in = !div && q[kFlatDistance] <= p.eps0;
    if (in) atomicAdd(&tally[kTallyCounters + cl.attractor(a)], 1u);
    settle = in ? (settle < 0 ? r : settle) : -1;
    attractor = in ? a : -1;
    // Rare events: a random sign at g = 0, a critical point, a sampled path in the warp.
    if (sign_draws) {  // sass-report: rare
      atomicAdd(&tally[kTallyCounters + cl.sign_draws()], sign_draws);
    }
    if (critical) {  // sass-report: rare
      atomicAdd(&tally[kTallyCounters + cl.critical()], critical);
    }
    if (slot >= 0) {  // sass-report: rare
      for (int i = 0; i < D; ++i)
        out.sample[(static_cast<size_t>(r) * p.S + slot) * D + i] = static_cast<double>(x[i]);
    }
    __syncthreads();

    // Every thread flushes and re-zeroes its quads of the tally, the first E threads
    // turn ranks into threshold counts, and 40 threads each sum one lane of one
    // quantity's leaf moments.
    unsigned long long* gh =
        out.histogram + static_cast<size_t>(r) * kNumQuantities * LogBins::kBins;
    unsigned long long* gc = out.counters + static_cast<size_t>(r) * cl.size();
    auto flush = [&](int u) {
      const Quad h = tally_quads[u];
      if ((h.w[0] | h.w[1] | h.w[2] | h.w[3]) == 0) return;
      // A quad lies in one part: the padding words between them stay zero.
      unsigned long long* const dst =
          4 * u < kHistWords ? gh + 4 * u : gc + (4 * u - kTallyCounters);
      NGDSIM_UNROLL
      for (int c = 0; c < 4; ++c)
        if (h.w[c]) atomicAdd(&dst[c], static_cast<unsigned long long>(h.w[c]));
      tally_quads[u] = Quad{};
    };
    if (t < quads) flush(t);
    if (t + kBlock < quads) flush(t + kBlock);  // sass-report: warps 3
    if (t < E) {                                // sass-report: one warp
      unsigned int f = 0, m = 0;
      NGDSIM_ROLLED
      for (int s = t + 1; s <= E; ++s)
        f += rank[s], m += rank[kEpsRanks + s];  // sass-report: trips 3
      const int e = p.eps_index[t];
      if (f) atomicAdd(&gc[cl.flat(e)], static_cast<unsigned long long>(f));
      if (m) atomicAdd(&gc[cl.min(e)], static_cast<unsigned long long>(m));
    }
    const int lq = t / kLanes, ll = t % kLanes;
    if (t < kLaneThreads) {  // sass-report: lanes
      double sum = 0.0, lo = INFINITY, hi = -INFINITY;
      int cnt = 0;
      NGDSIM_UNROLL
      for (int i = 0; i < kBlock; i += kLanes)
        lane_add_zeroed(sum, cnt, lo, hi, ok[lq][i + ll] != 0, vals[lq][i + ll]);
      lane_sum[lq][ll] = sum;
      lane_cnt[lq][ll] = cnt;
      lane_lo[lq][ll] = lo;
      lane_hi[lq][ll] = hi;
    }
    __syncthreads();

    // Each lane thread combines its quantity's lanes (all eight alike), then sums its
    // lane's squared deviations from that mean. The ranks were read; zero them.
    if (t < 2 * kEpsRanks) rank[t] = 0;
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
    // The next record writes vals, ok, the ranks and the lane partials only after two
    // more barriers, and what was read since the last one is read by its own thread.
  }

  // Entry records, counted in the block (in the tally's shared memory, free now, and
  // zeroed again as it is read) and added once per distinct record; past that many
  // records, one atomic per thread.
  auto count_entries = [&](int at, unsigned long long* dst) {
    const int bin = at < 0 ? p.R : at;
    if (p.R + 1 <= kHistWords) {
      __syncthreads();
      if (active) atomicAdd(&tally[bin], 1u);
      __syncthreads();
      for (int i = t; i <= p.R; i += kBlock)
        if (const unsigned int c = tally[i]) {
          atomicAdd(&dst[i], static_cast<unsigned long long>(c));
          tally[i] = 0;
        }
    } else if (active) {
      atomicAdd(&dst[bin], 1ull);
    }
  };
  NGDSIM_ROLLED
  for (int s = 0; s < E; ++s) {  // E is the same for every thread of the block
    const size_t row = static_cast<size_t>(p.eps_index[s]) * (p.R + 1);
    count_entries(first_at[s], out.first_entry_count + row);
    count_entries(last_at[s], out.last_entry_count + row);
  }
  if (!active || !p.save_final) return;
  for (int i = 0; i < D; ++i)
    out.final_position[static_cast<size_t>(j) * D + i] = static_cast<double>(x[i]);
  signed char cls = kClassDiverged;
  if (!div)
    cls = settle >= 0 ? kClassFlat
                      : (vals[kMinDistance][t] <= p.eps0 && ok[kMinDistance][t] ? kClassMinNotFlat
                                                                                : kClassNeither);
  out.final_class[j] = cls;
  out.final_attractor[j] = settle >= 0 ? attractor : -1;
  out.last_entry[j] = settle >= 0 ? p.record_steps[settle] : -1;
}

}  // namespace ngdsim::NGDSIM_KERNEL_NS
