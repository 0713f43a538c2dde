// Stopping on a signal. The first SIGINT, SIGTERM or SIGHUP asks the work in flight to
// stop at the next tile (CPU) or chunk (device) boundary: the backends poll
// stop_requested() and the run unwinds with Interrupted, so a sweep keeps its finished
// points. A second signal ends the process at once, after removing the files
// registered with remove_on_abort (the temporary output and its claim), so an
// interrupted run never leaves a file that looks complete.
#pragma once

#include <stdexcept>
#include <string>

namespace ngdsim {

struct Interrupted : std::runtime_error {
  Interrupted(int sig, const std::string& what) : std::runtime_error(what), signal(sig) {}
  int signal;
};

void install_stop_handlers();
bool stop_requested();
int stop_signal();  // 0 while none arrived
// Throws Interrupted ("interrupted by SIGINT") once a signal arrived.
void throw_if_stopped();
std::string signal_name(int sig);

// Paths removed when a second signal ends the process: slot 0 the temporary output,
// slot 1 its claim; an empty path clears the slot.
void remove_on_abort(int slot, const std::string& path);

// The command line as typed (shell-quoted), for the resume hint of an interrupted sweep.
void record_command_line(int argc, const char* const* argv);
std::string command_line();

}  // namespace ngdsim
