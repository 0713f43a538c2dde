// The matrix sensing landscape's host-side data: the sensing matrices A_i and the ground
// truth U* (given, or drawn from a data_seed), validated, and what is derived from them once
// per run in double precision (X* = U* U*^T, y, M0 and its eigenvalues, the predicted
// escape rate); and the landscape built on them.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/config.hpp"
#include "ngdsim/landscapes/msense.hpp"

namespace ngdsim {

struct MSenseSpec {
  int d = 0, rp = 0, r = 0, m = 0;
  std::vector<double> A;      // [m][d][d]
  std::vector<double> ustar;  // [d][r]
  std::vector<double> xstar;  // [d][d] = U* U*^T
  std::vector<double> y;      // [m], y_i = <A_i, X*>
  std::vector<double> mu;     // eigenvalues of M0 = (1/m) sum y_i A_i, decreasing
  double ustar_norm = 0.0;    // ||U*||_F
};

// Validates sizes and data and derives the rest. Refused, with a UsageError naming the
// setting: d < 2, r outside 1..min(d, rp), d rp > 16, m < 1, m d^2 > 4096, wrong counts,
// non-finite numbers, an asymmetric A_i (|A_iab - A_iba| > 1e-12 max|A|), U* = 0, and
// lambda_max(M0) <= 0 (then U = 0 is no strict saddle).
MSenseSpec msense_spec(int d, int rp, int r, int m, const std::vector<double>& A,
                       const std::vector<double>& ustar);

// The run's data: A and Ustar as given, or drawn from data_seed when both are empty.
MSenseSpec msense_spec(const Config& c);

// The data drawn from data_seed: G_i with iid N(0, 1) entries, A_i = (G_i + G_i^T)/2, U*
// with iid N(0, 1) entries scaled to ||U* U*^T||_F = 1; from the Philox stream
// (data_seed, trajectory 0, step 0, Purpose::kMSenseData), G_1..G_m then U*.
void msense_draw(int d, int r, int m, std::uint64_t data_seed, std::vector<double>& A,
                 std::vector<double>& ustar);

// The data of T precision the landscape points to.
template <class T>
struct MSenseData {
  std::vector<T> A, y;
};

template <class T, int D>
MSense<T, D> make_msense(const MSenseSpec& s, MSenseData<T>& data) {
  if (s.d * s.rp > D)
    throw std::logic_error("make_msense: d rp = " + std::to_string(s.d * s.rp) +
                           " beyond the capacity " + std::to_string(D));
  data.A.assign(s.A.begin(), s.A.end());
  data.y.assign(s.y.begin(), s.y.end());
  MSense<T, D> land;
  land.d = s.d;
  land.rp = s.rp;
  land.r = s.r;
  land.m = s.m;
  land.A = data.A.data();
  land.y = data.y.data();
  for (std::size_t k = 0; k < s.ustar.size(); ++k) land.ustar[k] = static_cast<T>(s.ustar[k]);
  land.ustar_norm = static_cast<T>(s.ustar_norm);
  return land;
}

}  // namespace ngdsim
