#include "io/provenance.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>

#include "io/h5_util.hpp"
#include "io/output.hpp"
#include "study/interrupt.hpp"

namespace ngdsim {

namespace {

std::string g_start;

std::string utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

std::string version_line() {
  return std::string("ngdsim ") + kVersion + " (commit " + kGitCommit + ")";
}

void record_start_time() { g_start = now_utc(); }

std::string now_utc() {
  return utc(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()));
}

std::string start_utc() { return g_start.empty() ? now_utc() : g_start; }

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "unknown";
  return name;
}

void write_provenance(hid_t file, const Provenance& p) {
  // A sweep resumed from its partial file brings the earlier run's group: replaced.
  if (H5Lexists(file, "provenance", H5P_DEFAULT) > 0)
    h5::check(H5Ldelete(file, "provenance", H5P_DEFAULT), "delete /provenance");
  h5::Handle g = h5::group(file, "provenance");
  h5::attr(g, "program", std::string("ngdsim"));
  h5::attr(g, "version", std::string(kVersion));
  h5::attr(g, "git_commit", std::string(kGitCommit));
  h5::attr(g, "command_line", command_line());
  h5::attr(g, "host", host_name());
  h5::attr(g, "started_utc", start_utc());
  h5::attr(g, "finished_utc", now_utc());
  h5::attr(g, "backend", p.backend);
  h5::attr(g, "device", p.device);
  h5::attr(g, "parts", p.parts);
  if (p.parts > 1) h5::attr(g, "first_started_utc", p.first_started_utc);
}

}  // namespace ngdsim
