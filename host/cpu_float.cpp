#include "cpu_run.hpp"

namespace ngdsim {

Statistics run_cpu_float(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress,
                         CpuCheckpoint* checkpoint) {
  return run_cpu_typed<float>(c, plan, progress, checkpoint);
}

}  // namespace ngdsim
