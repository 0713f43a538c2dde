// Two runs on one output name, signals and killed runs: nothing that looks complete is
// ever left behind, nothing is overwritten, and an interrupted sweep keeps its
// finished points and resumes to the file an uninterrupted sweep writes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "cli_harness.hpp"

namespace ngdsim::test {
namespace {

const std::string kLongRun =
    "run --trajectories " + std::to_string(scaled(300000, 100)) + " --steps 3000 --seed 1 ";

TEST(Claim, ASecondRunCannotWriteTheSameOutput) {
  const std::string dir = fresh_dir("claim");
  const pid_t a = spawn(kLongRun + "--out same.h5", dir);
  ASSERT_TRUE(claimed(dir + "/same.h5"));
  for (const char* force : {"", " --force"}) {
    const Result b =
        run(std::string("run --trajectories 1000 --steps 100 --seed 2 --out same.h5") + force, dir);
    EXPECT_EQ(b.status, 2) << b.err;
    EXPECT_NE(b.err.find("another ngdsim run (process " + std::to_string(a) + ") is writing it"),
              std::string::npos)
        << b.err;
  }
  ASSERT_EQ(wait_for(a), 0);
  const hid_t f = H5Fopen((dir + "/same.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t s = H5Gopen2(f, "/summary", H5P_DEFAULT);
  EXPECT_EQ(attr_doubles(s, "seed")[0], 1.0);  // the first run's file, whole
  H5Gclose(s);
  H5Fclose(f);
  EXPECT_EQ(files_in(dir), std::vector<std::string>{"same.h5"});
  EXPECT_EQ(run("run --trajectories 1000 --steps 100 --out same.h5", dir).status, 2);
}

TEST(Claim, AFileThatAppearsMeanwhileIsNotReplaced) {
  const std::string dir = fresh_dir("claim-appears");
  const pid_t a = spawn(kLongRun + "--out other.h5", dir);
  ASSERT_TRUE(appears(dir + "/other.h5.tmp-" + std::to_string(a)));  // past its checks
  write_file(dir + "/other.h5", "someone else's results\n");
  EXPECT_EQ(wait_for(a), 1);
  std::ifstream in(dir + "/other.h5");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "someone else's results");
  EXPECT_EQ(files_in(dir), std::vector<std::string>{"other.h5"});
}

TEST(Interrupt, HangupLeavesOnlyTheCheckpoint) {
  const std::string dir = fresh_dir("hangup");
  const pid_t a = spawn(kLongRun + "--backend cpu --out hup.h5", dir);
  ASSERT_TRUE(appears(dir + "/hup.h5.tmp-" + std::to_string(a)));
  kill(a, SIGHUP);
  EXPECT_EQ(wait_for(a), 128 + SIGHUP);
  EXPECT_EQ(files_in(dir), std::vector<std::string>{"hup.h5.checkpoint"});
}

TEST(Interrupt, AKilledRunsLeftoverIsReportedAndBlocksNothing) {
  const std::string dir = fresh_dir("killed");
  const pid_t a = spawn(kLongRun + "--out k.h5", dir);
  const std::string leftover = "k.h5.tmp-" + std::to_string(a);
  ASSERT_TRUE(appears(dir + "/" + leftover));
  kill(a, SIGKILL);
  EXPECT_EQ(wait_for(a), 128 + SIGKILL);
  const Result b = run("run --trajectories 1000 --steps 100 --out k.h5", dir);
  EXPECT_EQ(b.status, 0) << b.err;
  EXPECT_NE(b.err.find("warning: ./" + leftover + " is left from a run that was killed"),
            std::string::npos)
      << b.err;
  EXPECT_NE(b.err.find("rm './" + leftover + "'"), std::string::npos) << b.err;
  EXPECT_EQ(files_in(dir), (std::vector<std::string>{"k.h5", leftover}));
}

TEST(Interrupt, ARunStopsAfterTheTileInFlightAndLeavesOnlyItsCheckpoint) {
  const std::string dir = fresh_dir("interrupt");
  const pid_t a =
      spawn("run --backend cpu --trajectories 2000000 --steps 100000 --out big.h5", dir, "err.txt");
  ASSERT_TRUE(appears(dir + "/big.h5.tmp-" + std::to_string(a)));
  kill(a, SIGINT);
  EXPECT_EQ(wait_for(a), 128 + SIGINT);
  const std::string err = slurp(dir + "/err.txt");
  EXPECT_NE(err.find("interrupted by SIGINT: "), std::string::npos) << err;
  EXPECT_NE(err.find(" of 2000000 trajectories done, saved in big.h5.checkpoint; resume with: "),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("--out big.h5 --resume\n"), std::string::npos) << err;
  EXPECT_EQ(files_in(dir), (std::vector<std::string>{"big.h5.checkpoint", "err.txt"}));
}

TEST(Interrupt, ASecondSignalStopsAtOnce) {
  // One tile of 2^20 trajectories x 10^5 steps: the first SIGTERM would wait for it.
  const std::string dir = fresh_dir("interrupt-twice");
  const pid_t a =
      spawn("run --trajectories 1048576 --tile 1048576 --threads 1 --steps 100000 --out t.h5", dir,
            "err.txt");
  ASSERT_TRUE(appears(dir + "/t.h5.tmp-" + std::to_string(a)));
  sleep(1);  // into the tile
  kill(a, SIGTERM);
  ASSERT_TRUE(shows(dir + "/err.txt", "a second signal stops at once"));
  usleep(200000);
  EXPECT_EQ(waitpid(a, nullptr, WNOHANG), 0) << "the first signal waits for the tile in flight";
  kill(a, SIGTERM);
  EXPECT_EQ(wait_for(a), 128 + SIGTERM);
  EXPECT_EQ(files_in(dir), std::vector<std::string>{"err.txt"});
}

// Three points of about a second each; the sweep is interrupted once its first point
// is done, then resumed (with another thread count, which never changes results).
const std::string kSweep = "sweep --vary alpha0=1,0.5,0.25 --trajectories " +
                           std::to_string(scaled(200000)) + " --steps 3000 --seed 3 --out s.h5";

// Starts kSweep in `dir`, sends `sig` once its log shows `when`; its exit status must say
// the signal ended it. Returns what it printed on standard error.
std::string interrupt_sweep(const std::string& dir, const std::string& when, int sig) {
  const pid_t a = spawn(kSweep, dir, "err.txt");
  EXPECT_TRUE(shows(dir + "/err.txt", when));
  kill(a, sig);
  EXPECT_EQ(wait_for(a), 128 + sig);
  return slurp(dir + "/err.txt");
}

TEST(Interrupt, ASweepKeepsItsFinishedPointsAndResumes) {
  const std::string dir = fresh_dir("sweep-interrupt");
  const std::string err = interrupt_sweep(dir, "point 2 of 3", SIGINT);
  EXPECT_NE(err.find("of 3 points: they are kept in s.h5.partial; continue with: "),
            std::string::npos)
      << err;
  EXPECT_NE(err.find(kSweep + " --resume"), std::string::npos) << err;
  ASSERT_EQ(files_in(dir), (std::vector<std::string>{"err.txt", "s.h5.partial"}));

  // What stands in the way, and what cannot be resumed, is refused before any work.
  Result r = run(kSweep, dir);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("s.h5.partial holds the finished points of an interrupted sweep (pass "
                       "--resume to continue it, or --force to start over)"),
            std::string::npos)
      << r.err;
  r = run(kSweep + " --resume --seed 4", dir);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("was made with other settings (point 1: 'seed = 3' there, 'seed = 4' here"),
            std::string::npos)
      << r.err;
  r = run(kSweep + " --resume --out other.h5", dir);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no interrupted sweep to continue (other.h5.partial does not exist)"),
            std::string::npos)
      << r.err;
  write_file(dir + "/bad.h5.partial", "not hdf5\n");
  r = run(kSweep + " --resume --out bad.h5", dir);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bad.h5.partial is not an HDF5 file"), std::string::npos) << r.err;

