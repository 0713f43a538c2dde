// ngdsim command line: run, list, info (../shared/spec/cli.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>

#include "config.hpp"
#include "h5_util.hpp"
#include "registry.hpp"
#include "run.hpp"
#include "sweep.hpp"

namespace {

using namespace ngdsim;

// Flag name -> configuration key, in the order of cli.md.
const std::vector<std::pair<std::string, std::string>> kRunOptions = {
    {"--landscape", "landscape"},
    {"--optimizer", "optimizer"},
    {"--alpha0", "alpha0"},
    {"--p", "p"},
    {"--rho", "rho"},
    {"--sigma", "sigma"},
    {"--steps", "steps"},
    {"--trajectories", "trajectories"},
    {"--seed", "seed"},
    {"--init", "init"},
    {"--eps", "eps"},
    {"--record", "record"},
    {"--backend", "backend"},
    {"--precision", "precision"},
    {"--out", "out"},
    {"--sample-paths", "sample_paths"},
    {"--threads", "threads"},
    {"--tile", "tile"},
    {"--divergence-bound", "divergence_bound"},
    {"--chunk", "chunk"},
};

const std::map<std::string, std::string> kHelp = {
    {"--landscape", "product, parabola, cubic, quadric, bilinear, cross (see `ngdsim list`)"},
    {"--optimizer", "ngd, gd, sam, perturbed"},
    {"--alpha0", "step-size scale alpha0 > 0 (the step of GD when p = 0)"},
    {"--p", "step-size exponent p >= 0: alpha_k = alpha0/(k+1)^p"},
    {"--rho", "SAM radius (sam optimizer)"},
    {"--sigma", "perturbation scale (perturbed optimizer)"},
    {"--steps", "number of steps K >= 1"},
    {"--trajectories", "number of trajectories N >= 1"},
    {"--seed", "random seed (unsigned 64-bit)"},
    {"--init", "box:LO,HI | normal:MEAN,SIGMA | ball:R@X1,X2,..."},
    {"--eps", "distance thresholds E1,E2,... (the first is the main one)"},
    {"--record", "record schedule: log:R | every:S | list:K1,K2,..."},
    {"--backend",
     "auto (CUDA when a device is visible) | cpu | cuda | emulated (the CUDA kernels run "
     "on the CPU: a slow testing aid, never chosen by auto)"},
    {"--precision", "double | float"},
    {"--out", "output HDF5 file (default ngdsim-out.h5)"},
    {"--sample-paths", "number of whole paths kept for pictures (default 64)"},
    {"--threads", "CPU threads (0: all cores); never changes the results"},
    {"--tile", "trajectories per CPU work unit, a multiple of 256; never changes the results"},
    {"--divergence-bound", "a trajectory with |x_i| beyond this has diverged (default 1e6)"},
    {"--chunk",
     "cuda and emulated: trajectories per chunk, 256 * 2^m (0: sized from free memory); "
     "never changes the results"},
};

int list_command() {
  std::cout << "landscapes (f = |g|^q):\n";
  for (const auto& l : landscapes()) {
    std::cout << "  " << l.name << ": " << l.description << "\n";
    for (const auto& p : l.params)
      std::cout << "      param " << p.name << " in " << p.range << " (default " << p.fallback
                << "): " << p.description << "\n";
  }
  std::cout << "optimizers (alpha_k = alpha0/(k+1)^p):\n";
  for (const auto& o : optimizers())
    std::cout << "  " << o.name << ": " << o.description << "\n      settings: " << o.settings
              << "\n";
  return 0;
}

int print_info(const std::string& path);

int info_command(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw UsageError("invalid file '" + path + "': no such file");
  if (!std::filesystem::is_regular_file(path, ec) || H5Fis_hdf5(path.c_str()) <= 0)
    throw UsageError("invalid file '" + path + "': not an HDF5 file");
  // Whatever cannot be read (a truncated file, a missing group or dataset) is a bad
  // input file, not a failure of ngdsim.
  try {
    return print_info(path);
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    throw UsageError("invalid file '" + path + "': not a complete ngdsim output (" + e.what() +
                     ")");
  }
}

int print_info(const std::string& path) {
  auto file = h5::open_file(path);
  if (H5Lexists(file, "/sweep", H5P_DEFAULT) > 0) {
    // A sweep: its configuration, then each point's label and summary.
    auto sweep = h5::open_group(file, "/sweep");
    std::cout << "# sweep configuration\n" << h5::read_string(sweep, "config");
    for (int i = 0;; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "/points/%03d", i);
      if (H5Lexists(file, name, H5P_DEFAULT) <= 0) break;
      auto point = h5::open_group(file, name);
      std::cout << "# point " << i;
      for (const auto& line : h5::describe_attributes(point)) std::cout << " (" << line << ")";
      std::cout << "\n";
      auto summary = h5::open_group(point, "summary");
      for (const auto& line : h5::describe_attributes(summary)) std::cout << line << "\n";
    }
    return 0;
  }
  if (H5Lexists(file, "/summary", H5P_DEFAULT) <= 0 ||
      H5Lexists(file, "/parameters", H5P_DEFAULT) <= 0)
    throw UsageError("invalid file '" + path + "': not an ngdsim output (no /summary)");
  auto params = h5::open_group(file, "/parameters");
  std::cout << "# configuration\n" << h5::read_string(params, "config");
  std::cout << "# summary\n";
  auto summary = h5::open_group(file, "/summary");
  for (const auto& line : h5::describe_attributes(summary)) std::cout << line << "\n";
  return 0;
}

