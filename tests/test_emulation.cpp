// The emulated device itself (label "emulated"): small CUDA kernels written here run on
// it and check each promise of kernels/emulation/README.md: real barriers, shared
// memory per block with its poison, atomics across worker threads, the indices, the
// errors a GPU would give, the test controls.
#include <cuda_runtime.h>  // the emulation's, first on this test's include path
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace {

using ngdsim_emu::Controls;

constexpr int kThreads = 256;

__global__ void rotate(int* out) {
  __shared__ int s[kThreads];
  const int t = threadIdx.x;
  s[t] = 3 * t + 1000 * static_cast<int>(blockIdx.x);
  __syncthreads();
  out[blockIdx.x * blockDim.x + t] = s[(t + 1) % kThreads];
}

// The same without the barrier: a thread may read its neighbour's slot before the
// neighbour wrote it.
__global__ void rotate_without_barrier(int* out) {
  __shared__ int s[kThreads];
  const int t = threadIdx.x;
  s[t] = 3 * t + 1000 * static_cast<int>(blockIdx.x);
  out[blockIdx.x * blockDim.x + t] = s[(t + 1) % kThreads];
}

// Reads its slot before writing it: what a block finds in shared memory at its start.
__global__ void read_before_write(unsigned* out) {
  __shared__ unsigned s[kThreads];
  const int t = threadIdx.x;
  out[blockIdx.x * blockDim.x + t] = s[t];
  s[t] = 7;
}

__global__ void count_threads(unsigned long long* total, double* total_d, unsigned* per_block) {
  __shared__ unsigned count;
  if (threadIdx.x == 0) count = 0;
  __syncthreads();
  atomicAdd(&count, 1u);
  atomicAdd(total, 1ull);
  atomicAdd(total_d, 0.5);
  __syncthreads();
  if (threadIdx.x == 0) per_block[blockIdx.x] = count;
}

__global__ void execution_order(unsigned* order) {
  __shared__ unsigned next;
  if (threadIdx.x == 0) next = 0;
  __syncthreads();
  order[blockIdx.x * blockDim.x + atomicAdd(&next, 1u)] = threadIdx.x;
}

__global__ void indices(unsigned* out) {
  const unsigned block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  const unsigned thread = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  out[block * blockDim.x * blockDim.y * blockDim.z + thread] = 1 + thread + 1000 * block;
}

__global__ void divergent_barriers(int* out) {
  if (threadIdx.x % 2) {
    __syncthreads();
  } else {
    __syncthreads();
  }
  out[threadIdx.x] = 1;
}

__global__ void early_return(int* out) {
  if (threadIdx.x == 5) return;
  __syncthreads();
  out[threadIdx.x] = 1;
}

__global__ void throws(int* out) {
  if (threadIdx.x == 3) throw std::runtime_error("kernel failure");
  out[threadIdx.x] = 1;
}

// Host memory standing in for device buffers in the tests: allocated on the emulated
// device and copied back.
template <class V>
class Buffer {
 public:
  explicit Buffer(std::size_t n) : n_(n) {
    EXPECT_EQ(cudaMalloc(&p_, n * sizeof(V)), cudaSuccess);
    EXPECT_EQ(cudaMemset(p_, 0, n * sizeof(V)), cudaSuccess);
  }
  ~Buffer() { cudaFree(p_); }
  V* get() const { return p_; }
  std::vector<V> host() const {
    std::vector<V> h(n_);
    EXPECT_EQ(cudaMemcpy(h.data(), p_, n_ * sizeof(V), cudaMemcpyDeviceToHost), cudaSuccess);
    return h;
  }

 private:
  V* p_ = nullptr;
  std::size_t n_;
};

Controls with(int threads, bool shuffle = false, std::uint64_t seed = 0) {
  Controls c;
  c.threads = threads;
  c.shuffle = shuffle;
  c.shuffle_seed = seed;
  return c;
}

class Emulation : public testing::Test {
 protected:
  void SetUp() override { ngdsim_emu::configure(with(1)); }
  void TearDown() override { ngdsim_emu::configure(with(1)); }
};

std::vector<int> rotated(int blocks) {
  std::vector<int> want(static_cast<std::size_t>(blocks) * kThreads);
  for (int b = 0; b < blocks; ++b)
    for (int t = 0; t < kThreads; ++t) want[b * kThreads + t] = 3 * ((t + 1) % kThreads) + 1000 * b;
  return want;
}

TEST_F(Emulation, BarrierOrdersSharedMemoryUnderEveryFiberOrderAndThreadCount) {
  constexpr int kBlocks = 24;
  for (const Controls& c :
       {with(1), with(4), with(1, true, 1), with(3, true, 2), with(2, true, 3)}) {
    ngdsim_emu::configure(c);
    Buffer<int> out(kBlocks * kThreads);
    ngdsim_emu::launch(rotate, dim3(kBlocks), dim3(kThreads), out.get());
    ASSERT_EQ(cudaGetLastError(), cudaSuccess);
    EXPECT_EQ(out.host(), rotated(kBlocks))
        << "threads " << c.threads << " seed " << c.shuffle_seed;
  }
}

TEST_F(Emulation, AMissingBarrierReadsThePoison) {
  for (const unsigned char poison : {0xA5, 0x5A}) {
    Controls c = with(2);
    c.poison = poison;
    ngdsim_emu::configure(c);
    Buffer<int> out(2 * kThreads);
    ngdsim_emu::launch(rotate_without_barrier, dim3(2), dim3(kThreads), out.get());
    ASSERT_EQ(cudaGetLastError(), cudaSuccess);
    int pattern;
    std::memset(&pattern, poison, sizeof pattern);
    const std::vector<int> got = out.host(), want = rotated(2);
    // In launch order each thread runs before its right neighbour has written.
    for (int i = 0; i < 2 * kThreads; ++i)
      EXPECT_EQ(got[i], i % kThreads == kThreads - 1 ? want[i] : pattern) << i;
  }
}

TEST_F(Emulation, EveryBlockStartsWithPoisonedSharedMemory) {
  constexpr int kBlocks = 16;
  for (int threads : {1, 3}) {
    ngdsim_emu::configure(with(threads));
    Buffer<unsigned> out(kBlocks * kThreads);
    ngdsim_emu::launch(read_before_write, dim3(kBlocks), dim3(kThreads), out.get());
    const std::vector<unsigned> got = out.host();
    // Never 7, the value a previous block on the same worker left behind.
    EXPECT_TRUE(std::all_of(got.begin(), got.end(), [](unsigned v) { return v == 0xA5A5A5A5u; }));
  }
}

TEST_F(Emulation, AtomicsOnSharedAndGlobalMemoryAcrossWorkers) {
  constexpr int kBlocks = 40;
  ngdsim_emu::configure(with(4, true, 9));
  Buffer<unsigned long long> total(1);
  Buffer<double> total_d(1);
  Buffer<unsigned> per_block(kBlocks);
  ngdsim_emu::launch(count_threads, dim3(kBlocks), dim3(kThreads), total.get(), total_d.get(),
                     per_block.get());
  ASSERT_EQ(cudaGetLastError(), cudaSuccess);
  EXPECT_EQ(total.host()[0], 1ull * kBlocks * kThreads);
  EXPECT_EQ(total_d.host()[0], 0.5 * kBlocks * kThreads);
  const std::vector<unsigned> counts = per_block.host();
  EXPECT_TRUE(std::all_of(counts.begin(), counts.end(), [](unsigned v) { return v == kThreads; }));
}

TEST_F(Emulation, ShuffledFiberOrderIsAPermutationFixedByTheSeed) {
  auto order = [](const Controls& c) {
    ngdsim_emu::configure(c);
    Buffer<unsigned> out(2 * kThreads);
    ngdsim_emu::launch(execution_order, dim3(2), dim3(kThreads), out.get());
    return out.host();
  };
  std::vector<unsigned> identity(kThreads);
  std::iota(identity.begin(), identity.end(), 0u);
  const std::vector<unsigned> natural = order(with(1));
  EXPECT_EQ(std::vector<unsigned>(natural.begin(), natural.begin() + kThreads), identity);
  const std::vector<unsigned> a = order(with(1, true, 1)), b = order(with(2, true, 1));
  const std::vector<unsigned> c = order(with(1, true, 2));
  EXPECT_EQ(a, b);  // the seed fixes the order, whatever the worker count
  EXPECT_NE(a, c);
  EXPECT_NE(a, natural);
  for (int block = 0; block < 2; ++block) {
    std::vector<unsigned> sorted(a.begin() + block * kThreads, a.begin() + (block + 1) * kThreads);
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, identity);
  }
}

