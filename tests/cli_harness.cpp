#include "cli_harness.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace ngdsim::test {

namespace fs = std::filesystem;

long long scaled(long long n, long long divisor) {
  const char* scale = std::getenv("NGDSIM_TEST_SCALE");
  return scale && std::string(scale) == "sanitize" ? n / divisor : n;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

namespace {
// The folders this process made, removed when it exits so that test runs do not pile
// up in the temporary directory; NGDSIM_KEEP_TEST_DIRS=1 keeps them for a post-mortem.
struct MadeDirs {
  std::mutex mutex;
  std::vector<fs::path> paths;
  ~MadeDirs() {
    const char* keep = std::getenv("NGDSIM_KEEP_TEST_DIRS");
    if (keep && std::string(keep) == "1") return;
    std::error_code ec;
    for (const auto& p : paths) fs::remove_all(p, ec);
  }
};
MadeDirs& made_dirs() {
  static MadeDirs dirs;
  return dirs;
}
}  // namespace

std::string fresh_dir(const std::string& name) {
  // Unique per process and call: ctest runs tests of one binary in parallel.
  static int counter = 0;
  MadeDirs& made = made_dirs();
  std::lock_guard<std::mutex> lock(made.mutex);
  const fs::path p =
      fs::temp_directory_path() /
      ("ngdsim-test-" + name + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(p);
  fs::create_directories(p);
  made.paths.push_back(p);
  return p.string();
}

bool exists(const std::string& path) { return fs::exists(path); }

pid_t spawn(const std::string& args, const std::string& dir, const std::string& err_file) {
  const std::string cmd = "cd '" + dir + "' && exec '" + exe() + "' " + args + " >/dev/null " +
                          (err_file.empty() ? "2>&1" : "2>'" + err_file + "'");
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int raw = 0;
  waitpid(pid, &raw, 0);
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
}

bool appears(const std::string& path) {
  for (int i = 0; i < 3000 && !exists(path); ++i) usleep(10000);
  return exists(path);
}

bool shows(const std::string& path, const std::string& text) {
  for (int i = 0; i < 6000; ++i) {
    if (slurp(path).find(text) != std::string::npos) return true;
    usleep(10000);
  }
  return false;
}

bool claimed(const std::string& path) { return appears(path + ".lock"); }

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string exe() {
  // The environment may point at a relocated binary (the GPU machine's bundle).
  const char* env = std::getenv("NGDSIM_EXE");
  return env && *env ? env : NGDSIM_EXE;
}

Result run(const std::string& args, const std::string& dir, const std::string& env) {
  const std::string out = dir + "/.stdout", err = dir + "/.stderr";
  const std::string cmd = "cd '" + dir + "' && " + env + " '" + exe() + "' " + args + " >'" + out +
                          "' 2>'" + err + "' </dev/null";
  const int raw = std::system(cmd.c_str());
  Result r{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
  fs::remove(out);
  fs::remove(err);
  return r;
}

Array read(hid_t file, const std::string& path) {
  const hid_t ds = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
  if (ds < 0) throw std::runtime_error("no dataset " + path);
  const hid_t space = H5Dget_space(ds);
  Array a;
  a.dims.resize(H5Sget_simple_extent_ndims(space));
  H5Sget_simple_extent_dims(space, a.dims.data(), nullptr);
  a.data.resize(H5Sget_simple_extent_npoints(space));
  if (!a.data.empty()) H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.data.data());
  H5Sclose(space);
  H5Dclose(ds);
  return a;
}

std::vector<unsigned char> read_bytes(hid_t file, const std::string& path) {
  const hid_t ds = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
  if (ds < 0) throw std::runtime_error("no dataset " + path);
  const hid_t type = H5Dget_type(ds);
  const hid_t space = H5Dget_space(ds);
  std::vector<unsigned char> bytes;
  if (H5Tis_variable_str(type) > 0) {
    // The text itself, not the pointers HDF5 hands out for it.
    std::vector<char*> text(H5Sget_simple_extent_npoints(space));
    H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data());
    for (char* t : text) {
      if (t) bytes.insert(bytes.end(), t, t + std::strlen(t) + 1);
      H5free_memory(t);
    }
  } else {
    bytes.resize(H5Sget_simple_extent_npoints(space) * H5Tget_size(type));
    if (!bytes.empty()) H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
  }
  H5Sclose(space);
  H5Tclose(type);
  H5Dclose(ds);
  return bytes;
}

bool has_attr(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

std::vector<double> attr_doubles(hid_t obj, const std::string& name) {
  const hid_t a = H5Aopen(obj, name.c_str(), H5P_DEFAULT);
  if (a < 0) throw std::runtime_error("no attribute " + name);
  const hid_t space = H5Aget_space(a);
  std::vector<double> v(H5Sget_simple_extent_npoints(space));
  H5Aread(a, H5T_NATIVE_DOUBLE, v.data());
  H5Sclose(space);
  H5Aclose(a);
  return v;
}

std::string attr_string(hid_t obj, const std::string& name) {
  const hid_t a = H5Aopen(obj, name.c_str(), H5P_DEFAULT);
  if (a < 0) throw std::runtime_error("no attribute " + name);
  const hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  char* p = nullptr;
  H5Aread(a, t, &p);
  std::string s = p ? p : "";
  H5free_memory(p);
  H5Tclose(t);
  H5Aclose(a);
  return s;
}

std::vector<std::string> dataset_paths(hid_t file) {
  // Every link path (hard-linked step/time datasets appear under each owner),
  // keeping those that open as datasets.
  struct Visit {
    hid_t file;
    std::vector<std::string> paths;
  } visit{file, {}};
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  H5Lvisit(
      file, H5_INDEX_NAME, H5_ITER_INC,
      [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        auto* v = static_cast<Visit*>(data);
        const std::string path = std::string("/") + name;
        const hid_t ds = H5Dopen2(v->file, path.c_str(), H5P_DEFAULT);
        if (ds >= 0) {
          v->paths.push_back(path);
          H5Dclose(ds);
        }
        return 0;
      },
      &visit);
  return visit.paths;
}

std::vector<std::string> differing_datasets(const std::string& a, const std::string& b,
                                            std::vector<std::string>* compared) {
  const hid_t fa = H5Fopen(a.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t fb = H5Fopen(b.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (fa < 0 || fb < 0) throw std::runtime_error("cannot open " + a + " or " + b);
  std::vector<std::string> differ, seen;
  const std::vector<std::string> pa = dataset_paths(fa), pb = dataset_paths(fb);
  // /parameters, and each sweep point's, name the backend and the scheduling.
  const auto parameters = [](const std::string& path) {
    return path.rfind("/parameters/", 0) == 0 || path.find("/parameters/", 1) != std::string::npos;
  };
  for (const auto& path : pa) {
    if (parameters(path)) continue;
    seen.push_back(path);
    if (std::find(pb.begin(), pb.end(), path) == pb.end() ||
        read_bytes(fa, path) != read_bytes(fb, path))
      differ.push_back(path);
  }
  for (const auto& path : pb)
    if (!parameters(path) && std::find(pa.begin(), pa.end(), path) == pa.end())
      differ.push_back(path);
  H5Fclose(fa);
  H5Fclose(fb);
  if (compared) *compared = seen;
  return differ;
}

}  // namespace ngdsim::test
