// What a run records per trajectory at each recorded step: the five quantities every
// landscape has, then those only some landscapes have (bnreg's sharpness, effective
// learning rate and first fit), with the descriptions and units written to the output
// file; and the counts per record only some landscapes have.
#pragma once

#include <string>
#include <vector>

#include "cli/config.hpp"

namespace ngdsim {

struct QuantityInfo {
  std::string name, description, unit;
  // The landscape the quantity belongs to, or "" for those of every landscape.
  std::string only_for;
};

std::vector<QuantityInfo> recorded_quantities(const Config& c);
// The landscape's own counts per record: name and description.
std::vector<std::pair<std::string, std::string>> extra_counts(const Config& c);
// bnreg: the BnRegQuantity slot (include/ngdsim/bnreg_dynamics.hpp) of a quantity's name.
int bnreg_slot(const std::string& name);

}  // namespace ngdsim
