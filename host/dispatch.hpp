// Template dispatch: configuration -> (landscape type, optimizer type). Included
// only by the backends, so the instantiations live in their translation units.
#pragma once

#include "config.hpp"
#include "registry.hpp"

namespace ngdsim {

template <class T, class Land, class F>
void dispatch_optimizer(const Config& c, const Land& land, F&& f) {
  if (c.optimizer == "ngd") return f(land, Ngd{});
  if (c.optimizer == "gd") return f(land, Gd{});
  find_optimizer(c.optimizer);  // throws the UsageError
}

template <class T, class F>
void dispatch(const Config& c, F&& f) {
  const int q = param_int(c, "q");
  if (c.landscape == "product") {
    switch (param_int(c, "n")) {
      case 2:
        return dispatch_optimizer<T>(c, Product<T, 2>{q}, f);
      case 3:
        return dispatch_optimizer<T>(c, Product<T, 3>{q}, f);
      case 4:
        return dispatch_optimizer<T>(c, Product<T, 4>{q}, f);
      case 5:
        return dispatch_optimizer<T>(c, Product<T, 5>{q}, f);
      case 6:
        return dispatch_optimizer<T>(c, Product<T, 6>{q}, f);
      case 7:
        return dispatch_optimizer<T>(c, Product<T, 7>{q}, f);
      case 8:
        return dispatch_optimizer<T>(c, Product<T, 8>{q}, f);
    }
  } else if (c.landscape == "parabola") {
    return dispatch_optimizer<T>(c, Parabola<T>{q}, f);
  }
  find_landscape(c.landscape);  // throws the UsageError
}

}  // namespace ngdsim
