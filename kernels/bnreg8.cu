// The device backend for bnreg with d <= 8: its optimizer x precision instantiations.
#include "bnreg.cuh"

namespace ngdsim::NGDSIM_KERNEL_NS {

Statistics run_bnreg8(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress,
                      DeviceWork& work) {
  return run_bnreg_capacity<8>(c, plan, progress, work);
}

}  // namespace ngdsim::NGDSIM_KERNEL_NS
