#include "study/quantities.hpp"

#include <stdexcept>

#include "ngdsim/models.hpp"

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

const char* const kMSenseNames[kMSenseSlots] = {"f",        "err",      "lam_next", "tail",
                                                "eff_rank", "sol_dist", "norm",     "grad_norm",
                                                "esc_step", "fit_step"};

// At most this many bins in the escape steps' histogram.
constexpr long long kEscapeBins = 65536;

std::vector<QuantityInfo> msense_quantities() {
  const std::string m = "msense";
  return {
      {"f", "f(U) = (1/(4m)) sum_i (<A_i, U U^T> - y_i)^2, the loss", "f", ""},
      {"err", "|U U^T - X*|_F: the distance of the product to the ground truth", "X", m},
      {"lam_next",
       "lambda_{r+1}(U U^T), the (r+1)-th eigenvalue (0 when r = d): the low-rank measure", "X", m},
      {"tail", "sum_{j>r} lambda_j(U U^T): the weight beyond rank r", "X", m},
      {"eff_rank",
       "(sum lambda_j)^2 / sum lambda_j^2, the participation ratio of U U^T's eigenvalues "
       "(NaN at U = 0, counted in nonfinite_count)",
       "1", m},
      {"sol_dist",
       "min over Q in O(rp) of |U - [U*, 0] Q|_F: the distance to the low-rank solution set "
       "(orthogonal Procrustes)",
       "U", m},
      {"norm", "|U|_F", "U", m},
      {"grad_norm", "|grad f(U)|_F = |S(U) U|_F", "f/U", ""},
      {"esc_step",
       "the first step with |U_k|_F >= escape_radius |U*|_F, over the trajectories escaped by "
       "this step",
       "step", m},
      {"fit_step", "the first step with f < fit_tol, over the trajectories fitted by this step",
       "step", m},
  };
}

}  // namespace

int quantity_slot(const std::string& landscape, const std::string& name) {
  if (landscape == "bnreg")
    for (int s = 0; s < kBnRegSlots; ++s)
      if (name == kBnRegNames[s]) return s;
  if (landscape == "msense")
    for (int s = 0; s < kMSenseSlots; ++s)
      if (name == kMSenseNames[s]) return s;
  throw std::logic_error(landscape + " has no quantity " + name);
}

EscapeBins escape_bins(long long steps) {
  const long long width = (steps + 1 + kEscapeBins - 1) / kEscapeBins;
  return {width, static_cast<int>((steps + 1 + width - 1) / width)};
}

std::size_t CountInfo::columns() const {
  std::size_t n = 1;
  for (auto k : shape) n *= k;
  return n;
}

std::size_t extra_columns(const Config& c) {
  std::size_t n = 0;
  for (const auto& k : extra_counts(c)) n += k.columns();
  return n;
}

std::size_t extra_column(const Config& c, const std::string& name) {
  std::size_t n = 0;
  for (const auto& k : extra_counts(c)) {
    if (k.name == name) return n;
    n += k.columns();
  }
  throw std::logic_error(c.landscape + " has no count " + name);
}

std::vector<QuantityInfo> recorded_quantities(const Config& c) {
  if (c.landscape == "msense") return msense_quantities();
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

std::vector<CountInfo> extra_counts(const Config& c) {
  if (c.landscape == "bnreg")
    return {
        {"fit_count", "non-diverged trajectories with L < fit_tol at this step", {}},
        {"fitted_count", "trajectories that have had L < fit_tol at some step <= this one", {}}};
  if (c.landscape != "msense") return {};
  const std::size_t E = c.eps.size(), T = c.tau.size();
  return {{"fit_count", "non-diverged trajectories with f < fit_tol at this step", {}},
          {"fitted_count", "trajectories that have had f < fit_tol at some step <= this one", {}},
          {"escaped_count",
           "trajectories that have had |U|_F >= escape_radius |U*|_F at some step <= this one",
           {}},
          {"lowrank_count",
           "non-diverged trajectories with lam_next <= tau[t] (columns follow "
           "/summary tau)",
           {T}},
          {"solution_count",
           "non-diverged trajectories with err <= eps[e] and lam_next <= tau[t]: at a low-rank "
           "solution ([eps][tau], following /summary eps and tau)",
           {E, T}}};
}

}  // namespace ngdsim
