#include "io/partial_state.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "cli/registry.hpp"
#include "io/h5_util.hpp"

namespace ngdsim {

namespace {

constexpr int kMomentFields = 5;  // count, mean, m2, min, max

// The integer counts of Statistics, by name: written and read back alike.
template <class S>
auto counts_of(S& s) {
  using V = decltype(&s.histogram);
  return std::vector<std::pair<const char*, V>>{{"histogram", &s.histogram},
                                                {"nonfinite", &s.nonfinite},
                                                {"flat_count", &s.flat_count},
                                                {"min_count", &s.min_count},
                                                {"diverged", &s.diverged},
                                                {"attractor", &s.attractor},
                                                {"first_entry_count", &s.first_entry_count},
                                                {"last_entry_count", &s.last_entry_count},
                                                {"sign_draws", &s.sign_draws},
                                                {"critical", &s.critical},
                                                {"extra_count", &s.extra_count},
                                                {"final_counts", &s.final_counts}};
}

struct FinalDatasets {
  h5::Handle position, cls, attractor, last;
};

// /final rows in blocks, so that a checkpoint of 10^9 trajectories never holds them all.
constexpr std::int64_t kRowBlock = 1 << 20;

struct FinalBlock {
  explicit FinalBlock(int dim) : d(dim) {}
  void resize(std::int64_t n) {
    position.resize(static_cast<std::size_t>(n) * d);
    cls.resize(n);
    attractor.resize(n);
    last.resize(n);
  }
  int d;
  std::vector<double> position;
  std::vector<std::int8_t> cls;
  std::vector<std::int32_t> attractor;
  std::vector<std::int64_t> last;
};

// f(first, count) over the trajectories of `done`, in order, kRowBlock at a time.
template <class F>
void for_blocks(const LeafRanges& done, std::int64_t trajectories, F&& f) {
  for (const LeafRange& r : done) {
    const std::int64_t end = std::min<std::int64_t>(r.end * kLeafSize, trajectories);
    for (std::int64_t at = r.first * kLeafSize; at < end; at += kRowBlock)
      f(at, std::min(kRowBlock, end - at));
  }
}

// A dataset of the given shape, opened for reading rows.
h5::Handle open_rows(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims) {
  if (h5::dims(parent, name) != dims) throw std::runtime_error(name + " of another shape");
  return h5::Handle(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, name);
}

}  // namespace

std::string study_text(const Config& c, const std::string& backend) {
  Config study = c;
  study.backend = NGDSIM_STRICT_FP ? "cpu" : backend;
  std::istringstream lines(to_toml(study));
  std::string text, line;
  while (std::getline(lines, line))
    if (line.rfind("out = ", 0) != 0) text += line + "\n";
  return text;
}

void write_partial(hid_t partial, const Config& c, const Plan& plan, const Statistics& s,
                   const LeafRanges& done, const FinalSource* rows) {
  const std::size_t width = static_cast<std::size_t>(plan.records()) * plan.Q();
  std::vector<std::int64_t> ranges;
  for (const LeafRange& r : done) ranges.insert(ranges.end(), {r.first, r.end});
  h5::write(partial, "done_leaves", {static_cast<hsize_t>(done.size()), 2}, ranges.data(),
            "leaves [first, end) done, of 256 trajectories each (the last may be shorter)");
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
  if (c.save_final && rows) {
    const auto d = static_cast<hsize_t>(c.dim);
    const auto n = static_cast<hsize_t>(trajectories_in(done, c.trajectories));
    FinalDatasets out{
        h5::create(partial, "final_position", {n, d}, H5T_NATIVE_DOUBLE, "final positions"),
        h5::create(partial, "final_class", {n}, H5T_NATIVE_INT8, "final classes"),
        h5::create(partial, "final_attractor", {n}, H5T_NATIVE_INT32, "attractors"),
        h5::create(partial, "last_entry", {n}, H5T_NATIVE_INT64, "last entry steps")};
    hsize_t at = 0;
    FinalBlock block(c.dim);
    for_blocks(done, c.trajectories, [&](std::int64_t first, std::int64_t count) {
      block.resize(count);
      rows->read(first, count, block.position.data(), block.cls.data(), block.attractor.data(),
                 block.last.data());
      const auto k = static_cast<hsize_t>(count);
      h5::write_rows(out.position, at, k, H5T_NATIVE_DOUBLE, block.position.data());
      h5::write_rows(out.cls, at, k, H5T_NATIVE_INT8, block.cls.data());
      h5::write_rows(out.attractor, at, k, H5T_NATIVE_INT32, block.attractor.data());
      h5::write_rows(out.last, at, k, H5T_NATIVE_INT64, block.last.data());
      at += k;
    });
  }
}

LeafRanges read_partial(hid_t partial, const Config& c, const Plan& plan, Statistics& total,
                        MomentTree& tree, FinalSink* rows) {
  const int R = plan.records(), S = static_cast<int>(plan.sample_ids.size());
  const std::int64_t leaves = (c.trajectories + kLeafSize - 1) / kLeafSize;
  LeafRanges done;
  {
    const std::vector<hsize_t> dims = h5::dims(partial, "done_leaves");
    if (dims.size() != 2 || dims[1] != 2) throw std::runtime_error("done_leaves of another shape");
    std::vector<std::int64_t> ranges(dims[0] * 2);
    h5::read_exact(partial, "done_leaves", H5T_NATIVE_INT64, ranges.data(), ranges.size());
    for (std::size_t i = 0; i < dims[0]; ++i) {
      const LeafRange r{ranges[2 * i], ranges[2 * i + 1]};
      if (r.first < 0 || r.end <= r.first || r.end > leaves ||
          (!done.empty() && r.first <= done.back().end))
        throw std::runtime_error("done_leaves out of order or beyond the study");
      done.push_back(r);
    }
  }
  Statistics part;
  part.allocate(R, static_cast<int>(c.eps.size()), plan.attractors, S, c.dim, plan.Q(), plan.C(),
                plan.final_count_size);
  for (auto& [name, v] : counts_of(part))
    h5::read_exact(partial, name, H5T_NATIVE_UINT64, v->data(), v->size());
  total.add_counts(part);
  h5::read_exact(partial, "sample", H5T_NATIVE_DOUBLE, part.sample.data(), part.sample.size());
  for (int k = 0; k < S; ++k) {
    const std::int64_t leaf = plan.sample_ids[k] / kLeafSize;
    if (!covers(done, leaf, leaf + 1)) continue;
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < c.dim; ++j) {
        const std::size_t at = (std::size_t(r) * S + k) * c.dim + j;
        total.sample[at] = part.sample[at];
      }
  }
  const std::size_t nodes = h5::dims(partial, "node_level").at(0),
                    width = static_cast<std::size_t>(R) * plan.Q();
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
  if (c.save_final && rows) {
    read_partial_rows(partial, c, done, *rows);
  } else if (c.save_final) {  // read later: their shapes are checked now
    const auto n = static_cast<hsize_t>(trajectories_in(done, c.trajectories));
    open_rows(partial, "final_position", {n, hsize_t(c.dim)});
    for (const char* name : {"final_class", "final_attractor", "last_entry"})
      open_rows(partial, name, {n});
  }
  return done;
}

void read_partial_rows(hid_t partial, const Config& c, const LeafRanges& done, FinalSink& rows) {
  const auto n = static_cast<hsize_t>(trajectories_in(done, c.trajectories));
  FinalDatasets in{open_rows(partial, "final_position", {n, hsize_t(c.dim)}),
                   open_rows(partial, "final_class", {n}),
                   open_rows(partial, "final_attractor", {n}),
                   open_rows(partial, "last_entry", {n})};
  hsize_t at = 0;
  FinalBlock block(c.dim);
  for_blocks(done, c.trajectories, [&](std::int64_t first, std::int64_t count) {
    block.resize(count);
    const auto k = static_cast<hsize_t>(count);
    h5::read_rows(in.position, at, k, H5T_NATIVE_DOUBLE, block.position.data());
    h5::read_rows(in.cls, at, k, H5T_NATIVE_INT8, block.cls.data());
    h5::read_rows(in.attractor, at, k, H5T_NATIVE_INT32, block.attractor.data());
    h5::read_rows(in.last, at, k, H5T_NATIVE_INT64, block.last.data());
    rows.write(first, count, block.position.data(), block.cls.data(), block.attractor.data(),
               block.last.data());
    at += k;
  });
}

}  // namespace ngdsim