// The options of `run` and `sweep` (same names; sweep adds --vary).
struct RunFlags {
  std::map<std::string, std::string> values;
  std::vector<std::string> params, vary;
  std::string config_file;
  bool force = false, save_final = false;
};

void add_run_options(CLI::App* cmd, RunFlags& f) {
  // A flag given twice takes its last value, so scripts can append overrides.
  for (const auto& [flag, key] : kRunOptions)
    cmd->add_option(flag, f.values[key], kHelp.at(flag))
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cmd->add_option("--param", f.params, "landscape parameter KEY=VALUE (repeatable)");
  cmd->add_option("--config", f.config_file, "TOML configuration file (flags override it)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cmd->add_flag("--force", f.force, "overwrite an existing output file");
  cmd->add_flag("--save-final", f.save_final, "store per-trajectory final state");
}

Config config_from(const CLI::App* cmd, RunFlags& f) {
  Config c;
  if (!f.config_file.empty()) load_toml_file(c, f.config_file);
  for (const auto& [flag, key] : kRunOptions)
    if (cmd->count(flag) > 0) set_option(c, key, f.values[key]);
  for (const auto& p : f.params) set_option(c, "param", p);
  if (!f.vary.empty()) {
    c.vary.clear();  // flags replace the file's [vary]
    for (const auto& v : f.vary) set_option(c, "vary", v);
  }
  if (f.force) c.force = true;
  if (f.save_final) c.save_final = true;
  resolve(c);
  return c;
}

// The summary reached standard output (not a full disk or a closed pipe): else exit 1,
// although the output file is complete.
int summary_written(const Config& c) {
  std::cout.flush();
  if (std::cout) return 0;
  std::cerr << "ngdsim: failed: cannot write the summary to standard output (the results are in "
            << c.out << ")\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  // HDF5's exit handler closes what is still open, and crashes on a file whose writes
  // failed (HDF5 1.10). Files are closed explicitly (a failed close is an error), and a
  // failed file's temporary name is removed, so nothing needs closing at exit.
  H5dont_atexit();
  CLI::App app{"ngdsim: Monte Carlo study of where normalized gradient descent ends up"};
  app.require_subcommand(1);

  RunFlags run_flags, sweep_flags;
  auto* run = app.add_subcommand("run", "run one study");
  add_run_options(run, run_flags);
  auto* sweep = app.add_subcommand("sweep", "run one study over a list or grid of settings");
  add_run_options(sweep, sweep_flags);
  sweep->add_option("--vary", sweep_flags.vary,
                    "KEY=V1,V2,... with KEY one of p, alpha0, rho, sigma, init, param.NAME; "
                    "once or twice (a grid); values with commas are separated by ';'");

  app.add_subcommand("list", "landscapes, optimizers, their parameters and ranges");
  auto* info = app.add_subcommand("info", "the stored configuration and summary of a run");
  std::string info_path;
  info->add_option("file", info_path, "an ngdsim HDF5 file")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "ngdsim: error: " << e.what() << "\n";
    return 2;
  }

  try {
    if (app.got_subcommand("list")) return list_command();
    if (app.got_subcommand("info")) return info_command(info_path);
    if (app.got_subcommand("sweep")) {
      const Config c = config_from(sweep, sweep_flags);
      run_sweep(c, std::cout, std::cerr);
      return summary_written(c);
    }
    const Config c = config_from(run, run_flags);
    if (!c.vary.empty())
      throw UsageError("invalid vary: a [vary] table is for `ngdsim sweep`, not `ngdsim run`");
    run_study(c, std::cout, std::cerr);
    return summary_written(c);
  } catch (const UsageError& e) {
    std::cerr << "ngdsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ngdsim: failed: " << e.what() << "\n";
    return 1;
  }
}
