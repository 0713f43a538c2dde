#include "study/summary.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ngdsim {
namespace {

std::string interval(const Interval& i) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.4f  [%.4f, %.4f]", i.estimate, i.low, i.high);
  return buf;
}

// A step quantile: "1234 [1100, 1400]", "> K" where it lies beyond step K.
std::string step_text(const StepQuantile& q) {
  auto one = [](double v) {
    return std::isinf(v) ? std::string("> K") : std::to_string(static_cast<std::int64_t>(v));
  };
  return one(q.value) + " [" + one(q.low) + ", " + one(q.high) + "]";
}

}  // namespace

void print_summary(std::ostream& os, const Config& c, const Estimates& e, const std::string& path) {
  char buf[256];
  os << "config:     " << one_line(c) << "\n";
  std::snprintf(buf, sizeof buf, "throughput: %.3g trajectory-steps/s (%.2f s, backend %s, %s)\n",
                e.rate, e.wall_seconds, e.backend.c_str(), e.device.c_str());
  os << buf;
  os << "estimates at step K = " << c.steps << " over N = " << c.trajectories
     << " trajectories (95% Wilson intervals):\n";
  for (std::size_t i = 0; i < c.eps.size(); ++i) {
    // On msense the flat set is the ground truth: err = |U U^T - X*|_F <= eps.
    std::snprintf(buf, sizeof buf, e.msense ? "  P(err <= %g) = %s" : "  P(flat, %g) = %s",
                  c.eps[i], interval(e.p_flat[i]).c_str());
    os << buf;
    // (On bnreg the step moves w, not the direction theta whose distance eps bounds.)
    if (c.eps[i] < e.alpha_last && c.landscape != "bnreg" && !e.msense)
      os << "   warning: eps < alpha_K = " << e.alpha_last
         << (c.optimizer == "ngd"
                 ? ": NGD oscillates at about alpha_K, so flat(eps) cannot be reached"
                 : ", the last step size: flat(eps) may be out of reach");
    os << "\n";
  }
  if (e.msense) {  // min: f < fit_tol, the same for every eps
    std::snprintf(buf, sizeof buf, "  P(f < %g) = %s\n", c.fit_tol, interval(e.p_min[0]).c_str());
    os << buf;
    os << msense_summary_text(c, *e.msense);
  } else {
    for (std::size_t i = 0; i < c.eps.size(); ++i) {
      std::snprintf(buf, sizeof buf, "  P(min, %g)  = %s\n", c.eps[i],
                    interval(e.p_min[i]).c_str());
      os << buf;
    }
  }
  os << "  P(diverged) = " << interval(e.p_diverged) << "\n";
  os << "attractors (fraction within eps = " << c.eps[0] << " of each flat minimum):\n";
  for (std::size_t a = 0; a < e.attractor.size(); ++a) {
    std::snprintf(buf, sizeof buf, "  #%zu: %s\n", a, interval(e.attractor[a]).c_str());
    os << buf;
  }
  os << "settling: step of the last entry into the eps-ball of the flat set, staying to K "
        "(at record resolution; 95% intervals):\n";
  for (std::size_t i = 0; i < c.eps.size(); ++i)
    os << "  eps = " << c.eps[i] << ": median " << step_text(e.last_entry[i][0]) << ", 90% "
       << step_text(e.last_entry[i][1]) << "\n";
  if (e.msense)
    std::snprintf(buf, sizeof buf, "medians at K: f = %.3g, err = %.3g, lam_next = %.3g\n",
                  e.median[kMsF], e.median[kMsErr], e.median[kMsLamNext]);
  else
    std::snprintf(buf, sizeof buf, "medians at K: f = %.3g, phi = %.3g, flat_distance = %.3g\n",
                  e.median[kF], e.median[kPhi], e.median[kFlatDistance]);
  os << buf;
  if (e.bnreg) os << bnreg_summary_text(c, *e.bnreg);
  os << "output:     " << path << "\n";
}

}  // namespace ngdsim
