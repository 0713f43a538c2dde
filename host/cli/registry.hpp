// The one place landscapes and optimizers are registered: names, parameters,
// ranges, descriptions (for `ngdsim list` and validation) and the dispatch from a
// configuration to the template instantiation that runs it.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ngdsim/landscapes/bilinear.hpp"
#include "ngdsim/landscapes/cross.hpp"
#include "ngdsim/landscapes/cubic.hpp"
#include "ngdsim/landscapes/parabola.hpp"
#include "ngdsim/landscapes/product.hpp"
#include "ngdsim/landscapes/quadric.hpp"
#include "ngdsim/optimizers/gd.hpp"
#include "ngdsim/optimizers/ngd.hpp"
#include "ngdsim/optimizers/perturbed.hpp"
#include "ngdsim/optimizers/sam.hpp"

namespace ngdsim {

// Trajectories per leaf of the fixed reduction tree; tiles are made of whole leaves.
inline constexpr int kLeafSize = 256;

struct Config;

struct ParamInfo {
  std::string name;
  std::string range;  // human-readable, shown by `ngdsim list` and in errors
  std::string fallback;
  std::string description;
};

struct LandscapeInfo {
  std::string name;
  std::string description;
  std::vector<ParamInfo> params;
  // Validates the given parameters (UsageError on unknown key or bad value) and
  // returns the dimension d.
  std::function<int(const std::map<std::string, std::string>&)> check_params;
};

struct OptimizerInfo {
  std::string name;
  std::string description;
  std::string settings;
};

const std::vector<LandscapeInfo>& landscapes();
const std::vector<OptimizerInfo>& optimizers();
const LandscapeInfo& find_landscape(const std::string& name);
const OptimizerInfo& find_optimizer(const std::string& name);
// Parameters with defaults filled in, as text.
std::map<std::string, std::string> resolved_params(const Config& c);
int param_int(const Config& c, const std::string& name);
// A parameter given as a comma-separated list of finite numbers (data sets), refused
// with a UsageError naming the setting, the failing item and the landscape.
std::vector<double> param_numbers(const std::string& text, const std::string& setting,
                                  const std::string& landscape);
double param_double(const Config& c, const std::string& name);
// Positions of the flat minima (attractors), row-major [A][d].
std::vector<double> attractor_positions(const Config& c);

// Calls f(landscape, optimizer) with the concrete types the configuration names.
template <class T, class F>
void dispatch(const Config& c, F&& f);

}  // namespace ngdsim
