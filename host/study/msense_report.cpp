#include "study/msense_report.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "io/h5_util.hpp"
#include "study/estimates.hpp"
#include "study/quantities.hpp"

namespace ngdsim {
namespace {

std::string numbers(const std::vector<double>& v) {
  std::ostringstream o;
  o.precision(6);
  for (std::size_t i = 0; i < v.size(); ++i) o << (i ? ", " : "") << v[i];
  return "(" + o.str() + ")";
}

std::string interval_text(const Interval& i) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.4f  [%.4f, %.4f]", i.estimate, i.low, i.high);
  return buf;
}

// The quantile at `level` of the escape steps binned `width` to a bin (nearest rank: the
// bin's first step when width = 1, its middle otherwise).
double escape_quantile(const std::uint64_t* hist, int bins, long long width, double level) {
  std::uint64_t total = 0;
  for (int b = 0; b < bins; ++b) total += hist[b];
  if (total == 0) return NAN;
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(level * static_cast<double>(total))));
  std::uint64_t seen = 0;
  for (int b = 0; b < bins; ++b) {
    seen += hist[b];
    if (seen >= rank)
      return width == 1 ? double(b) : double(b) * double(width) + double(width - 1) / 2.0;
  }
  return NAN;
}

}  // namespace

double msense_predicted_escape(const Config& c, const MSenseSpec& s) {
  if ((c.optimizer != "ipgd" && c.optimizer != "perturbed") || !(c.sigma > 0.0)) return NAN;
  const double g = 1.0 + c.alpha0 * s.mu[0];
  const double cc = std::sqrt(s.rp / (1.0 - 1.0 / (g * g)));
  return std::log(c.escape_radius * s.ustar_norm / (c.sigma * cc)) / std::log(g);
}

MSenseReport msense_report(const Config& c, const Plan& plan, const Statistics& s) {
  MSenseReport r;
  r.data = msense_spec(c);
  r.escape_rate = 1.0 + c.alpha0 * r.data.mu[0];
  r.esc_step_predicted = msense_predicted_escape(c, r.data);
  const auto N = static_cast<double>(c.trajectories);
  const std::size_t last = std::size_t(s.R - 1) * s.C;
  const std::size_t T = c.tau.size(), E = c.eps.size();
  const std::size_t lowrank = extra_column(c, "lowrank_count"),
                    solution = extra_column(c, "solution_count");
  for (std::size_t t = 0; t < T; ++t)
    r.p_lowrank.push_back(wilson(double(s.extra_count[last + lowrank + t]), N));
  for (std::size_t i = 0; i < E * T; ++i)
    r.p_solution.push_back(wilson(double(s.extra_count[last + solution + i]), N));
  r.escaped = s.extra_count[last + extra_column(c, "escaped_count")];
  r.fitted = s.extra_count[last + extra_column(c, "fitted_count")];
  r.p_escaped = wilson(double(r.escaped), N);
  r.p_fitted = wilson(double(r.fitted), N);
  const EscapeBins b = escape_bins(c.steps);
  r.esc_bin_width = b.width;
  for (std::size_t l = 0; l < kQuantileLevels.size(); ++l)
    r.esc_step[l] = escape_quantile(s.final_counts.data(), b.bins, b.width, kQuantileLevels[l]);
  (void)plan;
  return r;
}

void write_msense_data(hid_t p, const MSenseReport& r) {
  using h5::attr;
  const MSenseSpec& s = r.data;
  const auto d = hsize_t(s.d), m = hsize_t(s.m), rk = hsize_t(s.r);
  h5::write(p, "A", {m, d, d}, s.A.data(), "the sensing matrices A_i (each symmetric)");
  h5::write(p, "Ustar", {d, rk}, s.ustar.data(), "U*, the ground truth's factor, as used");
  h5::write(p, "Xstar", {d, d}, s.xstar.data(), "X* = U* U*^T, the ground truth");
  h5::write(p, "y", {m}, s.y.data(), "the measurements y_i = <A_i, X*>");
  h5::write(p, "M0_eigenvalues", {d}, s.mu.data(),
            "eigenvalues mu_1 >= ... >= mu_d of M0 = (1/m) sum y_i A_i: the Hessian at U = 0 "
            "is -M0 (x) I");
  attr(p, "Ustar_norm", s.ustar_norm);
  attr(p, "escape_rate", r.escape_rate);
}

