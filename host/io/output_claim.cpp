#include "io/output_claim.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cli/config.hpp"

namespace ngdsim {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kNameMax = 255;
constexpr std::size_t kLongestSuffix = 16;  // ".tmp-" and a pid of up to 11 digits

std::string sidecar_stem(const std::string& path) {
  const fs::path p(path);
  const std::string name = p.filename().string();
  if (name.size() + kLongestSuffix <= kNameMax) return path;
  // FNV-1a: a short stem fixed by the name, so every run on it finds the same files.
  std::uint64_t h = 1469598103934665603ull;
  for (const unsigned char ch : name) h = (h ^ ch) * 1099511628211ull;
  char stem[32];
  std::snprintf(stem, sizeof stem, ".ngdsim-%016llx", static_cast<unsigned long long>(h));
  return (p.parent_path() / stem).string();
}

}  // namespace

std::string sidecar_path(const std::string& path, const std::string& suffix) {
  return sidecar_stem(path) + suffix;
}

OutputClaim::OutputClaim(const std::string& path) : lock_path_(sidecar_path(path, ".lock")) {
  for (;;) {
    fd_ = open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw UsageError("invalid out '" + path + "': cannot write there (" + std::strerror(errno) +
                       ")");
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      char pid[32] = {0};
      const ssize_t n = pread(fd_, pid, sizeof pid - 1, 0);
      close(fd_);
      fd_ = -1;
      throw UsageError(
          "invalid out '" + path + "': another ngdsim run" +
          (n > 0 ? " (process " + std::string(pid, static_cast<size_t>(n)) + ")" : std::string()) +
          " is writing it");
    }
    // The holder before us may have removed the lock file after we opened it: the
    // lock is ours only if the name still points at the file we locked.
    struct stat mine {
    }, named{};
    if (fstat(fd_, &mine) == 0 && stat(lock_path_.c_str(), &named) == 0 &&
        mine.st_dev == named.st_dev && mine.st_ino == named.st_ino)
      break;
    close(fd_);
  }
  const std::string pid = std::to_string(getpid());
  if (ftruncate(fd_, 0) != 0 || pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without the pid; it only serves the message of a second run.
  }
}

OutputClaim::~OutputClaim() {
  if (fd_ < 0) return;
  unlink(lock_path_.c_str());
  close(fd_);
}

std::vector<std::string> stale_temp_files(const std::string& path) {
  std::vector<std::string> stale;
  const fs::path p(sidecar_stem(path));
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  // The output's temporary name, and the checkpoint's (a run killed while saving).
  const std::string base = p.filename().string();
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    for (const std::string& prefix : {base + ".tmp-", base + ".checkpoint.tmp-"}) {
      if (name.rfind(prefix, 0) != 0) continue;
      const std::string digits = name.substr(prefix.size());
      if (digits.empty() || digits.size() > 9 ||
          digits.find_first_not_of("0123456789") != std::string::npos)
        continue;
      const pid_t pid = static_cast<pid_t>(std::stol(digits));
      if (kill(pid, 0) != 0 && errno == ESRCH) stale.push_back(it->path().string());
    }
  }
  return stale;
}

}  // namespace ngdsim
