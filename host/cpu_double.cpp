#include "cpu_run.hpp"

namespace ngdsim {

Statistics run_cpu_double(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress,
                          CpuCheckpoint* checkpoint) {
  return run_cpu_typed<double>(c, plan, progress, checkpoint);
}

int cpu_threads(const Config& c) {
  return c.threads > 0 ? static_cast<int>(c.threads) : omp_get_max_threads();
}

Statistics run_cpu(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress,
                   CpuCheckpoint* checkpoint) {
  return c.precision == "float" ? run_cpu_float(c, plan, progress, checkpoint)
                                : run_cpu_double(c, plan, progress, checkpoint);
}

Statistics empty_totals(const Config& c, const Plan& plan) {
  Statistics total;
  total.allocate(plan.records(), static_cast<int>(c.eps.size()), plan.attractors,
                 static_cast<int>(plan.sample_ids.size()), c.dim);
  if (c.save_final) {
    const auto N = static_cast<std::size_t>(c.trajectories);
    total.final_position.assign(N * c.dim, 0.0);
    total.final_class.assign(N, 0);
    total.final_attractor.assign(N, -1);
    total.last_entry.assign(N, -1);
  }
  return total;
}

}  // namespace ngdsim