TEST_F(Emulation, IndicesInThreeDimensions) {
  const dim3 grid(2, 3, 2), block(4, 2, 3);
  const int total = 2 * 3 * 2 * 4 * 2 * 3;
  ngdsim_emu::configure(with(3, true, 5));
  Buffer<unsigned> out(total);
  ngdsim_emu::launch(indices, grid, block, out.get());
  ASSERT_EQ(cudaGetLastError(), cudaSuccess);
  const std::vector<unsigned> got = out.host();
  for (int i = 0; i < total; ++i) EXPECT_EQ(got[i], 1u + i % 24 + 1000u * (i / 24)) << i;
}

TEST_F(Emulation, BarrierMisuseAndKernelExceptionsFailTheLaunch) {
  Buffer<int> out(kThreads);
  for (auto kernel : {divergent_barriers, early_return, throws}) {
    ngdsim_emu::configure(with(1));
    Buffer<int> buffer(kThreads);
    testing::internal::CaptureStderr();
    ngdsim_emu::launch(kernel, dim3(1), dim3(64), buffer.get());
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(cudaGetLastError(), cudaErrorLaunchFailure);
    EXPECT_NE(err.find("emulated device"), std::string::npos) << err;
    // Sticky, as after a fault on a GPU: every later call fails the same way.
    void* p = nullptr;
    EXPECT_EQ(cudaMalloc(&p, 16), cudaErrorLaunchFailure);
    EXPECT_EQ(cudaDeviceSynchronize(), cudaErrorLaunchFailure);
  }
}

