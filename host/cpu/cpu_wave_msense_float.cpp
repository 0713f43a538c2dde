#include "cpu/cpu_wave_impl.hpp"

namespace ngdsim {

void run_cpu_wave_msense_float(const CpuWave& w) {
  dispatch_msense<float>(w.c, WaveRunner<float>{w});
}

}  // namespace ngdsim
