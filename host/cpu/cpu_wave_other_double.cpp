#include "cpu/cpu_wave_impl.hpp"

namespace ngdsim {

void run_cpu_wave_other_double(const CpuWave& w) {
  dispatch_other_family<double>(w.c, WaveRunner<double>{w});
}

}  // namespace ngdsim
