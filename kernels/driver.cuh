// Host side of the device backends (CUDA, emulated) for one (landscape, optimizer,
// precision): device buffers, the chunk loop, the per-chunk tree merge and the copies
// back. The leaves asked for (all, a shard's, or those a checkpoint has not done) are
// cut into tree-aligned pieces of at most one chunk of 256 * 2^m trajectories, planned
// from free device memory (host/study/chunk_plan.hpp) or --chunk, so each piece's moments
// reduce on the device to one node of the fixed tree, which the host tree then merges
// exactly as the CPU path's leaves: the statistics do not depend on the chunk size.
#pragma once

#include <algorithm>
#include <atomic>
#include <numeric>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "advance.cuh"
#include "cuda_check.cuh"
#include "device/device_backend.hpp"
#include "io/final_sink.hpp"
#include "ngdsim/optimizers/gd.hpp"
#include "ngdsim/optimizers/ngd.hpp"
#include "ngdsim/optimizers/perturbed.hpp"
#include "ngdsim/optimizers/sam.hpp"
#include "stats/moment_tree.hpp"
#include "stats/statistics.hpp"
#include "study/chunk_plan.hpp"
#include "study/interrupt.hpp"
#include "study/plan.hpp"
#include "tree.cuh"

namespace ngdsim::NGDSIM_KERNEL_NS {

// Owns one device allocation.
template <class V>
class DeviceArray {
 public:
  DeviceArray() = default;
  explicit DeviceArray(size_t n) : n_(n) {
    if (n) NGDSIM_CUDA_CHECK(cudaMalloc(&p_, n * sizeof(V)));
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  DeviceArray(DeviceArray&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr; }
  DeviceArray& operator=(DeviceArray&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    return *this;
  }
  ~DeviceArray() {
    if (p_) cudaFree(p_);
  }
  V* get() const { return p_; }
  void zero() {
    if (n_) NGDSIM_CUDA_CHECK(cudaMemset(p_, 0, n_ * sizeof(V)));
  }
  void upload(const V* host) {
    if (n_) NGDSIM_CUDA_CHECK(cudaMemcpy(p_, host, n_ * sizeof(V), cudaMemcpyHostToDevice));
  }
  void download(V* host, size_t n) const {
    if (n) NGDSIM_CUDA_CHECK(cudaMemcpy(host, p_, n * sizeof(V), cudaMemcpyDeviceToHost));
  }

 private:
  V* p_ = nullptr;
  size_t n_ = 0;
};

template <class V>
DeviceArray<V> to_device(const std::vector<V>& host) {
  DeviceArray<V> d(host.size());
  d.upload(host.data());
  return d;
}

// Copies a device tally of 64-bit counts into a Statistics array of the same length.
template <class V>
void download_counts(const DeviceArray<unsigned long long>& from, std::vector<V>& to) {
  std::vector<unsigned long long> buf(to.size());
  from.download(buf.data(), buf.size());
  std::copy(buf.begin(), buf.end(), to.begin());
}

// The rows of /final for one chunk of trajectories, on the device (empty without
// --save-final); d coordinates per position.
struct FinalRowsOnDevice {
  DeviceArray<double> position;
  DeviceArray<signed char> cls;
  DeviceArray<int> attractor;
  DeviceArray<long long> last_entry;
  FinalRowsOnDevice(bool save, long long chunk, int d)
      : position(save ? size_t(chunk) * d : 0),
        cls(save ? size_t(chunk) : 0),
        attractor(save ? size_t(chunk) : 0),
        last_entry(save ? size_t(chunk) : 0) {}
};

// The chunk loop of every driver: for each piece of the leaves still to do,
// launch_piece(first, n, leaves, leaf_moments) runs the kernel on trajectories
// [first, first + n), which writes each leaf's moments (width per leaf) and the rows of
// /final; the piece is reduced on the device to one node of the fixed tree and inserted,
// the rows written, the progress counted and work.after called with so_far(), the
// statistics accumulated on the device so far. Returns so_far() at the end.
template <class Launch, class SoFar>
Statistics run_pieces(const Config& c, DeviceWork& work, long long chunk, int width, int d,
                      FinalRowsOnDevice& rows, std::atomic<std::int64_t>& progress,
                      Launch&& launch_piece, SoFar&& so_far) {
  const long long chunk_leaves = chunk / kBlock;
  const long long total_leaves = (c.trajectories + kBlock - 1) / kBlock;
  DeviceArray<Moments> nodes_a(size_t(chunk_leaves) * width), nodes_b(size_t(chunk_leaves) * width);
  std::vector<Moments> node(width);
  std::vector<double> h_position;
  std::vector<std::int8_t> h_class;
  std::vector<std::int32_t> h_attractor;
  std::vector<std::int64_t> h_last;
  // Each piece reduces on the device to one node of the fixed tree.
  const LeafRanges pieces = tree_pieces(work.todo, chunk_leaves, total_leaves);
  for (const LeafRange& piece : pieces) {
    throw_if_stopped();
    const long long first = piece.first * kBlock;
    const int n = static_cast<int>(std::min(piece.end * kBlock, c.trajectories) - first);
    const long long leaves = piece.end - piece.first;
    launch_piece(first, n, leaves, nodes_a.get());
    int level = 0;
    const Moments* src = reduce_chunk(nodes_a.get(), nodes_b.get(), leaves, width, level);
    NGDSIM_CUDA_CHECK(
        cudaMemcpy(node.data(), src, node.size() * sizeof(Moments), cudaMemcpyDeviceToHost));
    work.tree->insert(level, piece.first >> level, node);
    if (work.rows) {
      h_position.resize(size_t(n) * d);
      h_class.resize(n);
      h_attractor.resize(n);
      h_last.resize(n);
      rows.position.download(h_position.data(), h_position.size());
      rows.cls.download(reinterpret_cast<signed char*>(h_class.data()), n);
      rows.attractor.download(h_attractor.data(), n);
      rows.last_entry.download(reinterpret_cast<long long*>(h_last.data()), n);
      work.rows->write(first, n, h_position.data(), h_class.data(), h_attractor.data(),
                       h_last.data());
    }
    progress += static_cast<std::int64_t>(n) * c.steps;
    if (work.after) work.after(piece, so_far);
  }
  NGDSIM_CUDA_CHECK(cudaDeviceSynchronize());
  Statistics s = so_far();
  s.chunk = chunk;
  s.chunks = static_cast<std::int64_t>(pieces.size());
  return s;
}

template <class L, class Opt, class T>
Statistics run_chunks(const L& land, const Opt& opt, const Config& c, const Plan& plan,
                      std::atomic<std::int64_t>& progress, DeviceWork& work) {
  constexpr int D = L::kDim;
  const int R = plan.records(), E = static_cast<int>(c.eps.size()), A = plan.attractors;
  const int S = static_cast<int>(plan.sample_ids.size());
  if (A > kMaxAttractors) throw std::runtime_error("too many attractors for the CUDA backend");
  const CounterLayout cl{E, A};
  const int width = R * kNumQuantities;

  size_t free_bytes = 0, total_bytes = 0;
  NGDSIM_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const ChunkPlan schedule =
      plan_chunks({c.trajectories, c.steps, R, D, E, A, S, c.save_final, c.chunk}, free_bytes);
  if (!schedule.fits && c.chunk == 0) {
    // Invalid input for this device: refused before anything is allocated on it.
    const bool steps = plan.alpha.size() * sizeof(double) > schedule.fixed_bytes / 2;
    throw UsageError(
        "invalid " +
        std::string(steps ? "steps '" + std::to_string(c.steps) : "record '" + c.record) +
        "': the device has " + std::to_string(free_bytes >> 20) + " MiB free, and this run needs " +
        std::to_string((schedule.fixed_bytes + schedule.chunk_bytes + (1 << 20) - 1) >> 20) +
        " MiB at least (with chunks of 256 trajectories)");
  }
  const long long chunk = schedule.chunk;

  // Step sizes in the trajectory's precision (a float run's table is converted here, once).
  auto alpha = to_device(std::vector<T>(plan.alpha.begin(), plan.alpha.end()));
  auto edges = to_device(plan.edges);
  std::vector<long long> steps(plan.record_steps.begin(), plan.record_steps.end());
  auto record_steps = to_device(steps);
  auto cells = to_device(plan.bin_cells);
  // The thresholds in decreasing order (ties in list order), for the kernel's ranks.
  std::vector<int> order(c.eps.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return c.eps[a] > c.eps[b]; });
  std::vector<double> desc;
  for (int e : order) desc.push_back(c.eps[e]);
  auto eps_desc = to_device(desc);
  auto eps_index = to_device(order);
  std::vector<long long> ids(plan.sample_ids.begin(), plan.sample_ids.end());
  auto sample_ids = to_device(ids);

