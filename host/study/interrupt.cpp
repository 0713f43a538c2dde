#include "study/interrupt.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>

namespace ngdsim {
namespace {

volatile std::sig_atomic_t g_signal = 0;
std::string g_command = "ngdsim";
// Fixed buffers: the handler may only call async-signal-safe functions (unlink, raise).
char g_paths[2][4096] = {{0}, {0}};

extern "C" void on_stop_signal(int sig) {
  if (g_signal == 0) {
    g_signal = sig;
    static const char note[] =
        "\nngdsim: stopping after the work in flight (a second signal stops at once)\n";
    [[maybe_unused]] const ssize_t ignored = write(STDERR_FILENO, note, sizeof note - 1);
    return;
  }
  for (auto& path : g_paths)
    if (path[0]) unlink(path);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

void install_stop_handlers() {
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, on_stop_signal);
}

bool stop_requested() { return g_signal != 0; }
int stop_signal() { return g_signal; }

std::string signal_name(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "signal " + std::to_string(sig);
  }
}

void throw_if_stopped() {
  if (const int sig = g_signal) throw Interrupted(sig, "interrupted by " + signal_name(sig));
}

void remove_on_abort(int slot, const std::string& path) {
  std::snprintf(g_paths[slot], sizeof g_paths[slot], "%s", path.c_str());
}

void record_command_line(int argc, const char* const* argv) {
  g_command.clear();
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    const bool plain = !a.empty() && a.find_first_not_of(
                                         "abcdefghijklmnopqrstuvwxyz"
                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789-_=.,:/+@%") == std::string::npos;
    std::string quoted = "'";
    for (const char ch : a) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    g_command += (i ? " " : "") + (plain ? a : quoted + "'");
  }
}

std::string command_line() { return g_command; }

}  // namespace ngdsim
