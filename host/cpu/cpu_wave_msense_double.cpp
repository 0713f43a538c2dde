#include "cpu/cpu_wave_impl.hpp"

namespace ngdsim {

void run_cpu_wave_msense_double(const CpuWave& w) {
  dispatch_msense<double>(w.c, WaveRunner<double>{w});
}

}  // namespace ngdsim