  DeviceArray<unsigned long long> histogram(size_t(R) * kNumQuantities * LogBins::kBins);
  DeviceArray<unsigned long long> counters(size_t(R) * cl.size());
  DeviceArray<unsigned long long> first_entry(size_t(E) * (R + 1)),
      last_entry_count(size_t(E) * (R + 1));
  DeviceArray<double> sample(size_t(R) * S * D);
  histogram.zero();
  counters.zero();
  first_entry.zero();
  last_entry_count.zero();
  sample.zero();

  FinalRowsOnDevice rows(c.save_final, chunk, D);

  const double* alpha_d = nullptr;
  const float* alpha_f = nullptr;
  if constexpr (std::is_same_v<T, float>)
    alpha_f = alpha.get();
  else
    alpha_d = alpha.get();
  RunParams p{c.init_dist,
              c.seed,
              alpha_d,
              alpha_f,
              edges.get(),
              cells.get(),
              record_steps.get(),
              R,
              eps_desc.get(),
              eps_index.get(),
              c.eps[0],
              cl,
              sample_ids.get(),
              S,
              c.divergence_bound,
              c.save_final};

  // The counts and sampled paths accumulated on the device so far.
  auto so_far = [&] {
    Statistics s;
    s.allocate(R, E, A, S, D);
    std::vector<unsigned long long> hc(size_t(R) * cl.size());
    counters.download(hc.data(), hc.size());
    download_counts(histogram, s.histogram);
    download_counts(first_entry, s.first_entry_count);
    download_counts(last_entry_count, s.last_entry_count);
    sample.download(s.sample.data(), s.sample.size());
    for (int r = 0; r < R; ++r) {
      const unsigned long long* row = &hc[size_t(r) * cl.size()];
      for (int e = 0; e < E; ++e) {
        s.flat_count[size_t(r) * E + e] = row[cl.flat(e)];
        s.min_count[size_t(r) * E + e] = row[cl.min(e)];
      }
      for (int a = 0; a < A; ++a) s.attractor[size_t(r) * A + a] = row[cl.attractor(a)];
      for (int q = 0; q < kNumQuantities; ++q)
        s.nonfinite[size_t(r) * kNumQuantities + q] = row[cl.nonfinite(q)];
      s.diverged[r] = row[cl.diverged()];
      s.sign_draws[r] = row[cl.sign_draws()];
      s.critical[r] = row[cl.critical()];
    }
    return s;
  };

