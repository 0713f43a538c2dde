// The CUDA backend as the host sees it: plain C++ declarations, so nothing on the
// host side needs nvcc. Implemented in kernels/ when the CUDA language is enabled,
// by host/cuda_stub.cpp otherwise.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "config.hpp"
#include "final_sink.hpp"
#include "plan.hpp"
#include "statistics.hpp"

namespace ngdsim {

struct CudaDevice {
  bool present = false;
  std::string name;    // e.g. "NVIDIA H100 80GB HBM3"
  std::string reason;  // why not present
};

bool cuda_built();
CudaDevice cuda_device();

// Runs the study on device 0 in chunks sized from its free memory (or c.chunk);
// per-trajectory output, when asked, is streamed chunk by chunk into `sink`.
Statistics run_cuda(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress,
                    FinalSink* sink);

}  // namespace ngdsim
