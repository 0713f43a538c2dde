// Template dispatch: configuration -> (landscape type, optimizer type). Included
// only by the backends and the registry, so the instantiations live in their
// translation units.
#pragma once

#include "cli/bilinear_setup.hpp"
#include "cli/bnreg_setup.hpp"
#include "cli/config.hpp"
#include "cli/msense_setup.hpp"
#include "cli/registry.hpp"
#include "ngdsim/bnreg_dynamics.hpp"
#include "ngdsim/msense_dynamics.hpp"

namespace ngdsim {

template <class T, class Land, class F>
void dispatch_optimizer(const Config& c, const Land& land, F&& f) {
  if (c.optimizer == "ngd") return f(land, Ngd{});
  if (c.optimizer == "gd") return f(land, Gd{});
  if (c.optimizer == "sam") return f(land, Sam{c.rho});
  // ipgd (infinitesimally perturbed GD) is perturbed GD under another name: the same code.
  if (c.optimizer == "perturbed" || c.optimizer == "ipgd") return f(land, Perturbed{c.sigma});
  find_optimizer(c.optimizer);  // throws the UsageError
}

template <class T, int M, class F>
void dispatch_bilinear(const Config& c, int m, int q, F&& f) {
  if constexpr (M <= 8) {
    if (m == M) return dispatch_optimizer<T>(c, make_bilinear<T, M>(bilinear_spec(c), q), f);
    dispatch_bilinear<T, M + 1>(c, m, q, f);
  }
}

template <class T, int N, class F>
void dispatch_product(const Config& c, int n, int q, F&& f) {
  if constexpr (N <= 8) {
    if (n == N) return dispatch_optimizer<T>(c, Product<T, N>{q}, f);
    dispatch_product<T, N + 1>(c, n, q, f);
  }
}

// The landscape families, separately, so that a backend can spread them over
// translation units.
template <class T, class F>
void dispatch_product_family(const Config& c, F&& f) {
  dispatch_product<T, 2>(c, param_int(c, "n"), param_int(c, "q"), f);
}

template <class T, class F>
void dispatch_bilinear_family(const Config& c, F&& f) {
  dispatch_bilinear<T, 1>(c, param_int(c, "m"), param_int(c, "q"), f);
}

// parabola, cubic, cross and quadric.
template <class T, class F>
void dispatch_other_family(const Config& c, F&& f) {
  const int q = param_int(c, "q");
  if (c.landscape == "parabola") return dispatch_optimizer<T>(c, Parabola<T>{q}, f);
  if (c.landscape == "cubic") return dispatch_optimizer<T>(c, Cubic<T>{q}, f);
  if (c.landscape == "cross") return dispatch_optimizer<T>(c, Cross<T>{q}, f);
  if (c.landscape == "quadric")
    return dispatch_optimizer<T>(c, Quadric<T>::make(q, param_double(c, "a"), param_double(c, "b")),
                                 f);
  find_landscape(c.landscape);  // throws the UsageError
}

template <class T, int D, class F>
void dispatch_bnreg(const Config& c, const BnRegSpec& spec, F&& f) {
  // One instantiation for gd, gdwd (gd is gdwd with wd = 0, bit for bit) and ngd.
  f(make_bnreg<T, D>(spec), BnRegOptimizer{c.optimizer == "ngd", c.wd});
}

// bnreg: the landscape holds d <= 8 or d <= 16, with gd, gdwd or ngd.
template <class T, class F>
void dispatch_bnreg_family(const Config& c, F&& f) {
  const BnRegSpec spec = bnreg_spec(c);
  if (spec.summary.d <= 8) return dispatch_bnreg<T, 8>(c, spec, f);
  dispatch_bnreg<T, 16>(c, spec, f);
}

// msense's optimizer, chosen at run time (ipgd is perturbed under another name).
inline MSenseOptimizer msense_optimizer(const Config& c) {
  MSenseOptimizer o;
  o.kind = c.optimizer == "ngd"                                    ? MSenseOptimizer::kNgd
           : c.optimizer == "sam"                                  ? MSenseOptimizer::kSam
           : (c.optimizer == "perturbed" || c.optimizer == "ipgd") ? MSenseOptimizer::kPerturbed
                                                                   : MSenseOptimizer::kGd;
  o.sigma = c.sigma;
  o.rho = c.rho;
  return o;
}

// msense: one capacity (d rp <= 16) for every size and optimizer; the data it points to
// live for the call.
template <class T, class F>
void dispatch_msense(const Config& c, F&& f) {
  const MSenseSpec spec = msense_spec(c);
  MSenseData<T> data;
  f(make_msense<T, kMaxDim>(spec, data), msense_optimizer(c));
}

template <class T, class F>
void dispatch(const Config& c, F&& f) {
  if (c.landscape == "bnreg") return dispatch_bnreg_family<T>(c, f);
  if (c.landscape == "msense") return dispatch_msense<T>(c, f);
  if (c.landscape == "product") return dispatch_product_family<T>(c, f);
  if (c.landscape == "bilinear") return dispatch_bilinear_family<T>(c, f);
  dispatch_other_family<T>(c, f);
}

}  // namespace ngdsim
