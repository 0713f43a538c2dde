#include "cpu/cpu_wave_impl.hpp"

namespace ngdsim {

void run_cpu_wave_product_float(const CpuWave& w) {
  dispatch_product_family<float>(w.c, WaveRunner<float>{w});
}

}  // namespace ngdsim
