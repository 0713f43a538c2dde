// Fuzzing the configuration and command-line parsers with seeded random inputs: 10^5
// per run (NGDSIM_FUZZ_SEED picks another seed), each of which must be accepted or
// refused as invalid input (exit 2: CLI11's parse error or UsageError), never anything
// else: no other exception, no crash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "cli/cli.hpp"
#include "cli/config.hpp"
#include "cli_harness.hpp"

namespace ngdsim::test {
namespace {

const int kInputs = static_cast<int>(scaled(100000));

const std::vector<std::string> kFlags = {"--landscape",
                                         "--optimizer",
                                         "--alpha0",
                                         "--p",
                                         "--rho",
                                         "--sigma",
                                         "--steps",
                                         "--trajectories",
                                         "--seed",
                                         "--init",
                                         "--eps",
                                         "--record",
                                         "--backend",
                                         "--precision",
                                         "--out",
                                         "--sample-paths",
                                         "--threads",
                                         "--tile",
                                         "--divergence-bound",
                                         "--chunk",
                                         "--param",
                                         "--vary",
                                         "--config",
                                         "--force",
                                         "--save-final",
                                         "--bogus",
                                         "-x",
                                         "--",
                                         "--steps=",
                                         "--p=-"};

const std::vector<std::string> kKeys = {"landscape",
                                        "optimizer",
                                        "alpha0",
                                        "p",
                                        "rho",
                                        "sigma",
                                        "steps",
                                        "trajectories",
                                        "seed",
                                        "init",
                                        "eps",
                                        "record",
                                        "backend",
                                        "precision",
                                        "out",
                                        "sample_paths",
                                        "threads",
                                        "tile",
                                        "divergence_bound",
                                        "chunk",
                                        "force",
                                        "save_final",
                                        "param",
                                        "vary",
                                        "bogus",
                                        "n",
                                        "q",
                                        "m"};

// Values chosen to sit on every boundary the parsers check, and some garbage.
const std::vector<std::string> kValues = {"",
                                          "0",
                                          "1",
                                          "-1",
                                          "2",
                                          "3",
                                          "8",
                                          "9",
                                          "256",
                                          "257",
                                          "1024",
                                          "010",
                                          "0x10",
                                          "1e3",
                                          "5e-324",
                                          "1e999",
                                          "-0",
                                          "nan",
                                          "inf",
                                          "-inf",
                                          "0.5",
                                          "1.5",
                                          "9223372036854775807",
                                          "9223372036854775808",
                                          "-9223372036854775808",
                                          "18446744073709551615",
                                          "18446744073709551616",
                                          "4294967295",
                                          "4294967296",
                                          "2147483648",
                                          "1073741824",
                                          "product",
                                          "parabola",
                                          "cubic",
                                          "quadric",
                                          "bilinear",
                                          "cross",
                                          "sphere",
                                          "ngd",
                                          "gd",
                                          "sam",
                                          "perturbed",
                                          "adam",
                                          "cpu",
                                          "cuda",
                                          "emulated",
                                          "auto",
                                          "double",
                                          "float",
                                          "box:-2,2",
                                          "box:2,-2",
                                          "box:1,1",
                                          "box:",
                                          "box:,",
                                          "normal:0,1",
                                          "normal:0,0",
                                          "ball:1@0,0",
                                          "ball:0@0,0",
                                          "ball:1@",
                                          "ball:1@1,2,3",
                                          "ball:1e-300@0,0",
                                          "log:200",
                                          "log:1",
                                          "log:0",
                                          "every:1",
                                          "every:0",
                                          "every:7",
                                          "list:0,10",
                                          "list:",
                                          "list:-1",
                                          "list:99999999999",
                                          "0.1,0.01",
                                          "0.1,,0.01",
                                          ",",
                                          "n=2",
                                          "n=9",
                                          "q=1",
                                          "q=3",
                                          "m=3",
                                          "m=0",
                                          "A=random",
                                          "A=1,2,3,4",
                                          "A=1,2,2,4",
                                          "a=1",
                                          "b=4",
                                          "a=2",
                                          "b=2",
                                          "p=0,0.5",
                                          "p=",
                                          "=1",
                                          "init=box:-1,1;box:-2,2",
                                          "param.n=2,3",
                                          "alpha0=0",
                                          "o.h5",
                                          "/dev/null",
                                          ".",
                                          "true",
                                          "false",
                                          "yes",
                                          "\xff\xfe",
                                          "\xe2\x82\xac",
                                          std::string(300, 'a'),
                                          "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
                                          "--steps",
                                          "-"};

// A TOML value of a random type.
std::string toml_value(std::mt19937_64& rng) {
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  switch (rng() % 8) {
    case 0:
      return std::to_string(static_cast<long long>(rng()) >> (rng() % 64));
    case 1:
      return std::to_string(std::ldexp(static_cast<double>(rng() % 1000), int(rng() % 80) - 40));
    case 2:
      return rng() % 2 ? "true" : "false";
    case 3: {
      std::string s = pick(kValues);
      std::string quoted;
      for (char ch : s)
        quoted += (ch == '"' || ch == '\\') ? std::string("\\") + ch : std::string(1, ch);
      return "\"" + quoted + "\"";
    }
    case 4:
      return "[" + toml_value(rng) + ", " + toml_value(rng) + "]";
    case 5:
      return "[[1, 2], [3, 4]]";
    case 6:
      return "{ n = " + toml_value(rng) + " }";
    default:
      return pick(kValues);  // often not TOML at all
  }
}

std::string toml_document(std::mt19937_64& rng) {
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  std::string doc;
  const int lines = static_cast<int>(rng() % 6);
  for (int i = 0; i < lines; ++i) {
    if (rng() % 7 == 0) doc += "[" + pick({"param", "vary", "bogus", "param.x"}) + "]\n";
    doc += pick(kKeys) + " = " + toml_value(rng) + "\n";
  }
  if (rng() % 5 == 0 && !doc.empty()) doc.resize(rng() % doc.size());  // truncated
  if (rng() % 9 == 0)
    doc.insert(doc.begin() + static_cast<long>(rng() % (doc.size() + 1)),
               static_cast<char>(rng() % 256));
  return doc;
}

std::vector<std::string> arguments(std::mt19937_64& rng, const std::string& toml_path) {
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  std::vector<std::string> args = {"ngdsim"};
  const int sub = static_cast<int>(rng() % 12);
  if (sub < 5)
    args.push_back("run");
  else if (sub < 9)
    args.push_back("sweep");
  else if (sub == 9)
    args.push_back(pick({"list", "info", "runs", ""}));
  const int tokens = static_cast<int>(rng() % 7);
  for (int i = 0; i < tokens; ++i) {
    const std::string flag = pick(kFlags);
    args.push_back(flag);
    if (flag == "--config")
      args.push_back(pick({toml_path, toml_path, ".", "/dev/zero", "/nonexistent.toml", ""}));
    else if (rng() % 8)
      args.push_back(pick(kValues));
  }
  return args;
}

TEST(Fuzz, EveryGeneratedInputIsAcceptedOrRefusedAsInvalid) {
  const char* seed_text = std::getenv("NGDSIM_FUZZ_SEED");
  const std::uint64_t seed = seed_text ? std::strtoull(seed_text, nullptr, 10) : 20261123;
  std::mt19937_64 rng(seed);
  const std::string dir = fresh_dir("fuzz");
  const std::string toml_path = dir + "/fuzz.toml";
  int accepted = 0, refused = 0, failures = 0;
  for (int i = 0; i < kInputs && failures < 5; ++i) {
    const bool toml = rng() % 10 < 3;
    std::string what;
    try {
      if (toml) {
        const std::string doc = toml_document(rng);
        what = "TOML:\n" + doc;
        std::ofstream(toml_path, std::ios::trunc) << doc;
        Config c;
        load_toml_file(c, toml_path);
        resolve(c);
      } else {
        if (rng() % 4 == 0) std::ofstream(toml_path, std::ios::trunc) << toml_document(rng);
        const std::vector<std::string> args = arguments(rng, toml_path);
        what = "argv:";
        for (const auto& a : args) what += " '" + a + "'";
        std::vector<const char*> argv;
        for (const auto& a : args) argv.push_back(a.c_str());
        CommandLine cli;
        cli.app.parse(static_cast<int>(argv.size()), const_cast<char**>(argv.data()));
        if (cli.app.got_subcommand("run") || cli.app.got_subcommand("sweep")) cli.config();
      }
      ++accepted;
    } catch (const CLI::ParseError&) {
      ++refused;
    } catch (const UsageError&) {
      ++refused;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "input " << i << " (seed " << seed << ") threw " << typeid(e).name() << ": "
                    << e.what() << "\n"
                    << what;
      ++failures;
    }
  }
  std::cout << accepted << " accepted, " << refused << " refused as invalid input\n";
  EXPECT_EQ(accepted + refused, kInputs);
  EXPECT_GT(accepted, kInputs / 100);  // the generator reaches valid configurations too
  EXPECT_GT(refused, kInputs / 2);
}

}  // namespace
}  // namespace ngdsim::test
