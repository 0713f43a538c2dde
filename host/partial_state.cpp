#include "partial_state.hpp"

#include <sstream>
#include <utility>
#include <vector>

#include "h5_util.hpp"

namespace ngdsim {

namespace {

constexpr int kMomentFields = 5;  // count, mean, m2, min, max

// The integer counts of Statistics, by name: written and read back alike.
template <class S>
auto counts_of(S& s) {
  using V = decltype(&s.histogram);
  return std::vector<std::pair<const char*, V>>{
      {"histogram", &s.histogram}, {"nonfinite", &s.nonfinite},   {"flat_count", &s.flat_count},
      {"min_count", &s.min_count}, {"diverged", &s.diverged},     {"attractor", &s.attractor},
      {"settled", &s.settled},     {"sign_draws", &s.sign_draws}, {"critical", &s.critical}};
}

}  // namespace

std::string study_text(const Config& c) {
  Config study = c;
  study.backend = "cpu";
  std::istringstream lines(to_toml(study));
  std::string text, line;
  while (std::getline(lines, line))
    if (line.rfind("out = ", 0) != 0) text += line + "\n";
  return text;
}

void write_partial(hid_t partial, const Config& c, const Plan& plan, const Statistics& s,
                   std::int64_t first, std::int64_t end) {
  const std::size_t width = static_cast<std::size_t>(plan.records()) * kNumQuantities;
  std::vector<std::int32_t> level;
  std::vector<std::int64_t> index;
  std::vector<double> moments;
  for (const auto& n : s.nodes) {
    level.push_back(n.level);
    index.push_back(n.index);
    for (const Moments& m : n.data)
      moments.insert(moments.end(), {m.count, m.mean, m.m2, m.min, m.max});
  }
  const auto nodes = static_cast<hsize_t>(s.nodes.size());
  h5::write(partial, "node_level", {nodes}, level.data(), "level of each tree node (0: a leaf)");
  h5::write(partial, "node_index", {nodes}, index.data(), "index of each node in its level");
  h5::write(partial, "node_moments", {nodes, width, kMomentFields}, moments.data(),
            "count, mean, m2, min, max per record and quantity");
  for (auto& [name, v] : counts_of(s))
    h5::write(partial, name, {static_cast<hsize_t>(v->size())}, v->data(),
              "integer counts over the trajectories done");
  h5::write(partial, "sample", {static_cast<hsize_t>(s.sample.size())}, s.sample.data(),
            "sampled paths (the rows of the trajectories done)");
  if (c.save_final) {
    const auto n = static_cast<hsize_t>(end - first);
    const auto f = static_cast<std::size_t>(first);
    const auto d = static_cast<hsize_t>(c.dim);
    h5::write(partial, "final_position", {n, d}, s.final_position.data() + f * c.dim,
              "final positions");
    h5::write(partial, "final_class", {n}, s.final_class.data() + f, "final classes");
    h5::write(partial, "final_attractor", {n}, s.final_attractor.data() + f, "attractors");
    h5::write(partial, "last_entry", {n}, s.last_entry.data() + f, "last entry steps");
  }
}

void read_partial(hid_t partial, const Config& c, const Plan& plan, Statistics& total,
                  MomentTree& tree, std::int64_t first, std::int64_t end) {
  const int R = plan.records(), S = static_cast<int>(plan.sample_ids.size());
  Statistics part;
  part.allocate(R, static_cast<int>(c.eps.size()), plan.attractors, S, c.dim);
  for (auto& [name, v] : counts_of(part))
    h5::read_exact(partial, name, H5T_NATIVE_UINT64, v->data(), v->size());
  total.add_counts(part);
  h5::read_exact(partial, "sample", H5T_NATIVE_DOUBLE, part.sample.data(), part.sample.size());
  for (int k = 0; k < S; ++k) {
    const std::int64_t id = plan.sample_ids[k];
    if (id < first || id >= end) continue;
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < c.dim; ++j) {
        const std::size_t at = (std::size_t(r) * S + k) * c.dim + j;
        total.sample[at] = part.sample[at];
      }
  }
  hsize_t dims[3] = {0, 0, 0};
  {
    h5::Handle ds(H5Dopen2(partial, "node_level", H5P_DEFAULT), H5Dclose, "node_level");
    h5::Handle space(H5Dget_space(ds), H5Sclose, "node_level");
    h5::check(H5Sget_simple_extent_dims(space, dims, nullptr), "node_level");
  }
  const std::size_t nodes = dims[0], width = static_cast<std::size_t>(R) * kNumQuantities;
  std::vector<std::int32_t> level(nodes);
  std::vector<std::int64_t> index(nodes);
  std::vector<double> m(nodes * width * kMomentFields);
  h5::read_exact(partial, "node_level", H5T_NATIVE_INT32, level.data(), nodes);
  h5::read_exact(partial, "node_index", H5T_NATIVE_INT64, index.data(), nodes);
  h5::read_exact(partial, "node_moments", H5T_NATIVE_DOUBLE, m.data(), m.size());
  for (std::size_t n = 0; n < nodes; ++n) {
    std::vector<Moments> data(width);
    for (std::size_t w = 0; w < width; ++w) {
      const double* f = &m[(n * width + w) * kMomentFields];
      data[w].count = f[0], data[w].mean = f[1], data[w].m2 = f[2], data[w].min = f[3],
      data[w].max = f[4];
    }
    tree.insert(level[n], index[n], std::move(data));
  }
  if (c.save_final) {
    const auto n = static_cast<std::size_t>(end - first);
    const auto f = static_cast<std::size_t>(first);
    h5::read_exact(partial, "final_position", H5T_NATIVE_DOUBLE,
                   total.final_position.data() + f * c.dim, n * c.dim);
    h5::read_exact(partial, "final_class", H5T_NATIVE_INT8, total.final_class.data() + f, n);
    h5::read_exact(partial, "final_attractor", H5T_NATIVE_INT32, total.final_attractor.data() + f,
                   n);
    h5::read_exact(partial, "last_entry", H5T_NATIVE_INT64, total.last_entry.data() + f, n);
  }
}

}  // namespace ngdsim
