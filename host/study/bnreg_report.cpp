#include "study/bnreg_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

#include "io/h5_util.hpp"
#include "ngdsim/bnreg_dynamics.hpp"
#include "study/estimates.hpp"

namespace ngdsim {
namespace {

// Initial points read for the quantiles of eff_lr_0: all of them up to this many.
constexpr std::int64_t kInitialSample = 100000;

// |w_0|^2 of the first n trajectories.
std::vector<double> initial_squared_norms(const Config& c, std::int64_t n) {
  std::vector<double> out;
  for (std::int64_t i = 0; i < n; ++i) {
    double w[kMaxDim];
    initial_point_n(c.init_dist, c.seed, static_cast<std::uint64_t>(i), c.dim, w);
    double n2 = 0.0;
    for (int k = 0; k < c.dim; ++k) n2 += w[k] * w[k];
    out.push_back(n2);
  }
  return out;
}

// The order statistic at `level` of sorted values (nearest rank).
double sorted_quantile(const std::vector<double>& v, double level) {
  if (v.empty()) return NAN;
  const auto rank = static_cast<std::size_t>(std::ceil(level * double(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::string numbers(const std::vector<double>& v) {
  std::ostringstream o;
  o.precision(6);
  for (std::size_t i = 0; i < v.size(); ++i) o << (i ? ", " : "") << v[i];
  return "(" + o.str() + ")";
}

std::string ratio_text(double v) {
  char buf[32];
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return "> 4";
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

}  // namespace

double ratio_quantile(const std::uint64_t* hist, double level) {
  std::uint64_t total = 0;
  for (int b = 0; b < kRatioBins; ++b) total += hist[b];
  if (total == 0) return NAN;
  const double target = level * static_cast<double>(total);
  double below = 0.0;
  for (int b = 0; b < kRatioBins; ++b) {
    const double n = static_cast<double>(hist[b]);
    if (n > 0.0 && below + n >= target) {
      if (b == kRatioBins - 1) return INFINITY;
      return (b + (target - below) / n) * kRatioWidth;  // linear within the bin
    }
    below += n;
  }
  return INFINITY;
}

BnRegReport bnreg_report(const Config& c, const Plan& plan, const Statistics& s) {
  BnRegReport r;
  r.data = bnreg_spec(c).summary;
  r.has_eff_lr = c.optimizer == "gd" || c.optimizer == "gdwd";
  if (r.has_eff_lr) {
    r.eta_in = c.alpha0 * c.wd;
    const auto n2 = initial_squared_norms(c, std::min(c.trajectories, kInitialSample));
    std::vector<double> eff;
    for (double v : n2) eff.push_back(c.alpha0 / ((1.0 - r.eta_in) * v));
    std::sort(eff.begin(), eff.end());
    for (std::size_t l = 0; l < kQuantileLevels.size(); ++l)
      r.eff_lr_0[l] = sorted_quantile(eff, kQuantileLevels[l]);
  }
  const std::uint64_t* h = s.final_counts.data();
  r.median_sharpness_ratio = ratio_quantile(h + kRatioSharpness * kRatioBins, 0.5);
  r.median_sharpness_gamma_ratio = ratio_quantile(h + kRatioSharpnessGamma * kRatioBins, 0.5);
  r.median_sharpness_fit_ratio = ratio_quantile(h + kRatioSharpnessFit * kRatioBins, 0.5);
  const int last = s.R - 1;
  const int fitted_col = 1;  // Plan::extra_counts: fit_count, fitted_count
  r.fitted = s.extra_count[std::size_t(last) * s.C + fitted_col];
  const auto at = std::find(plan.quantities.begin(), plan.quantities.end(), "fit_step");
  r.fit_step = quantiles(s, plan, last, static_cast<int>(at - plan.quantities.begin()));
  return r;
}

void write_bnreg_data(hid_t p, const BnRegReport& r) {
  using h5::attr;
  const BnRegSummary& d = r.data;
  const auto n = static_cast<hsize_t>(d.n), dim = static_cast<hsize_t>(d.d);
  h5::write(p, "X", {n, dim}, d.X.data(), "the data set's inputs: row i is x_i");
  h5::write(p, "y", {n}, d.y.data(), "the data set's targets y_i");
  h5::write(p, "theta_star", {dim}, d.theta_star.data(),
            "theta* = w~*/|w~*|: the flattest minimizer on the unit sphere");
  h5::write(p, "w_tilde_star", {dim}, d.w_tilde_star.data(),
            "w~* = pinv(Xc) yc: the minimum-norm interpolant of the centered data");
  attr(p, "S_star", d.s_star);
  attr(p, "two_over_S_star", d.two_over_s_star);
  attr(p, "b_tilde_star", d.b_tilde_star);
  attr(p, "gamma", d.gamma);
  attr(p, "beta", d.beta);
}

void write_bnreg_summary(hid_t g, const BnRegReport& r) {
  using h5::attr;
  const BnRegSummary& d = r.data;
  attr(g, "S_star", d.s_star);
  attr(g, "two_over_S_star", d.two_over_s_star);
  attr(g, "theta_star", d.theta_star);
  attr(g, "w_tilde_star", d.w_tilde_star);
  attr(g, "b_tilde_star", d.b_tilde_star);
  attr(g, "gamma", d.gamma);
  attr(g, "beta", d.beta);
  if (r.has_eff_lr) {
    attr(g, "eta_in", r.eta_in);
    attr(g, "eff_lr_0", std::vector<double>(r.eff_lr_0.begin(), r.eff_lr_0.end()));
    attr(g, "eos_ratio_0_median", r.eff_lr_0[2] * d.s_star / 2.0);
  }
  attr(g, "median_sharpness_over_S_star", r.median_sharpness_ratio);
  attr(g, "median_sharpness_gamma_over_S_star", r.median_sharpness_gamma_ratio);
  attr(g, "median_sharpness_fit_over_S_star", r.median_sharpness_fit_ratio);
  attr(g, "fitted", r.fitted);
  attr(g, "fit_step_quantiles", std::vector<double>(r.fit_step.begin(), r.fit_step.end()));
}

std::string bnreg_start_text(const BnRegSummary& s) {
  std::ostringstream o;
  o.precision(7);
  o << "ngdsim: bnreg data: n = " << s.n << ", d = " << s.d << ", gamma = " << s.gamma
    << ", beta = " << s.beta << "\n";
  o << "ngdsim: bnreg flattest minimizer: S* = " << s.s_star << ", 2/S* = " << s.two_over_s_star
    << ", b~* = " << s.b_tilde_star << "\n";
  o << "ngdsim:   theta* = " << numbers(s.theta_star) << "\n";
  o << "ngdsim:   w~*    = " << numbers(s.w_tilde_star) << "\n";
  return o.str();
}

std::string bnreg_summary_text(const Config& c, const BnRegReport& r) {
  std::ostringstream o;
  char buf[256];
  const BnRegSummary& d = r.data;
  std::snprintf(buf, sizeof buf, "bnreg: S* = %.6g, 2/S* = %.6g", d.s_star, d.two_over_s_star);
  o << buf;
  if (r.has_eff_lr) {
    std::snprintf(buf, sizeof buf, ", eta_in = alpha0 wd = %.3g, median eff_lr_0 S*/2 = %.4g",
                  r.eta_in, r.eff_lr_0[2] * d.s_star / 2.0);
    o << buf;
  }
  o << "\n";
  o << "  median S(theta_K)/S* = " << ratio_text(r.median_sharpness_ratio)
    << ", median S*(1+phi_K)/S* = " << ratio_text(r.median_sharpness_gamma_ratio)
    << " (compare runs by this one or by S_fit, not by S at one step)\n";
  std::snprintf(buf, sizeof buf, "  fitted (L < %g) by step K: %llu of %lld", c.fit_tol,
                static_cast<unsigned long long>(r.fitted), static_cast<long long>(c.trajectories));
  o << buf;
  if (r.fitted > 0) {
    std::snprintf(buf, sizeof buf, ", median first fit at step %.4g, median S_fit/S* = %s",
                  r.fit_step[2], ratio_text(r.median_sharpness_fit_ratio).c_str());
    o << buf;
  }
  o << "\n";
  return o.str();
}

}  // namespace ngdsim
