// The device backends as the host sees them: plain C++ declarations, so nothing on
// the host side needs nvcc. The same sources in kernels/ build both: `cuda` with nvcc
// when it is found (host/cuda_stub.cpp otherwise), and `emulated`, which runs the
// kernels on the CPU (kernels/emulation) and is always built.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "config.hpp"
#include "final_sink.hpp"
#include "plan.hpp"
#include "statistics.hpp"

namespace ngdsim {

struct DeviceInfo {
  bool present = false;
  std::string name;    // e.g. "NVIDIA H100 80GB HBM3"
  std::string reason;  // why not present
};

// The entry points of one build of the kernels. run() runs the study on device 0 in
// chunks sized from its free memory (or c.chunk); per-trajectory output, when asked,
// is streamed chunk by chunk into `sink`.
#define NGDSIM_DEVICE_BACKEND(ns)                                                        \
  namespace ns {                                                                         \
  DeviceInfo device();                                                                   \
  Statistics run(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress, \
                 FinalSink* sink);                                                       \
  }
NGDSIM_DEVICE_BACKEND(cuda)
NGDSIM_DEVICE_BACKEND(emulated)
#undef NGDSIM_DEVICE_BACKEND

namespace emulated {
// Starts a fresh emulated device with the controls of the NGDSIM_EMU_* environment
// variables and `threads` OS threads running blocks. std::invalid_argument names a
// malformed variable.
void configure(int threads);
}  // namespace emulated

}  // namespace ngdsim
