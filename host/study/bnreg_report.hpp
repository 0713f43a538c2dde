// What a bnreg run reports beyond every run's estimates: its data set and flattest
// minimizer (printed at start-up, written to /parameters and /summary), the effective
// learning rate at the start, and the sharpness ratios at step K and at the first fit.
#pragma once

#include <hdf5.h>

#include <array>
#include <cstdint>
#include <string>

#include "cli/bnreg_setup.hpp"
#include "cli/config.hpp"
#include "stats/statistics.hpp"
#include "study/plan.hpp"

namespace ngdsim {

struct BnRegReport {
  BnRegSummary data;
  // gd and gdwd: the intrinsic learning rate alpha0 wd, and the quantiles 0.05, 0.25, 0.5,
  // 0.75, 0.95 of eff_lr_0 = alpha0 / ((1 - alpha0 wd) |w_0|^2) over the initial points.
  bool has_eff_lr = false;
  double eta_in = 0.0;
  std::array<double, 5> eff_lr_0{};
  // Medians at step K of S(theta)/S* and S*(1+phi)/S* over the live trajectories, and of
  // S_fit/S* over the fitted ones, to 1e-3 (NaN without values, +inf beyond 4).
  double median_sharpness_ratio = 0.0, median_sharpness_gamma_ratio = 0.0,
         median_sharpness_fit_ratio = 0.0;
  std::uint64_t fitted = 0;          // trajectories fitted by step K
  std::array<double, 5> fit_step{};  // its quantiles (log-histogram: to one bin)
};

BnRegReport bnreg_report(const Config& c, const Plan& plan, const Statistics& s);
// The median (or another level) of a fine ratio histogram of kRatioBins bins.
double ratio_quantile(const std::uint64_t* hist, double level);
// The data set and what is derived from it, as attributes and datasets of /parameters.
void write_bnreg_data(hid_t parameters, const BnRegReport& r);
void write_bnreg_summary(hid_t summary, const BnRegReport& r);
// Printed at start-up: S*, 2/S*, theta*, w~*, b~*.
std::string bnreg_start_text(const BnRegSummary& s);
// Printed with the estimates.
std::string bnreg_summary_text(const Config& c, const BnRegReport& r);

}  // namespace ngdsim
