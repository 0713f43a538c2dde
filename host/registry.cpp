#include "registry.hpp"

#include "config.hpp"
#include "dispatch.hpp"

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
    LandscapeInfo parabola{
        "parabola", "g = y - x^2; flat minimum at the origin (paper Example 4.2)", {kQ}, {}};
    parabola.check_params = [info = parabola](const std::map<std::string, std::string>& g) {
      reject_unknown(g, info);
      int_param(g, info.params[0], 1, 2, info.name);
      return 2;
    };
    l.push_back(product);
    l.push_back(parabola);
    return l;
  }();
  return list;
}

const std::vector<OptimizerInfo>& optimizers() {
  static const std::vector<OptimizerInfo> list = {
      {"ngd", "normalized gradient descent: x <- x - alpha_k bsign(g) grad g/|grad g|",
       "alpha0 > 0, p >= 0"},
      {"gd", "gradient descent: x <- x - alpha_k grad f", "alpha0 > 0 (the step eta), p >= 0"},
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

int param_int(const Config& c, const std::string& name) {
  return std::stoi(resolved_params(c).at(name));
}

std::vector<double> attractor_positions(const Config& c) {
  std::vector<double> out;
  dispatch<double>(c, [&](const auto& land, auto) {
    using L = std::decay_t<decltype(land)>;
    out.resize(static_cast<std::size_t>(L::kAttractors) * L::kDim);
    for (int a = 0; a < L::kAttractors; ++a) L::attractor_position(a, &out[a * L::kDim]);
  });
  return out;
}

}  // namespace ngdsim
