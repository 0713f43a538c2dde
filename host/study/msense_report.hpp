// What an msense run reports beyond every run's estimates: its data (printed at start-up,
// written to /parameters), the low-rank and solution probabilities, and the escape from
// the saddle at 0 beside its prediction (/summary).
#pragma once

#include <hdf5.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/config.hpp"
#include "cli/msense_setup.hpp"
#include "ngdsim/msense_dynamics.hpp"
#include "ngdsim/stats.hpp"
#include "stats/statistics.hpp"
#include "study/plan.hpp"

namespace ngdsim {

struct MSenseReport {
  MSenseSpec data;
  double escape_rate = 0.0;          // 1 + alpha0 mu_1: the growth per step near 0
  double esc_step_predicted = NAN;   // ipgd: ln(rho |U*| / (sigma c)) / ln(1 + alpha0 mu_1)
  std::vector<Interval> p_lowrank;   // [T] at step K, over all N
  std::vector<Interval> p_solution;  // [E][T]
  Interval p_escaped{}, p_fitted{};
  std::uint64_t escaped = 0, fitted = 0;
  // Quantiles 0.05, 0.25, 0.5, 0.75, 0.95 of the escape step over the escaped trajectories
  // (exact where the histogram's bins are one step wide: K < 65536), NaN without any.
  std::array<double, 5> esc_step{};
  long long esc_bin_width = 1;
};

MSenseReport msense_report(const Config& c, const Plan& plan, const Statistics& s);
// The predicted escape step of ipgd from U = 0 (NaN for other optimizers or sigma = 0).
double msense_predicted_escape(const Config& c, const MSenseSpec& data);
void write_msense_data(hid_t parameters, const MSenseReport& r);
void write_msense_summary(hid_t summary, const Config& c, const MSenseReport& r);
std::string msense_start_text(const Config& c, const MSenseSpec& s);
std::string msense_summary_text(const Config& c, const MSenseReport& r);

}  // namespace ngdsim
