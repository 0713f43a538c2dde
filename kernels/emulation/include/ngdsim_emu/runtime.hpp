// The CUDA runtime API of the emulated device: the calls ngdsim's drivers make, over
// host memory, with CUDA's own error codes and messages. The names live in
// ngdsim_emu::cuda_api so they never collide with the real runtime linked into the
// same program; <cuda_runtime.h> of this directory makes them global for the kernels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ngdsim_emu {

namespace cuda_api {

// The values of CUDA's cudaError enumeration, so an emulated failure is the real one.
enum cudaError_t : int {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInitializationError = 3,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidDevicePointer = 17,
  cudaErrorInvalidMemcpyDirection = 21,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
  cudaErrorIllegalAddress = 700,
  cudaErrorLaunchOutOfResources = 701,
  cudaErrorLaunchFailure = 719,
  cudaErrorUnknown = 999,
};
using cudaError = cudaError_t;

enum cudaMemcpyKind : int {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
};

// The fields of CUDA's cudaDeviceProp that describe what the emulation offers.
struct cudaDeviceProp {
  char name[256];
  std::size_t totalGlobalMem;
  std::size_t sharedMemPerBlock;
  int warpSize;
  int maxThreadsPerBlock;
  int maxThreadsDim[3];
  int maxGridSize[3];
  int multiProcessorCount;
  int major;
  int minor;
};

cudaError_t cudaMalloc(void** pointer, std::size_t bytes);
template <class T>
cudaError_t cudaMalloc(T** pointer, std::size_t bytes) {
  return cudaMalloc(reinterpret_cast<void**>(pointer), bytes);
}
cudaError_t cudaFree(void* pointer);
cudaError_t cudaMemcpy(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemset(void* pointer, int value, std::size_t bytes);
cudaError_t cudaMemGetInfo(std::size_t* free_bytes, std::size_t* total_bytes);
cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();
const char* cudaGetErrorString(cudaError_t error);
const char* cudaGetErrorName(cudaError_t error);

}  // namespace cuda_api

// Test controls of the emulated device (kernels/emulation/README.md). configure()
// starts a fresh device with them: no allocations, no errors, call counts at zero.
struct Controls {
  std::size_t memory_bytes = std::size_t{4} << 30;  // what cudaMemGetInfo reports as total
  std::string fault_call;                           // e.g. "cudaMalloc"; empty: no fault injected
  long fault_nth = 0;  // the fault_nth call (from 1) of fault_call fails ...
  cuda_api::cudaError_t fault_code = cuda_api::cudaSuccess;  // ... with this code
  bool shuffle = false;  // run a block's fibers in an order drawn from shuffle_seed
  std::uint64_t shuffle_seed = 0;
  unsigned char poison = 0xA5;  // byte that fills shared memory at block start and new allocations
  int threads = 1;              // OS threads that run blocks
};

// Controls from NGDSIM_EMU_MEMORY, NGDSIM_EMU_FAULT, NGDSIM_EMU_SHUFFLE and
// NGDSIM_EMU_POISON; std::invalid_argument naming the variable for a malformed value.
Controls controls_from_environment();
void configure(const Controls& controls);
const Controls& controls();
// Bytes currently allocated on the emulated device (each allocation rounded up to 256).
std::size_t bytes_in_use();

// The name of the CUDA call a fault may target, checked by controls_from_environment.
bool is_fault_target(const std::string& call);

}  // namespace ngdsim_emu
