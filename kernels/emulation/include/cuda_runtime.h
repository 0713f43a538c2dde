// Stands in for the CUDA toolkit's <cuda_runtime.h> in the emulated build: this
// directory comes first on that build's include path, so the kernels' sources
// compile with the host compiler against the emulated device. CUDA declares its
// names globally; here they live in ngdsim_emu::cuda_api and are made visible.
#pragma once

#include "ngdsim_emu/device.hpp"
#include "ngdsim_emu/runtime.hpp"

using namespace ngdsim_emu::cuda_api;  // NOLINT(google-global-names-in-headers)
