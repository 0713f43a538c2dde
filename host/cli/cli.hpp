// The command line of `ngdsim` (run, sweep, merge, export, list, info): the CLI11 application and
// the translation of its flags into a resolved configuration. main() runs what it
// parsed; the parser fuzz test drives the same code.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

#include "cli/config.hpp"

namespace ngdsim {

// The options of `run` and `sweep` as parsed (same names; sweep adds --vary).
struct RunFlags {
  std::map<std::string, std::string> values;
  std::vector<std::string> params, vary;
  std::string config_file, shard, checkpoint;
  bool force = false, save_final = false, resume = false;
};

class CommandLine {
 public:
  CommandLine();
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // The resolved configuration of the parsed `run` or `sweep`: the TOML file, then the
  // flags. UsageError for anything invalid.
  Config config();

  CLI::App app{"ngdsim: Monte Carlo study of where normalized gradient descent ends up"};
  RunFlags run_flags, sweep_flags;
  std::string info_path;
  // ngdsim export FILE --csv DIR [--force]
  std::string export_path, export_csv_dir;
  bool export_force = false;
  // ngdsim merge SHARD... --out FILE [--force]
  std::vector<std::string> merge_paths;
  std::string merge_out;
  bool merge_force = false;

 private:
  CLI::App* run_ = nullptr;
  CLI::App* sweep_ = nullptr;
};

}  // namespace ngdsim
