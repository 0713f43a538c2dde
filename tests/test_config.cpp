// Settings parsed from text and TOML, and their errors.
#include <gtest/gtest.h>

#include <fstream>

#include "config.hpp"

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
