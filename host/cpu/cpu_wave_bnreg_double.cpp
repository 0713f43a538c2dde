#include "cpu/cpu_wave_impl.hpp"

namespace ngdsim {

void run_cpu_wave_bnreg_double(const CpuWave& w) {
  dispatch_bnreg_family<double>(w.c, WaveRunner<double>{w});
}

}  // namespace ngdsim
