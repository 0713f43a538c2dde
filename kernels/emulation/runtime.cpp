// The emulated device's runtime API (include/ngdsim_emu/runtime.hpp): memory of a set
// size over host memory, copies that check their device ranges, error codes and
// messages as CUDA's, and the test controls.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

#include "errors.hpp"

namespace ngdsim_emu {

using namespace cuda_api;

namespace {

constexpr std::size_t kAlignment = 256;  // cudaMalloc's alignment

struct Device {
  std::mutex mutex;
  Controls controls;
  std::map<std::uintptr_t, std::size_t> allocations;  // base -> requested bytes
  std::size_t used = 0;                               // rounded to kAlignment
  std::map<std::string, long> calls;
  cudaError_t last = cudaSuccess;
  cudaError_t sticky = cudaSuccess;
};

Device& device() {
  static Device d;
  return d;
}

struct Known {
  cudaError_t code;
  const char* name;
  const char* text;  // CUDA's cudaGetErrorString
};

constexpr Known kErrors[] = {
    {cudaSuccess, "cudaSuccess", "no error"},
    {cudaErrorInvalidValue, "cudaErrorInvalidValue", "invalid argument"},
    {cudaErrorMemoryAllocation, "cudaErrorMemoryAllocation", "out of memory"},
    {cudaErrorInitializationError, "cudaErrorInitializationError", "initialization error"},
    {cudaErrorInvalidConfiguration, "cudaErrorInvalidConfiguration",
     "invalid configuration argument"},
    {cudaErrorInvalidDevicePointer, "cudaErrorInvalidDevicePointer", "invalid device pointer"},
    {cudaErrorInvalidMemcpyDirection, "cudaErrorInvalidMemcpyDirection",
     "invalid copy direction for memcpy"},
    {cudaErrorNoDevice, "cudaErrorNoDevice", "no CUDA-capable device is detected"},
    {cudaErrorInvalidDevice, "cudaErrorInvalidDevice", "invalid device ordinal"},
    {cudaErrorIllegalAddress, "cudaErrorIllegalAddress",
     "an illegal memory access was encountered"},
    {cudaErrorLaunchOutOfResources, "cudaErrorLaunchOutOfResources",
     "too many resources requested for launch"},
    {cudaErrorLaunchFailure, "cudaErrorLaunchFailure", "unspecified launch failure"},
    {cudaErrorUnknown, "cudaErrorUnknown", "unknown error"},
};

const Known* find_error(int code) {
  for (const Known& k : kErrors)
    if (k.code == code) return &k;
  return nullptr;
}

// The error an injected fault of `call` gives unless the control names one: what the
// real call returns when it fails for a device-side reason.
cudaError_t default_fault(const std::string& call) {
  if (call == "cudaMalloc") return cudaErrorMemoryAllocation;
  if (call == "cudaLaunchKernel") return cudaErrorLaunchOutOfResources;
  if (call == "cudaGetDeviceCount") return cudaErrorNoDevice;
  if (call == "cudaSetDevice" || call == "cudaGetDeviceProperties") return cudaErrorInvalidDevice;
  return cudaErrorIllegalAddress;
}

constexpr const char* kFaultTargets[] = {"cudaMalloc",
                                         "cudaFree",
                                         "cudaMemcpy",
                                         "cudaMemset",
                                         "cudaMemGetInfo",
                                         "cudaGetDeviceCount",
                                         "cudaGetDeviceProperties",
                                         "cudaSetDevice",
                                         "cudaDeviceSynchronize",
                                         "cudaLaunchKernel"};

// The allocation holding [p, p + bytes), or nullptr.
bool is_device_range(const Device& d, const void* p, std::size_t bytes) {
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  auto it = d.allocations.upper_bound(a);
  if (it == d.allocations.begin()) return false;
  --it;
  return a >= it->first && a + bytes <= it->first + it->second;
}

std::size_t parse_size(const std::string& var, const std::string& text) {
  const std::string allowed = "invalid " + var + " '" + text +
                              "': a size in bytes, optionally with a suffix KiB, MiB, GiB or TiB "
                              "(e.g. 4MiB), at least 1KiB";
  std::size_t pos = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &pos);
  } catch (const std::exception&) {
    throw std::invalid_argument(allowed);
  }
  const std::string suffix = text.substr(pos);
  int shift = 0;
  if (suffix == "KiB")
    shift = 10;
  else if (suffix == "MiB")
    shift = 20;
  else if (suffix == "GiB")
    shift = 30;
  else if (suffix == "TiB")
    shift = 40;
  else if (!suffix.empty() && suffix != "B")
    throw std::invalid_argument(allowed);
  if (text[0] == '-' || (v << shift) >> shift != v || (v << shift) < 1024)
    throw std::invalid_argument(allowed);
  return static_cast<std::size_t>(v << shift);
}

