// Host/device portability: every header in include/ngdsim is compiled by both
// the host compiler (CPU path) and nvcc (CUDA kernels), so the math is written once.
#pragma once

#if defined(__CUDACC__)
#define NGDSIM_HD __host__ __device__ __forceinline__
#else
#define NGDSIM_HD inline __attribute__((always_inline))
#endif

#include <cmath>
#include <cstdint>

namespace ngdsim {

#if !defined(__CUDACC__)
// sqrt(float) is the single-precision square root, as on the GPU; without this the
// host finds only the C library's sqrt(double), and float runs took every step's
// normalization in double precision, unlike their CUDA counterparts.
using std::sqrt;
#endif

// Largest dimension any built-in landscape uses (bilinear m <= 8: d = 16).
inline constexpr int kMaxDim = 16;
// Most distance thresholds a run may have (the kernels keep their counters in shared memory).
inline constexpr int kMaxEps = 16;

template <class T>
NGDSIM_HD T abs_(T v) {
  return v < T(0) ? -v : v;
}

// |v| as the sign bit cleared: free as an operand modifier on the GPU, where abs_'s
// select costs an add, a compare and two selects. Only for values that are compared,
// never stored: |-0| is +0 here and -0 from abs_.
template <class T>
NGDSIM_HD T magnitude_(T v) {
#if defined(__CUDA_ARCH__)
  return ::fabs(v);
#else
  return std::fabs(v);
#endif
}

template <class T>
NGDSIM_HD bool is_finite_(T v) {
  // Written without std::isfinite so the same code compiles on device and is
  // immune to -ffinite-math style flags: NaN fails both comparisons.
  return v - v == T(0);
}

// c ? a : b, spelled as a function so the CPU path's SIMD lanes (host/cpu/lanes.hpp)
// can overload it: a conditional expression cannot be.
template <class T>
NGDSIM_HD T select_(bool c, T a, T b) {
  return c ? a : b;
}

// Parity of the low 8 bits, branch-free so loops over trajectories vectorize.
NGDSIM_HD unsigned parity8_(unsigned v) {
  v ^= v >> 4;
  v ^= v >> 2;
  v ^= v >> 1;
  return v & 1u;
}

}  // namespace ngdsim
