// Built with -DNGDSIM_EMULATED=OFF (no Boost.Context, or a build that must not switch
// stacks, such as one under AddressSanitizer): the emulated device reports itself absent.
#include <stdexcept>

#include "device/device_backend.hpp"

namespace ngdsim::emulated {

void configure(int) {}

DeviceInfo device() { return {false, "", "this build has no emulated device"}; }

Statistics run(const Config&, const Plan&, std::atomic<std::int64_t>&, DeviceWork&) {
  throw std::runtime_error("this build has no emulated device");
}

}  // namespace ngdsim::emulated