unsigned long long parse_unsigned(const std::string& var, const std::string& text,
                                  const std::string& allowed, unsigned long long max) {
  std::size_t pos = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &pos, 0);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != text.size() || text[0] == '-' || v > max)
    throw std::invalid_argument("invalid " + var + " '" + text + "': " + allowed);
  return v;
}

}  // namespace

namespace detail {

cudaError_t enter(const char* call) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  const long n = ++d.calls[call];
  if (n == d.controls.fault_nth && d.controls.fault_call == call) {
    d.last = d.controls.fault_code;
    return d.controls.fault_code;
  }
  return d.sticky;
}

void set_error(cudaError_t error) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  d.last = error;
}

void set_sticky_error(cudaError_t error) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  d.last = d.sticky = error;
}

}  // namespace detail

bool is_fault_target(const std::string& call) {
  return std::find(std::begin(kFaultTargets), std::end(kFaultTargets), call) !=
         std::end(kFaultTargets);
}

Controls controls_from_environment() {
  Controls c;
  if (const char* m = std::getenv("NGDSIM_EMU_MEMORY"); m && *m)
    c.memory_bytes = parse_size("NGDSIM_EMU_MEMORY", m);
  if (const char* f = std::getenv("NGDSIM_EMU_FAULT"); f && *f) {
    const std::string text = f;
    std::string targets;
    for (const char* t : kFaultTargets) targets += std::string(targets.empty() ? "" : ", ") + t;
    const std::string allowed =
        "CALL:N or CALL:N:CODE, the N-th call (from 1) of CALL failing "
        "(with CUDA error number CODE), CALL one of " +
        targets;
    const auto a = text.find(':');
    const auto b = a == std::string::npos ? a : text.find(':', a + 1);
    if (a == std::string::npos || !is_fault_target(text.substr(0, a)))
      throw std::invalid_argument("invalid NGDSIM_EMU_FAULT '" + text + "': " + allowed);
    c.fault_call = text.substr(0, a);
    const std::string nth = text.substr(a + 1, b == std::string::npos ? b : b - a - 1);
    c.fault_nth = static_cast<long>(parse_unsigned("NGDSIM_EMU_FAULT", nth, allowed, 1L << 40));
    if (c.fault_nth < 1)
      throw std::invalid_argument("invalid NGDSIM_EMU_FAULT '" + text + "': " + allowed);
    c.fault_code = default_fault(c.fault_call);
    if (b != std::string::npos) {
      const auto code = parse_unsigned("NGDSIM_EMU_FAULT", text.substr(b + 1), allowed, 100000);
      if (code == 0 || !find_error(static_cast<int>(code)))
        throw std::invalid_argument("invalid NGDSIM_EMU_FAULT '" + text +
                                    "': the error code must be one the emulation knows (1, 2, 3, "
                                    "9, 17, 21, 100, 101, 700, 701, 719, 999)");
      c.fault_code = static_cast<cudaError_t>(code);
    }
  }
  if (const char* s = std::getenv("NGDSIM_EMU_SHUFFLE"); s && *s) {
    c.shuffle = true;
    c.shuffle_seed = parse_unsigned("NGDSIM_EMU_SHUFFLE", s, "an unsigned 64-bit seed", ~0ull);
  }
  if (const char* p = std::getenv("NGDSIM_EMU_POISON"); p && *p)
    c.poison = static_cast<unsigned char>(
        parse_unsigned("NGDSIM_EMU_POISON", p, "a byte, 0 to 255 (0x00 to 0xff)", 255));
  return c;
}

void configure(const Controls& controls) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  for (const auto& [base, bytes] : d.allocations) std::free(reinterpret_cast<void*>(base));
  d.allocations.clear();
  d.used = 0;
  d.calls.clear();
  d.last = d.sticky = cudaSuccess;
  d.controls = controls;
}

const Controls& controls() { return device().controls; }

std::size_t bytes_in_use() {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  return d.used;
}

