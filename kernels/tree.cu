#include <utility>

#include "cuda_check.cuh"
#include "tree.cuh"

namespace ngdsim::NGDSIM_KERNEL_NS {
namespace {

__global__ void merge_level(const Moments* src, Moments* dst, long long count, int width) {
  const long long idx = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  const long long parents = (count + 1) / 2;
  if (idx >= parents * width) return;
  const long long i = idx / width;
  const int w = static_cast<int>(idx % width);
  const Moments left = src[(2 * i) * width + w];
  dst[i * width + w] = 2 * i + 1 < count ? merge(left, src[(2 * i + 1) * width + w]) : left;
}

}  // namespace

const Moments* reduce_chunk(Moments* a, Moments* b, long long leaves, int width, int& level) {
  level = 0;
  for (long long count = leaves; count > 1; count = (count + 1) / 2, ++level) {
    const long long work = (count + 1) / 2 * width;
    launch(merge_level, dim3(static_cast<unsigned>((work + 255) / 256)), dim3(256), a, b, count,
           width);
    NGDSIM_CUDA_CHECK_LAUNCH("merge_level");
    std::swap(a, b);
  }
  return a;
}

}  // namespace ngdsim::NGDSIM_KERNEL_NS
