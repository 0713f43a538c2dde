// A landscape and optimizer of a run made into the model that the CPU tile and the kernel
// of bnreg and msense run (include/ngdsim/models.hpp), with the run's settings.
#pragma once

#include <string>

#include "cli/config.hpp"
#include "ngdsim/models.hpp"
#include "study/plan.hpp"
#include "study/quantities.hpp"

namespace ngdsim {

template <class T, int D>
BnRegModel<T, D> model_of(const BnReg<T, D>& land, const BnRegOptimizer& opt, const Config& c,
                          const Plan&) {
  return {land, opt, c.fit_tol};
}

template <class T, int D>
MSenseModel<T, D> model_of(const MSense<T, D>& land, const MSenseOptimizer& opt, const Config& c,
                           const Plan&) {
  MSenseModel<T, D> m;
  m.land = land;
  m.opt = opt;
  m.radius = c.escape_radius * static_cast<double>(land.ustar_norm);
  m.fit_tol = c.fit_tol;
  m.taus = static_cast<int>(c.tau.size());
  for (int t = 0; t < m.taus; ++t) m.tau[t] = c.tau[t];
  const EscapeBins b = escape_bins(c.steps);
  m.esc_width = b.width;
  m.esc_bins = b.bins;
  return m;
}

}  // namespace ngdsim