namespace cuda_api {

cudaError_t cudaMalloc(void** pointer, std::size_t bytes) {
  if (const cudaError_t e = detail::enter("cudaMalloc")) return e;
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  if (!pointer) return d.last = cudaErrorInvalidValue;
  *pointer = nullptr;
  const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded < bytes || rounded > d.controls.memory_bytes - d.used)
    return d.last = cudaErrorMemoryAllocation;
  if (bytes == 0) return cudaSuccess;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (!p) return d.last = cudaErrorMemoryAllocation;
  // Fresh device memory is not zero on a GPU either.
  std::memset(p, d.controls.poison, rounded);
  d.allocations[reinterpret_cast<std::uintptr_t>(p)] = bytes;
  d.used += rounded;
  *pointer = p;
  return cudaSuccess;
}

cudaError_t cudaFree(void* pointer) {
  if (const cudaError_t e = detail::enter("cudaFree")) return e;
  if (!pointer) return cudaSuccess;
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  const auto it = d.allocations.find(reinterpret_cast<std::uintptr_t>(pointer));
  if (it == d.allocations.end()) return d.last = cudaErrorInvalidDevicePointer;
  d.used -= (it->second + kAlignment - 1) / kAlignment * kAlignment;
  d.allocations.erase(it);
  std::free(pointer);
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind) {
  if (const cudaError_t e = detail::enter("cudaMemcpy")) return e;
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  if (bytes == 0) return cudaSuccess;
  if (kind < cudaMemcpyHostToHost || kind > cudaMemcpyDefault)
    return d.last = cudaErrorInvalidMemcpyDirection;
  const bool dst_device = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  const bool src_device = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
  // A device pointer must address bytes inside one allocation, as cudaMemcpy checks.
  if ((dst_device && !is_device_range(d, dst, bytes)) ||
      (src_device && !is_device_range(d, src, bytes)) || !dst || !src)
    return d.last = cudaErrorInvalidValue;
  std::memmove(dst, src, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemset(void* pointer, int value, std::size_t bytes) {
  if (const cudaError_t e = detail::enter("cudaMemset")) return e;
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  if (bytes == 0) return cudaSuccess;
  if (!is_device_range(d, pointer, bytes)) return d.last = cudaErrorInvalidValue;
  std::memset(pointer, value, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemGetInfo(std::size_t* free_bytes, std::size_t* total_bytes) {
  if (const cudaError_t e = detail::enter("cudaMemGetInfo")) return e;
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  if (!free_bytes || !total_bytes) return d.last = cudaErrorInvalidValue;
  *free_bytes = d.controls.memory_bytes - d.used;
  *total_bytes = d.controls.memory_bytes;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceCount(int* count) {
  if (count) *count = 0;
  if (const cudaError_t e = detail::enter("cudaGetDeviceCount")) return e;
  if (!count) return cudaErrorInvalidValue;
  *count = 1;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int dev) {
  if (const cudaError_t e = detail::enter("cudaGetDeviceProperties")) return e;
  if (!prop) return cudaErrorInvalidValue;
  if (dev != 0) return cudaErrorInvalidDevice;
  *prop = cudaDeviceProp{};
  std::snprintf(prop->name, sizeof prop->name, "%s", "ngdsim emulated CUDA device (CPU)");
  const Controls& c = controls();
  prop->totalGlobalMem = c.memory_bytes;
  prop->sharedMemPerBlock = 48 << 10;
  prop->warpSize = 32;
  prop->maxThreadsPerBlock = 1024;
  prop->maxThreadsDim[0] = prop->maxThreadsDim[1] = 1024;
  prop->maxThreadsDim[2] = 64;
  prop->maxGridSize[0] = 2147483647;
  prop->maxGridSize[1] = prop->maxGridSize[2] = 65535;
  prop->multiProcessorCount = c.threads;
  prop->major = 9;
  prop->minor = 0;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int dev) {
  if (const cudaError_t e = detail::enter("cudaSetDevice")) return e;
  if (dev != 0) {
    detail::set_error(cudaErrorInvalidDevice);
    return cudaErrorInvalidDevice;
  }
  return cudaSuccess;
}

cudaError_t cudaGetDevice(int* dev) {
  if (!dev) return cudaErrorInvalidValue;
  *dev = 0;
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() { return detail::enter("cudaDeviceSynchronize"); }

cudaError_t cudaGetLastError() {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  const cudaError_t e = d.last;
  d.last = d.sticky;
  return e;
}

cudaError_t cudaPeekAtLastError() {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  return d.last;
}

const char* cudaGetErrorString(cudaError_t error) {
  const Known* k = find_error(error);
  return k ? k->text : "unrecognized error code";
}

const char* cudaGetErrorName(cudaError_t error) {
  const Known* k = find_error(error);
  return k ? k->name : "cudaErrorUnknown";
}

}  // namespace cuda_api

}  // namespace ngdsim_emu
