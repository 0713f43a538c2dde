// GPU tests (ctest label "gpu"): the CUDA backend against the CPU path. They skip
// with "no CUDA device" where none is visible, unless NGDSIM_REQUIRE_GPU=1, which
// turns the skip into a failure so a GPU machine can never pass by skipping.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "cli_harness.hpp"
#include "device/device_backend.hpp"

namespace ngdsim::test {
namespace {

class Gpu : public testing::Test {
 protected:
  void SetUp() override {
    const DeviceInfo dev = cuda::device();
    if (dev.present) return;
    const char* require = std::getenv("NGDSIM_REQUIRE_GPU");
    if (require && std::string(require) == "1")
      FAIL() << "NGDSIM_REQUIRE_GPU=1 but no CUDA device: " << dev.reason;
    GTEST_SKIP() << "no CUDA device: " << dev.reason;
  }
};

bool is_integer(hid_t file, const std::string& path) {
  const hid_t ds = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
  const hid_t t = H5Dget_type(ds);
  const bool integer = H5Tget_class(t) == H5T_INTEGER;
  H5Tclose(t);
  H5Dclose(ds);
  return integer;
}

// Strict-fp parity: every final position bit-identical, integer statistics equal,
// floating statistics within 1e-12 relative (bit-identical unless a libm function
// such as exp() in phi differs in its last bit between glibc and CUDA).
void expect_parity(const std::string& study) {
  const std::string dir = fresh_dir("parity");
  const std::string base = "run --trajectories 100000 --steps 2000 --save-final " + study;
  const Result cpu = run(base + " --backend cpu --out cpu.h5", dir);
  ASSERT_EQ(cpu.status, 0) << cpu.err;
  const Result gpu = run(base + " --backend cuda --out gpu.h5", dir);
  ASSERT_EQ(gpu.status, 0) << gpu.err;
  std::cout << gpu.out;
  const hid_t a = H5Fopen((dir + "/cpu.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t b = H5Fopen((dir + "/gpu.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  int identical = 0, compared = 0;
  for (const auto& path : dataset_paths(a)) {
    if (path.rfind("/parameters", 0) == 0) continue;
    ++compared;
    if (read_bytes(a, path) == read_bytes(b, path)) {
      ++identical;
      continue;
    }
    ASSERT_FALSE(path.rfind("/final", 0) == 0) << path << " differs between CPU and GPU";
    ASSERT_FALSE(is_integer(a, path)) << path << " differs between CPU and GPU";
    const Array x = read(a, path), y = read(b, path);
    ASSERT_EQ(x.data.size(), y.data.size()) << path;
    for (std::size_t i = 0; i < x.data.size(); ++i) {
      if (std::isnan(x.data[i]) && std::isnan(y.data[i])) continue;
      ASSERT_LE(std::abs(x.data[i] - y.data[i]), 1e-12 * std::abs(x.data[i]))
          << path << "[" << i << "]";
    }
  }
  std::cout << identical << " of " << compared << " datasets bit-identical\n";
  H5Fclose(a);
  H5Fclose(b);
}

TEST_F(Gpu, StrictParityWithCpuOnProduct) { expect_parity("--landscape product --param n=3"); }

TEST_F(Gpu, StrictParityWithCpuOnParabola) {
  expect_parity("--landscape parabola --alpha0 2 --init box:-2,2");
}

// bnreg's kernel: a box start (uniforms only, no libm) and gdwd, whose steps use only
// + - * / and sqrt (exact in IEEE on both sides with FMA contraction off).
TEST_F(Gpu, StrictParityWithCpuOnBnreg) {
  expect_parity(
      "--landscape bnreg --param d=12 --param n=5 --optimizer gdwd --alpha0 0.1 --wd 0.01 --p 0 "
      "--init box:-1,1 --eps 0.1,0.03");
}

// msense's kernel (the model kernel with the data in device memory): a box start and gd,
// the data drawn on the host.
TEST_F(Gpu, StrictParityWithCpuOnMsense) {
  expect_parity(
      "--landscape msense --param d=3 --param rp=3 --param m=12 --param data_seed=5 --optimizer "
      "gd --alpha0 0.1 --p 0 --init box:-0.5,0.5 --eps 0.01,0.1");
}

TEST_F(Gpu, StatisticsIndependentOfChunkSize) {
  const std::string dir = fresh_dir("chunks");
  const std::string base =
      "run --backend cuda --trajectories 300000 --steps 1000 --save-final --seed 3";
  ASSERT_EQ(run(base + " --chunk 4096 --out a.h5", dir).status, 0);
  ASSERT_EQ(run(base + " --chunk 131072 --out b.h5", dir).status, 0);
  const hid_t a = H5Fopen((dir + "/a.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t b = H5Fopen((dir + "/b.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  for (const auto& path : dataset_paths(a)) {
    if (path.rfind("/parameters", 0) != 0) {
      EXPECT_EQ(read_bytes(a, path), read_bytes(b, path)) << path;
    }
  }
  H5Fclose(a);
  H5Fclose(b);
}

TEST_F(Gpu, HundredMillionTrajectoriesAgreeWithTheCpuEstimate) {
  const std::string dir = fresh_dir("1e8");
  const Result gpu = run("run --backend cuda --trajectories 100000000 --out gpu.h5", dir);
  ASSERT_EQ(gpu.status, 0) << gpu.err;
  std::cout << gpu.out;
  const Result cpu = run("run --backend cpu --out cpu.h5", dir);  // the default study, N = 10^6
  ASSERT_EQ(cpu.status, 0) << cpu.err;
  auto summary = [&](const std::string& file, const char* name) {
    const hid_t f = H5Fopen((dir + "/" + file).c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t s = H5Gopen2(f, "/summary", H5P_DEFAULT);
    const double v = attr_doubles(s, name)[0];
    H5Gclose(s);
    H5Fclose(f);
    return v;
  };
  // The two Wilson intervals of P(flat, 0.1) overlap.
  EXPECT_LE(summary("gpu.h5", "p_flat_low"), summary("cpu.h5", "p_flat_high"));
  EXPECT_LE(summary("cpu.h5", "p_flat_low"), summary("gpu.h5", "p_flat_high"));
  EXPECT_GE(summary("gpu.h5", "p_flat"), 0.99);
}

TEST_F(Gpu, CudaErrorsNameTheCallAndLeaveNoFile) {
  const std::string dir = fresh_dir("cuda-error");
  // An explicit chunk of 2^30 trajectories needs 2 x 125 GB of moment buffers at
  // K = 5000: the allocation fails on any current GPU.
  const Result r =
      run("run --backend cuda --trajectories 1000 --steps 5000 --chunk 1073741824 "
          "--out x.h5",
          dir);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("CUDA error in cudaMalloc"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(dir + "/x.h5"));
}

}  // namespace
}  // namespace ngdsim::test
