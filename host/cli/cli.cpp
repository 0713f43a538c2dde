#include "cli/cli.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <utility>

#include "cli/registry.hpp"
#include "io/output.hpp"
#include "io/provenance.hpp"

namespace ngdsim {

namespace {

// Flag name -> configuration key, in the order `ngdsim run --help` lists them.
const std::vector<std::pair<std::string, std::string>> kRunOptions = {
    {"--landscape", "landscape"},
    {"--optimizer", "optimizer"},
    {"--alpha0", "alpha0"},
    {"--p", "p"},
    {"--rho", "rho"},
    {"--sigma", "sigma"},
    {"--wd", "wd"},
    {"--fit-tol", "fit_tol"},
    {"--tau", "tau"},
    {"--escape-radius", "escape_radius"},
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
    {"--landscape",
     "product, parabola, cubic, quadric, bilinear, cross, bnreg, msense (see `ngdsim list`)"},
    {"--optimizer", "ngd, gd, sam, perturbed, ipgd (= perturbed), gdwd (bnreg only)"},
    {"--alpha0", "step-size scale alpha0 > 0 (the step of GD when p = 0)"},
    {"--p", "step-size exponent p >= 0: alpha_k = alpha0/(k+1)^p"},
    {"--rho", "SAM radius (sam optimizer)"},
    {"--sigma", "perturbation scale (perturbed optimizer)"},
    {"--wd", "weight decay lambda >= 0 with alpha0 * lambda < 1 (gdwd optimizer)"},
    {"--fit-tol",
     "bnreg, msense: the loss below which a trajectory has fitted the data (default 1e-6 on "
     "bnreg, 1e-10 on msense)"},
    {"--tau", "msense: thresholds T1,T2,... (at most 4) on lam_next: low rank where lam_next <= T"},
    {"--escape-radius",
     "msense: R > 0; a trajectory has escaped the saddle at 0 once |U|_F >= R |U*|_F"},
    {"--steps", "number of steps K >= 1"},
    {"--trajectories", "number of trajectories N >= 1"},
    {"--seed", "random seed (unsigned 64-bit)"},
    {"--init", "box:LO,HI | normal:MEAN,SIGMA | ball:R@X1,X2,... | sphere:R | zero"},
    {"--eps", "distance thresholds E1,E2,... (the first is the main one)"},
    {"--record", "record schedule: log:R | every:S | list:K1,K2,..."},
    {"--backend",
     "auto (CUDA when a device is visible) | cpu | cuda | emulated (the CUDA kernels run "
     "on the CPU: a slow testing aid, never chosen by auto)"},
    {"--precision", "double | float"},
    {"--out", "output HDF5 file"},
    {"--sample-paths", "number of whole paths kept for pictures"},
    {"--threads",
     "CPU threads, 0 to 256 (0: all cores; with --backend emulated, the threads that run "
     "blocks); never changes the results"},
    {"--tile",
     "trajectories per CPU work unit, a multiple of 256 up to 2^20; never changes the results"},
    {"--divergence-bound", "a trajectory with |x_i| beyond this has diverged"},
    {"--chunk",
     "cuda and emulated: trajectories per chunk, 256 * 2^m (0: sized from free memory); "
     "never changes the results"},
};

// What --help shows for each option: the kind of value and its default (from Config).
std::map<std::string, std::pair<std::string, std::string>> help_shapes() {
  const Config d;
  auto g = [](double x) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", x);
    return std::string(b);
  };
  std::string eps;
  for (double e : d.eps) eps += (eps.empty() ? "" : ",") + g(e);
  std::string tau;
  for (double e : d.tau) tau += (tau.empty() ? "" : ",") + g(e);
  const auto i = [](std::int64_t v) { return std::to_string(v); };
  return {
      {"--landscape", {"NAME", d.landscape}},
      {"--optimizer", {"NAME", d.optimizer}},
      {"--alpha0", {"X", g(d.alpha0)}},
      {"--p", {"X", g(d.p)}},
      {"--rho", {"X", g(d.rho)}},
      {"--sigma", {"X", g(d.sigma)}},
      {"--wd", {"X", g(d.wd)}},
      {"--fit-tol", {"X", "by landscape"}},
      {"--tau", {"T1,...", tau}},
      {"--escape-radius", {"R", g(d.escape_radius)}},
      {"--steps", {"K", i(d.steps)}},
      {"--trajectories", {"N", i(d.trajectories)}},
      {"--seed", {"S", std::to_string(d.seed)}},
      {"--init", {"SPEC", d.init}},
      {"--eps", {"E1,E2,...", eps}},
      {"--record", {"SPEC", d.record}},
      {"--backend", {"B", d.backend}},
      {"--precision", {"P", d.precision}},
      {"--out", {"FILE", d.out}},
      {"--sample-paths", {"S", i(d.sample_paths)}},
      {"--threads", {"T", i(d.threads)}},
      {"--tile", {"T", i(d.tile)}},
      {"--divergence-bound", {"B", g(d.divergence_bound)}},
      {"--chunk", {"C", i(d.chunk)}},
  };
}

void add_run_options(CLI::App* cmd, RunFlags& f) {
  // A flag given twice takes its last value, so scripts can append overrides.
  const auto shapes = help_shapes();
  for (const auto& [flag, key] : kRunOptions)
    cmd->add_option(flag, f.values[key], kHelp.at(flag))
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
        ->type_name(shapes.at(flag).first)
        ->default_str(shapes.at(flag).second);
  cmd->add_option("--param", f.params, "landscape parameter KEY=VALUE (repeatable)")
      ->type_name("KEY=VALUE");
  cmd->add_option("--config", f.config_file, "TOML configuration file (flags override it)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->type_name("FILE");
  cmd->add_flag("--force", f.force, "overwrite an existing output file");
  cmd->add_flag("--save-final", f.save_final, "store per-trajectory final state");
}

// --shard I/M: 0 <= I < M, and for a run at least one leaf of kLeafSize trajectories per
// shard (a sweep checks M against its number of points).
void set_shard(Config& c, const std::string& text, bool sweep) {
  const std::int64_t leaves = sweep ? std::numeric_limits<std::int64_t>::max()
                                    : (c.trajectories + kLeafSize - 1) / kLeafSize;
  const std::string allowed =
      sweep ? std::string("I/M with 0 <= I < M (I counts from 0; M at most the sweep's points)")
            : "I/M with 0 <= I < M <= " + std::to_string(leaves) +
                  " (I counts from 0; every shard holds at least one leaf of " +
                  std::to_string(kLeafSize) + " trajectories)";
  const auto slash = text.find('/');
  std::int64_t i = -1, m = -1;
  try {
    std::size_t a = 0, b = 0;
    if (slash != std::string::npos) {
      i = std::stoll(text.substr(0, slash), &a);
      m = std::stoll(text.substr(slash + 1), &b);
    }
    if (a != slash || b != text.size() - slash - 1) i = -1;
  } catch (const std::exception&) {
    i = -1;
  }
  if (i < 0 || m < 1 || i >= m || m > leaves)
    throw UsageError("invalid shard '" + text + "': allowed " + allowed);
  c.shard_index = i;
  c.shard_count = m;
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
  if (f.resume) c.resume = true;
  resolve(c);
  if (!f.shard.empty()) set_shard(c, f.shard, cmd->get_name() == "sweep");
  if (!f.checkpoint.empty()) {
    char* end = nullptr;
    const double v = std::strtod(f.checkpoint.c_str(), &end);
    if (end == f.checkpoint.c_str() || *end != '\0' || !(v >= 0.0) || !std::isfinite(v))
      throw UsageError("invalid checkpoint '" + f.checkpoint +
                       "': allowed seconds >= 0 between checkpoints (0: only on SIGINT/SIGTERM)");
    c.checkpoint = v;
  }
  if (c.resume && c.shard_count > 0)
    throw UsageError("invalid resume: a shard is rerun whole, not resumed (drop --resume)");
  return c;
}

}  // namespace

CommandLine::CommandLine() {
  app.require_subcommand(1);
  app.set_version_flag("--version", version_line());
  run_ = app.add_subcommand("run", "run one study");
  add_run_options(run_, run_flags);
  run_->add_option("--checkpoint", run_flags.checkpoint,
                   "seconds between saves of OUT.checkpoint (0: only on SIGINT, SIGTERM or SIGHUP)")
      ->type_name("SECONDS")
      ->default_str(std::to_string(static_cast<int>(Config().checkpoint)));
  run_->add_flag("--resume", run_flags.resume,
                 "continue an interrupted run from OUT.checkpoint (the settings must be the "
                 "same; threads, tile, chunk and backend may differ)");
  run_->add_option("--shard", run_flags.shard,
                   "I/M: run only the I-th (from 0) of M equal trajectory ranges and write a "
                   "shard file; `ngdsim merge` combines the M shards")
      ->type_name("I/M");
  sweep_ = app.add_subcommand("sweep", "run one study over a list or grid of settings");
  add_run_options(sweep_, sweep_flags);
  sweep_
      ->add_option("--vary", sweep_flags.vary,
                   "KEY=V1,V2,... with KEY one of p, alpha0, rho, sigma, wd, fit_tol, init, "
                   "param.NAME, "
                   "optimizer, landscape (a name with its own settings: sam(rho=0.05), "
                   "product(n=3,q=1)); once or twice (a grid); values with commas are "
                   "separated by ';'; or KEY=START:STOP:STEP, KEY=logspace:A:B:N")
      ->type_name("KEY=VALUES");
  sweep_
      ->add_option("--shard", sweep_flags.shard,
                   "I/M: run only the I-th (from 0) of M equal ranges of the points and write "
                   "a sweep shard file; `ngdsim merge` combines the M shards into the sweep file")
      ->type_name("I/M");
  sweep_->add_flag("--resume", sweep_flags.resume,
                   "continue an interrupted sweep: keep the finished points saved in OUT.partial "
                   "(the settings must be the same)");
  auto* merge = app.add_subcommand(
      "merge", "combine the shard files of one study or sweep (--shard) into its output file");
  merge->add_option("shards", merge_paths, "every shard file of the study or sweep, in any order")
      ->required();
  merge->add_option("--out", merge_out, "output HDF5 file")->required();
  merge->add_flag("--force", merge_force, "overwrite an existing output file");
  auto* exporter = app.add_subcommand(
      "export", "a run's or a sweep's results as tidy CSV files (summary.csv, steps.csv)");
  exporter->add_option("file", export_path, "an ngdsim HDF5 file (run, sweep or merged)")
      ->required();
  exporter->add_option("--csv", export_csv_dir, "folder for summary.csv and steps.csv")
      ->type_name("DIR")
      ->required();
  exporter->add_flag("--force", export_force, "replace summary.csv and steps.csv in DIR");
  app.add_subcommand("list", "landscapes, optimizers, their parameters and ranges");
  auto* info = app.add_subcommand(
      "info", "the stored configuration and summary of a run, a sweep (each point) or a shard");
  info->add_option("file", info_path, "an ngdsim HDF5 file")->required();
}

Config CommandLine::config() {
  if (app.got_subcommand(sweep_)) return config_from(sweep_, sweep_flags);
  const Config c = config_from(run_, run_flags);
  if (!c.vary.empty())
    throw UsageError("invalid vary: a [vary] table is for `ngdsim sweep`, not `ngdsim run`");
  return c;
}

}  // namespace ngdsim
