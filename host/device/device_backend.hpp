// The device backends as the host sees them: plain C++ declarations, so nothing on
// the host side needs nvcc. The same sources in kernels/ build both: `cuda` with nvcc
// when it is found (host/device/cuda_stub.cpp otherwise), and `emulated`, which runs the
// kernels on the CPU (kernels/emulation) and is always built.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "cli/config.hpp"
#include "io/final_sink.hpp"
#include "stats/leaf_ranges.hpp"
#include "stats/moment_tree.hpp"
#include "stats/statistics.hpp"
#include "study/plan.hpp"

namespace ngdsim {

struct DeviceInfo {
  bool present = false;
  std::string name;    // e.g. "NVIDIA H100 80GB HBM3"
  std::string reason;  // why not present
};

// What a device backend is asked to do: the leaves `todo` (sorted, disjoint), run in
// tree-aligned pieces of at most one chunk (tree_pieces). Each piece's node goes into
// `tree`, its /final rows (when asked) into `rows`; after each piece, `after` gets it
// and a function that returns the device's counts and sampled paths so far.
struct DeviceWork {
  LeafRanges todo;
  MomentTree* tree = nullptr;
  FinalSink* rows = nullptr;
  std::function<void(const LeafRange& piece, const std::function<Statistics()>& so_far)> after;
};

// The entry points of one build of the kernels. run() runs `work` on device 0 in chunks
// sized from its free memory (or c.chunk) and returns the counts and sampled paths of
// what it ran (the moments are in work.tree).
#define NGDSIM_DEVICE_BACKEND(ns)                                                        \
  namespace ns {                                                                         \
  DeviceInfo device();                                                                   \
  Statistics run(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress, \
                 DeviceWork& work);                                                      \
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
