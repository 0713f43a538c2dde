// The HDF5 file end to end: every group, dataset and attribute of docs/output.md
// read back, the summary against what the run printed, and determinism.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <regex>

#include "cli_harness.hpp"

namespace ngdsim::test {
namespace {

constexpr int kN = 3000, kK = 300, kS = 16, kE = 2, kD = 2, kA = 2;

class OutputFile : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fresh_dir("output");
    result_ =
        run("run --trajectories 3000 --steps 300 --record log:50 --save-final "
            "--sample-paths 16 --eps 0.1,0.01 --seed 5 --out a.h5",
            dir_);
    ASSERT_EQ(result_.status, 0) << result_.err;
    file_ = H5Fopen((dir_ + "/a.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(file_, 0);
    R_ = read(file_, "/observables/f/mean/step").dims.at(0);
  }
  static void TearDownTestSuite() { H5Fclose(file_); }

  static std::string dir_;
  static Result result_;
  static hid_t file_;
  static hsize_t R_;
};
std::string OutputFile::dir_;
Result OutputFile::result_;
hid_t OutputFile::file_ = -1;
hsize_t OutputFile::R_ = 0;

using Dims = std::vector<hsize_t>;

TEST_F(OutputFile, H5mdAndParameters) {
  const hid_t h5md = H5Gopen2(file_, "/h5md", H5P_DEFAULT);
  EXPECT_EQ(attr_doubles(h5md, "version"), (std::vector<double>{1, 1}));
  H5Gclose(h5md);
  const hid_t author = H5Gopen2(file_, "/h5md/author", H5P_DEFAULT);
  EXPECT_FALSE(attr_string(author, "name").empty());
  H5Gclose(author);
  const hid_t creator = H5Gopen2(file_, "/h5md/creator", H5P_DEFAULT);
  EXPECT_EQ(attr_string(creator, "name"), "ngdsim");
  EXPECT_FALSE(attr_string(creator, "version").empty());
  H5Gclose(creator);

  const hid_t p = H5Gopen2(file_, "/parameters", H5P_DEFAULT);
  EXPECT_EQ(attr_string(p, "landscape"), "product");
  EXPECT_EQ(attr_string(p, "optimizer"), "ngd");
  EXPECT_EQ(attr_string(p, "param.n"), "2");
  EXPECT_EQ(attr_doubles(p, "trajectories"), std::vector<double>{kN});
  EXPECT_EQ(attr_doubles(p, "steps"), std::vector<double>{kK});
  EXPECT_EQ(attr_doubles(p, "eps"), (std::vector<double>{0.1, 0.01}));
  EXPECT_EQ(attr_doubles(p, "seed"), std::vector<double>{5});
  for (const char* a : {"alpha0", "p", "rho", "sigma", "init", "record", "backend", "precision",
                        "sample_paths", "save_final", "divergence_bound", "param.q"})
    EXPECT_TRUE(has_attr(p, a)) << a;
  H5Gclose(p);
}

TEST_F(OutputFile, StoredConfigReRunsTheSameStudy) {
  // Read the config text and run it again: the statistics are identical.
  const hid_t ds = H5Dopen2(file_, "/parameters/config", H5P_DEFAULT);
  const hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  char* text = nullptr;
  ASSERT_GE(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text), 0);
  const std::string config = text;
  H5free_memory(text);
  H5Tclose(t);
  H5Dclose(ds);
  for (const char* key : {"trajectories = 3000", "steps = 300", "seed = 5", "landscape = 'product'",
                          "record = 'log:50'", "[param]"})
    EXPECT_NE(config.find(key), std::string::npos) << key << "\n" << config;
  std::ofstream(dir_ + "/rerun.toml") << config;
  const Result r = run("run --config rerun.toml --out b.h5", dir_);
  ASSERT_EQ(r.status, 0) << r.err;
  const hid_t b = H5Fopen((dir_ + "/b.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  for (const char* path : {"/observables/f/mean/value", "/observables/flat_count/value",
                           "/observables/phi/histogram/value", "/final/position"})
    EXPECT_EQ(read_bytes(file_, path), read_bytes(b, path)) << path;
  H5Fclose(b);
}

TEST_F(OutputFile, ObservablesHaveTheirShapesAndAxes) {
  const hsize_t R = R_;
  const Array step = read(file_, "/observables/f/mean/step");
  EXPECT_EQ(step.data.front(), 0);
  EXPECT_EQ(step.data.back(), kK);
  const Array time = read(file_, "/observables/f/mean/time");
  double t = 0;
  for (int k = 0; k < kK; ++k) t += 1.0 / std::sqrt(k + 1.0);
  EXPECT_NEAR(time.data.back(), t, 1e-9);
  for (const char* q : {"f", "phi", "flat_distance", "min_distance", "grad_norm"}) {
    const std::string base = std::string("/observables/") + q + "/";
    for (const char* s : {"mean", "variance", "min", "max", "count", "nonfinite_count"})
      EXPECT_EQ(read(file_, base + s + "/value").dims, Dims{R}) << base << s;
    EXPECT_EQ(read(file_, base + "quantiles/value").dims, (Dims{R, 5}));
    EXPECT_EQ(read(file_, base + "histogram/value").dims, (Dims{R, 242}));
    EXPECT_EQ(read(file_, base + "histogram/step").data, step.data);
    EXPECT_EQ(read(file_, base + "quantiles/time").data, time.data);
    // Histogram totals equal the count of finite values at every step.
    const Array h = read(file_, base + "histogram/value");
    const Array c = read(file_, base + "count/value");
    for (hsize_t r = 0; r < R; ++r)
      EXPECT_EQ(std::accumulate(&h.data[r * 242], &h.data[r * 242 + 242], 0.0), c.data[r]);
    // Quantiles are ordered and inside [min, max].
    const Array qs = read(file_, base + "quantiles/value");
    const Array lo = read(file_, base + "min/value"), hi = read(file_, base + "max/value");
    for (hsize_t r = 0; r < R; ++r)
      for (int i = 0; i < 5; ++i) {
        EXPECT_LE(lo.data[r], qs.data[r * 5 + i]);
        EXPECT_LE(qs.data[r * 5 + i], hi.data[r]);
        if (i) {
          EXPECT_LE(qs.data[r * 5 + i - 1], qs.data[r * 5 + i]);
        }
      }
  }
  for (const char* n : {"flat_count", "flat_fraction", "min_count", "min_fraction"})
    EXPECT_EQ(read(file_, std::string("/observables/") + n + "/value").dims, (Dims{R, kE})) << n;
  for (const char* n :
       {"diverged_count", "survival", "last_entry_count", "sign_draws", "critical_points", "alpha"})
    EXPECT_EQ(read(file_, std::string("/observables/") + n + "/value").dims, Dims{R}) << n;
  EXPECT_EQ(read(file_, "/observables/attractor_count/value").dims, (Dims{R, kA}));
  EXPECT_EQ(read(file_, "/observables/histogram_edges").dims, Dims{241});
  const Array draws = read(file_, "/observables/sign_draws/value");
  EXPECT_TRUE(std::is_sorted(draws.data.begin(), draws.data.end()));  // cumulative
}

TEST_F(OutputFile, AttractorsSamplesAndFinalState) {
  const hsize_t R = R_;
  EXPECT_EQ(read(file_, "/attractors/position").data, (std::vector<double>{1, 1, -1, -1}));
  for (const char* n : {"final_count", "final_fraction", "wilson_low", "wilson_high"})
    EXPECT_EQ(read(file_, std::string("/attractors/") + n).dims, Dims{kA}) << n;
  EXPECT_EQ(read(file_, "/particles/sample/position/value").dims, (Dims{R, kS, kD}));
  EXPECT_EQ(read(file_, "/particles/sample/position/step").dims, Dims{R});
  EXPECT_EQ(read(file_, "/particles/sample/id").dims, Dims{kS});
  const Array pos = read(file_, "/final/position");
  EXPECT_EQ(pos.dims, (Dims{kN, kD}));
  const Array cls = read(file_, "/final/class");
  const Array att = read(file_, "/final/attractor");
  const Array last = read(file_, "/final/last_entry");
  EXPECT_EQ(cls.dims, Dims{kN});
  // Per-trajectory output agrees with the statistics at K.
  const Array flat = read(file_, "/observables/flat_count/value");
  const Array fc = read(file_, "/attractors/final_count");
  const double flat_k = flat.data[(R - 1) * kE];
  EXPECT_EQ(std::count(cls.data.begin(), cls.data.end(), 0.0), flat_k);
  EXPECT_EQ(fc.data[0] + fc.data[1], flat_k);
  EXPECT_EQ(std::count(att.data.begin(), att.data.end(), 1.0), fc.data[1]);
  EXPECT_EQ(kN - std::count(last.data.begin(), last.data.end(), -1.0), flat_k);
  // The sampled path of trajectory 0 ends at its final position.
  const Array sample = read(file_, "/particles/sample/position/value");
  EXPECT_EQ(sample.data[(R - 1) * kS * kD], pos.data[0]);
  EXPECT_EQ(sample.data[(R - 1) * kS * kD + 1], pos.data[1]);
  // Survival: 1 at the start, the never-settled fraction at K.
  const Array surv = read(file_, "/observables/survival/value");
  EXPECT_NEAR(surv.data.back(), 1.0 - flat_k / kN, 1e-12);
}

TEST_F(OutputFile, EveryDatasetIsDescribed) {
  const auto paths = dataset_paths(file_);
  EXPECT_GT(paths.size(), 100u);
  for (const auto& path : paths) {
    const hid_t ds = H5Dopen2(file_, path.c_str(), H5P_DEFAULT);
    EXPECT_TRUE(has_attr(ds, "description")) << path;
    H5Dclose(ds);
  }
}

TEST_F(OutputFile, SummaryMatchesWhatTheRunPrinted) {
  const hid_t s = H5Gopen2(file_, "/summary", H5P_DEFAULT);
  for (const char* a : {"eps", "p_flat", "p_flat_low", "p_flat_high", "p_min", "p_min_low",
                        "p_min_high", "p_diverged", "trajectories", "steps", "seed", "wall_seconds",
                        "trajectory_steps_per_second", "backend", "device"})
    EXPECT_TRUE(has_attr(s, a)) << a;
  EXPECT_EQ(attr_string(s, "backend"), "cpu");
  const auto pf = attr_doubles(s, "p_flat"), pfl = attr_doubles(s, "p_flat_low"),
             pfh = attr_doubles(s, "p_flat_high"), pm = attr_doubles(s, "p_min");
  ASSERT_EQ(pf.size(), 2u);
  const std::regex line(R"(P\((flat|min), ([0-9.e-]+)\)\s+= ([0-9.]+)\s+\[([0-9.]+), ([0-9.]+)\])");
  int matched = 0;
  for (std::sregex_iterator it(result_.out.begin(), result_.out.end(), line), end; it != end;
       ++it) {
    const auto& m = *it;
    const int e = std::stod(m[2]) == 0.1 ? 0 : 1;
    const bool flat = m[1] == "flat";
    EXPECT_NEAR(std::stod(m[3]), flat ? pf[e] : pm[e], 5e-5);
    if (flat) {
      EXPECT_NEAR(std::stod(m[4]), pfl[e], 5e-5);
      EXPECT_NEAR(std::stod(m[5]), pfh[e], 5e-5);
    }
    ++matched;
  }
  EXPECT_EQ(matched, 4) << result_.out;
  const Array flat = read(file_, "/observables/flat_count/value");
  EXPECT_EQ(pf[1], flat.data[(R_ - 1) * kE + 1] / kN);
  H5Gclose(s);
}

// Every dataset outside /parameters (whose config text names the scheduling) is
// byte-for-byte identical, and there are more than 100 of them.
void expect_same_datasets(const std::string& a, const std::string& b) {
  std::vector<std::string> compared;
  const auto differ = differing_datasets(a, b, &compared);
  for (const auto& path : differ) ADD_FAILURE() << path << " differs";
  EXPECT_GT(compared.size(), 100u);
}

// Same configuration and seed, different tile size and thread count: every
// statistics dataset is byte-for-byte identical.
void expect_identical_runs(const std::string& extra) {
  const std::string dir = fresh_dir("determinism");
  const std::string base = "run --trajectories 5000 --steps 500 --save-final --seed 11 " + extra;
  ASSERT_EQ(run(base + " --tile 256 --threads 1 --out a.h5", dir).status, 0);
  ASSERT_EQ(run(base + " --tile 2048 --threads 2 --out b.h5", dir).status, 0);
  expect_same_datasets(dir + "/a.h5", dir + "/b.h5");
}

TEST(Determinism, StatisticsIndependentOfTileAndThreads) { expect_identical_runs(""); }

TEST(Determinism, AlsoForFloatAndGradientDescent) {
  expect_identical_runs("--precision float --param n=3");
  expect_identical_runs("--optimizer gd --alpha0 0.05 --p 0 --landscape parabola");
}

}  // namespace
}  // namespace ngdsim::test

