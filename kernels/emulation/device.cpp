// The emulated device's execution model (include/ngdsim_emu/device.hpp): blocks on
// worker threads, threads as fibers, barriers, shared memory and its poison.
#include "ngdsim_emu/device.hpp"

#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/context/fiber.hpp>
#include <cstdio>
#include <mutex>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "errors.hpp"

namespace ngdsim_emu {

namespace ctx = boost::context;

namespace {

// A fiber's stack: enough for any kernel frame of ngdsim (a few KiB), with a guard
// page below it so an overflow faults instead of corrupting a neighbour.
constexpr std::size_t kStackBytes = std::size_t{128} << 10;
constexpr unsigned kMaxThreadsPerBlock = 1024;
constexpr std::uint64_t kMaxWorkers = 256;

// Stacks reused from block to block by one worker (mapping 256 stacks per block
// would dominate the run time of small kernels).
class StackPool {
 public:
  ~StackPool() {
    for (void* base : all_) munmap(base, kStackBytes + page());
  }
  ctx::stack_context allocate() {
    void* base;
    if (free_.empty()) {
      base = mmap(nullptr, kStackBytes + page(), PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (base == MAP_FAILED) throw std::bad_alloc();
      mprotect(base, page(), PROT_NONE);
      all_.push_back(base);
    } else {
      base = free_.back();
      free_.pop_back();
    }
    ctx::stack_context sc;
    sc.size = kStackBytes;
    sc.sp = static_cast<char*>(base) + page() + kStackBytes;  // stacks grow down
    return sc;
  }
  void deallocate(ctx::stack_context& sc) {
    free_.push_back(static_cast<char*>(sc.sp) - kStackBytes - page());
  }

 private:
  static std::size_t page() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }
  std::vector<void*> all_, free_;
};

struct PoolAllocator {
  StackPool* pool;
  ctx::stack_context allocate() { return pool->allocate(); }
  void deallocate(ctx::stack_context& sc) { pool->deallocate(sc); }
};

struct Thread {
  uint3 index{};
  ctx::fiber fiber;
  ctx::fiber scheduler;  // where a barrier or the end of the kernel returns to
  const char* file = nullptr;
  int line = 0;
  bool done = false;
};

struct Block {
  uint3 index{};
  dim3 dim, grid;
};

// The worker's current block and fiber. Set after the poison, which covers them.
thread_local Block* tls_block = nullptr;
thread_local Thread* tls_thread = nullptr;
// Lives in the same thread-local block as the kernels' __shared__ variables (they
// are linked into the same module), which is how that block is found.
thread_local unsigned char tls_probe;

// This worker's copy of the module's thread-local block: all of the kernels'
// __shared__ variables, plus thread-locals of host code that a worker never touches
// (device code cannot use thread_local, so a kernel reads nothing else there).
struct SharedMemory {
  unsigned char* data = nullptr;
  std::size_t size = 0;
};

SharedMemory locate_shared_memory() {
  struct Search {
    std::uintptr_t probe;
    SharedMemory found;
  } search{reinterpret_cast<std::uintptr_t>(&tls_probe), {}};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        auto* s = static_cast<Search*>(data);
        const auto base = reinterpret_cast<std::uintptr_t>(info->dlpi_tls_data);
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& h = info->dlpi_phdr[i];
          if (h.p_type == PT_TLS && base && s->probe >= base && s->probe < base + h.p_memsz) {
            s->found = {static_cast<unsigned char*>(info->dlpi_tls_data), h.p_memsz};
            return 1;
          }
        }
        return 0;
      },
      &search);
  if (!search.found.data)
    throw std::runtime_error("cannot find the thread-local block that holds shared memory");
  return search.found;
}

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  // splitmix64 of a combination: order seeds for (seed, block, phase).
  std::uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

struct Grid {
  dim3 grid, block;
  ThreadBody body;
  Controls controls;
  std::uint64_t launch = 0;          // launch count, so block orders differ between launches
  std::vector<std::uint64_t> order;  // block order, natural or shuffled
  std::atomic<std::uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string error;

  void fail(const std::string& what) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (error.empty()) error = what;
    failed = true;
  }
};

std::string site(const Thread& t) { return std::string(t.file) + ":" + std::to_string(t.line); }

std::string name(uint3 v) {
  return "(" + std::to_string(v.x) + "," + std::to_string(v.y) + "," + std::to_string(v.z) + ")";
}

