// The host's handle on the emulated device (host/device/device_backend.hpp).
#include "device/device_backend.hpp"
#include "ngdsim_emu/runtime.hpp"

namespace ngdsim::emulated {

void configure(int threads) {
  ngdsim_emu::Controls c = ngdsim_emu::controls_from_environment();
  c.threads = threads;
  ngdsim_emu::configure(c);
}

}  // namespace ngdsim::emulated
