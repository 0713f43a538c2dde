// Bad input: one line naming the setting and what is allowed, exit 2, no file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli_harness.hpp"
#include "io/output.hpp"
#include "io/provenance.hpp"

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
                "param A 'nan' for landscape bilinear"},
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
        BadCase{"config_directory", "--config .", "config '.': not a regular file"},
        BadCase{"config_device", "--config /dev/zero", "config '/dev/zero': not a regular file"},
        BadCase{"n_times_k", "--trajectories 9223372036854775807 --steps 10",
                "trajectories '9223372036854775807': N x K must stay below 2^63"},
        BadCase{"n_times_k_default", "--trajectories 4611686018427387904 --steps 5000",
                "N <= 1844674407370955 for K = 5000"},
        BadCase{"tile_int", "--tile 4294967296", "tile '4294967296'"},
        BadCase{"tile_int_plus", "--tile 4294967552", "tile '4294967552'"},
        BadCase{"tile_2_31", "--tile 2147483648", "at most 1048576"},
        BadCase{"threads_many", "--threads 1000000", "threads '1000000'"},
        BadCase{"threads_1000", "--threads 1000", "to 256"},
        BadCase{"seed_hex", "--seed 0x10", "seed '0x10'"},
        BadCase{"steps_fraction", "--steps 1.5e0", "steps '1.5e0'"},
        BadCase{"steps_small", "--steps 1e-3", "steps '1e-3'"},
        BadCase{"steps_hex_float", "--steps 0x1p3", "steps '0x1p3'"},
        BadCase{"alpha0_hex_float", "--alpha0 0x1p-1", "alpha0 '0x1p-1'"},
        BadCase{"trajectories_huge", "--trajectories 1e19", "trajectories '1e19'"},
        BadCase{"record_log_huge", "--record log:1000000000000", "record 'log:1000000000000'"},
        BadCase{"memory_records", "--steps 4294967295 --record every:1",
                "invalid record 'every:1': the run would need about"},
        BadCase{"memory_final", "--trajectories 1000000000000000 --save-final --backend cpu",
                "invalid save_final 'true (with 1000000000000000 trajectories)': the run would "
                "need about"},
        BadCase{"out_directory", "--out . --force", "out '.': not a regular file"},
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

TEST(Cli, MisspelledOptionsAndKeysGetASuggestion) {
  const std::string dir = fresh_dir("suggest");
  const Result flag = run("run --landscap product --out a.h5", dir);
  EXPECT_EQ(flag.status, 2);
  EXPECT_NE(flag.err.find("unknown option '--landscap' (did you mean '--landscape'?)"),
            std::string::npos)
      << flag.err;
  const Result far = run("sweep --vary p=0.1,0.2 --zzzzzzzz 1 --out b.h5", dir);
  EXPECT_EQ(far.status, 2);
  EXPECT_NE(far.err.find("unknown option '--zzzzzzzz'."), std::string::npos) << far.err;
  write_file(dir + "/key.toml", "steps = 10\nlandscap = \"product\"\n");
  const Result key = run("run --config key.toml --out c.h5", dir);
  EXPECT_EQ(key.status, 2);
  EXPECT_NE(key.err.find("unknown setting 'landscap' in config 'key.toml' at line 2 (did you "
                         "mean 'landscape'?)"),
            std::string::npos)
      << key.err;
  write_file(dir + "/table.toml", "steps = 10\n\n[params]\nn = 3\n");
  const Result table = run("run --config table.toml --out d.h5", dir);
  EXPECT_EQ(table.status, 2);
  EXPECT_NE(table.err.find("'params' in config 'table.toml' at line 3 (did you mean 'param'?)"),
            std::string::npos)
      << table.err;
  for (const char* f : {"a.h5", "b.h5", "c.h5", "d.h5"}) EXPECT_FALSE(exists(dir + "/" + f)) << f;
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
  ASSERT_EQ(run("run " + kSmall + "--out out.h5 --seed 123456789", dir).status, 0);
  const Result r = run("info out.h5", dir);
  EXPECT_EQ(r.status, 0) << r.err;
  // In the stored TOML and as the summary's integer attribute, never as 1.23457e+08.
  const auto first = r.out.find("seed = 123456789");
  ASSERT_NE(first, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("seed = 123456789", first + 1), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("e+08"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("p_flat = ["), std::string::npos) << r.out;
  // Numbers of the stored TOML as written, not 0.10000000000000001.
  EXPECT_NE(r.out.find("eps = [ 0.1, 0.01, 0.001 ]"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("0000000"), std::string::npos) << r.out;
  const Result bad = run("info .stdout-missing", dir);
  EXPECT_EQ(bad.status, 2);
}

void delete_link(const std::string& file, const char* link) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0) << file;
  EXPECT_GE(H5Ldelete(f, link, H5P_DEFAULT), 0) << link;
  H5Fclose(f);
}

