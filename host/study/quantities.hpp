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

// The landscape's own counts per record, each a dataset of shape [R] + shape (its columns
// consecutive in Statistics::extra_count, in this order).
struct CountInfo {
  std::string name, description;
  std::vector<std::size_t> shape;
  std::size_t columns() const;
};
std::vector<CountInfo> extra_counts(const Config& c);
std::size_t extra_columns(const Config& c);
// The column of a count's first entry in Statistics::extra_count.
std::size_t extra_column(const Config& c, const std::string& name);

// bnreg and msense: the model's slot (include/ngdsim/models.hpp) of a quantity's name.
int quantity_slot(const std::string& landscape, const std::string& name);

// msense: the histogram of escape steps 0..K at step K, in bins of `width` steps.
struct EscapeBins {
  long long width;
  int bins;
};
EscapeBins escape_bins(long long steps);

}  // namespace ngdsim
