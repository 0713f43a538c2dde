// The emulated runtime's error state, shared by the API calls and the launcher.
#pragma once

#include "ngdsim_emu/runtime.hpp"

namespace ngdsim_emu::detail {

// Counts a call of `call` and returns the error it must fail with: the injected
// fault when this is the chosen call, else a sticky error from a failed kernel, else
// cudaSuccess.
cuda_api::cudaError_t enter(const char* call);
// Records a failed call for cudaGetLastError (and returns nothing, for `return set_error(e);`).
void set_error(cuda_api::cudaError_t error);
// A failure inside a kernel: every later call fails with it, as after a GPU fault.
void set_sticky_error(cuda_api::cudaError_t error);

}  // namespace ngdsim_emu::detail
