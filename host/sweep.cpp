// ngdsim sweep: one study over a list, or a grid, of values of one or two settings,
// written as one HDF5 file with a group per point (each laid out as output.md
// section 3) and a table of the estimates per point.
#include "sweep.hpp"

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "cpu_backend.hpp"
#include "h5_util.hpp"
#include "memory.hpp"
#include "run.hpp"

namespace ngdsim {
namespace {

bool numeric(const std::string& s) {
  std::size_t used = 0;
  try {
    std::stod(s, &used);
  } catch (const std::logic_error&) {
    return false;
  }
  return used == s.size();
}

void apply(Config& c, const std::string& key, const std::string& value) {
  if (key.rfind("param.", 0) == 0)
    set_option(c, "param", key.substr(6) + "=" + value);
  else
    set_option(c, key, value);
}

}  // namespace

void run_sweep(const Config& base, std::ostream& out, std::ostream& log) {
  if (base.vary.empty())
    throw UsageError("invalid vary: ngdsim sweep needs --vary KEY=V1,V2,... (one or two settings)");
  // Every point's configuration is built and validated before anything runs.
  std::vector<std::vector<std::size_t>> index{{}};
  for (const auto& [key, values] : base.vary) {
    std::vector<std::vector<std::size_t>> next;
    for (const auto& prefix : index)
      for (std::size_t i = 0; i < values.size(); ++i) {
        next.push_back(prefix);
        next.back().push_back(i);
      }
    index = std::move(next);
  }
  std::vector<Config> points;
  std::vector<std::string> labels;
  for (const auto& idx : index) {
    Config c = base;
    c.vary.clear();
    std::string label;
    for (std::size_t a = 0; a < base.vary.size(); ++a) {
      const auto& [key, values] = base.vary[a];
      apply(c, key, values[idx[a]]);
      label += (label.empty() ? "" : " ") + key + "=" + values[idx[a]];
    }
    resolve(c);
    points.push_back(c);
    labels.push_back(label);
  }

  const Backend backend = choose_backend(base);
  for (const Config& c : points) check_host_memory(c, backend.name, cpu_threads(c));
  OutputFile file(base.out, base.force, "ngdsim-sweep");
  std::vector<std::string> columns;
  for (const auto& [key, values] : base.vary) columns.push_back(key);
  const std::size_t E = base.eps.size();
  for (const char* name :
       {"p_flat", "p_flat_low", "p_flat_high", "p_min", "p_min_low", "p_min_high"})
    for (double e : base.eps) {
      std::ostringstream o;
      o << name << "(" << e << ")";
      columns.push_back(o.str());
    }
  for (const char* name : {"p_diverged", "p_diverged_low", "p_diverged_high", "wall_seconds"})
    columns.emplace_back(name);
  std::vector<double> table;
  std::vector<Estimates> estimates;
  for (std::size_t i = 0; i < points.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "points/%03zu", i);
    h5::Handle group = h5::group(file.root(), name);
    h5::attr(group, "label", labels[i]);
    log << "ngdsim sweep: point " << i + 1 << " of " << points.size() << ": " << labels[i] << "\n";
    const Estimates e = run_point(points[i], backend, group, log);
    estimates.push_back(e);
    for (std::size_t a = 0; a < base.vary.size(); ++a) {
      const std::string& v = base.vary[a].second[index[i][a]];
      table.push_back(numeric(v) ? std::stod(v) : static_cast<double>(index[i][a]));
    }
    for (auto member : {&Interval::estimate, &Interval::low, &Interval::high})
      for (std::size_t k = 0; k < E; ++k) table.push_back(e.p_flat[k].*member);
    for (auto member : {&Interval::estimate, &Interval::low, &Interval::high})
      for (std::size_t k = 0; k < E; ++k) table.push_back(e.p_min[k].*member);
    table.push_back(e.p_diverged.estimate);
    table.push_back(e.p_diverged.low);
    table.push_back(e.p_diverged.high);
    table.push_back(e.wall_seconds);
  }

  {
    h5::Handle s = h5::group(file.root(), "sweep");
    std::string joined;
    for (const auto& c : columns) joined += (joined.empty() ? "" : ", ") + c;
    h5::write(s, "table", {hsize_t(points.size()), hsize_t(columns.size())}, table.data(),
              "estimates per point (row i is group points/i): the varied settings (for "
              "non-numeric values, the index into the attribute values.KEY), then the columns "
              "named in the attribute `columns`");
    h5::attr(s, "columns", joined);
    for (const auto& [key, values] : base.vary) {
      std::string list;
      for (const auto& v : values) list += (list.empty() ? "" : " | ") + v;
      h5::attr(s, "values." + key, list);
    }
    std::string text = to_toml(points[0]);
    text += "\n[vary]\n";
    for (const auto& [key, values] : base.vary) {
      text += "\"" + key + "\" = [";
      for (std::size_t i = 0; i < values.size(); ++i)
        text +=
            std::string(i ? ", " : "") + (numeric(values[i]) ? values[i] : "\"" + values[i] + "\"");
      text += "]\n";
    }
    h5::write_string(s, "config", text,
                     "the sweep's configuration (the first point's settings and [vary]); "
                     "`ngdsim sweep --config` re-runs it");
  }
  file.commit();

  // The table, one line per point.
  out << "sweep around: " << one_line(base) << "\n";
  out << std::left << std::setw(28) << "point"
      << "P(flat, " << base.eps[0] << ")           "
      << "P(min, " << base.eps[0] << ")            P(diverged)\n";
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Estimates& e = estimates[i];
    char buf[160];
    std::snprintf(buf, sizeof buf, "%-28s%.4f [%.4f, %.4f]  %.4f [%.4f, %.4f]  %.4f\n",
                  labels[i].c_str(), e.p_flat[0].estimate, e.p_flat[0].low, e.p_flat[0].high,
                  e.p_min[0].estimate, e.p_min[0].low, e.p_min[0].high, e.p_diverged.estimate);
    out << buf;
  }
  out << "output:     " << base.out << "\n";
}

}  // namespace ngdsim