// One block: fibers run phase by phase; a phase ends when every live fiber waits at
// a barrier or has returned.
void run_block(Grid& g, std::uint64_t linear, StackPool& pool, const SharedMemory& shared) {
  std::memset(shared.data, g.controls.poison, shared.size);
  Block block;
  block.index = {static_cast<unsigned>(linear % g.grid.x),
                 static_cast<unsigned>(linear / g.grid.x % g.grid.y),
                 static_cast<unsigned>(linear / (std::uint64_t{g.grid.x} * g.grid.y))};
  block.dim = g.block;
  block.grid = g.grid;
  tls_block = &block;

  const unsigned n = g.block.x * g.block.y * g.block.z;
  std::vector<Thread> threads(n);
  for (unsigned i = 0; i < n; ++i) {
    Thread& t = threads[i];
    t.index = {i % g.block.x, i / g.block.x % g.block.y, i / (g.block.x * g.block.y)};
    t.fiber = ctx::fiber(std::allocator_arg, PoolAllocator{&pool},
                         [&g, &t, &block](ctx::fiber&& scheduler) {
                           t.scheduler = std::move(scheduler);
                           try {
                             g.body.call(g.body.object);
                           } catch (const std::exception& e) {
                             g.fail("thread " + name(t.index) + " of block " + name(block.index) +
                                    " threw: " + e.what());
                           }
                           t.done = true;
                           return std::move(t.scheduler);
                         });
  }
  std::vector<unsigned> order(n);
  std::iota(order.begin(), order.end(), 0u);
  for (std::uint64_t phase = 0;; ++phase) {
    if (g.controls.shuffle) {
      std::mt19937_64 rng(mix(mix(g.controls.shuffle_seed, linear), phase));
      std::shuffle(order.begin(), order.end(), rng);
    }
    for (const unsigned i : order) {
      Thread& t = threads[i];
      if (t.done) continue;
      tls_thread = &t;
      t.fiber = std::move(t.fiber).resume();
      tls_thread = nullptr;
      if (g.failed) return;  // the remaining fibers unwind as `threads` is destroyed
    }
    const Thread* waiting = nullptr;
    const Thread* returned = nullptr;
    for (const Thread& t : threads) {
      if (t.done) {
        returned = returned ? returned : &t;
        continue;
      }
      if (waiting && (waiting->line != t.line || std::strcmp(waiting->file, t.file) != 0)) {
        g.fail("block " + name(block.index) + ": thread " + name(waiting->index) + " waits at " +
               site(*waiting) + " while thread " + name(t.index) + " waits at " + site(t) +
               " (__syncthreads() must be reached by the whole block)");
        return;
      }
      waiting = waiting ? waiting : &t;
    }
    if (!waiting) return;
    if (returned) {
      g.fail("block " + name(block.index) + ": thread " + name(returned->index) +
             " returned while thread " + name(waiting->index) + " waits at " + site(*waiting) +
             " (__syncthreads() must be reached by the whole block)");
      return;
    }
  }
}

void run_worker(Grid& g) {
  try {
    StackPool pool;
    const SharedMemory shared = locate_shared_memory();
    while (!g.failed) {
      const std::uint64_t i = g.next++;
      if (i >= g.order.size()) break;
      run_block(g, g.order[i], pool, shared);
    }
  } catch (const std::exception& e) {
    g.fail(e.what());
  }
  tls_block = nullptr;
}

}  // namespace

const uint3& thread_index() { return tls_thread->index; }
const uint3& block_index() { return tls_block->index; }
const dim3& block_dim() { return tls_block->dim; }
const dim3& grid_dim() { return tls_block->grid; }

void barrier_wait(const char* file, int line) {
  Thread& t = *tls_thread;
  t.file = file;
  t.line = line;
  t.scheduler = std::move(t.scheduler).resume();
}

void run_grid(const char* what, dim3 grid, dim3 block, ThreadBody body) {
  using namespace cuda_api;
  if (const cudaError_t e = detail::enter("cudaLaunchKernel")) return detail::set_error(e);
  const std::uint64_t blocks = std::uint64_t{grid.x} * grid.y * grid.z;
  const std::uint64_t threads = std::uint64_t{block.x} * block.y * block.z;
  if (blocks == 0 || threads == 0 || threads > kMaxThreadsPerBlock || block.z > 64 ||
      grid.y > 65535 || grid.z > 65535 || grid.x > 2147483647u)
    return detail::set_error(cudaErrorInvalidConfiguration);

  static std::atomic<std::uint64_t> launches{0};
  Grid g;
  g.grid = grid;
  g.block = block;
  g.body = body;
  g.controls = controls();
  g.launch = launches++;
  g.order.resize(blocks);
  std::iota(g.order.begin(), g.order.end(), std::uint64_t{0});
  if (g.controls.shuffle) {
    std::mt19937_64 rng(mix(mix(g.controls.shuffle_seed, ~std::uint64_t{0}), g.launch));
    std::shuffle(g.order.begin(), g.order.end(), rng);
  }
  // Never the calling thread: a worker's thread-local block is overwritten with
  // the poison, which the caller's own thread-locals must not be. At most one worker
  // per block, and kMaxWorkers (each maps a block's worth of fiber stacks).
  const int workers = static_cast<int>(std::min<std::uint64_t>(
      {blocks, static_cast<std::uint64_t>(std::max(1, g.controls.threads)), kMaxWorkers}));
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) pool.emplace_back([&g] { run_worker(g); });
  for (std::thread& t : pool) t.join();
  if (g.failed) {
    std::fprintf(stderr, "ngdsim: emulated device: %s failed: %s\n", what, g.error.c_str());
    detail::set_sticky_error(cudaErrorLaunchFailure);
  }
}

}  // namespace ngdsim_emu