TEST(Cli, InfoRefusesWhatItCannotReadWithExitTwo) {
  const std::string dir = fresh_dir("info-bad");
  ASSERT_EQ(run("run " + kSmall + "--out a.h5", dir).status, 0);
  ASSERT_EQ(run("sweep " + kSmall + "--vary p=0.5,1 --out s.h5", dir).status, 0);
  namespace fs = std::filesystem;
  fs::copy_file(dir + "/a.h5", dir + "/config.h5");
  delete_link(dir + "/config.h5", "/parameters/config");
  fs::copy_file(dir + "/s.h5", dir + "/point.h5");
  delete_link(dir + "/point.h5", "/points/001/summary");
  fs::copy_file(dir + "/a.h5", dir + "/truncated.h5");
  fs::resize_file(dir + "/truncated.h5", fs::file_size(dir + "/a.h5") / 2);
  struct Case {
    std::string file, says;
  };
  for (const Case& c : std::vector<Case>{{"missing.h5", "'missing.h5': no such file"},
                                         {".", "'.': not an HDF5 file"},
                                         {"config.h5", "'config.h5': not a complete ngdsim output"},
                                         {"point.h5", "'point.h5': not a complete ngdsim output"},
                                         {"truncated.h5", "'truncated.h5'"}}) {
    const Result r = run("info " + c.file, dir);
    EXPECT_EQ(r.status, 2) << c.file << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

// A full disk, made by a file size limit (SIGXFSZ ignored, so writes fail with EFBIG):
// one line, exit 1, no crash and no file, whichever write fails first.
TEST(Cli, WriteFailuresExitOneWithoutACrashOrAFile) {
  const std::string dir = fresh_dir("disk-full");
  for (const char* args :
       {"run --trajectories 1000 --steps 100 --out o.h5",
        "run --trajectories 100000 --steps 100 --save-final --out o.h5",
        "sweep --trajectories 1000 --steps 100 --vary p=0.5,0.75,1 --out o.h5"}) {
    const Result r = run(args, dir, "trap '' XFSZ; ulimit -f 40;");
    EXPECT_EQ(r.status, 1) << args << "\n" << r.err;
    EXPECT_NE(r.err.find("ngdsim: failed: HDF5: failed to write"), std::string::npos) << r.err;
    EXPECT_TRUE(std::filesystem::is_empty(dir)) << args << ": a file was left behind";
  }
}

TEST(Cli, TheLongestLegalOutputNameWorks) {
  const std::string dir = fresh_dir("long-name");
  const std::string name = std::string(250, 'n') + ".h5";  // 253 bytes of the 255 allowed
  const Result r = run("run " + kSmall + "--out " + name, dir);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(exists(dir + "/" + name));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(Cli, AFailedSummaryWriteIsAFailure) {
  const std::string dir = fresh_dir("stdout-full");
  const std::string cmd =
      "cd '" + dir + "' && '" + exe() + "' run " + kSmall + "--out o.h5 >/dev/full 2>err.txt";
  const int raw = std::system(cmd.c_str());
  EXPECT_EQ(WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, 1);
  std::ifstream err(dir + "/err.txt");
  std::string all((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("cannot write the summary to standard output"), std::string::npos) << all;
}

// Not a real device node: if the check ever broke, the test must not replace one.
TEST(Cli, ForceNeverReplacesSomethingThatIsNotAFile) {
  const std::string dir = fresh_dir("out-fifo");
  ASSERT_EQ(mkfifo((dir + "/pipe").c_str(), 0600), 0);
  const Result r = run("run " + kSmall + "--out pipe --force", dir);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("out 'pipe': not a regular file"), std::string::npos) << r.err;
  struct stat st {};
  ASSERT_EQ(stat((dir + "/pipe").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

// Run only by the next test, in a child process.
TEST(Harness, DISABLED_MakesAFolder) { std::cout << "folder=" << fresh_dir("harness") << "\n"; }

TEST(Harness, TestFoldersAreRemovedWhenTheProcessEnds) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string cmd = "env -u NGDSIM_KEEP_TEST_DIRS '" + self +
                          "' --gtest_also_run_disabled_tests "
                          "--gtest_filter=Harness.DISABLED_MakesAFolder";
  std::FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  ASSERT_EQ(pclose(p), 0) << out;
  const auto at = out.find("folder=");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string folder = out.substr(at + 7, out.find('\n', at) - at - 7);
  EXPECT_NE(folder.find("ngdsim-test-harness-"), std::string::npos) << folder;
  EXPECT_FALSE(exists(folder)) << folder;
}

TEST(Cli, NumbersAreDecimalAndSubnormalStepsAreNumbers) {
  const std::string dir = fresh_dir("numbers");
  // A leading zero is not octal: seed 010 is ten, as a reader expects.
  ASSERT_EQ(run("run " + kSmall + "--out a.h5 --seed 010", dir).status, 0);
  const Result a = run("info a.h5", dir);
  EXPECT_NE(a.out.find("seed = 10\n"), std::string::npos) << a.out;
  // The smallest positive double is a finite number > 0, so a legal (if useless) alpha0.
  const Result b = run("run " + kSmall + "--out b.h5 --alpha0 5e-324", dir);
  EXPECT_EQ(b.status, 0) << b.err;
  const Result c = run("run " + kSmall + "--out c.h5 --alpha0 1e999", dir);
  EXPECT_EQ(c.status, 2) << c.err;
  // Counts in scientific notation, when they are whole numbers.
  const Result d = run("run --trajectories 2.5e3 --steps 1e2 --out d.h5", dir);
  ASSERT_EQ(d.status, 0) << d.err;
  const Result i = run("info d.h5", dir);
  EXPECT_NE(i.out.find("trajectories = 2500\n"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("steps = 100\n"), std::string::npos) << i.out;
}

TEST(Cli, HelpNamesEachValueAndItsDefault) {
  for (const char* cmd : {"run --help", "sweep --help"}) {
    const Result r = run(cmd, fresh_dir("help"));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.find("TEXT"), std::string::npos) << r.out;
    for (const char* shown :
         {"--steps K", "5000", "--trajectories N", "1000000", "--seed S", "20260208",
          "--eps E1,E2,...", "0.1,0.01,0.001", "--init SPEC", "box:-2,2", "--backend B", "auto"})
      EXPECT_NE(r.out.find(shown), std::string::npos) << cmd << ": " << shown << "\n" << r.out;
  }
}

TEST(Cli, VersionPrintsTheProgramsVersion) {
  const Result r = run("--version", fresh_dir("version"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, std::string("ngdsim ") + kVersion + " (commit " + kGitCommit + ")\n");
}

}  // namespace
}  // namespace ngdsim::test
