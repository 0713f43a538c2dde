// ngdsim: run, sweep, merge, export, list, info (the parser is host/cli/cli.hpp).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>

#include "cli/cli.hpp"
#include "cli/config.hpp"
#include "cli/registry.hpp"
#include "io/export_csv.hpp"
#include "io/h5_util.hpp"
#include "io/provenance.hpp"
#include "study/interrupt.hpp"
#include "study/mpi_run.hpp"
#include "study/run.hpp"
#include "study/shard.hpp"
#include "study/sweep.hpp"

namespace {

using namespace ngdsim;

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

// For arguments CLI11 did not expect: the first unknown option, and the closest option
// of the subcommand it was given to.
std::string unknown_option_hint(const CommandLine& cli, const CLI::ParseError& e) {
  const auto* extras = dynamic_cast<const CLI::ExtrasError*>(&e);
  if (!extras) return "";
  const std::vector<CLI::App*> given = cli.app.get_subcommands();
  if (given.empty()) return "";
  for (const std::string& arg : given.back()->remaining()) {
    if (arg.rfind("--", 0) != 0) continue;
    const std::string name = arg.substr(0, arg.find('='));
    std::vector<std::string> known;
    for (const CLI::Option* o : given.back()->get_options())
      for (const std::string& l : o->get_lnames()) known.push_back("--" + l);
    return "unknown option '" + name + "'" + did_you_mean(name, known) + ". ";
  }
  return "";
}

// Under MPI every rank parses and validates alike: a refusal is printed by rank 0 only; a
// failure or a stop names its rank, and once the ranks depend on each other ends them all.
static int report(int status, const std::string& line, bool usage, bool stopped = false) {
  const bool ranks = mpi::spread();
  if (!ranks || mpi::rank() == 0 || !usage)
    std::cerr << "ngdsim: " << (ranks && !usage ? "rank " + std::to_string(mpi::rank()) + ": " : "")
              << line << "\n";
  if (ranks && mpi::communicating()) return stopped ? mpi::settle(status) : (mpi::abort(status), 0);
  return status;
}

static int run_command(int argc, char** argv) {
  CommandLine cli;
  try {
    cli.app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return cli.app.exit(e);
    return report(2, std::string("error: ") + unknown_option_hint(cli, e) + e.what(), true);
  }

  try {
    if (cli.app.got_subcommand("list")) return list_command();
    if (cli.app.got_subcommand("info")) return info_command(cli.info_path);
    if (cli.app.got_subcommand("export")) {
      export_csv(cli.export_path, cli.export_csv_dir, cli.export_force, std::cout);
      std::cout.flush();
      return std::cout ? 0 : 1;
    }
    if (cli.app.got_subcommand("merge")) {
      merge_shards(cli.merge_paths, cli.merge_out, cli.merge_force, std::cout);
      std::cout.flush();
      return std::cout ? 0 : 1;
    }
    const Config c = cli.config();
    if (cli.app.got_subcommand("sweep"))
      run_sweep(c, std::cout, std::cerr);
    else
      run_study(c, std::cout, std::cerr);
    return summary_written(c);
  } catch (const UsageError& e) {
    return report(2, std::string("error: ") + e.what(), true);
  } catch (const Interrupted& e) {
    // The status a shell reports for a process the signal ended.
    return report(128 + e.signal, e.what(), mpi::rank() != 0, true);
  } catch (const std::exception& e) {
    return report(1, std::string("failed: ") + e.what(), false);
  }
}

int main(int argc, char** argv) {
  // HDF5's exit handler closes what is still open, and crashes on a file whose writes
  // failed (HDF5 1.10). Files are closed explicitly (a failed close is an error), and a
  // failed file's temporary name is removed, so nothing needs closing at exit.
  H5dont_atexit();
  install_stop_handlers();
  record_start_time();
  record_command_line(argc, argv);
  try {
    mpi::init(&argc, &argv);
  } catch (const UsageError& e) {
    std::cerr << "ngdsim: error: " << e.what() << "\n";
    return 2;
  }
  const int status = run_command(argc, argv);
  mpi::finalize();
  return status;
}
