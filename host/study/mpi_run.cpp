#include "study/mpi_run.hpp"

#include <mpi.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "cli/registry.hpp"
#include "cpu/cpu_backend.hpp"
#include "io/checkpoint.hpp"
#include "io/h5_util.hpp"
#include "io/output.hpp"
#include "io/partial_state.hpp"
#include "io/provenance.hpp"
#include "study/interrupt.hpp"
#include "study/memory.hpp"
#include "study/plan.hpp"
#include "study/progress.hpp"
#include "study/run.hpp"
#include "study/shard.hpp"
#include "study/summary.hpp"

namespace ngdsim::mpi {

namespace {

bool g_started = false, g_communicating = false, g_serialized = false;
int g_rank = 0, g_size = 1, g_local_rank = 0, g_local_size = 1;

// MPI counts are int: larger messages go in pieces.
constexpr std::uint64_t kPiece = std::uint64_t{1} << 30;
constexpr int kTagSize = 1, kTagBytes = 2;

void check(int status, const char* what) {
  if (status != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

void send_bytes(const std::vector<char>& bytes, int to) {
  const std::uint64_t n = bytes.size();
  check(MPI_Send(&n, 1, MPI_UINT64_T, to, kTagSize, MPI_COMM_WORLD), "MPI_Send");
  for (std::uint64_t at = 0; at < n; at += kPiece)
    check(MPI_Send(bytes.data() + at, static_cast<int>(std::min(kPiece, n - at)), MPI_BYTE, to,
                   kTagBytes, MPI_COMM_WORLD),
          "MPI_Send");
}

std::vector<char> receive_bytes(int from) {
  std::uint64_t n = 0;
  check(MPI_Recv(&n, 1, MPI_UINT64_T, from, kTagSize, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
        "MPI_Recv");
  std::vector<char> bytes(n);
  for (std::uint64_t at = 0; at < n; at += kPiece)
    check(MPI_Recv(bytes.data() + at, static_cast<int>(std::min(kPiece, n - at)), MPI_BYTE, from,
                   kTagBytes, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
          "MPI_Recv");
  return bytes;
}

// Raw bytes (a rank's /final rows), in pieces, with their own tag.
constexpr int kTagRows = 3;

void send_raw(const void* data, std::uint64_t n, int to) {
  const char* p = static_cast<const char*>(data);
  for (std::uint64_t at = 0; at < n; at += kPiece)
    check(MPI_Send(p + at, static_cast<int>(std::min(kPiece, n - at)), MPI_BYTE, to, kTagRows,
                   MPI_COMM_WORLD),
          "MPI_Send");
}

void receive_raw(void* data, std::uint64_t n, int from) {
  char* p = static_cast<char*>(data);
  for (std::uint64_t at = 0; at < n; at += kPiece)
    check(MPI_Recv(p + at, static_cast<int>(std::min(kPiece, n - at)), MPI_BYTE, from, kTagRows,
                   MPI_COMM_WORLD, MPI_STATUS_IGNORE),
          "MPI_Recv");
}

// Rank 0's text (a refusal, or nothing) on every rank.
std::string from_rank0(std::string text) {
  std::uint64_t n = text.size();
  check(MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
  text.resize(n);
  if (n)
    check(MPI_Bcast(text.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Bcast");
  return text;
}

// Progress over the ranks: each rank's count in a window on rank 0, put there by its
// progress thread while it runs (the main thread makes no MPI call meanwhile), which
// rank 0's progress thread sums. Freed (collectively) once a point's run is over; left to
// the job's end when a rank unwinds from a failure or a stop.
class ProgressWindow {
 public:
  ProgressWindow() {
    if (!g_serialized) return;
    const MPI_Aint bytes = g_rank == 0 ? MPI_Aint(g_size) * MPI_Aint(sizeof(std::int64_t)) : 0;
    check(
        MPI_Win_allocate(bytes, sizeof(std::int64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &base_, &win_),
        "MPI_Win_allocate");
    if (g_rank == 0) std::fill(base_, base_ + g_size, 0);
  }
  ~ProgressWindow() {
    if (win_ != MPI_WIN_NULL && std::uncaught_exceptions() == 0) MPI_Win_free(&win_);
  }
  // The count to show: rank 0's and the others' last reports; the others report theirs.
  std::int64_t combine(std::int64_t own) {
    if (win_ == MPI_WIN_NULL) return own;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win_);
    if (g_rank == 0) {
      counts_.assign(static_cast<std::size_t>(g_size), 0);
      MPI_Get(counts_.data(), g_size, MPI_INT64_T, 0, 0, g_size, MPI_INT64_T, win_);
    } else {
      MPI_Put(&own, 1, MPI_INT64_T, 0, g_rank, 1, MPI_INT64_T, win_);
    }
    MPI_Win_unlock(0, win_);
    if (g_rank != 0) return own;
    std::int64_t sum = own;
    for (int r = 1; r < g_size; ++r) sum += counts_[static_cast<std::size_t>(r)];
    return sum;
  }

 private:
  MPI_Win win_ = MPI_WIN_NULL;
  std::int64_t* base_ = nullptr;
  std::vector<std::int64_t> counts_;
};

// A rank's partial state as the bytes of an in-memory HDF5 file.
std::vector<char> partial_image(const Config& c, const Plan& plan, Statistics& s,
                                const LeafRanges& done) {
  h5::Handle f = h5::create_memory_file("ngdsim-rank-" + std::to_string(g_rank) + ".h5");
  const FinalArrays rows(c.dim, s.final_position, s.final_class, s.final_attractor, s.last_entry);
  write_partial(h5::group(f, "partial"), c, plan, s, done, &rows);
  return h5::file_image(f);
}

}  // namespace

void init(int* argc, char*** argv) {
  bool launched = false;
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) launched = true;
  if (!launched) return;  // a plain run: no MPI at all
  int provided = 0;
  // Serialized: the progress thread talks to rank 0 while the main thread computes.
  MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
  g_started = true;
  g_serialized = provided >= MPI_THREAD_SERIALIZED;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &local);
  MPI_Comm_rank(local, &g_local_rank);
  MPI_Comm_size(local, &g_local_size);
  MPI_Comm_free(&local);
}

void finalize() {
  if (g_started) MPI_Finalize();
  g_started = false;
}

int rank() { return g_rank; }
int size() { return g_size; }
bool communicating() { return g_communicating; }

int settle(int status) {
  MPI_Request all;
  if (MPI_Ibarrier(MPI_COMM_WORLD, &all) != MPI_SUCCESS) abort(status);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int done = 0;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    MPI_Test(&all, &done, MPI_STATUS_IGNORE);
    if (!done) usleep(10000);
  }
  if (!done) abort(status);
  return status;
}

void abort(int status) {
  std::cerr.flush();
  if (g_started) MPI_Abort(MPI_COMM_WORLD, status);
  std::_Exit(status);
}

void check_spreadable(const Config& c) {
  const std::int64_t leaves = (c.trajectories + kLeafSize - 1) / kLeafSize;
  if (c.shard_count > 0)
    throw UsageError("invalid shard: under mpirun every rank is a shard already (drop --shard)");
  if (g_size > leaves)
    throw UsageError("invalid trajectories '" + std::to_string(c.trajectories) + "': " +
                     std::to_string(g_size) + " ranks need at least " + std::to_string(g_size) +
                     " leaves of " + std::to_string(kLeafSize) + " trajectories (N > " +
                     std::to_string((g_size - 1) * std::int64_t{kLeafSize}) + ")");
}

std::string agree(const std::string& refusal) {
  const std::string shared = from_rank0(refusal);
  if (shared.empty()) g_communicating = true;
  return shared;
}

std::int64_t agree(std::int64_t value) {
  check(MPI_Bcast(&value, 1, MPI_INT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
  return value;
}

Estimates run_point(const Config& given, hid_t root, std::ostream& log, RunCheckpoint* saved,
                    const std::string& resume_hint) {
  const auto t0 = std::chrono::steady_clock::now();
  const int P = g_size;
  Config c = given;
  const std::int64_t leaves = (c.trajectories + kLeafSize - 1) / kLeafSize;
  c.shard_index = g_rank;
  c.shard_count = P;
  // Each rank on its own device, or on its share of the node's cores.
  c.device_index = g_local_rank;
  if (c.threads == 0) c.threads = std::max(1, omp_get_num_procs() / g_local_size);

  const Backend backend = choose_backend(c);
  check_host_memory(c, backend.name, cpu_threads(c));
  const Plan plan = make_plan(c);
  const TrajectoryRange r = shard_range(c);
  if (g_rank == 0) {
    log << "ngdsim: " << one_line(c) << "\n";
    log << "ngdsim: " << P << " MPI ranks; rank 0: backend " << backend.name << " ("
        << device_name(backend, c) << "), trajectories " << r.first << " to " << r.end - 1 << "\n";
  }
  // Checkpoints: every rank saves its own state (rank 0's holds what a resumed run
  // started from); the other ranks skip the leaves saved before.
  LeafRanges before;  // done before this run, in rank 0's state
  std::unique_ptr<RunCheckpoint> cp;
  if (saved) {
    cp = std::make_unique<RunCheckpoint>();
    cp->interval = c.checkpoint;
    cp->generation = saved->generation;
    cp->parts = saved->parts;
    cp->first_started_utc = saved->first_started_utc;
    if (saved->resumed) {
      before = saved->done;
      cp->resumed = true;
      if (g_rank == 0) {
        cp->start = std::move(saved->start);
        cp->done = saved->done;
        cp->copy_rows = saved->copy_rows;
      } else {
        cp->start.allocate(plan.records(), static_cast<int>(c.eps.size()), plan.attractors,
                           static_cast<int>(plan.sample_ids.size()), c.dim, plan.Q(), plan.C(),
                           plan.final_count_size);
        cp->skip = saved->done;
      }
    }
    const char* fail = std::getenv("NGDSIM_TEST_FAIL_RANK");
    const char* after = std::getenv("NGDSIM_TEST_FAIL_AFTER_SAVES");
    cp->save = [&, fail, after, saves = 0](const Statistics& total, const LeafRanges& done,
                                           const FinalSource* rows) mutable {
      save_checkpoint(c, backend.name, plan, total, done, rows, *cp);
      // A test's way to make one rank fail while the others run (after its k-th save).
      if (fail && after && std::atoi(fail) == g_rank && ++saves >= std::atoi(after))
        throw std::runtime_error("injected failure (NGDSIM_TEST_FAIL_RANK=" + std::string(fail) +
                                 ", after " + std::to_string(saves) + " checkpoints)");
    };
  }
  Statistics s;
  try {
    // Rank 0 shows the progress of them all; the other ranks report theirs to it.
    std::ostream silent(nullptr);
    ProgressWindow window;
    Progress progress(g_rank == 0 ? log : silent, c.trajectories * c.steps,
                      g_rank == 0 && isatty(STDERR_FILENO) != 0,
                      [&window](std::int64_t own) { return window.combine(own); });
    s = run_range(backend.name, c, plan, progress.counter(), cp.get());
  } catch (const Interrupted& stop) {
    if (!cp) throw;
    throw Interrupted(stop.signal, std::string(stop.what()) + ": each rank saved its state in " +
                                       checkpoint_path(c.out) + ".*; " + resume_hint);
  }
  // A test's way to make one rank fail after its work (NGDSIM_TEST_FAIL_RANK=R alone).
  if (const char* fail = std::getenv("NGDSIM_TEST_FAIL_RANK");
      fail && !std::getenv("NGDSIM_TEST_FAIL_AFTER_SAVES") && std::atoi(fail) == g_rank)
    throw std::runtime_error("injected failure (NGDSIM_TEST_FAIL_RANK=" + std::string(fail) + ")");

  // The leaves in this rank's state: those it ran, and for rank 0 those saved before.
  auto ran_by = [&](int rank) {
    Config other = c;
    other.shard_index = rank;
    const TrajectoryRange o = shard_range(other);
    return subtract({o.first_leaf, o.end_leaf}, before);
  };
  LeafRanges mine = ran_by(g_rank);
  if (g_rank == 0) {
    mine.insert(mine.end(), before.begin(), before.end());
    mine = normalized(mine);
  }

  // The statistics reduce over a binomial tree of ranks: at step k, rank r (a multiple
  // of 2k) takes in the state of rank r + k. Rank 0 receives log2(P) states, not P.
  Config stats = c;
  stats.save_final = false;  // the /final rows go to rank 0 directly, below
  const std::int64_t width = static_cast<std::int64_t>(plan.records()) * plan.Q();
  MomentTree tree(leaves, static_cast<std::size_t>(width));
  for (auto& n : s.nodes) tree.insert(n.level, n.index, std::move(n.data));
  s.nodes.clear();
  const auto gather_start = std::chrono::steady_clock::now();
  std::uint64_t bytes = 0;
  for (int step = 1; step < P; step *= 2) {
    if (g_rank % (2 * step) == step) {  // hand the state on and leave the tree
      s.nodes = tree.nodes();
      send_bytes(partial_image(stats, plan, s, mine), g_rank - step);
      break;
    }
    if (g_rank + step >= P) continue;
    const std::vector<char> image = receive_bytes(g_rank + step);
    bytes += image.size();
    h5::Handle f = h5::open_image(image, "ngdsim-rank-" + std::to_string(g_rank + step) + ".h5");
    const LeafRanges done =
        read_partial(h5::open_group(f, "partial"), stats, plan, s, tree, nullptr);
    const std::int64_t count = leaf_count(mine) + leaf_count(done);
    mine.insert(mine.end(), done.begin(), done.end());
    mine = normalized(mine);
    if (leaf_count(mine) != count)
      throw std::runtime_error("rank " + std::to_string(g_rank + step) +
                               " sent a state that overlaps this rank's");
  }
  // The /final rows, rank by rank in trajectory order, straight to rank 0's file.
  auto rows_of = [&](const LeafRange& x) {
    const std::int64_t first = x.first * kLeafSize;
    return std::pair<std::int64_t, std::int64_t>{
        first, std::min(x.end * kLeafSize, c.trajectories) - first};
  };
  if (c.save_final && g_rank != 0)
    for (const LeafRange& x : ran_by(g_rank)) {
      const auto [first, n] = rows_of(x);
      send_raw(s.final_position.data() + first * c.dim, n * c.dim * sizeof(double), 0);
      send_raw(s.final_class.data() + first, n, 0);
      send_raw(s.final_attractor.data() + first, n * sizeof(std::int32_t), 0);
      send_raw(s.last_entry.data() + first, n * sizeof(std::int64_t), 0);
    }
  if (g_rank != 0) return Estimates();

  // Rank 0: the whole study's state, then the file.
  Config whole = given;
  whole.shard_index = whole.shard_count = 0;
  PartialMerge merge(whole, root);
  s.nodes = tree.nodes();
  {
    const std::vector<char> image = partial_image(stats, plan, s, mine);
    h5::Handle f = h5::open_image(image, "ngdsim-merged.h5");
    merge.add(h5::open_group(f, "partial"), shard_range(whole), false);
  }
  if (c.save_final) {
    FinalSink& out_rows = *merge.rows();
    // Rank 0's own rows and those saved before, then the other ranks'.
    LeafRanges own = ran_by(0);
    own.insert(own.end(), before.begin(), before.end());
    for (const LeafRange& x : normalized(own)) {
      const auto [first, n] = rows_of(x);
      out_rows.write(first, n, s.final_position.data() + first * c.dim,
                     s.final_class.data() + first, s.final_attractor.data() + first,
                     s.last_entry.data() + first);
    }
    std::vector<double> position;
    std::vector<std::int8_t> cls;
    std::vector<std::int32_t> attractor;
    std::vector<std::int64_t> last;
    for (int from = 1; from < P; ++from)
      for (const LeafRange& x : ran_by(from)) {
        const auto [first, n] = rows_of(x);
        const auto k = static_cast<std::size_t>(n);
        position.resize(k * c.dim);
        cls.resize(k);
        attractor.resize(k);
        last.resize(k);
        receive_raw(position.data(), k * c.dim * sizeof(double), from);
        receive_raw(cls.data(), k, from);
        receive_raw(attractor.data(), k * sizeof(std::int32_t), from);
        receive_raw(last.data(), k * sizeof(std::int64_t), from);
        bytes += k * (c.dim * sizeof(double) + 13);
        out_rows.write(first, n, position.data(), cls.data(), attractor.data(), last.data());
      }
  }
  const auto now = std::chrono::steady_clock::now();
  // What the gather costs (bench/mpi_scaling.py reads it): from rank 0's own work done
  // to the last state merged, waiting for slower ranks included.
  log << "ngdsim: gathered and merged " << P << " partial states (" << bytes
      << " bytes at rank 0) in " << std::chrono::duration<double>(now - gather_start).count()
      << " s\n";
  const double secs = std::chrono::duration<double>(now - t0).count();
  const std::string device = std::to_string(P) + " MPI ranks; rank 0: " + device_name(backend, c);
  return merge.finish(secs, backend.name, device);
}

void run_study(const Config& c, std::ostream& out, std::ostream& log) {
  check_spreadable(c);
  // A resumed run starts from the newest complete set of checkpoint files, whatever the
  // number of ranks that saved it (every rank reads and checks them alike).
  RunCheckpoint saved;
  const Plan plan = make_plan(c);
  if (c.resume) {
    load_checkpoint(c, choose_backend(c).name, plan, saved);
    if (g_rank == 0)
      log << "ngdsim: resuming from " << checkpoint_path(c.out) << "* ("
          << trajectories_in(saved.done, c.trajectories) << " of " << c.trajectories
          << " trajectories done)\n";
  }
  // Rank 0 claims the output (or refuses, and every rank stops alike) before anything
  // runs; from then on a rank that stops ends them all.
  std::unique_ptr<OutputFile> file;
  std::string refusal;
  if (g_rank == 0) try {
      file = std::make_unique<OutputFile>(c.out, c.force, "ngdsim-run");
    } catch (const UsageError& e) {
      refusal = e.what();
    }
  refusal = agree(refusal);
  if (!refusal.empty()) throw UsageError(refusal);
  const std::string hint =
      "resume with the same mpirun command (any number of ranks) and "
      "--resume: " +
      command_line() + (c.resume ? "" : " --resume");
  const Estimates e = run_point(c, g_rank == 0 ? file->root() : -1, log, &saved, hint);
  if (g_rank != 0) return;
  write_provenance(file->root(), {e.backend, e.device, saved.first_started_utc, saved.parts + 1});
  file->commit();
  remove_checkpoints(c.out);
  print_summary(out, c, e, c.out);
}

}  // namespace ngdsim::mpi
