// The resolved configuration of a run: defaults, then a TOML file, then flags.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ngdsim/init.hpp"

namespace ngdsim {

// Invalid input: reported as one line, exit status 2, nothing written.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Scheduling limits: more threads than any machine's cores buy nothing (and OpenMP
// fails long before 10^6); a tile is indexed with int and held whole in memory.
inline constexpr std::int64_t kMaxThreads = 256;
inline constexpr std::int64_t kMaxTile = std::int64_t{1} << 20;

struct RecordSpec {
  enum Kind { kLog, kEvery, kList } kind = kLog;
  std::int64_t value = 200;
  std::vector<std::int64_t> list;
};

struct Config {
  std::string landscape = "product";
  std::map<std::string, std::string> param;  // as given; interpreted by the landscape registry
  std::string optimizer = "ngd";
  double alpha0 = 1.0;
  double p = 0.5;
  double rho = 0.05;
  double sigma = 0.01;
  double wd = 0.0;  // gdwd's weight decay lambda, 0 <= alpha0 wd < 1
  // bnreg, msense: a trajectory has fitted the data where the loss < fit_tol; 0 until
  // resolve() sets the landscape's default (bnreg 1e-6, msense 1e-10).
  double fit_tol = 0.0;
  std::vector<double> tau = {1e-2, 1e-4};  // msense: thresholds on lam_next (low rank)
  double escape_radius = 0.1;              // msense: escaped once |U|_F >= this |U*|_F
  std::int64_t steps = 5000;
  std::int64_t trajectories = 1000000;
  std::uint64_t seed = 20260208;
  std::string init = "box:-2,2";
  std::vector<double> eps = {0.1, 0.01, 0.001};
  std::string record = "log:200";
  std::string backend = "auto";
  std::string precision = "double";
  std::string out = "ngdsim-out.h5";
  bool force = false;
  bool resume = false;  // run and sweep --resume (a command-line flag, never in TOML)
  bool save_final = false;
  std::int64_t sample_paths = 64;
  // CPU scheduling; they never change the statistics (tests check that).
  std::int64_t threads = 0;  // 0: OpenMP's default
  std::int64_t tile = 1024;  // trajectories per work unit, a multiple of kLeafSize
  // CUDA scheduling: trajectories per chunk (256 * 2^m), 0 = sized from free memory.
  std::int64_t chunk = 0;
  double divergence_bound = 1e6;
  // ngdsim run --shard I/M: the I-th (from 0) of M tree-aligned trajectory ranges, written
  // as a shard file for `ngdsim merge` (a command-line flag, never in TOML). 0: no shards.
  std::int64_t shard_index = 0, shard_count = 0;
  // The CUDA device a run uses (an MPI rank's: its local rank modulo the devices).
  int device_index = 0;
  // ngdsim run --checkpoint SECONDS: how often the CPU path saves OUT.checkpoint (0:
  // only on SIGINT/SIGTERM); --resume continues from it. Flags, never in TOML.
  double checkpoint = 300.0;
  // ngdsim sweep: one or two settings and their values (a grid when two).
  std::vector<std::pair<std::string, std::vector<std::string>>> vary;

  // Derived by resolve().
  int dim = 0;
  InitDist init_dist;
  RecordSpec record_spec;
};

// Each setter-from-text validates and throws UsageError naming the setting.
void set_option(Config& c, const std::string& key, const std::string& value);
void load_toml_file(Config& c, const std::string& path);
// The same for TOML text; `origin` names it in messages.
void load_toml_text(Config& c, const std::string& text, const std::string& origin);
// Checks cross-setting constraints and fills the derived fields.
void resolve(Config& c);

// A swept optimizer or landscape value, NAME or NAME(KEY=V,KEY=V,...): the name and its
// own settings; nothing when the text is malformed.
struct NamedValue {
  std::string name;
  std::vector<std::pair<std::string, std::string>> settings;
};
std::optional<NamedValue> split_named_value(const std::string& text);
// The full resolved configuration as TOML text (stored in every output file).
std::string to_toml(const Config& c);
// The first line where two configuration texts differ, as "'OURS' where WHERE has
// 'THEIRS'" (a missing line reads "(nothing)"); "" when they are the same.
std::string first_differing_line(const std::string& theirs, const std::string& ours,
                                 const std::string& where);
// One line: landscape, optimizer, schedule, N, K.
std::string one_line(const Config& c);

// " (did you mean 'X'?)" for the closest of `known` to a misspelled `word`, or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& known);
// The keys of a configuration file (and of set_option).
const std::vector<std::string>& setting_names();

InitDist parse_init(const std::string& spec, int dim);
RecordSpec parse_record(const std::string& spec);
std::vector<double> parse_eps(const std::string& spec);

}  // namespace ngdsim
