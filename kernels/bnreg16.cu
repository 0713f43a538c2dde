// The device backend for bnreg with d <= 16: its optimizer x precision instantiations.
#include "bnreg.cuh"

namespace ngdsim::NGDSIM_KERNEL_NS {

Statistics run_bnreg16(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress,
                       DeviceWork& work) {
  return run_bnreg_capacity<16>(c, plan, progress, work);
}

}  // namespace ngdsim::NGDSIM_KERNEL_NS
