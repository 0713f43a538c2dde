// msense on the device: the model kernel (model.cuh) with the sensing matrices and the
// measurements in device memory, one instantiation per precision (the optimizer is chosen
// at run time, d rp <= 16 at run time).
#include "cli/msense_setup.hpp"
#include "model.cuh"
#include "study/dispatch.hpp"

namespace ngdsim::NGDSIM_KERNEL_NS {
namespace {

template <class T>
Statistics run_msense_precision(const MSenseSpec& spec, const Config& c, const Plan& plan,
                                std::atomic<std::int64_t>& progress, DeviceWork& work) {
  MSenseData<T> host;
  MSense<T, kMaxDim> land = make_msense<T, kMaxDim>(spec, host);
  auto A = to_device(host.A);
  auto y = to_device(host.y);
  land.A = A.get();
  land.y = y.get();
  return run_model_chunks<MSenseModel<T, kMaxDim>, T>(model_of(land, msense_optimizer(c), c, plan),
                                                      c, plan, progress, work);
}

}  // namespace

Statistics run_msense(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress,
                      DeviceWork& work) {
  const MSenseSpec spec = msense_spec(c);
  if (c.precision == "float") return run_msense_precision<float>(spec, c, plan, progress, work);
  return run_msense_precision<double>(spec, c, plan, progress, work);
}

}  // namespace ngdsim::NGDSIM_KERNEL_NS