TEST_F(Emulation, LaunchConfigurationIsChecked) {
  Buffer<unsigned> out(4096);
  ngdsim_emu::launch(indices, dim3(1), dim3(1025), out.get());
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidConfiguration);
  ngdsim_emu::launch(indices, dim3(0), dim3(32), out.get());
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidConfiguration);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);  // not sticky
}

TEST_F(Emulation, InjectedFaultsFailTheNthCallWithARealCudaError) {
  Controls c = with(1);
  c.fault_call = "cudaMalloc";
  c.fault_nth = 2;
  c.fault_code = cudaErrorMemoryAllocation;
  ngdsim_emu::configure(c);
  void *a = nullptr, *b = nullptr, *d = nullptr;
  EXPECT_EQ(cudaMalloc(&a, 64), cudaSuccess);
  EXPECT_EQ(cudaMalloc(&b, 64), cudaErrorMemoryAllocation);
  EXPECT_STREQ(cudaGetErrorString(cudaGetLastError()), "out of memory");
  EXPECT_EQ(cudaMalloc(&d, 64), cudaSuccess);
  cudaFree(a);
  cudaFree(d);

  c.fault_call = "cudaLaunchKernel";
  c.fault_nth = 1;
  c.fault_code = cudaErrorLaunchOutOfResources;
  ngdsim_emu::configure(c);
  Buffer<unsigned> out(64);
  ngdsim_emu::launch(indices, dim3(1), dim3(64), out.get());
  EXPECT_EQ(cudaGetLastError(), cudaErrorLaunchOutOfResources);
  EXPECT_EQ(out.host(), std::vector<unsigned>(64, 0u));  // the kernel did not run
  ngdsim_emu::launch(indices, dim3(1), dim3(64), out.get());
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  EXPECT_EQ(out.host()[63], 64u);
}