  auto launch_piece = [&](long long first, int n, long long leaves, Moments* leaf_moments) {
    const DeviceOutputs out{histogram.get(),        counters.get(), first_entry.get(),
                            last_entry_count.get(), sample.get(),   leaf_moments,
                            rows.position.get(),    rows.cls.get(), rows.attractor.get(),
                            rows.last_entry.get()};
    launch(advance_leaves<L, Opt, T>, dim3(static_cast<unsigned>(leaves)), dim3(kBlock), land, opt,
           p, out, first, n);
    NGDSIM_CUDA_CHECK_LAUNCH("advance_leaves");
  };
  return run_pieces(c, work, chunk, width, D, rows, progress, launch_piece, so_far);
}

// The optimizer x precision dispatch for one landscape; the landscape's generated
// .cu file instantiates it. make(T{}) builds the landscape in precision T.
template <class Make>
Statistics run_landscape(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress,
                         DeviceWork& work, Make&& make) {
  auto with = [&](auto opt) {
    using O = decltype(opt);
    if (c.precision == "float") {
      const auto land = make(float{});
      return run_chunks<std::decay_t<decltype(land)>, O, float>(land, opt, c, plan, progress, work);
    }
    const auto land = make(double{});
    return run_chunks<std::decay_t<decltype(land)>, O, double>(land, opt, c, plan, progress, work);
  };
  if (c.optimizer == "gd") return with(Gd{});
  if (c.optimizer == "sam") return with(Sam{c.rho});
  if (c.optimizer == "perturbed" || c.optimizer == "ipgd") return with(Perturbed{c.sigma});
  return with(Ngd{});
}

}  // namespace ngdsim::NGDSIM_KERNEL_NS
