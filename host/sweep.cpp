// ngdsim sweep: one study over a list, or a grid, of values of one or two settings,
// written as one HDF5 file with a group per point (each laid out as docs/output.md) and a table of
// the estimates per point.
#include "sweep.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "cpu_backend.hpp"
#include "h5_util.hpp"
#include "interrupt.hpp"
#include "memory.hpp"
#include "output_claim.hpp"
#include "provenance.hpp"
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

std::string point_name(std::size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "points/%03zu", i);
  return name;
}

constexpr const char* kPartialFiletype = "ngdsim-sweep-partial";

// What must be equal for a finished point to be kept on --resume: every point's
// resolved configuration but the settings that never change results (threads, tile,
// chunk, backend between cpu, cuda and emulated, the output name).
std::string resume_key(const std::vector<Config>& points) {
  std::string key;
  for (std::size_t i = 0; i < points.size(); ++i) {
    Config c = points[i];
    c.backend = "auto";
    c.out.clear();
    key += "[point " + std::to_string(i + 1) + "]\n" + to_toml(c);
  }
  return key;
}

// "the first difference: LINE there, LINE here" between two resume keys.
std::string first_difference(const std::string& stored, const std::string& now) {
  std::istringstream a(stored), b(now);
  std::string la, lb, section;
  while (true) {
    const bool ga = static_cast<bool>(std::getline(a, la));
    const bool gb = static_cast<bool>(std::getline(b, lb));
    if (!ga && !gb) return "";
    if (!ga || !gb) return "a different number of points";
    if (la != lb)
      return section + (section.empty() ? "" : ": ") + "'" + la + "' there, '" + lb + "' here";
    if (la.rfind("[point ", 0) == 0) section = la.substr(1, la.size() - 2);
  }
}

// The rows of the finished points of an interrupted sweep (OUT.partial), whose groups
// are copied into `root`; none without --resume. UsageError when a partial sweep is in
// the way without --resume or --force, or when it cannot be resumed.
std::vector<std::vector<double>> kept_points(const std::string& partial, const Config& base,
                                             const std::string& key, hid_t root,
                                             std::ostream& log) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(partial, ec);
  if (!base.resume) {
    if (exists && !base.force)
      throw UsageError("invalid out '" + base.out + "': " + partial +
                       " holds the finished points of an interrupted sweep (pass --resume to "
                       "continue it, or --force to start over)");
    return {};
  }
  if (!exists)
    throw UsageError("invalid resume: no interrupted sweep to continue (" + partial +
                     " does not exist)");
  const std::string bad = "invalid resume: " + partial;
  if (!std::filesystem::is_regular_file(partial, ec) || H5Fis_hdf5(partial.c_str()) <= 0)
    throw UsageError(bad + " is not an HDF5 file");
  std::vector<std::vector<double>> rows;
  try {
    h5::Handle f = h5::open_file(partial);
    if (h5::read_attr_string(f, "filetype") != kPartialFiletype)
      throw UsageError(bad + " is not an interrupted ngdsim sweep");
    h5::Handle s = h5::open_group(f, "sweep");
    if (const std::string d = first_difference(h5::read_attr_string(s, "resume_key"), key);
        !d.empty())
      throw UsageError(bad + " was made with other settings (" + d +
                       "; only threads, tile, chunk and backend may change)");
    const std::vector<double> table = h5::read_doubles(s, "table");
    const std::size_t width = 3 * 2 * base.eps.size() + base.vary.size() + 4;
    if (table.size() % width != 0) throw UsageError(bad + " has a damaged table");
    h5::Handle points = h5::group(root, "points");
    for (std::size_t i = 0; i < table.size() / width; ++i) {
      const std::string name = point_name(i);
      h5::check(H5Ocopy(f, name.c_str(), root, name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
                "copy " + name + " from " + partial);
      rows.emplace_back(table.begin() + i * width, table.begin() + (i + 1) * width);
    }
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    throw UsageError(bad + " cannot be read (" + e.what() + ")");
  }
  log << "ngdsim sweep: " << rows.size() << " finished points kept from " << partial << "\n";
  return rows;
}

