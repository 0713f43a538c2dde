#include "cli/registry.hpp"

#include <cmath>
#include <sstream>

#include "cli/bnreg_setup.hpp"
#include "cli/config.hpp"
#include "cli/msense_setup.hpp"
#include "study/dispatch.hpp"

namespace ngdsim {
namespace {

int int_param(const std::map<std::string, std::string>& given, const ParamInfo& p, int lo, int hi,
              const std::string& landscape) {
  const auto it = given.find(p.name);
  const std::string text = it == given.end() ? p.fallback : it->second;
  std::size_t used = 0;
  int v = 0;
  try {
    v = std::stoi(text, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (used != text.size() || used == 0 || v < lo || v > hi)
    throw UsageError("invalid param " + p.name + " '" + text + "' for landscape " + landscape +
                     ": allowed " + p.range);
  return v;
}

// An unsigned 64-bit parameter (a data set's key), when given.
void unsigned_param(const std::map<std::string, std::string>& given, const std::string& name,
                    const std::string& range, const std::string& landscape) {
  const auto it = given.find(name);
  if (it == given.end()) return;
  std::size_t used = 0;
  try {
    if (it->second.empty() || it->second[0] == '-') throw std::invalid_argument("sign");
    std::stoull(it->second, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (used == 0 || used != it->second.size())
    throw UsageError("invalid param " + name + " '" + it->second + "' for landscape " + landscape +
                     ": allowed " + range);
}

void reject_unknown(const std::map<std::string, std::string>& given, const LandscapeInfo& info) {
  for (const auto& [k, v] : given) {
    bool known = false;
    std::string names;
    for (const auto& p : info.params) {
      known |= p.name == k;
      names += (names.empty() ? "" : ", ") + p.name;
    }
    if (!known)
      throw UsageError("unknown param '" + k + "' for landscape " + info.name +
                       " (allowed: " + names + ")");
  }
}

const ParamInfo kQ{"q", "1 or 2", "2", "f = |g|^q: 2 smooth, 1 nonsmooth"};

double double_param(const std::map<std::string, std::string>& given, const ParamInfo& p,
                    const std::string& landscape) {
  const auto it = given.find(p.name);
  const std::string text = it == given.end() ? p.fallback : it->second;
  std::size_t used = 0;
  double v = NAN;
  try {
    v = std::stod(text, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (used != text.size() || used == 0 || !std::isfinite(v))
    throw UsageError("invalid param " + p.name + " '" + text + "' for landscape " + landscape +
                     ": allowed " + p.range);
  return v;
}

// A landscape with the single parameter q.
LandscapeInfo q_only(const std::string& name, const std::string& description) {
  LandscapeInfo l{name, description, {kQ}, {}};
  l.check_params = [info = l](const std::map<std::string, std::string>& g) {
    reject_unknown(g, info);
    int_param(g, info.params[0], 1, 2, info.name);
    return 2;
  };
  return l;
}

}  // namespace

const std::vector<LandscapeInfo>& landscapes() {
  static const std::vector<LandscapeInfo> list = [] {
    std::vector<LandscapeInfo> l;
    LandscapeInfo product{"product",
                          "g = x_1 x_2 ... x_n - 1; flat minima |x_i| = 1 with an even number of "
                          "negative entries (paper Example 1.1, 4.6, 4.7)",
                          {{"n", "2..8", "2", "dimension"}, kQ},
                          {}};
    product.check_params = [info = product](const std::map<std::string, std::string>& g) {
      reject_unknown(g, info);
      int_param(g, info.params[1], 1, 2, info.name);
      return int_param(g, info.params[0], 2, 8, info.name);
    };
    LandscapeInfo quadric{"quadric",
                          "g = a x^2 + b y^2 - 1: ellipse (b > 0) or hyperbola (b < 0); flat "
                          "minima on the axis of the smallest positive coefficient (Example 4.4)",
                          {{"a", "finite, a != b, a or b > 0", "1", "x^2 coefficient"},
                           {"b", "finite, a != b, a or b > 0", "4", "y^2 coefficient"},
                           kQ},
                          {}};
    quadric.check_params = [info = quadric](const std::map<std::string, std::string>& g) {
      reject_unknown(g, info);
      const double a = double_param(g, info.params[0], info.name);
      const double b = double_param(g, info.params[1], info.name);
      int_param(g, info.params[2], 1, 2, info.name);
      const std::string ab = "a = " + std::to_string(a) + ", b = " + std::to_string(b);
      if (a == b)
        throw UsageError("invalid params a, b for landscape quadric: " + ab +
                         ": every minimum is equally flat (allowed: a != b)");
      if (a <= 0.0 && b <= 0.0)
        throw UsageError("invalid params a, b for landscape quadric: " + ab +
                         ": {g = 0} is empty (allowed: a or b positive)");
      return 2;
    };
    LandscapeInfo bilinear{"bilinear",
                           "g = x^T A y - 1, x, y in R^m; flat minima +-(u_min, v_min)/sqrt(s_min) "
                           "(Example 4.5, a shallow linear network)",
                           {{"m", "1..8", "3", "size of A (d = 2m)"},
                            {"A", "m*m finite numbers, row-major, or 'random'", "random",
                             "the matrix; 'random': N(0, 1/m) entries drawn from the seed"},
                            kQ},
                           {}};
    bilinear.check_params = [info = bilinear](const std::map<std::string, std::string>& g) {
      reject_unknown(g, info);
      int_param(g, info.params[2], 1, 2, info.name);
      return 2 * int_param(g, info.params[0], 1, 8, info.name);
    };
    LandscapeInfo bnreg{
        "bnreg",
        "linear regression with batch normalization, L(w) = mean_i (gamma (w.x_i - mu(w)) / "
        "sigma(w) + beta - y_i)^2: scale-invariant in w; minimizers a half great sphere, the "
        "flattest theta* the direction of the minimum-norm interpolant (Lyu, Li and Arora "
        "2022, Theorem 5.1)",
        {{"d", "3..16, d >= n", "8", "dimension of w"},
         {"n", "3..d", "4", "number of data points"},
         {"X", "n*d finite numbers, row-major (row i is x_i), or empty", "",
          "the inputs; empty (with y empty): drawn from data_seed"},
         {"y", "n finite numbers, not all equal, or empty", "", "the targets"},
         {"data_seed", "0..2^64-1", "0",
          "key of the drawn data set (x_i ~ N(0, I), y = <w, x> + b), independent of seed"}},
        {}};
    bnreg.check_params = [info = bnreg](const std::map<std::string, std::string>& g) {
      reject_unknown(g, info);
      const int d = int_param(g, info.params[0], 3, kMaxDim, info.name);
      int_param(g, info.params[1], 3, kMaxDim, info.name);
      unsigned_param(g, "data_seed", info.params[4].range, info.name);
      return d;
    };
    l.push_back(product);
    l.push_back(q_only("parabola", "g = y - x^2; flat minimum at the origin (Example 4.2)"));
    l.push_back(q_only("cubic",
                       "g = x^3 + y^3 - 1; flat minimum x = y = 2^(-1/3) (Example 4.3; also "
                       "minima (1,0), (0,1) and an unbounded branch)"));
    l.push_back(quadric);
    l.push_back(bilinear);
    l.push_back(
        q_only("cross", "g = x y; minima on both axes, flat minimum at the origin (Example 4.1)"));
    l.push_back(bnreg);
    LandscapeInfo msense{
        "msense",
        "over-parameterized matrix sensing, f(U) = (1/(4m)) sum_i (<A_i, U U^T> - y_i)^2 with "
        "U in R^{d x rp}, y_i = <A_i, U* U*^T>, U* of rank r: a strict saddle at U = 0, the "
        "low-rank solutions U U^T = X* and, for m well below d(d+1)/2, global minima of higher "
        "rank (Ma, Liang and Fattahi 2025)",
        {{"d", "2..16", "4", "matrix size: U U^T is d x d"},
         {"rp", "1..16/d", "4", "columns of U (over-parameterized when rp > r)"},
         {"r", "1..min(d, rp)", "1", "rank of the ground truth X* = U* U*^T"},
         {"m", "1.., m d^2 <= 4096", "8", "number of measurements"},
         {"A", "m*d*d finite numbers, each d x d matrix symmetric, or empty", "",
          "the sensing matrices, row-major (A_i[a][b] at (i d + a) d + b); empty (with Ustar "
          "empty): drawn from data_seed"},
         {"Ustar", "d*r finite numbers, not all zero, or empty", "",
          "the ground truth's factor U*, row-major, used as given"},
         {"data_seed", "0..2^64-1", "0",
          "key of the drawn data (A_i = (G + G^T)/2, G iid N(0,1); U* iid N(0,1) scaled to "
          "|X*|_F = 1), independent of seed"}},
        {}};
    msense.check_params = [info = msense](const std::map<std::string, std::string>& g) {
      reject_unknown(g, info);
      const int d = int_param(g, info.params[0], 2, kMaxDim, info.name);
      const int rp = int_param(g, info.params[1], 1, kMaxDim, info.name);
      int_param(g, info.params[2], 1, kMaxDim, info.name);
      int_param(g, info.params[3], 1, 4096, info.name);
      if (d * rp > kMaxDim)
        throw UsageError("invalid param rp = " + std::to_string(rp) +
                         " for landscape msense: d rp <= " + std::to_string(kMaxDim) +
                         " needed (d = " + std::to_string(d) + ")");
      unsigned_param(g, "data_seed", info.params[6].range, info.name);
      return d * rp;
    };
    l.push_back(msense);
    return l;
  }();
  return list;
}

const std::vector<OptimizerInfo>& optimizers() {
  static const std::vector<OptimizerInfo> list = {
      {"ngd", "normalized gradient descent: x <- x - alpha_k bsign(g) grad g/|grad g|",
       "alpha0 > 0, p >= 0"},
      {"gd", "gradient descent: x <- x - alpha_k grad f", "alpha0 > 0 (the step eta), p >= 0"},
      {"sam", "sharpness-aware minimization: x <- x - alpha_k grad f(x + rho grad f/|grad f|)",
       "alpha0 > 0, p >= 0, rho > 0 (default 0.05)"},
      {"perturbed", "perturbed gradient descent: x <- x - alpha_k grad f + sigma xi, xi ~ N(0, I)",
       "alpha0 > 0, p >= 0, sigma >= 0 (default 0.01)"},
      {"ipgd",
       "infinitesimally perturbed gradient descent: perturbed under another name, bit for bit "
       "(meant with a tiny sigma)",
       "alpha0 > 0, p >= 0, sigma >= 0 (default 0.01)"},
      {"gdwd",
       "gradient descent with weight decay (bnreg): w <- w - alpha_k (grad L(w) + wd w); gd is "
       "gdwd with wd = 0",
       "alpha0 > 0, p >= 0, wd >= 0 with alpha0 wd < 1 (default 0)"},
  };
  return list;
}

const LandscapeInfo& find_landscape(const std::string& name) {
  std::string names;
  for (const auto& l : landscapes()) {
    if (l.name == name) return l;
    names += (names.empty() ? "" : ", ") + l.name;
  }
  throw UsageError("unknown landscape '" + name + "' (allowed: " + names + ")");
}

const OptimizerInfo& find_optimizer(const std::string& name) {
  std::string names;
  for (const auto& o : optimizers()) {
    if (o.name == name) return o;
    names += (names.empty() ? "" : ", ") + o.name;
  }
  throw UsageError("unknown optimizer '" + name + "' (allowed: " + names + ")");
}

std::map<std::string, std::string> resolved_params(const Config& c) {
  std::map<std::string, std::string> r;
  for (const auto& p : find_landscape(c.landscape).params) {
    const auto it = c.param.find(p.name);
    r[p.name] = it == c.param.end() ? p.fallback : it->second;
  }
  return r;
}

std::vector<double> param_numbers(const std::string& text, const std::string& setting,
                                  const std::string& landscape) {
  std::vector<double> out;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    double v = NAN;
    try {
      v = std::stod(item, &used);
    } catch (const std::logic_error&) {
      used = 0;
    }
    if (used != item.size() || used == 0 || !std::isfinite(v))
      throw UsageError("invalid param " + setting + " '" + item + "' for landscape " + landscape +
                       ": a comma-separated list of finite numbers needed");
    out.push_back(v);
  }
  return out;
}

int param_int(const Config& c, const std::string& name) {
  return std::stoi(resolved_params(c).at(name));
}

double param_double(const Config& c, const std::string& name) {
  return std::stod(resolved_params(c).at(name));
}

std::vector<double> attractor_positions(const Config& c) {
  if (c.landscape == "bnreg") return bnreg_spec(c).summary.theta_star;
  if (c.landscape == "msense") {  // [U*, 0], d x rp: the landscape's capacity exceeds d rp
    const MSenseSpec s = msense_spec(c);
    std::vector<double> out(std::size_t(s.d) * s.rp, 0.0);
    for (int a = 0; a < s.d; ++a)
      for (int b = 0; b < s.r; ++b)
        out[std::size_t(a) * s.rp + b] = s.ustar[std::size_t(a) * s.r + b];
    return out;
  }
  std::vector<double> out;
  dispatch<double>(c, [&](const auto& land, auto) {
    using L = std::decay_t<decltype(land)>;
    out.resize(static_cast<std::size_t>(L::kAttractors) * L::kDim);
    for (int a = 0; a < L::kAttractors; ++a) land.attractor_position(a, &out[a * L::kDim]);
  });
  return out;
}

}  // namespace ngdsim
