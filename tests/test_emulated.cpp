// The CUDA kernels on the emulated device, end to end (label "emulated"): the program
// run with --backend emulated against --backend cpu, byte for byte, for every
// landscape, optimizer and precision; chunking, fiber order and CUDA failures. At small
// N, this covers what the GPU tests (label "gpu") check on a real device.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "cli_harness.hpp"

namespace ngdsim::test {
namespace {

struct Study {
  std::string name, args;
};

// Every landscape at its own N in [2000, 5000] and K in [200, 500], so partial leaves,
// partial blocks and several record spacings all occur.
const std::vector<Study> kLandscapes = {
    {"product_n2_q2", "--landscape product --param n=2 --param q=2"},
    {"product_n2_q1", "--landscape product --param n=2 --param q=1"},
    {"product_n3_q2", "--landscape product --param n=3 --param q=2"},
    {"product_n3_q1", "--landscape product --param n=3 --param q=1"},
    {"product_n8_q2", "--landscape product --param n=8 --param q=2"},
    {"product_n8_q1", "--landscape product --param n=8 --param q=1"},
    {"parabola", "--landscape parabola"},
    {"cubic", "--landscape cubic"},
    {"quadric", "--landscape quadric"},
    {"bilinear_m3", "--landscape bilinear --param m=3"},
    {"cross", "--landscape cross"},
};

// gd and perturbed with a constant step large enough that some trajectories of some
// landscapes diverge, so that path is compared too.
const std::vector<Study> kOptimizers = {
    {"ngd", "--optimizer ngd"},
    {"gd", "--optimizer gd --alpha0 0.2 --p 0"},
    {"sam", "--optimizer sam --alpha0 0.05 --p 0.25 --rho 0.05"},
    {"perturbed", "--optimizer perturbed --alpha0 0.05 --p 0 --sigma 0.02"},
};

// Runs `args` on both backends in `dir` and expects every dataset byte-identical.
void expect_parity(const std::string& args, const std::string& dir, const std::string& env = "") {
  const Result cpu = run("run " + args + " --backend cpu --out cpu.h5 --force", dir);
  ASSERT_EQ(cpu.status, 0) << args << "\n" << cpu.err;
  const Result emulated =
      run("run " + args + " --backend emulated --out emulated.h5 --force", dir, env);
  ASSERT_EQ(emulated.status, 0) << args << "\n" << emulated.err;
  std::vector<std::string> compared;
  const auto differ = differing_datasets(dir + "/cpu.h5", dir + "/emulated.h5", &compared);
  EXPECT_TRUE(differ.empty()) << args << ": " << differ.size() << " datasets differ, the first "
                              << differ.front();
  for (const char* path :
       {"/final/position", "/final/class", "/final/attractor", "/final/last_entry",
        "/observables/f/mean/value", "/observables/flat_distance/histogram/value",
        "/particles/sample/position/value", "/settling/first_entry_count",
        "/settling/last_entry_count"})
    EXPECT_NE(std::find(compared.begin(), compared.end(), path), compared.end()) << path;
}

class Parity : public testing::TestWithParam<int> {};

TEST_P(Parity, EmulatedKernelsEqualTheCpuPathByteForByte) {
  const int i = GetParam();
  const Study& land = kLandscapes[i];
  const std::string dir = fresh_dir("parity-" + land.name);
  const std::string size = "--trajectories " + std::to_string(2000 + 300 * i) + " --steps " +
                           std::to_string(200 + 30 * i) + " --seed " + std::to_string(40 + i) +
                           " --record every:7 --save-final --sample-paths 16"
                           " --eps 0.1,0.3,0.01,0.03";  // out of order: the kernel sorts them
  for (const Study& opt : kOptimizers)
    for (const char* precision : {"double", "float"}) {
      SCOPED_TRACE(land.name + " " + opt.name + " " + precision);
      expect_parity(land.args + " " + opt.args + " --precision " + precision + " " + size, dir);
    }
}

INSTANTIATE_TEST_SUITE_P(EveryLandscape, Parity,
                         testing::Range(0, static_cast<int>(kLandscapes.size())),
                         [](const testing::TestParamInfo<int>& info) {
                           return kLandscapes[info.param].name;
                         });

// Trajectories that diverge, draw a random sign at g = 0, stand on a critical point of g
// or reach non-finite values take the kernel's rare branches: studies that surely reach
// each one.
TEST(RareBranches, DivergenceSignDrawsAndCriticalPointsMatchToo) {
  const std::string dir = fresh_dir("parity-rare");
  const std::string common =
      "--trajectories 2000 --steps 200 --record every:7 --save-final --seed 4 ";
  struct Case {
    std::string args, counter;
  };
  const std::vector<Case> cases = {
      {"--optimizer gd --alpha0 0.5 --p 0", "/observables/diverged_count/value"},
      {"--precision float", "/observables/sign_draws/value"},
      // Starting within 1e-300 of the cross's critical point: |grad g|^2 underflows to 0.
      {"--landscape cross --init ball:1e-300@0,0", "/observables/critical_points/value"},
      {"--landscape cross --init ball:1e-300@0,0 --precision float",
       "/observables/critical_points/value"},
      // g overflows to infinity while x stays within the bound: non-finite f; the
      // thresholds out of order and repeated (the kernel counts them as ranks).
      {"--landscape product --param n=4 --optimizer gd --alpha0 0.5 --p 0 --init box:-3,3 "
       "--divergence-bound 1e300 --eps 1,0.01,0.1,0.01",
       "/observables/f/nonfinite_count/value"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args);
    expect_parity(common + c.args, dir);
    const hid_t f = H5Fopen((dir + "/cpu.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const auto counts = read(f, c.counter).data;
    EXPECT_GT(*std::max_element(counts.begin(), counts.end()), 0.0) << c.counter;
    H5Fclose(f);
  }
}

int chunks_used(const Result& r) {
  std::smatch m;
  static const std::regex line("ngdsim: (\\d+) chunks? of (\\d+) trajectories");
  return std::regex_search(r.err, m, line) ? std::stoi(m[1]) : 0;
}

TEST(Chunks, ChunkSizesAndASmallDeviceGiveTheSameStatistics) {
  const std::string dir = fresh_dir("emulated-chunks");
  // K = 350 recorded at every step: the moment buffers of 512 trajectories fill half
  // of what a 4 MiB device has left after the histograms.
  const std::string base =
      "run --backend emulated --trajectories 5000 --steps 350 --record every:1 --save-final "
      "--seed 3";
  const Result cpu =
      run("run --backend cpu --trajectories 5000 --steps 350 --record every:1 "
          "--save-final --seed 3 --out cpu.h5",
          dir);
  ASSERT_EQ(cpu.status, 0) << cpu.err;
  struct Case {
    std::string name, args, env;
    int chunks;
  };
  const std::vector<Case> cases = {
      {"chunk256", "--chunk 256", "", 20},
      {"chunk1024", "--chunk 1024", "", 5},
      {"chunk2048", "--chunk 2048", "", 3},  // does not divide N
      {"small_device", "", "NGDSIM_EMU_MEMORY=4MiB", 0},
  };
  for (const Case& c : cases) {
    const Result r = run(base + " " + c.args + " --out " + c.name + ".h5", dir, c.env);
    ASSERT_EQ(r.status, 0) << c.name << "\n" << r.err;
    if (c.chunks)
      EXPECT_EQ(chunks_used(r), c.chunks) << r.err;
    else
      EXPECT_GE(chunks_used(r), 8) << r.err;
    const auto differ = differing_datasets(dir + "/cpu.h5", dir + "/" + c.name + ".h5");
    EXPECT_TRUE(differ.empty()) << c.name << ": " << differ.front();
  }
}

TEST(Chunks, TooSmallADeviceIsReported) {
  const std::string dir = fresh_dir("emulated-tiny");
  const Result r =
      run("run --backend emulated --trajectories 1000 --steps 2000 --record every:1 "
          "--out x.h5",
          dir, "NGDSIM_EMU_MEMORY=1MiB");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("invalid record 'every:1': the device has 1 MiB free, and this run needs"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(exists(dir + "/x.h5"));
}

TEST(FiberOrder, ShuffledFibersAndBlocksGiveTheSameResults) {
  const std::string dir = fresh_dir("emulated-shuffle");
  const std::string args =
      "--trajectories 3000 --steps 300 --record every:3 --save-final --param n=3 --seed 8";
  for (const char* seed : {"1", "2", "3"}) {
    SCOPED_TRACE(seed);
    expect_parity(args, dir, std::string("NGDSIM_EMU_SHUFFLE=") + seed);
    expect_parity(args + " --threads 3", dir,
                  std::string("NGDSIM_EMU_SHUFFLE=") + seed + " NGDSIM_EMU_POISON=0x5a");
  }
}

TEST(Faults, AFailingCudaCallNamesItselfAndLeavesNoFile) {
  const std::string dir = fresh_dir("emulated-faults");
  struct Case {
    std::string fault, call, text;
  };
  const std::vector<Case> cases = {
      {"cudaMalloc:3", "CUDA error in cudaMalloc", "out of memory"},
      {"cudaLaunchKernel:1", "CUDA error launching advance_leaves",
       "too many resources requested for launch"},
      {"cudaLaunchKernel:3", "CUDA error launching merge_level",
       "too many resources requested for launch"},
      {"cudaMemcpy:9", "CUDA error in cudaMemcpy", "an illegal memory access was encountered"},
      {"cudaMemcpy:2:719", "CUDA error in cudaMemcpy", "unspecified launch failure"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.fault);
    const Result r =
        run("run --backend emulated --trajectories 3000 --steps 100 --save-final --out x.h5", dir,
            "NGDSIM_EMU_FAULT=" + c.fault);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find(c.call), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.text), std::string::npos) << r.err;
    EXPECT_FALSE(exists(dir + "/x.h5"));
    EXPECT_TRUE(std::filesystem::is_empty(dir)) << "a temporary file was left behind";
  }
}

TEST(Backend, EmulatedIsStoredNeverAutomaticAndItsControlsAreChecked) {
  const std::string dir = fresh_dir("emulated-backend");
  const Result r = run("run --backend emulated --trajectories 1000 --steps 50 --out e.h5", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("backend emulated"), std::string::npos) << r.out;
  const hid_t f = H5Fopen((dir + "/e.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t s = H5Gopen2(f, "/summary", H5P_DEFAULT);
  EXPECT_EQ(attr_string(s, "backend"), "emulated");
  EXPECT_NE(attr_string(s, "device").find("emulated"), std::string::npos);
  H5Gclose(s);
  H5Fclose(f);

  const Result a = run("run --trajectories 1000 --steps 50 --out a.h5", dir);
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out.find("backend emulated"), std::string::npos) << a.out;

  const Result bad = run("run --backend emulated --trajectories 1000 --steps 50 --out b.h5", dir,
                         "NGDSIM_EMU_MEMORY=lots");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("invalid NGDSIM_EMU_MEMORY 'lots'"), std::string::npos) << bad.err;
  EXPECT_FALSE(exists(dir + "/b.h5"));

  const Result none = run("run --backend emulated --trajectories 1000 --steps 50 --out c.h5", dir,
                          "NGDSIM_EMU_FAULT=cudaGetDeviceCount:1");
  EXPECT_EQ(none.status, 2);
  EXPECT_NE(none.err.find("no CUDA-capable device is detected"), std::string::npos) << none.err;
  EXPECT_FALSE(exists(dir + "/c.h5"));
}

}  // namespace
}  // namespace ngdsim::test
