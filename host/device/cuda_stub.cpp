// Built when nvcc is not found: the CUDA backend reports itself absent.
#include <stdexcept>

#include "device/device_backend.hpp"

namespace ngdsim::cuda {

DeviceInfo device() { return {false, "", "this build has no CUDA support"}; }

Statistics run(const Config&, const Plan&, std::atomic<std::int64_t>&, DeviceWork&) {
  throw std::runtime_error("this build has no CUDA support");
}

}  // namespace ngdsim::cuda
