// bnreg on the device: the model kernel (model.cuh) for capacity D (d <= D), one
// instantiation per precision (the optimizer is chosen at run time).
#pragma once

#include "cli/bnreg_setup.hpp"
#include "model.cuh"

namespace ngdsim::NGDSIM_KERNEL_NS {

template <int D>
Statistics run_bnreg_capacity(const Config& c, const Plan& plan,
                              std::atomic<std::int64_t>& progress, DeviceWork& work) {
  const BnRegSpec spec = bnreg_spec(c);
  // gd is gdwd with wd = 0; ngd the normalized step: one instantiation per precision.
  const BnRegOptimizer opt{c.optimizer == "ngd", c.wd};
  if (c.precision == "float")
    return run_model_chunks<BnRegModel<float, D>, float>(
        model_of(make_bnreg<float, D>(spec), opt, c, plan), c, plan, progress, work);
  return run_model_chunks<BnRegModel<double, D>, double>(
      model_of(make_bnreg<double, D>(spec), opt, c, plan), c, plan, progress, work);
}

}  // namespace ngdsim::NGDSIM_KERNEL_NS
