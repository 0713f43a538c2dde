// Runs the ngdsim program and reads its HDF5 files back with the HDF5 C API.
#pragma once

#include <hdf5.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace ngdsim::test {

struct Result {
  int status;
  std::string out, err;
};

// A test's size: n, or n / divisor in CI's sanitizer pass (NGDSIM_TEST_SCALE=sanitize),
// whose instrumented, unvectorized program runs 40 (parsers) to 300 (the CPU path's
// steps) times slower; the checks stay the same. Runs whose length serves only to keep
// them in flight, or whose answer holds at any size, take divisor 100.
long long scaled(long long n, long long divisor = 10);
// The ngdsim program under test: $NGDSIM_EXE, else the one built beside the tests.
std::string exe();
// Runs `ngdsim ARGS` (a shell word list) in `dir`, with `env` (VAR=value ...) set.
Result run(const std::string& args, const std::string& dir, const std::string& env = "");
// A new empty folder in the temporary directory, removed when the process exits
// (unless NGDSIM_KEEP_TEST_DIRS=1).
std::string fresh_dir(const std::string& name);
bool exists(const std::string& path);
// Starts `ngdsim ARGS` in `dir` as a child of this process; standard error goes to
// `err_file` (in `dir`) when given, else everything is discarded.
pid_t spawn(const std::string& args, const std::string& dir, const std::string& err_file = "");
// Exit status, or 128 + the signal that ended it.
int wait_for(pid_t pid);
// Waits until `path` exists, at most 30 s.
bool appears(const std::string& path);
// Waits until the file at `path` contains `text`, at most 60 s.
bool shows(const std::string& path, const std::string& text);
// Waits until a run has claimed its output (NAME.lock exists).
bool claimed(const std::string& path);
// The names in a folder, sorted.
std::vector<std::string> files_in(const std::string& dir);
std::string slurp(const std::string& path);
void write_file(const std::string& path, const std::string& text);

struct Array {
  std::vector<hsize_t> dims;
  std::vector<double> data;  // converted to double
};
Array read(hid_t file, const std::string& path);
std::vector<unsigned char> read_bytes(hid_t file, const std::string& path);
std::vector<double> attr_doubles(hid_t obj, const std::string& name);
std::string attr_string(hid_t obj, const std::string& name);
bool has_attr(hid_t obj, const std::string& name);
// Every dataset path in the file, depth first (hard links visited once per path).
std::vector<std::string> dataset_paths(hid_t file);
// Compares two output files dataset by dataset, byte for byte (strings by their text),
// outside /parameters and a sweep point's parameters (which name the backend and the
// scheduling). Returns the paths that differ, or
// that one file lacks; `compared` receives the paths of the first file compared.
std::vector<std::string> differing_datasets(const std::string& a, const std::string& b,
                                            std::vector<std::string>* compared = nullptr);

}  // namespace ngdsim::test
