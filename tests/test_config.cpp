// Settings parsed from text and TOML, and their errors.
#include <gtest/gtest.h>

#include <fstream>

#include "cli/config.hpp"

namespace ngdsim {
namespace {

TEST(Config, ParsesSpecs) {
  const InitDist box = parse_init("box:-1,3", 2);
  EXPECT_EQ(box.kind, InitKind::kBox);
  EXPECT_EQ(box.a, -1.0);
  EXPECT_EQ(box.b, 3.0);
  const InitDist ball = parse_init("ball:0.5@1,1", 2);
  EXPECT_EQ(ball.kind, InitKind::kBall);
  EXPECT_EQ(ball.center[1], 1.0);
  EXPECT_EQ(parse_eps("0.1,0.01"), (std::vector<double>{0.1, 0.01}));
  EXPECT_EQ(parse_record("every:10").kind, RecordSpec::kEvery);
  EXPECT_THROW(parse_init("ball:0.5@1", 2), UsageError);
  EXPECT_THROW(parse_init("normal:0,0", 2), UsageError);
  EXPECT_THROW(parse_record("log:1"), UsageError);
  EXPECT_THROW(parse_eps("0.1,,0.2"), UsageError);
}

std::vector<std::string> varied(const std::string& spec) {
  Config c;
  set_option(c, "vary", spec);
  return c.vary.at(0).second;
}

TEST(Config, SweepRangesExpandToTheirValues) {
  using V = std::vector<std::string>;
  EXPECT_EQ(varied("p=0.3:0.9:0.1"), (V{"0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"}));
  EXPECT_EQ(varied("alpha0=1:2:0.5"), (V{"1", "1.5", "2"}));
  EXPECT_EQ(varied("alpha0=1:2.2:0.5"), (V{"1", "1.5", "2"}));  // STOP not reached
  EXPECT_EQ(varied("sigma=logspace:-8:-2:4"), (V{"1e-08", "1e-06", "0.0001", "0.01"}));
  EXPECT_EQ(varied("param.n=2:5:1"), (V{"2", "3", "4", "5"}));
  EXPECT_EQ(varied("p=0.5,1"), (V{"0.5", "1"}));  // lists as before
  EXPECT_EQ(varied("init=box:-1,1;box:-2,2"), (V{"box:-1,1", "box:-2,2"}));
  for (const char* bad : {"p=1:0:0.1", "p=0:1:0", "p=0:1:-1", "p=0:1e6:0.001", "p=0:x:1",
                          "sigma=logspace:-8:-2:1", "sigma=logspace:-8:-2:2.5"})
    EXPECT_THROW(varied(bad), UsageError) << bad;
}

TEST(Config, TomlThenResolvedTextRoundTrips) {
  const std::string path = testing::TempDir() + "/ngdsim_config_test.toml";
  {
    std::ofstream f(path);
    f << "landscape = \"product\"\noptimizer = \"gd\"\nalpha0 = 0.01\np = 0\n"
         "steps = 100\ntrajectories = 512\neps = [0.1, 0.05]\n[param]\nn = 3\nq = 1\n";
  }
  Config c;
  load_toml_file(c, path);
  resolve(c);
  EXPECT_EQ(c.optimizer, "gd");
  EXPECT_EQ(c.dim, 3);
  EXPECT_EQ(c.eps, (std::vector<double>{0.1, 0.05}));
  // The stored text re-loads to the same configuration.
  {
    std::ofstream f(path);
    f << to_toml(c);
  }
  Config d;
  load_toml_file(d, path);
  resolve(d);
  EXPECT_EQ(to_toml(d), to_toml(c));
}

// Numbers in the stored text as a person writes them (0.1, not 0.10000000000000001), each
// reading back as the same double; strings untouched, floats kept floats.
TEST(Config, StoredTextWritesTheShortestExactNumbers) {
  Config c;
  c.alpha0 = 1.0;
  c.p = 0.1 + 0.2;  // 0.30000000000000004: no shorter text is the same double
  c.eps = {0.1, 1e-5, 0.123456789012};
  c.divergence_bound = 1e300;
  c.out = "run0.10000000000000001.h5";
  resolve(c);
  const std::string text = to_toml(c);
  EXPECT_NE(text.find("alpha0 = 1.0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("p = 0.30000000000000004\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eps = [ 0.1, 1e-05, 0.123456789012 ]"), std::string::npos) << text;
  EXPECT_NE(text.find("divergence_bound = 1e+300\n"), std::string::npos) << text;
  EXPECT_NE(text.find("run0.10000000000000001.h5"), std::string::npos) << text;
  Config d;
  load_toml_text(d, text, "the stored text");
  resolve(d);
  EXPECT_EQ(d.alpha0, c.alpha0);
  EXPECT_EQ(d.p, c.p);
  EXPECT_EQ(d.eps, c.eps);
  EXPECT_EQ(d.divergence_bound, c.divergence_bound);
}

TEST(Config, MalformedTomlNamesTheLine) {
  const std::string path = testing::TempDir() + "/ngdsim_bad.toml";
  {
    std::ofstream f(path);
    f << "steps = 10\n\nalpha0 = = 1\n";
  }
  Config c;
  try {
    load_toml_file(c, path);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ngdsim
