// Built when nvcc is not found: the CUDA backend reports itself absent.
#include <stdexcept>

#include "cuda_backend.hpp"

namespace ngdsim {

bool cuda_built() { return false; }

CudaDevice cuda_device() { return {false, "", "this build has no CUDA support"}; }

Statistics run_cuda(const Config&, const Plan&, std::atomic<std::int64_t>&, FinalSink*) {
  throw std::runtime_error("this build has no CUDA support");
}

}  // namespace ngdsim
