#include "cpu/cpu_wave_impl.hpp"

namespace ngdsim {

void run_cpu_wave_bilinear_double(const CpuWave& w) {
  dispatch_bilinear_family<double>(w.c, WaveRunner<double>{w});
}

}  // namespace ngdsim
