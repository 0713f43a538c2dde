// Compiles every include/ngdsim header for the device and instantiates the
// per-trajectory step and observation, so the CUDA build of the shared math is
// checked from the first commit (the full kernels build on this).
#include <cub/block/block_reduce.cuh>

#include "ngdsim/init.hpp"
#include "ngdsim/landscapes/parabola.hpp"
#include "ngdsim/landscapes/product.hpp"
#include "ngdsim/observe.hpp"
#include "ngdsim/optimizers/gd.hpp"
#include "ngdsim/optimizers/ngd.hpp"
#include "ngdsim/schedule.hpp"
#include "ngdsim/stats.hpp"

namespace ngdsim {

template <class L, class Opt, class T>
__global__ void smoke_step(L land, InitDist init, std::uint64_t seed, const double* alpha,
                           const double* edges, int steps, T* out, int* bins) {
  constexpr int D = L::kDim;
  const auto i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  double p[D];
  initial_point<D>(init, seed, i, p);
  T x[D];
  for (int k = 0; k < D; ++k) x[k] = static_cast<T>(p[k]);
  for (int k = 0; k < steps; ++k) {
    T v[D];
    const StepKind kind = Opt::direction(land, x, v);
    if (kind != kRegular)
      Opt::resolve(kind, land, x, v, RandomKey{seed, i, std::uint32_t(k), Purpose::kBouligandSign});
    for (int d = 0; d < D; ++d) x[d] -= static_cast<T>(alpha[k]) * v[d];
  }
  double q[kNumQuantities];
  int attractor = 0;
  observe(land, x, q[kF], q[kPhi], q[kFlatDistance], q[kMinDistance], q[kGradNorm], attractor);
  out[i] = static_cast<T>(q[kFlatDistance]) + (out_of_bounds(x, T(1e6)) ? T(1) : T(0));
  bins[i] = LogBins::bin(edges, q[kF]) + attractor;
  // CUB block reductions are how the kernels will reduce statistics per block.
  using Reduce = cub::BlockReduce<int, 128>;
  __shared__ typename Reduce::TempStorage temp;
  const int flat = Reduce(temp).Sum(q[kFlatDistance] <= 0.1 ? 1 : 0);
  if (threadIdx.x == 0) bins[blockIdx.x] += flat;
}

template __global__ void smoke_step<Product<double, 2>, Ngd, double>(Product<double, 2>, InitDist,
                                                                     std::uint64_t, const double*,
                                                                     const double*, int, double*,
                                                                     int*);
template __global__ void smoke_step<Parabola<float>, Gd, float>(Parabola<float>, InitDist,
                                                                std::uint64_t, const double*,
                                                                const double*, int, float*, int*);

}  // namespace ngdsim