// /sweep: the table of estimates (a row per finished point), its columns, the values
// of the varied settings and the sweep's configuration.
void write_table(hid_t root, const Config& base, const Config& first,
                 const std::vector<std::string>& columns,
                 const std::vector<std::vector<double>>& rows) {
  h5::Handle s = h5::group(root, "sweep");
  std::vector<double> table;
  for (const auto& r : rows) table.insert(table.end(), r.begin(), r.end());
  std::string joined;
  for (const auto& c : columns) joined += (joined.empty() ? "" : ", ") + c;
  h5::write(s, "table", {hsize_t(rows.size()), hsize_t(columns.size())}, table.data(),
            "estimates per point (row i is group points/i): the varied settings (for "
            "non-numeric values, the index into the attribute values.KEY), then the columns "
            "named in the attribute `columns`");
  h5::attr(s, "columns", joined);
  for (const auto& [key, values] : base.vary) {
    std::string list;
    for (const auto& v : values) list += (list.empty() ? "" : " | ") + v;
    h5::attr(s, "values." + key, list);
  }
  std::string text = to_toml(first);
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
  OutputFile file(base.out, base.force, "ngdsim-sweep");  // claims OUT and OUT.partial
  const std::string partial = sidecar_path(base.out, ".partial");

  std::vector<std::string> columns;
  for (const auto& [key, values] : base.vary) columns.push_back(key);
  const std::size_t E = base.eps.size(), V = base.vary.size();
  for (const char* name :
       {"p_flat", "p_flat_low", "p_flat_high", "p_min", "p_min_low", "p_min_high"})
    for (double e : base.eps) {
      std::ostringstream o;
      o << name << "(" << e << ")";
      columns.push_back(o.str());
    }
  for (const char* name : {"p_diverged", "p_diverged_low", "p_diverged_high", "wall_seconds"})
    columns.emplace_back(name);

  const std::string key = resume_key(points);
  std::vector<std::vector<double>> rows = kept_points(partial, base, key, file.root(), log);
  try {
    for (std::size_t i = rows.size(); i < points.size(); ++i) {
      h5::Handle group = h5::group(file.root(), point_name(i));
      h5::attr(group, "label", labels[i]);
      log << "ngdsim sweep: point " << i + 1 << " of " << points.size() << ": " << labels[i]
          << "\n";
      const Estimates e = run_point(points[i], backend, group, log);
      std::vector<double> row;
      for (std::size_t a = 0; a < V; ++a) {
        const std::string& v = base.vary[a].second[index[i][a]];
        row.push_back(numeric(v) ? std::stod(v) : static_cast<double>(index[i][a]));
      }
      for (auto member : {&Interval::estimate, &Interval::low, &Interval::high})
        for (std::size_t k = 0; k < E; ++k) row.push_back(e.p_flat[k].*member);
      for (auto member : {&Interval::estimate, &Interval::low, &Interval::high})
        for (std::size_t k = 0; k < E; ++k) row.push_back(e.p_min[k].*member);
      for (double x : {e.p_diverged.estimate, e.p_diverged.low, e.p_diverged.high, e.wall_seconds})
        row.push_back(x);
      rows.push_back(std::move(row));
    }
  } catch (const Interrupted& stop) {
    const std::string done =
        std::to_string(rows.size()) + " of " + std::to_string(points.size()) + " points";
    if (rows.empty())
      throw Interrupted(stop.signal, std::string(stop.what()) +
                                         " before the first point finished: nothing was written");
    // The finished points, under a name no reader takes for a whole sweep.
    const std::string unfinished = point_name(rows.size());
    if (H5Lexists(file.root(), unfinished.c_str(), H5P_DEFAULT) > 0)
      h5::check(H5Ldelete(file.root(), unfinished.c_str(), H5P_DEFAULT), "delete " + unfinished);
    write_table(file.root(), base, points[0], columns, rows);
    h5::Handle s = h5::open_group(file.root(), "sweep");
    h5::attr(s, "resume_key", key);
    h5::attr(file.root(), "filetype", std::string(kPartialFiletype));
    s = h5::Handle();
    write_provenance(file.root(), {backend.name, device_name(backend, base)});
    file.commit_as(partial);
    throw Interrupted(
        stop.signal, std::string(stop.what()) + " after " + done + ": they are kept in " + partial +
                         "; continue with: " + command_line() + (base.resume ? "" : " --resume"));
  }
  write_table(file.root(), base, points[0], columns, rows);
  write_provenance(file.root(), {backend.name, device_name(backend, base)});
  file.commit();
  std::remove(partial.c_str());  // its points are in the sweep file now

  // The table, one line per point (p_flat(eps[0]) and its interval, then p_min, p_diverged).
  out << "sweep around: " << one_line(base) << "\n";
  out << std::left << std::setw(28) << "point"
      << "P(flat, " << base.eps[0] << ")           "
      << "P(min, " << base.eps[0] << ")            P(diverged)\n";
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::vector<double>& r = rows[i];
    char buf[160];
    std::snprintf(buf, sizeof buf, "%-28s%.4f [%.4f, %.4f]  %.4f [%.4f, %.4f]  %.4f\n",
                  labels[i].c_str(), r[V], r[V + E], r[V + 2 * E], r[V + 3 * E], r[V + 4 * E],
                  r[V + 5 * E], r[V + 6 * E]);
    out << buf;
  }
  out << "output:     " << base.out << "\n";
}

}  // namespace ngdsim