void write_msense_summary(hid_t g, const Config& c, const MSenseReport& r) {
  using h5::attr;
  std::vector<double> est, lo, hi, sol, sol_lo, sol_hi;
  for (const auto& i : r.p_lowrank)
    est.push_back(i.estimate), lo.push_back(i.low), hi.push_back(i.high);
  for (const auto& i : r.p_solution)
    sol.push_back(i.estimate), sol_lo.push_back(i.low), sol_hi.push_back(i.high);
  attr(g, "tau", c.tau);
  attr(g, "p_lowrank", est);
  attr(g, "p_lowrank_low", lo);
  attr(g, "p_lowrank_high", hi);
  attr(g, "p_solution", sol);
  attr(g, "p_solution_low", sol_lo);
  attr(g, "p_solution_high", sol_hi);
  attr(g, "escape_radius", c.escape_radius);
  attr(g, "p_escaped", r.p_escaped.estimate);
  attr(g, "p_escaped_low", r.p_escaped.low);
  attr(g, "p_escaped_high", r.p_escaped.high);
  attr(g, "escaped", r.escaped);
  attr(g, "esc_step_median", r.esc_step[2]);
  attr(g, "esc_step_quantiles", std::vector<double>(r.esc_step.begin(), r.esc_step.end()));
  attr(g, "esc_step_predicted", r.esc_step_predicted);
  attr(g, "escape_rate", r.escape_rate);
  attr(g, "fit_tol", c.fit_tol);
  attr(g, "fitted", r.fitted);
  attr(g, "p_fitted", r.p_fitted.estimate);
}

std::string msense_start_text(const Config& c, const MSenseSpec& s) {
  std::ostringstream o;
  o.precision(6);
  o << "ngdsim: msense data: d = " << s.d << ", rp = " << s.rp << ", r = " << s.r << ", m = " << s.m
    << ", |U*|_F = " << s.ustar_norm << "\n";
  o << "ngdsim:   eigenvalues of M0 = " << numbers(s.mu)
    << ", escape rate 1 + alpha0 mu_1 = " << 1.0 + c.alpha0 * s.mu[0] << "\n";
  const double k = msense_predicted_escape(c, s);
  if (std::isfinite(k))
    o << "ngdsim:   predicted escape step from U = 0 at sigma = " << c.sigma << ": " << k << "\n";
  return o.str();
}

std::string msense_summary_text(const Config& c, const MSenseReport& r) {
  std::ostringstream o;
  char buf[256];
  const std::size_t T = c.tau.size();
  for (std::size_t t = 0; t < T; ++t)
    o << "  P(lam_next <= " << c.tau[t] << ") = " << interval_text(r.p_lowrank[t]) << "\n";
  for (std::size_t e = 0; e < c.eps.size(); ++e)
    for (std::size_t t = 0; t < T; ++t)
      o << "  P(solution: err <= " << c.eps[e] << ", lam_next <= " << c.tau[t]
        << ") = " << interval_text(r.p_solution[e * T + t]) << "\n";
  o << "  P(escaped, |U| >= " << c.escape_radius << " |U*|) = " << interval_text(r.p_escaped)
    << "\n";
  std::snprintf(buf, sizeof buf,
                "  escape step: median %.6g (quantiles 0.05..0.95: %.6g %.6g %.6g %.6g %.6g) over "
                "%llu escaped",
                r.esc_step[2], r.esc_step[0], r.esc_step[1], r.esc_step[2], r.esc_step[3],
                r.esc_step[4], static_cast<unsigned long long>(r.escaped));
  o << buf;
  if (std::isfinite(r.esc_step_predicted)) {
    std::snprintf(buf, sizeof buf, "; predicted %.4g", r.esc_step_predicted);
    o << buf;
  }
  o << "\n";
  std::snprintf(buf, sizeof buf, "  fitted (f < %g) by step K: %llu of %lld\n", c.fit_tol,
                static_cast<unsigned long long>(r.fitted), static_cast<long long>(c.trajectories));
  o << buf;
  return o.str();
}

}  // namespace ngdsim
