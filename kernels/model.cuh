// The kernel and host driver of the landscapes run as models (bnreg, msense;
// include/ngdsim/models.hpp, the interface in host/cpu/model_tile.hpp): one thread per
// trajectory, its position, its record (Model::Track) and its entry records in registers
// (the records' arrays in local memory) for all K steps; one block of 256 threads is one
// leaf of the reduction tree. At each recorded step every thread observes its trajectory
// (the CPU path's very functions), the block tallies histograms and counts in shared
// memory and adds them to global memory (integers: exact), and one thread per quantity
// takes the leaf's moments with leaf_moments() over the block's values, in the order the
// CPU path's ModelTile takes them: the statistics are the CPU path's bit for bit when the
// trajectories are.
#pragma once

#include <cmath>

#include "driver.cuh"
#include "ngdsim/models.hpp"
#include "study/models.hpp"
#include "study/quantities.hpp"

namespace ngdsim::NGDSIM_KERNEL_NS {

// Per-record counters: diverged, the model's extra counts (C), flat(eps) and min(eps)
// per threshold (in the configuration's order), non-finite values per quantity.
struct ModelCounters {
  int E, Q, C;
  __host__ __device__ int diverged() const { return 0; }
  __host__ __device__ int extra(int c) const { return 1 + c; }
  __host__ __device__ int flat(int e) const { return 1 + C + e; }
  __host__ __device__ int min(int e) const { return 1 + C + E + e; }
  __host__ __device__ int nonfinite(int q) const { return 1 + C + 2 * E + q; }
  __host__ __device__ int size() const { return 1 + C + 2 * E + Q; }
};
inline constexpr int kModelMaxCounters = 1 + kMaxExtraCounts + 2 * kMaxEps + kMaxModelSlots;

struct ModelParams {
  InitDist init;
  unsigned long long seed;
  const double* alpha;            // [K]
  const float* alpha_f;           // [K] float runs only
  const double* alpha_at;         // [R] alpha_k at each recorded step (k = K included)
  const double* edges;            // [LogBins::kEdges]
  const std::int32_t* bin_cells;  // [LogBins::kCells]
  const long long* record_steps;  // [R]
  int R;
  const double* eps;  // [E], the configuration's order
  ModelCounters counters;
  const long long* sample_ids;  // [S], sorted
  int S;
  double bound;
  bool save_final;
  int slot[kMaxModelSlots];  // the model's slot of each of the plan's Q quantities
};

struct ModelOutputs {
  unsigned long long* histogram;          // [R][Q][kBins]
  unsigned long long* counters;           // [R][counters.size()]
  unsigned long long* first_entry_count;  // [E][R + 1]
  unsigned long long* last_entry_count;   // [E][R + 1]
  unsigned long long* finals;             // Statistics::final_counts, at step K
  double* sample;                         // [R][S][d]
  Moments* leaves;                        // [chunk leaves][R][Q]
  double* final_position;                 // [chunk][d]
  signed char* final_class;               // [chunk]
  int* final_attractor;                   // [chunk]
  long long* last_entry;                  // [chunk]
};

template <class Model, class T>
__global__ void __launch_bounds__(kBlock)
    advance_model(const Model model, const ModelParams p, const ModelOutputs out, long long first,
                  int n) {
  constexpr int D = Model::kDim, kSlots = Model::kSlots;
  __shared__ double vals[kSlots][kBlock];
  __shared__ unsigned char ok[kSlots][kBlock];
  __shared__ unsigned int hist[kSlots * LogBins::kBins];
  __shared__ unsigned int cnt[1 + kMaxExtraCounts + 2 * kMaxEps + kSlots];

  const int t = threadIdx.x;
  const int j = blockIdx.x * kBlock + t;
  const bool active = j < n;
  const long long gid = first + j;
  const ModelCounters& cl = p.counters;
  const int E = cl.E, Q = cl.Q, d = model.coords();
  const int len = n - blockIdx.x * kBlock < kBlock ? n - blockIdx.x * kBlock : kBlock;
  const int padded = (len + kLanes - 1) / kLanes * kLanes;
  for (int i = t; i < Q * LogBins::kBins; i += kBlock) hist[i] = 0;
  for (int i = t; i < cl.size(); i += kBlock) cnt[i] = 0;
  const int slot = active ? sample_slot(p.sample_ids, p.S, gid) : -1;  // or not sampled

  T w[D];
  {
    double w0[D] = {};
    initial_point_n(p.init, p.seed, static_cast<std::uint64_t>(active ? gid : 0), d, w0);
    for (int i = 0; i < D; ++i) w[i] = static_cast<T>(w0[i]);
  }
  bool div = !active || model.bad_start(w);
  typename Model::Track track;
  int first_at[kMaxEps], last_at[kMaxEps];
  NGDSIM_ROLLED
  for (int e = 0; e < E; ++e) first_at[e] = last_at[e] = -1;
  double q[kSlots];
  const T bound = static_cast<T>(p.bound);
  const T* alpha;
  if constexpr (sizeof(T) == sizeof(float))
    alpha = p.alpha_f;
  else
    alpha = p.alpha;
  long long k = 0;
  __syncthreads();

  for (int r = 0; r < p.R; ++r) {
    const long long k_end = p.record_steps[r];
    if (!div) {
      for (; k < k_end; ++k) {
        const RandomKey key{p.seed, static_cast<unsigned long long>(gid),
                            static_cast<std::uint32_t>(k), Purpose::kBouligandSign};
        if (model.step(w, alpha[k], key, bound, track)) {
          div = true;
          break;
        }
      }
    }
    k = k_end;

    const bool live = !div;
    if (live)
      model.observe(w, p.alpha_at[r], k_end, track, q);
    else
      model.observe_gone(track, q);
    NGDSIM_ROLLED
    for (int s = 0; s < Q; ++s) {
      const double v = q[p.slot[s]];
      const bool counted = active && model.counted(p.slot[s], live, track);
      const bool valid = counted && is_finite_(v);
      vals[s][t] = valid ? v : 0.0;
      ok[s][t] = valid;
      if (valid)
        atomicAdd(&hist[s * LogBins::kBins + LogBins::bin_unless_nan(p.edges, p.bin_cells, v)], 1u);
      else if (counted)
        atomicAdd(&cnt[cl.nonfinite(s)], 1u);
    }
    if (active) {
      if (div) atomicAdd(&cnt[cl.diverged()], 1u);
      unsigned char hit[kMaxExtraCounts];
      const int nh = model.extras(q, live, track, p.eps, E, hit);
      NGDSIM_ROLLED
      for (int h = 0; h < nh; ++h)
        if (hit[h]) atomicAdd(&cnt[cl.extra(h)], 1u);
    }
    const double fv = model.flat_value(q);
    const bool flat_ok = live && is_finite_(fv);
    NGDSIM_ROLLED
    for (int e = 0; e < E; ++e) {
      const bool in = flat_ok && fv <= p.eps[e];
      if (in) atomicAdd(&cnt[cl.flat(e)], 1u);
      if (active && model.min_within(q, live, p.eps[e])) atomicAdd(&cnt[cl.min(e)], 1u);
      first_at[e] = first_at[e] < 0 && in ? r : first_at[e];
      last_at[e] = in ? (last_at[e] < 0 ? r : last_at[e]) : -1;
    }
    if (slot >= 0) {
      for (int i = 0; i < d; ++i)
        out.sample[(static_cast<size_t>(r) * p.S + slot) * d + i] = static_cast<double>(w[i]);
    }
    __syncthreads();

    // The leaf's moments, one thread per quantity; the tallies flushed and re-zeroed.
    if (t < Q)
      out.leaves[(static_cast<size_t>(blockIdx.x) * p.R + r) * Q + t] =
          leaf_moments(vals[t], ok[t], padded);
    unsigned long long* gh = out.histogram + static_cast<size_t>(r) * Q * LogBins::kBins;
    for (int i = t; i < Q * LogBins::kBins; i += kBlock)
      if (const unsigned int h = hist[i]) {
        atomicAdd(&gh[i], static_cast<unsigned long long>(h));
        hist[i] = 0;
      }
    unsigned long long* gc = out.counters + static_cast<size_t>(r) * cl.size();
    for (int i = t; i < cl.size(); i += kBlock)
      if (const unsigned int c = cnt[i]) {
        atomicAdd(&gc[i], static_cast<unsigned long long>(c));
        cnt[i] = 0;
      }
    __syncthreads();
  }

  if (!active) return;
  NGDSIM_ROLLED
  for (int e = 0; e < E; ++e) {
    const size_t row = static_cast<size_t>(e) * (p.R + 1);
    atomicAdd(&out.first_entry_count[row + (first_at[e] < 0 ? p.R : first_at[e])], 1ull);
    atomicAdd(&out.last_entry_count[row + (last_at[e] < 0 ? p.R : last_at[e])], 1ull);
  }
  // The model's counts at step K (q holds the last record's values).
  {
    int cell[kMaxFinalCells];
    const int nc = model.finals(q, !div, track, cell);
    for (int f = 0; f < nc; ++f) atomicAdd(&out.finals[cell[f]], 1ull);
  }
  if (!p.save_final) return;
  for (int i = 0; i < d; ++i)
    out.final_position[static_cast<size_t>(j) * d + i] = static_cast<double>(w[i]);
  const bool flat = last_at[0] >= 0;
  signed char cls = kClassDiverged;
  if (!div)
    cls = flat ? kClassFlat
               : (model.min_within(q, true, p.eps[0]) ? kClassMinNotFlat : kClassNeither);
  out.final_class[j] = cls;
  out.final_attractor[j] = flat ? 0 : -1;
  out.last_entry[j] = flat ? p.record_steps[last_at[0]] : -1;
}

template <class Model, class T>
Statistics run_model_chunks(const Model& model, const Config& c, const Plan& plan,
                            std::atomic<std::int64_t>& progress, DeviceWork& work) {
  const int R = plan.records(), E = static_cast<int>(c.eps.size()), Q = plan.Q(), d = c.dim;
  const int S = static_cast<int>(plan.sample_ids.size());
  const ModelCounters cl{E, Q, plan.C()};
  const int width = R * Q;

  size_t free_bytes = 0, total_bytes = 0;
  NGDSIM_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  // The chunk plan counts kNumQuantities moments per record: the model's Q of them take
  // Q / kNumQuantities as much, so it is asked for as many more records.
  const int records_as_planned = (R * Q + kNumQuantities - 1) / kNumQuantities;
  const ChunkPlan schedule = plan_chunks(
      {c.trajectories, c.steps, records_as_planned, d, E, 1, S, c.save_final, c.chunk}, free_bytes);
  if (!schedule.fits && c.chunk == 0)
    throw UsageError(
        "invalid record '" + c.record + "': the device has " + std::to_string(free_bytes >> 20) +
        " MiB free, and this run needs " +
        std::to_string((schedule.fixed_bytes + schedule.chunk_bytes + (1 << 20) - 1) >> 20) +
        " MiB at least (with chunks of 256 trajectories)");
  const long long chunk = schedule.chunk;

  auto alpha = to_device(std::vector<T>(plan.alpha.begin(), plan.alpha.end()));
  std::vector<double> alpha_at_host;
  for (const auto k : plan.record_steps)
    alpha_at_host.push_back(k < c.steps ? plan.alpha[k] : c.alpha0 / std::pow(double(k + 1), c.p));
  auto alpha_at = to_device(alpha_at_host);
  auto edges = to_device(plan.edges);
  auto cells = to_device(plan.bin_cells);
  auto record_steps =
      to_device(std::vector<long long>(plan.record_steps.begin(), plan.record_steps.end()));
  auto eps = to_device(c.eps);
  auto sample_ids =
      to_device(std::vector<long long>(plan.sample_ids.begin(), plan.sample_ids.end()));

  DeviceArray<unsigned long long> histogram(size_t(R) * Q * LogBins::kBins);
  DeviceArray<unsigned long long> counters(size_t(R) * cl.size());
  DeviceArray<unsigned long long> first_entry(size_t(E) * (R + 1)), last_entry(size_t(E) * (R + 1));
  DeviceArray<unsigned long long> finals(plan.final_count_size);
  DeviceArray<double> sample(size_t(R) * S * d);
  histogram.zero();
  counters.zero();
  first_entry.zero();
  last_entry.zero();
  finals.zero();
  sample.zero();

  FinalRowsOnDevice rows(c.save_final, chunk, d);

  ModelParams p{};
  p.init = c.init_dist;
  p.seed = c.seed;
  if constexpr (std::is_same_v<T, float>)
    p.alpha_f = alpha.get();
  else
    p.alpha = alpha.get();
  p.alpha_at = alpha_at.get();
  p.edges = edges.get();
  p.bin_cells = cells.get();
  p.record_steps = record_steps.get();
  p.R = R;
  p.eps = eps.get();
  p.counters = cl;
  p.sample_ids = sample_ids.get();
  p.S = S;
  p.bound = c.divergence_bound;
  p.save_final = c.save_final;
  for (int s = 0; s < Q; ++s) p.slot[s] = quantity_slot(c.landscape, plan.quantities[s]);

  auto so_far = [&] {
    Statistics s;
    s.allocate(R, E, 1, S, d, Q, plan.C(), plan.final_count_size);
    std::vector<unsigned long long> hc(size_t(R) * cl.size());
    counters.download(hc.data(), hc.size());
    download_counts(histogram, s.histogram);
    download_counts(first_entry, s.first_entry_count);
    download_counts(last_entry, s.last_entry_count);
    download_counts(finals, s.final_counts);
    sample.download(s.sample.data(), s.sample.size());
    for (int r = 0; r < R; ++r) {
      const unsigned long long* row = &hc[size_t(r) * cl.size()];
      for (int e = 0; e < E; ++e) {
        s.flat_count[size_t(r) * E + e] = row[cl.flat(e)];
        s.min_count[size_t(r) * E + e] = row[cl.min(e)];
      }
      s.attractor[r] = row[cl.flat(0)];  // the single attractor, within eps[0]
      for (int q = 0; q < Q; ++q) s.nonfinite[size_t(r) * Q + q] = row[cl.nonfinite(q)];
      s.diverged[r] = row[cl.diverged()];
      for (int h = 0; h < s.C; ++h) s.extra_count[size_t(r) * s.C + h] = row[cl.extra(h)];
    }
    return s;
  };

  auto launch_piece = [&](long long first, int n, long long leaves, Moments* leaf_moments) {
    const ModelOutputs out{histogram.get(),      counters.get(),       first_entry.get(),
                           last_entry.get(),     finals.get(),         sample.get(),
                           leaf_moments,         rows.position.get(),  rows.cls.get(),
                           rows.attractor.get(), rows.last_entry.get()};
    launch(advance_model<Model, T>, dim3(static_cast<unsigned>(leaves)), dim3(kBlock), model, p,
           out, first, n);
    NGDSIM_CUDA_CHECK_LAUNCH("advance_model");
  };
  return run_pieces(c, work, chunk, width, d, rows, progress, launch_piece, so_far);
}

}  // namespace ngdsim::NGDSIM_KERNEL_NS
