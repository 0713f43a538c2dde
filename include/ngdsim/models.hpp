// The landscapes whose trajectories carry a record beyond their position and whose
// recorded quantities are their own (bnreg, msense), as models of the CPU tile and the
// kernel that run them (host/cpu/model_tile.hpp, kernels/model.cuh), and the bounds those
// size their per-trajectory buffers by.
#pragma once

#include "bnreg_dynamics.hpp"
#include "msense_dynamics.hpp"

namespace ngdsim {

inline constexpr int kMaxModelSlots = int(kBnRegSlots) > int(kMSenseSlots) ? int(kBnRegSlots)
                                                                           : int(kMSenseSlots);
// msense's: fit, fitted, escaped, lowrank per tau, solution per (eps, tau).
inline constexpr int kMaxExtraCounts = 3 + kMaxTau + kMaxEps * kMaxTau;
inline constexpr int kMaxFinalCells = 3;  // bnreg's three sharpness ratios

}  // namespace ngdsim
