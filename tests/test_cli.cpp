// Bad input: one line naming the setting and what is allowed, exit 2, no file.
#include <gtest/gtest.h>

#include "cli_harness.hpp"

namespace ngdsim::test {
namespace {

const std::string kSmall = "--trajectories 256 --steps 10 ";

struct BadCase {
  std::string name, args, mentions;
};

class BadInput : public testing::TestWithParam<BadCase> {};

TEST_P(BadInput, ExitsTwoWithAOneLineErrorAndNoFile) {
  const auto& c = GetParam();
  const std::string dir = fresh_dir("bad-" + c.name);
  const Result r = run("run " + kSmall + "--out out.h5 " + c.args, dir);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find(c.mentions), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(exists(dir + "/out.h5"));
  EXPECT_TRUE(r.out.empty()) << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    Cli, BadInput,
    testing::Values(
        BadCase{"landscape", "--landscape sphere", "landscape 'sphere'"},
        BadCase{"optimizer", "--optimizer adam", "optimizer 'adam'"},
        BadCase{"param", "--param z=1", "param 'z'"},
        BadCase{"param_syntax", "--param n", "param 'n'"},
        BadCase{"init_kind", "--init cube:1,2", "init 'cube:1,2'"},
        BadCase{"n_zero", "--trajectories 0", "trajectories '0'"},
        BadCase{"k_zero", "--steps 0", "steps '0'"}, BadCase{"p_negative", "--p=-0.5", "p '-0.5'"},
        BadCase{"p_nan", "--p nan", "p 'nan'"}, BadCase{"alpha_zero", "--alpha0 0", "alpha0 '0'"},
        BadCase{"alpha_inf", "--alpha0 inf", "alpha0 'inf'"},
        BadCase{"box_order", "--init box:2,1", "LO < HI"},
        BadCase{"box_equal", "--init box:1,1", "LO < HI"},
        BadCase{"eps_zero", "--eps 0.1,0", "eps '0.1,0'"},
        BadCase{"eps_negative", "--eps=-0.1", "eps '-0.1'"},
        BadCase{"n_range", "--param n=9", "param n '9'"},
        BadCase{"n_low", "--param n=1", "allowed 2..8"},
        BadCase{"q_range", "--param q=3", "param q '3'"},
        BadCase{"parabola_n", "--landscape parabola --param n=2", "param 'n'"},
        BadCase{"record", "--record log:1", "record 'log:1'"},
        BadCase{"ball_dim", "--init ball:1@1,1,1", "2 coordinates"},
        BadCase{"tile", "--tile 100", "tile '100'"}, BadCase{"chunk", "--chunk 768", "chunk '768'"},
        BadCase{"eps_many", "--eps 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", "at most 16"},
        BadCase{"bilinear_m", "--landscape bilinear --param m=9", "param m '9'"},
        BadCase{"bilinear_shape", "--landscape bilinear --param m=2 --param A=1,2,3",
                "param A '1,2,3'"},
        BadCase{"bilinear_nan", "--landscape bilinear --param m=2 --param A=1,0,0,nan",
                "param A '1,0,0,nan'"},
        BadCase{"bilinear_singular", "--landscape bilinear --param m=2 --param A=1,2,2,4",
                "smallest singular value"},
        BadCase{"quadric_equal", "--landscape quadric --param a=2 --param b=2", "equally flat"},
        BadCase{"quadric_negative", "--landscape quadric --param a=-1 --param b=-2",
                "a or b positive"},
        BadCase{"rho", "--optimizer sam --rho 0", "rho '0'"},
        BadCase{"sigma", "--optimizer perturbed --sigma=-1", "sigma '-1'"},
        BadCase{"backend", "--backend tpu", "backend 'tpu'"},
        BadCase{"precision", "--precision half", "precision 'half'"},
        BadCase{"unknown_flag", "--bogus 1", "bogus"},
        BadCase{"config_missing", "--config nope.toml", "config 'nope.toml'"},
        BadCase{"unwritable", "--out /nonexistent-dir/x.h5", "out '/nonexistent-dir/x.h5'"}),
    [](const auto& info) { return info.param.name; });

TEST(Cli, SweepRejectsBadVaryAndWritesNothing) {
  const std::string dir = fresh_dir("sweep-bad");
  for (const char* vary :
       {"--vary q=1,2", "--vary p=0,,1", "--vary p=1 --vary alpha0=1 --vary rho=1",
        "--vary p=-1,0.5", "--vary param.n=2,9"}) {
    const Result r = run("sweep " + kSmall + "--out s.h5 " + vary, dir);
    EXPECT_EQ(r.status, 2) << vary << ": " << r.err;
    EXPECT_FALSE(exists(dir + "/s.h5")) << vary;
  }
  EXPECT_EQ(run("sweep " + kSmall + "--out s.h5", dir).status, 2);  // nothing to vary
  write_file(dir + "/v.toml", "steps = 10\n[vary]\np = [0.5, 1.0]\n");
  const Result r = run("run --config v.toml --trajectories 256 --out s.h5", dir);
  EXPECT_EQ(r.status, 2);  // [vary] belongs to sweep
  EXPECT_NE(r.err.find("sweep"), std::string::npos) << r.err;
}

TEST(Cli, MalformedTomlReportsItsLine) {
  const std::string dir = fresh_dir("toml");
  write_file(dir + "/bad.toml", "steps = 10\ntrajectories = 256\nalpha0 = [1,\n");
  const Result r = run("run --config bad.toml --out out.h5", dir);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("malformed TOML"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 3"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(dir + "/out.h5"));
}

TEST(Cli, TomlValuesAreValidatedToo) {
  const std::string dir = fresh_dir("toml-value");
  write_file(dir + "/c.toml", "steps = 10\ntrajectories = -3\n");
  const Result r = run("run --config c.toml --out out.h5", dir);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("trajectories '-3'"), std::string::npos) << r.err;
}

TEST(Cli, ExistingOutputNeedsForce) {
  const std::string dir = fresh_dir("force");
  ASSERT_EQ(run("run " + kSmall + "--out out.h5", dir).status, 0);
  const Result again = run("run " + kSmall + "--out out.h5", dir);
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(run("run " + kSmall + "--out out.h5 --force", dir).status, 0);
  // No temporary file is left behind either way.
  const Result ls = run("list", dir);
  EXPECT_EQ(ls.status, 0);
  EXPECT_EQ(std::system(("ls '" + dir + "' | grep -q tmp").c_str()) == 0, false);
}

TEST(Cli, FlagsOverrideTheConfigFile) {
  const std::string dir = fresh_dir("override");
  write_file(dir + "/c.toml",
             "steps = 10\ntrajectories = 300\noptimizer = \"gd\"\nalpha0 = 0.01\n");
  const Result r = run("run --config c.toml --trajectories 512 --out out.h5", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("gd alpha_k = 0.01"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("N = 512"), std::string::npos) << r.out;
}

TEST(Cli, ListShowsLandscapesOptimizersAndRanges) {
  const Result r = run("list", fresh_dir("list"));
  EXPECT_EQ(r.status, 0);
  for (const char* s : {"product", "parabola", "ngd", "gd", "2..8", "1 or 2"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
}

TEST(Cli, InfoPrintsStoredConfigurationAndSummary) {
  const std::string dir = fresh_dir("info");
  ASSERT_EQ(run("run " + kSmall + "--out out.h5 --seed 99", dir).status, 0);
  const Result r = run("info out.h5", dir);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("seed = 99"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("p_flat = ["), std::string::npos) << r.out;
  const Result bad = run("info .stdout-missing", dir);
  EXPECT_EQ(bad.status, 2);
}

}  // namespace
}  // namespace ngdsim::test
