// Kernel launches go through launch(), the one line that differs between the two
// builds of these sources: CUDA's <<<grid, block>>> under nvcc, and the emulated
// device's launcher (kernels/emulation) under the host compiler.
#pragma once

#include <cuda_runtime.h>

#include <utility>

// The namespace of one build of the kernels, so both link into one program.
#if defined(NGDSIM_EMULATED)
#define NGDSIM_KERNEL_NS emulated
#else
#define NGDSIM_KERNEL_NS cuda
#endif

// Full unrolling of a loop with a constant trip count, in either compiler's spelling.
// NGDSIM_ROLLED keeps a loop of run-time length rolled: one copy of its body.
#if defined(__CUDACC__)
#define NGDSIM_UNROLL _Pragma("unroll")
#define NGDSIM_ROLLED _Pragma("unroll 1")
#else
#define NGDSIM_UNROLL _Pragma("GCC unroll 64")
#define NGDSIM_ROLLED _Pragma("GCC unroll 1")
#endif

namespace ngdsim::NGDSIM_KERNEL_NS {

#if defined(NGDSIM_EMULATED)
using ngdsim_emu::launch;
#else
template <class... P, class... A>
void launch(void (*kernel)(P...), dim3 grid, dim3 block, A&&... args) {
  // clang-format would split the launch chevrons here.
  // clang-format off
  kernel<<<grid, block>>>(std::forward<A>(args)...);
  // clang-format on
}
#endif

}  // namespace ngdsim::NGDSIM_KERNEL_NS