TEST_F(Emulation, MemoryOfTheChosenSizeWithCheckedCopies) {
  Controls c = with(1);
  c.memory_bytes = 1 << 20;
  ngdsim_emu::configure(c);
  std::size_t free_bytes = 0, total_bytes = 0;
  ASSERT_EQ(cudaMemGetInfo(&free_bytes, &total_bytes), cudaSuccess);
  EXPECT_EQ(total_bytes, std::size_t{1} << 20);
  EXPECT_EQ(free_bytes, total_bytes);
  unsigned char *a = nullptr, *b = nullptr;
  ASSERT_EQ(cudaMalloc(&a, 600 << 10), cudaSuccess);
  EXPECT_EQ(a[0], 0xA5);  // fresh device memory is not zero
  ASSERT_EQ(cudaMemGetInfo(&free_bytes, &total_bytes), cudaSuccess);
  EXPECT_EQ(free_bytes, std::size_t{424} << 10);
  EXPECT_EQ(cudaMalloc(&b, 600 << 10), cudaErrorMemoryAllocation);
  std::vector<unsigned char> host(700 << 10);
  EXPECT_EQ(cudaMemcpy(a, host.data(), 600 << 10, cudaMemcpyHostToDevice), cudaSuccess);
  EXPECT_EQ(cudaMemcpy(a + 1, host.data(), 600 << 10, cudaMemcpyHostToDevice),
            cudaErrorInvalidValue);
  EXPECT_EQ(cudaMemcpy(host.data(), host.data() + 1, 16, cudaMemcpyDeviceToHost),
            cudaErrorInvalidValue);
  EXPECT_EQ(cudaMemset(a + (600 << 10) - 8, 0, 16), cudaErrorInvalidValue);
  EXPECT_EQ(cudaFree(a + 1), cudaErrorInvalidDevicePointer);
  ASSERT_EQ(cudaFree(a), cudaSuccess);
  EXPECT_EQ(cudaMalloc(&b, 600 << 10), cudaSuccess);
  cudaFree(b);
}

TEST_F(Emulation, ControlsFromTheEnvironment) {
  setenv("NGDSIM_EMU_MEMORY", "4MiB", 1);
  setenv("NGDSIM_EMU_FAULT", "cudaMemcpy:3", 1);
  setenv("NGDSIM_EMU_SHUFFLE", "17", 1);
  setenv("NGDSIM_EMU_POISON", "0x3c", 1);
  Controls c = ngdsim_emu::controls_from_environment();
  EXPECT_EQ(c.memory_bytes, std::size_t{4} << 20);
  EXPECT_EQ(c.fault_call, "cudaMemcpy");
  EXPECT_EQ(c.fault_nth, 3);
  EXPECT_EQ(c.fault_code, cudaErrorIllegalAddress);
  EXPECT_TRUE(c.shuffle);
  EXPECT_EQ(c.shuffle_seed, 17u);
  EXPECT_EQ(c.poison, 0x3c);
  setenv("NGDSIM_EMU_FAULT", "cudaLaunchKernel:1:719", 1);
  EXPECT_EQ(ngdsim_emu::controls_from_environment().fault_code, cudaErrorLaunchFailure);
  for (const auto& [var, value] :
       std::vector<std::pair<const char*, const char*>>{{"NGDSIM_EMU_MEMORY", "4XB"},
                                                        {"NGDSIM_EMU_MEMORY", "-1"},
                                                        {"NGDSIM_EMU_MEMORY", "12"},
                                                        {"NGDSIM_EMU_FAULT", "cudaMallocs:1"},
                                                        {"NGDSIM_EMU_FAULT", "cudaMalloc"},
                                                        {"NGDSIM_EMU_FAULT", "cudaMalloc:0"},
                                                        {"NGDSIM_EMU_FAULT", "cudaMalloc:1:5"},
                                                        {"NGDSIM_EMU_SHUFFLE", "x"},
                                                        {"NGDSIM_EMU_POISON", "256"}}) {
    setenv(var, value, 1);
    try {
      ngdsim_emu::controls_from_environment();
      ADD_FAILURE() << var << "=" << value << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(var), std::string::npos) << e.what();
    }
    unsetenv(var);
  }
  for (const char* var :
       {"NGDSIM_EMU_MEMORY", "NGDSIM_EMU_FAULT", "NGDSIM_EMU_SHUFFLE", "NGDSIM_EMU_POISON"})
    unsetenv(var);
}

}  // namespace
