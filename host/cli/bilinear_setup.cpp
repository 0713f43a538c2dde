#include "cli/bilinear_setup.hpp"

#include <Eigen/SVD>
#include <cmath>
#include <sstream>

#include "cli/registry.hpp"
#include "ngdsim/random.hpp"

namespace ngdsim {

BilinearSpec bilinear_spec(const Config& c) {
  BilinearSpec b;
  b.m = param_int(c, "m");
  const int m = b.m;
  const auto params = resolved_params(c);
  const std::string text = params.at("A");
  if (text == "random") {
    // Independent N(0, 1/m) entries from the run's seed (its own Philox purpose).
    std::vector<double> z(std::size_t(m) * m);
    normals(RandomKey{c.seed, 0, 0, Purpose::kLandscape}, z.data(), m * m);
    for (double v : z) b.A.push_back(v / std::sqrt(double(m)));
  } else {
    b.A = param_numbers(text, "A", "bilinear");
    if (static_cast<int>(b.A.size()) != m * m)
      throw UsageError("invalid param A '" + text + "' for landscape bilinear: has " +
                       std::to_string(b.A.size()) + " entries, m x m = " + std::to_string(m * m) +
                       " needed (row-major), or 'random'");
  }
  Eigen::MatrixXd A(m, m);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) A(i, j) = b.A[std::size_t(i) * m + j];
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(A, Eigen::ComputeFullU | Eigen::ComputeFullV);
  const auto& s = svd.singularValues();  // descending
  b.kmin = m - 1;
  const double smin = s(m - 1), smax = s(0);
  if (!(smin > 1e-12 * smax))
    throw UsageError("invalid param A for landscape bilinear: its smallest singular value is " +
                     std::to_string(smin) + " (zero): the flat set is not a pair of points");
  if (m > 1 && (s(m - 2) - smin) / s(m - 2) < 1e-6)
    throw UsageError("invalid param A for landscape bilinear: its smallest singular value " +
                     std::to_string(smin) + " is not simple (next " + std::to_string(s(m - 2)) +
                     ", relative gap < 1e-6): the flat set is not a pair of points");
  for (int i = 0; i < m; ++i) {
    b.s.push_back(s(i));
    for (int j = 0; j < m; ++j) {
      b.U.push_back(svd.matrixU()(i, j));
      b.V.push_back(svd.matrixV()(i, j));
    }
  }
  return b;
}

}  // namespace ngdsim
