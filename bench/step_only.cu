// The arithmetic of one step and nothing else: the reference for the arithmetic bound
// of bench/sass_report.py and bench/gpu_bench.py. The same shared headers and the same
// operations as the step loop of kernels/advance.cuh (correctly rounded: built with
// the project's strict flags), with no statistics, no records and no step-size table
// (a constant step). Never linked into ngdsim; sass_report.py compiles it to a cubin.
#include "ngdsim/landscapes/product.hpp"
#include "ngdsim/observe.hpp"
#include "ngdsim/optimizers/ngd.hpp"

namespace ngdsim {

template <class L, class Opt, class T>
__global__ void step_only(const L land, const Opt opt, T alpha, unsigned int K, T bound,
                          unsigned long long seed, T* out) {
  constexpr int D = L::kDim;
  const unsigned long long gid = blockIdx.x * blockDim.x + threadIdx.x;
  T x[D];
  for (int i = 0; i < D; ++i) x[i] = T(1) + T(gid % 97) * T(0.01) * T(i + 1);
  for (unsigned int k = 0; k < K; ++k) {
    T v[D];
    const StepKind kind = opt.direction(land, x, v);
    if (kind != kRegular)
      opt.resolve(kind, land, x, v, RandomKey{seed, gid, k, Purpose::kBouligandSign});
    T xn[D];
    for (int i = 0; i < D; ++i) xn[i] = x[i] - alpha * v[i];
    const bool bad = out_of_bounds(xn, bound);
    for (int i = 0; i < D; ++i) x[i] = xn[i];
    if (bad) break;
  }
  for (int i = 0; i < D; ++i) out[gid * D + i] = x[i];
}

template __global__ void step_only<Product<double, 2>, Ngd, double>(Product<double, 2>, Ngd, double,
                                                                    unsigned int, double,
                                                                    unsigned long long, double*);
template __global__ void step_only<Product<float, 2>, Ngd, float>(Product<float, 2>, Ngd, float,
                                                                  unsigned int, float,
                                                                  unsigned long long, float*);

}  // namespace ngdsim
