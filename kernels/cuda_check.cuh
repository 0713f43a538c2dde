// Every CUDA call's status is checked; a failure names the call and the CUDA error.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#define NGDSIM_CUDA_CHECK(call)                                               \
  do {                                                                        \
    const cudaError_t ngdsim_status_ = (call);                                \
    if (ngdsim_status_ != cudaSuccess)                                        \
      throw std::runtime_error(std::string("CUDA error in ") + #call + ": " + \
                               cudaGetErrorString(ngdsim_status_));           \
  } while (0)

// After a kernel launch: launch errors now, execution errors at the next sync.
#define NGDSIM_CUDA_CHECK_LAUNCH(name)                                                \
  do {                                                                                \
    const cudaError_t ngdsim_status_ = cudaGetLastError();                            \
    if (ngdsim_status_ != cudaSuccess)                                                \
      throw std::runtime_error(std::string("CUDA error launching ") + (name) + ": " + \
                               cudaGetErrorString(ngdsim_status_));                   \
  } while (0)