  r = run(kSweep + " --resume --threads 1", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("finished points kept from s.h5.partial"), std::string::npos) << r.err;
  EXPECT_EQ(files_in(dir), (std::vector<std::string>{"bad.h5.partial", "err.txt", "s.h5"}));

  const std::string whole = fresh_dir("sweep-whole");
  ASSERT_EQ(run(kSweep, whole).status, 0);
  std::vector<std::string> compared;
  // Every dataset is identical but the table, whose last column is wall-clock time.
  EXPECT_EQ(differing_datasets(dir + "/s.h5", whole + "/s.h5", &compared),
            std::vector<std::string>{"/sweep/table"});
  EXPECT_GT(compared.size(), 30u);
  const hid_t fa = H5Fopen((dir + "/s.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t fb = H5Fopen((whole + "/s.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const Array ta = read(fa, "/sweep/table"), tb = read(fb, "/sweep/table");
  ASSERT_EQ(ta.dims, (std::vector<hsize_t>{3, tb.dims[1]}));
  for (hsize_t i = 0; i < 3; ++i)
    for (hsize_t j = 0; j + 1 < ta.dims[1]; ++j)
      EXPECT_EQ(ta.data[i * ta.dims[1] + j], tb.data[i * tb.dims[1] + j]) << i << ", " << j;
  H5Fclose(fa);
  H5Fclose(fb);
}

TEST(Interrupt, ASweepInterruptedBeforeItsFirstPointLeavesNothing) {
  const std::string dir = fresh_dir("sweep-interrupt-early");
  const std::string err = interrupt_sweep(dir, "point 1 of 3", SIGHUP);
  EXPECT_NE(err.find("before the first point finished: nothing was written"), std::string::npos)
      << err;
  EXPECT_EQ(files_in(dir), std::vector<std::string>{"err.txt"});
}

}  // namespace
}  // namespace ngdsim::test
