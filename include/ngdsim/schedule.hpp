// Step-size schedule alpha_k = alpha0 / (k+1)^p. The host tabulates it once per
// run; the CPU loop and the kernels read the table and never call pow().
#pragma once

#include "hd.hpp"

namespace ngdsim {

struct Schedule {
  double alpha0;
  double p;

  NGDSIM_HD double alpha(std::int64_t k) const {
    return p == 0.0 ? alpha0 : alpha0 / pow(static_cast<double>(k + 1), p);
  }
};

}  // namespace ngdsim
