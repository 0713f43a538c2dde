#include "cpu/cpu_wave_impl.hpp"

namespace ngdsim {

void run_cpu_wave_bilinear_float(const CpuWave& w) {
  dispatch_bilinear_family<float>(w.c, WaveRunner<float>{w});
}

}  // namespace ngdsim
