// The execution model of the emulated device: qualifiers, built-in indices, the block
// barrier, atomics and the kernel launch. A grid's blocks run on OS worker threads,
// one block at a time per worker; a block's threads are fibers (Boost.Context) that
// run in turn until each reaches __syncthreads() or returns, so the barrier is real.
// __shared__ variables are thread_local: one copy per worker, which runs one block
// at a time, filled with the poison byte at each block start.
#pragma once

#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#include "runtime.hpp"

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define __shared__ static thread_local

#define threadIdx (::ngdsim_emu::thread_index())
#define blockIdx (::ngdsim_emu::block_index())
#define blockDim (::ngdsim_emu::block_dim())
#define gridDim (::ngdsim_emu::grid_dim())
// The site of each barrier is recorded, so threads waiting at different
// __syncthreads() calls (undefined behaviour on a GPU) are reported.
#define __syncthreads() ::ngdsim_emu::barrier(__FILE__, __LINE__)

namespace ngdsim_emu {

namespace cuda_api {

struct uint3 {
  unsigned int x, y, z;
};

struct dim3 {
  unsigned int x, y, z;
  constexpr dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1)
      : x(x_), y(y_), z(z_) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
};

inline constexpr int warpSize = 32;

// Atomics are real read-modify-writes: blocks on different workers share global memory.
__forceinline__ unsigned int atomicAdd(unsigned int* a, unsigned int v) {
  return __atomic_fetch_add(a, v, __ATOMIC_RELAXED);
}
__forceinline__ int atomicAdd(int* a, int v) { return __atomic_fetch_add(a, v, __ATOMIC_RELAXED); }
__forceinline__ unsigned long long atomicAdd(unsigned long long* a, unsigned long long v) {
  return __atomic_fetch_add(a, v, __ATOMIC_RELAXED);
}
template <class F>
__forceinline__ F atomic_add_float(F* a, F v) {
  F old, desired;
  __atomic_load(a, &old, __ATOMIC_RELAXED);
  do {
    desired = old + v;
  } while (!__atomic_compare_exchange(a, &old, &desired, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  return old;
}
__forceinline__ float atomicAdd(float* a, float v) { return atomic_add_float(a, v); }
__forceinline__ double atomicAdd(double* a, double v) { return atomic_add_float(a, v); }

__forceinline__ void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
__forceinline__ void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

template <class To, class From>
__forceinline__ To bit_cast_(From v) {
  static_assert(sizeof(To) == sizeof(From));
  To r;
  std::memcpy(&r, &v, sizeof r);
  return r;
}
__forceinline__ long long __double_as_longlong(double v) { return bit_cast_<long long>(v); }
__forceinline__ double __longlong_as_double(long long v) { return bit_cast_<double>(v); }
__forceinline__ int __float_as_int(float v) { return bit_cast_<int>(v); }
__forceinline__ float __int_as_float(int v) { return bit_cast_<float>(v); }
__forceinline__ unsigned int __float_as_uint(float v) { return bit_cast_<unsigned int>(v); }
__forceinline__ float __uint_as_float(unsigned int v) { return bit_cast_<float>(v); }

}  // namespace cuda_api

using cuda_api::dim3;
using cuda_api::uint3;

const uint3& thread_index();
const uint3& block_index();
const dim3& block_dim();
const dim3& grid_dim();

// Suspends the calling fiber until every thread of its block has reached a barrier.
void barrier_wait(const char* file, int line);
__forceinline__ void barrier(const char* file, int line) {
  // Values of shared memory are re-read after the barrier, as on the GPU.
  asm volatile("" ::: "memory");
  barrier_wait(file, line);
  asm volatile("" ::: "memory");
}

// The body every thread of a grid runs, without std::function's allocation.
struct ThreadBody {
  const void* object;
  void (*call)(const void*);
};

// Runs `body` on every thread of the grid and returns when all have finished (the
// emulated launch is synchronous). A configuration error, an injected fault or a
// failure inside a block sets the runtime's last error, as a failed launch does.
void run_grid(const char* name, dim3 grid, dim3 block, ThreadBody body);

// kernel<<<grid, block>>>(args...): the arguments are converted to the kernel's
// parameter types once, and each thread receives its own copy, as on the GPU.
template <class... P, class... A>
void launch(void (*kernel)(P...), dim3 grid, dim3 block, A&&... args) {
  struct Call {
    void (*kernel)(P...);
    std::tuple<std::decay_t<P>...> params;
  } call{kernel, std::tuple<std::decay_t<P>...>(std::forward<A>(args)...)};
  run_grid("kernel", grid, block, {&call, [](const void* c) {
                                     const Call& k = *static_cast<const Call*>(c);
                                     std::apply(k.kernel, k.params);
                                   }});
}

}  // namespace ngdsim_emu
