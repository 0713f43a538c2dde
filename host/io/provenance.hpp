// Provenance: where, when, how and by which build a file was made (docs/output.md,
// "Provenance"). Every file ngdsim writes has a /provenance group.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <utility>

namespace ngdsim {

// The git commit the program was built from (generated at build time), or "unknown".
extern const char* const kGitCommit;

// "ngdsim VERSION (commit COMMIT)".
std::string version_line();
// Notes the program's start (UTC); called once from main.
void record_start_time();
// A time as ISO 8601 UTC, to the second: "2026-11-24T11:40:05Z". now_utc(): the present.
std::string now_utc();
std::string start_utc();
std::string host_name();

struct Provenance {
  Provenance(std::string backend_, std::string device_, std::string first_started = "",
             std::int64_t parts_ = 1)
      : backend(std::move(backend_)),
        device(std::move(device_)),
        first_started_utc(std::move(first_started)),
        parts(parts_) {}
  std::string backend, device;
  // A run resumed from checkpoints: the first part's start and the number of parts
  // (runs of the program) that made it; empty and 1 otherwise.
  std::string first_started_utc;
  std::int64_t parts;
};

// /provenance under `file`: program, version, git_commit, command_line, host,
// started_utc (this process), finished_utc (now), backend, device, parts and, for
// parts > 1, first_started_utc.
void write_provenance(hid_t file, const Provenance& p);

}  // namespace ngdsim
