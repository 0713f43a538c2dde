// The entry points of the kernels' backend (host/device/device_backend.hpp): device
// discovery and the dispatch from a configuration to the landscape's translation unit.
#include "cli/registry.hpp"
#include "cuda_check.cuh"
#include "device/device_backend.hpp"
#include "launch.cuh"

namespace ngdsim::NGDSIM_KERNEL_NS {

#define NGDSIM_LANDSCAPE(name) \
  Statistics run_##name(const Config&, const Plan&, std::atomic<std::int64_t>&, DeviceWork&);
NGDSIM_LANDSCAPE(product2)
NGDSIM_LANDSCAPE(product3)
NGDSIM_LANDSCAPE(product4)
NGDSIM_LANDSCAPE(product5)
NGDSIM_LANDSCAPE(product6)
NGDSIM_LANDSCAPE(product7)
NGDSIM_LANDSCAPE(product8)
NGDSIM_LANDSCAPE(parabola)
NGDSIM_LANDSCAPE(cubic)
NGDSIM_LANDSCAPE(cross)
NGDSIM_LANDSCAPE(quadric)
NGDSIM_LANDSCAPE(bilinear1)
NGDSIM_LANDSCAPE(bilinear2)
NGDSIM_LANDSCAPE(bilinear3)
NGDSIM_LANDSCAPE(bilinear4)
NGDSIM_LANDSCAPE(bilinear5)
NGDSIM_LANDSCAPE(bilinear6)
NGDSIM_LANDSCAPE(bilinear7)
NGDSIM_LANDSCAPE(bilinear8)
NGDSIM_LANDSCAPE(bnreg8)
NGDSIM_LANDSCAPE(bnreg16)
NGDSIM_LANDSCAPE(msense)
#undef NGDSIM_LANDSCAPE

DeviceInfo device() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0)
    return {
        false, "",
        std::string("no CUDA device is visible") +
            (status != cudaSuccess ? std::string(" (") + cudaGetErrorString(status) + ")" : "")};
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) return {false, "", "cannot query device 0"};
  return {true, prop.name, ""};
}

Statistics run(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress,
               DeviceWork& work) {
  // An MPI rank's device: its local rank modulo the devices it sees.
  int count = 0;
  NGDSIM_CUDA_CHECK(cudaGetDeviceCount(&count));
  NGDSIM_CUDA_CHECK(cudaSetDevice(count > 0 ? c.device_index % count : 0));
  if (c.landscape == "bnreg")
    return c.dim <= 8 ? run_bnreg8(c, plan, progress, work) : run_bnreg16(c, plan, progress, work);
  if (c.landscape == "msense") return run_msense(c, plan, progress, work);
  if (c.landscape == "parabola") return run_parabola(c, plan, progress, work);
  if (c.landscape == "cubic") return run_cubic(c, plan, progress, work);
  if (c.landscape == "cross") return run_cross(c, plan, progress, work);
  if (c.landscape == "quadric") return run_quadric(c, plan, progress, work);
  if (c.landscape == "bilinear") {
    using Run = Statistics (*)(const Config&, const Plan&, std::atomic<std::int64_t>&, DeviceWork&);
    static const Run runs[] = {run_bilinear1, run_bilinear2, run_bilinear3, run_bilinear4,
                               run_bilinear5, run_bilinear6, run_bilinear7, run_bilinear8};
    return runs[param_int(c, "m") - 1](c, plan, progress, work);
  }
  if (c.landscape == "product") {
    switch (param_int(c, "n")) {
      case 2:
        return run_product2(c, plan, progress, work);
      case 3:
        return run_product3(c, plan, progress, work);
      case 4:
        return run_product4(c, plan, progress, work);
      case 5:
        return run_product5(c, plan, progress, work);
      case 6:
        return run_product6(c, plan, progress, work);
      case 7:
        return run_product7(c, plan, progress, work);
      case 8:
        return run_product8(c, plan, progress, work);
    }
  }
  throw std::runtime_error("the device backend has no kernel for landscape " + c.landscape);
}

}  // namespace ngdsim::NGDSIM_KERNEL_NS
