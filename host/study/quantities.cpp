#include "study/quantities.hpp"

#include <stdexcept>

#include "ngdsim/bnreg_dynamics.hpp"

namespace ngdsim {
namespace {

const char* const kBnRegNames[kBnRegSlots] = {"f",
                                              "phi",
                                              "flat_distance",
                                              "min_distance",
                                              "grad_norm",
                                              "sharpness",
                                              "sharpness_gamma",
                                              "norm",
                                              "two_over_eff_lr",
                                              "eos_ratio",
                                              "fit_step",
                                              "sharpness_fit",
                                              "phi_fit"};

}  // namespace

int bnreg_slot(const std::string& name) {
  for (int s = 0; s < kBnRegSlots; ++s)
    if (name == kBnRegNames[s]) return s;
  throw std::logic_error("bnreg has no quantity " + name);
}

std::vector<QuantityInfo> recorded_quantities(const Config& c) {
  if (c.landscape != "bnreg")
    return {
        {"f", "f(x) = |g(x)|^q, the loss", "f", ""},
        {"phi", "phi(x), the landscape's implicit regularizer", "phi", ""},
        {"flat_distance", "Euclidean distance to the nearest flat global minimum", "x", ""},
        {"min_distance",
         "min_distance(x) = min(|g(x)| / |grad g(x)|, flat_distance(x)): the first-order "
         "distance to the global minima, capped by the distance to the nearest flat minimum "
         "(one of them)",
         "x", ""},
        {"grad_norm", "|grad f(x)| = q |g|^(q-1) |grad g| (zero subgradient at g = 0 when q = 1)",
         "f/x", ""},
    };
  const std::string b = "bnreg";
  std::vector<QuantityInfo> q = {
      {"f", "L(w), the train loss (mean squared error of the BN model)", "L", ""},
      {"phi",
       "phi(w) = |P_N w|^2 / |P_R w|^2, the squared tangent of the angle between w and the "
       "row space of the centered inputs: zero exactly there",
       "1", ""},
      {"flat_distance", "|theta - theta*|, theta = w/|w|: distance to the flattest minimizer", "1",
       ""},
      {"min_distance",
       "|P_R theta - max(<theta, theta*>, 0) theta*|: distance from theta to the closed cone "
       "over the minimizers (the sine of the angle to them)",
       "1", ""},
      {"grad_norm", "|grad L(w)|", "L/w", ""},
      {"sharpness",
       "S(theta) = lambda_1(H(theta)), the spherical sharpness: the largest algebraic "
       "eigenvalue of the Hessian at theta = w/|w| (cyclic Jacobi)",
       "L", b},
      {"sharpness_gamma",
       "S* (1 + phi(w)): the sharpness of the minimizer gradient flow from w reaches (equal to "
       "S(theta) on the minimizers, free of the oscillation at the edge of stability)",
       "L", b},
      {"norm", "|w|", "w", b},
  };
  if (c.optimizer == "gd" || c.optimizer == "gdwd") {
    q.push_back({"two_over_eff_lr",
                 "2 / eff_lr_k, eff_lr_k = alpha_k / ((1 - alpha_k wd) |w_k|^2): the step on the "
                 "sphere; compare with sharpness (edge of stability: 2/eff_lr = S)",
                 "L", b});
    q.push_back({"eos_ratio", "eff_lr_k S(theta_k) / 2: about 1 at the edge of stability", "1", b});
  }
  q.push_back({"fit_step",
               "the first step with L < fit_tol, over the trajectories fitted by this step", "step",
               b});
  q.push_back({"sharpness_fit",
               "S(theta) at the first step with L < fit_tol, over the trajectories fitted by "
               "this step",
               "L", b});
  q.push_back({"phi_fit", "phi(w) at the first step with L < fit_tol, over the same", "1", b});
  return q;
}

std::vector<std::pair<std::string, std::string>> extra_counts(const Config& c) {
  if (c.landscape != "bnreg") return {};
  return {{"fit_count", "non-diverged trajectories with L < fit_tol at this step"},
          {"fitted_count", "trajectories that have had L < fit_tol at some step <= this one"}};
}

}  // namespace ngdsim
