#include "cpu/cpu_wave_impl.hpp"

namespace ngdsim {

void run_cpu_wave_bnreg_float(const CpuWave& w) {
  dispatch_bnreg_family<float>(w.c, WaveRunner<float>{w});
}

}  // namespace ngdsim