namespace ngdsim::test {
namespace {

// perturbed with sigma = 0 is gd, bit for bit (statistics and final positions).
TEST(Optimizers, PerturbedWithZeroSigmaIsGradientDescentBitForBit) {
  const std::string dir = fresh_dir("perturbed-gd");
  const std::string base = "run --trajectories 3000 --steps 400 --save-final --alpha0 0.01 --p 0 ";
  ASSERT_EQ(run(base + "--optimizer gd --out a.h5", dir).status, 0);
  ASSERT_EQ(run(base + "--optimizer perturbed --sigma 0 --out b.h5", dir).status, 0);
  expect_same_datasets(dir + "/a.h5", dir + "/b.h5");
}

// A sweep file: one group per point laid out like a run, and the table.
TEST(Sweep, GroupsPerPointAndTheTableOfEstimates) {
  const std::string dir = fresh_dir("sweep");
  const Result r =
      run("sweep --trajectories 2048 --steps 300 --vary p=0.5,1 "
          "--vary 'init=box:-1,1;box:-2,2' --out s.h5",
          dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const hid_t f = H5Fopen((dir + "/s.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_EQ(attr_string(f, "filetype"), "ngdsim-sweep");
  const Array table = read(f, "/sweep/table");
  ASSERT_EQ(table.dims.size(), 2u);
  EXPECT_EQ(table.dims[0], 4u);
  const hid_t s = H5Gopen2(f, "/sweep", H5P_DEFAULT);
  const std::string columns = attr_string(s, "columns");
  EXPECT_EQ(columns.rfind("p, init, p_flat(0.1)", 0), 0u) << columns;
  EXPECT_EQ(attr_string(s, "values.init"), "box:-1,1 | box:-2,2");
  H5Gclose(s);
  const std::size_t C = table.dims[1];
  for (int i = 0; i < 4; ++i) {
    char group[64];
    std::snprintf(group, sizeof group, "/points/%03d/summary", i);
    const hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
    ASSERT_GE(g, 0) << group;
    EXPECT_EQ(table.data[i * C + 0], i < 2 ? 0.5 : 1.0);  // p varies slowest
    EXPECT_EQ(table.data[i * C + 1], i % 2);              // init: index into values.init
    EXPECT_EQ(table.data[i * C + 2], attr_doubles(g, "p_flat")[0]) << group;
    H5Gclose(g);
    std::snprintf(group, sizeof group, "/points/%03d/observables/f/mean/value", i);
    EXPECT_EQ(read(f, group).dims.size(), 1u);
  }
  H5Fclose(f);
  EXPECT_NE(r.out.find("p=1 init=box:-2,2"), std::string::npos) << r.out;
  const Result info = run("info s.h5", dir);
  EXPECT_EQ(info.status, 0) << info.err;
  EXPECT_NE(info.out.find("[vary]"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("label = p=0.5 init=box:-2,2"), std::string::npos) << info.out;
}

}  // namespace
}  // namespace ngdsim::test
