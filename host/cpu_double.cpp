#include "cpu_run.hpp"

namespace ngdsim {

Statistics run_cpu_double(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress) {
  return run_cpu_typed<double>(c, plan, progress);
}

int cpu_threads(const Config& c) {
  return c.threads > 0 ? static_cast<int>(c.threads) : omp_get_max_threads();
}

Statistics run_cpu(const Config& c, const Plan& plan, std::atomic<std::int64_t>& progress) {
  return c.precision == "float" ? run_cpu_float(c, plan, progress)
                                : run_cpu_double(c, plan, progress);
}

}  // namespace ngdsim
