// ngdsim sweep: one study over a list, or a grid, of values of one or two settings,
// written as one HDF5 file with a group per point (each laid out as docs/output.md) and a table of
// the estimates per point.
#include "study/sweep.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>

#include "cli/registry.hpp"
#include "cpu/cpu_backend.hpp"
#include "io/h5_util.hpp"
#include "io/output.hpp"
#include "io/output_claim.hpp"
#include "io/provenance.hpp"
#include "study/interrupt.hpp"
#include "study/memory.hpp"
#include "study/mpi_run.hpp"
#include "study/run.hpp"
#include "study/shard.hpp"

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
  if (key.rfind("param.", 0) == 0) return set_option(c, "param", key.substr(6) + "=" + value);
  if (key != "optimizer" && key != "landscape") return set_option(c, key, value);
  // NAME(KEY=V ...): an optimizer's settings are settings of the run, a landscape's are
  // its parameters; the base's parameters that this landscape lacks do not apply to it.
  const NamedValue named = *split_named_value(value);  // checked by set_option("vary")
  set_option(c, key, named.name);
  if (key == "landscape") {
    std::map<std::string, std::string> own;
    for (const auto& param : find_landscape(named.name).params)
      if (auto it = c.param.find(param.name); it != c.param.end()) own.insert(*it);
    c.param = std::move(own);
  }
  for (const auto& [k, v] : named.settings) {
    if (key == "landscape") {
      set_option(c, "param", k + "=" + v);
    } else if (k == "vary" || k == "landscape" || k == "optimizer" || k == "param") {
      throw UsageError("invalid vary value '" + value + "': an optimizer's own settings may " +
                       "not include " + k);
    } else {
      set_option(c, k, v);
    }
  }
}

std::string point_name(std::size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "points/%03zu", i);
  return name;
}

constexpr const char* kPartialFiletype = "ngdsim-sweep-partial";
constexpr const char* kShardFiletype = "ngdsim-sweep-shard";

// Points [first, end) of shard I of M: P / M consecutive points, one more for the first
// P % M shards.
std::pair<std::size_t, std::size_t> shard_points(std::size_t P, std::size_t I, std::size_t M) {
  const std::size_t q = P / M, extra = P % M;
  const std::size_t first = I * q + std::min(I, extra);
  return {first, first + q + (I < extra ? 1 : 0)};
}

// /sweep/table: the estimates of `rows`, one row per point.
void write_rows(hid_t sweep, const std::vector<std::vector<double>>& rows, std::size_t width) {
  std::vector<double> table;
  for (const auto& r : rows) table.insert(table.end(), r.begin(), r.end());
  h5::write(sweep, "table", {hsize_t(rows.size()), hsize_t(width)}, table.data(),
            "estimates per point (row i is group points/i): the varied settings (for "
            "non-numeric values, the index into the attribute values.KEY), then the columns "
            "named in the attribute `columns`");
}

// The sweep's setting in one line, with the varied settings named, not given the base
// value they do not have (alpha_k = 1/(k+1)^p when p is varied).
std::string sweep_header(const Config& base) {
  std::string line = one_line(base);
  bool p = false, alpha0 = false;
  std::string varied;
  for (const auto& [key, values] : base.vary) {
    p = p || key == "p";
    alpha0 = alpha0 || key == "alpha0";
    varied += (varied.empty() ? "" : "; ") + key + " over ";
    for (std::size_t i = 0; i < values.size(); ++i) varied += (i ? ", " : "") + values[i];
  }
  const auto at = line.find("alpha_k = "), end = line.find(", N = ");
  if (at != std::string::npos && end != std::string::npos && (p || alpha0)) {
    std::ostringstream o;
    o << "alpha_k = ";
    if (alpha0)
      o << "alpha0";
    else
      o << base.alpha0;
    o << "/(k+1)^";
    if (p)
      o << "p";
    else
      o << base.p;
    line = line.substr(0, at) + o.str() + line.substr(end);
  }
  return line + " (varied: " + varied + ")";
}

// The table as the terminal shows it: a line per point, P(flat) and P(min) at the first
// eps with their intervals, P(diverged) and alpha_K, the last step size; points where eps
// is below alpha_K are marked and explained.
void print_table(std::ostream& out, const std::vector<std::string>& labels,
                 const std::vector<std::vector<double>>& rows, std::size_t V, std::size_t E,
                 double eps0) {
  int width = 28;  // the point column: its longest label and two spaces
  for (const auto& label : labels) width = std::max(width, static_cast<int>(label.size()) + 2);
  out << std::left << std::setw(width) << "point"
      << "P(flat, " << eps0 << ")           "
      << "P(min, " << eps0 << ")            P(diverged)  alpha_K\n";
  bool marked = false;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::vector<double>& r = rows[i];
    const double alpha_k = r[V + 6 * E + 3];
    const bool below = eps0 < alpha_k;
    marked = marked || below;
    char buf[400];
    std::snprintf(buf, sizeof buf, "%-*s%.4f [%.4f, %.4f]  %.4f [%.4f, %.4f]  %.4f       %.3g%s\n",
                  width, labels[i].c_str(), r[V], r[V + E], r[V + 2 * E], r[V + 3 * E],
                  r[V + 4 * E], r[V + 5 * E], r[V + 6 * E], alpha_k, below ? "  *" : "");
    out << buf;
  }
  if (marked)
    out << "* warning: eps = " << eps0
        << " < alpha_K at these points: the trajectories still move by about alpha_K per step "
           "(NGD oscillates at that amplitude), so P(flat, "
        << eps0 << ") and P(min, " << eps0
        << ") there measure the phase of that motion, not convergence\n";
}

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
    const std::size_t width = 3 * 2 * base.eps.size() + base.vary.size() + 5;
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
void write_table(hid_t root, const Config& base, const std::vector<std::string>& columns,
                 const std::vector<std::vector<double>>& rows) {
  h5::Handle s = h5::group(root, "sweep");
  write_rows(s, rows, columns.size());
  std::string joined;
  for (const auto& c : columns) joined += (joined.empty() ? "" : ", ") + c;
  h5::attr(s, "columns", joined);
  for (const auto& [key, values] : base.vary) {
    std::string list;
    for (const auto& v : values) list += (list.empty() ? "" : " | ") + v;
    h5::attr(s, "values." + key, list);
  }
  // The unvaried settings: a point's own (a landscape's parameters given with its name)
  // would leak into the other points when the file is re-run.
  std::string text = to_toml(base);
  text += "\n[vary]\n";
  for (const auto& [key, values] : base.vary) {
    text += "\"" + key + "\" = [";
    for (std::size_t i = 0; i < values.size(); ++i)
      text +=
          std::string(i ? ", " : "") + (numeric(values[i]) ? values[i] : "\"" + values[i] + "\"");
    text += "]\n";
  }
  h5::write_string(s, "config", text,
                   "the sweep's configuration (the settings it was not varying, and [vary]); "
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

  // A shard runs points [first, end) and writes them with their rows of the table.
  const bool shard = base.shard_count > 0;
  std::size_t first = 0, end = points.size();
  if (shard) {
    if (static_cast<std::size_t>(base.shard_count) > points.size())
      throw UsageError("invalid shard '" + std::to_string(base.shard_index) + "/" +
                       std::to_string(base.shard_count) +
                       "': allowed I/M with 0 <= I < M <= " + std::to_string(points.size()) +
                       " (this sweep has " + std::to_string(points.size()) + " points)");
    std::tie(first, end) = shard_points(points.size(), base.shard_index, base.shard_count);
    for (Config& c : points) c.shard_count = 0;  // each point runs whole
  }
  // Under MPI every point runs over all the ranks, one after another; rank 0 alone owns
  // the file.
  const bool ranks = mpi::spread();
  if (ranks) {
    if (shard)
      throw UsageError("invalid shard: under mpirun the ranks share every point (drop --shard)");
    for (Config c : points) {
      c.resume = false;  // a sweep's --resume keeps its finished points, under MPI too
      mpi::check_spreadable(c);
    }
  }
  const Backend backend = choose_backend(base);
  for (const Config& c : points) check_host_memory(c, backend.name, cpu_threads(c));
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
  for (const char* name :
       {"p_diverged", "p_diverged_low", "p_diverged_high", "alpha_K", "wall_seconds"})
    columns.emplace_back(name);

  const std::string key = resume_key(points);
  std::unique_ptr<OutputFile> owned;
  std::vector<std::vector<double>> rows;
  std::string refusal;
  if (!ranks || mpi::rank() == 0) try {
      // Claims OUT and OUT.partial.
      owned = std::make_unique<OutputFile>(base.out, base.force,
                                           shard ? kShardFiletype : "ngdsim-sweep");
      rows = kept_points(partial, base, key, owned->root(), log);
    } catch (const UsageError& e) {
      if (!ranks) throw;
      refusal = e.what();
    }
  if (ranks) {
    if (refusal = mpi::agree(refusal); !refusal.empty()) throw UsageError(refusal);
    const auto kept = static_cast<std::size_t>(mpi::agree(static_cast<std::int64_t>(rows.size())));
    if (mpi::rank() != 0) {
      for (std::size_t i = kept; i < points.size(); ++i) mpi::run_point(points[i], -1, log);
      return;
    }
  }
  OutputFile& file = *owned;
  try {
    for (std::size_t i = first + rows.size(); i < end; ++i) {
      h5::Handle group = h5::group(file.root(), point_name(i));
      h5::attr(group, "label", labels[i]);
      log << "ngdsim sweep: point " << i + 1 << " of " << points.size() << ": " << labels[i]
          << "\n";
      const Estimates e =
          ranks ? mpi::run_point(points[i], group, log) : run_point(points[i], backend, group, log);
      std::vector<double> row;
      for (std::size_t a = 0; a < V; ++a) {
        const std::string& v = base.vary[a].second[index[i][a]];
        row.push_back(numeric(v) ? std::stod(v) : static_cast<double>(index[i][a]));
      }
      for (auto member : {&Interval::estimate, &Interval::low, &Interval::high})
        for (std::size_t k = 0; k < E; ++k) row.push_back(e.p_flat[k].*member);
      for (auto member : {&Interval::estimate, &Interval::low, &Interval::high})
        for (std::size_t k = 0; k < E; ++k) row.push_back(e.p_min[k].*member);
      for (double x : {e.p_diverged.estimate, e.p_diverged.low, e.p_diverged.high, e.alpha_last,
                       e.wall_seconds})
        row.push_back(x);
      rows.push_back(std::move(row));
    }
  } catch (const Interrupted& stop) {
    if (shard)
      throw Interrupted(
          stop.signal, std::string(stop.what()) + ": the sweep shard stopped; nothing was written");
    const std::string done =
        std::to_string(rows.size()) + " of " + std::to_string(points.size()) + " points";
    if (rows.empty())
      throw Interrupted(stop.signal, std::string(stop.what()) +
                                         " before the first point finished: nothing was written");
    // The finished points, under a name no reader takes for a whole sweep.
    const std::string unfinished = point_name(rows.size());
    if (H5Lexists(file.root(), unfinished.c_str(), H5P_DEFAULT) > 0)
      h5::check(H5Ldelete(file.root(), unfinished.c_str(), H5P_DEFAULT), "delete " + unfinished);
    write_table(file.root(), base, columns, rows);
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
  write_table(file.root(), base, columns, rows);
  if (shard) {
    h5::attr(file.root(), "shard_index", base.shard_index);
    h5::attr(file.root(), "shard_count", base.shard_count);
    h5::attr(file.root(), "first_point", static_cast<std::int64_t>(first));
    h5::attr(file.root(), "end_point", static_cast<std::int64_t>(end));
    h5::attr(file.root(), "points", static_cast<std::int64_t>(points.size()));
    h5::Handle s = h5::open_group(file.root(), "sweep");
    h5::attr(s, "sweep_key", key);
  }
  write_provenance(file.root(), {backend.name, device_name(backend, base)});
  file.commit();
  std::remove(partial.c_str());  // its points are in the sweep file now
  if (shard) {
    out << "sweep shard " << base.shard_index << "/" << base.shard_count << ": points " << first
        << " to " << end - 1 << " of " << points.size() << " written to " << base.out
        << "; when all " << base.shard_count
        << " are done: ngdsim merge SHARD_FILES... --out FILE\n";
    return;
  }

  // The table, one line per point (p_flat(eps[0]) and its interval, then p_min, p_diverged).
  out << "sweep around: " << sweep_header(base) << "\n";
  print_table(out, labels, rows, V, E, base.eps[0]);
  out << "output:     " << base.out << "\n";
}

namespace {

// `text` (a stored configuration) with its out line naming `out`: a merged sweep's texts
// re-run into the merged file's name, not a shard's.
std::string with_out(const std::string& text, const std::string& out) {
  Config named;
  named.out = out;
  std::istringstream ours(to_toml(named)), theirs(text);
  std::string line, out_line, result;
  while (std::getline(ours, line))
    if (line.rfind("out = ", 0) == 0) out_line = line;
  while (std::getline(theirs, line))
    result += (line.rfind("out = ", 0) == 0 ? out_line : line) + "\n";
  return result;
}

void rename_out(hid_t parent, const std::string& name, const std::string& out,
                const std::string& description) {
  const std::string text = with_out(h5::read_string(parent, name), out);
  h5::check(H5Ldelete(parent, name.c_str(), H5P_DEFAULT), "delete " + name);
  h5::write_string(parent, name, text, description);
}

}  // namespace

bool is_sweep_shard(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || H5Fis_hdf5(path.c_str()) <= 0) return false;
  try {
    h5::Handle f = h5::open_file(path);
    return h5::read_attr_string(f, "filetype") == kShardFiletype;
  } catch (const std::exception&) {
    return false;
  }
}

void merge_sweep_shards(const std::vector<std::string>& paths, const std::string& out_path,
                        bool force, std::ostream& out) {
  struct Part {
    std::string path, key;
    std::int64_t index = 0, count = 0, first = 0, end = 0, points = 0;
    std::vector<double> table;
    h5::Handle file;
  };
  auto refuse = [](const std::string& path, const std::string& why) {
    throw UsageError("invalid shard '" + path + "': " + why);
  };
  std::vector<Part> parts(paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    Part& p = parts[i];
    p.path = paths[i];
    std::error_code ec;
    if (!std::filesystem::exists(p.path, ec)) refuse(p.path, "no such file");
    if (!is_sweep_shard(p.path))
      refuse(p.path,
             "not a sweep shard file (sweep shards come from ngdsim sweep --shard, and do "
             "not mix with the shards of a run)");
    try {
      p.file = h5::open_file(p.path);
      const std::string version = h5::read_attr_string(p.file, "version");
      if (version != kVersion)
        refuse(p.path, "written by ngdsim " + version + ", this is " + kVersion);
      p.index = h5::read_attr_int64(p.file, "shard_index");
      p.count = h5::read_attr_int64(p.file, "shard_count");
      p.first = h5::read_attr_int64(p.file, "first_point");
      p.end = h5::read_attr_int64(p.file, "end_point");
      p.points = h5::read_attr_int64(p.file, "points");
      h5::Handle s = h5::open_group(p.file, "sweep");
      p.key = h5::read_attr_string(s, "sweep_key");
      p.table = h5::read_doubles(s, "table");
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception& e) {
      refuse(p.path, std::string("not a complete sweep shard file (") + e.what() + ")");
    }
  }
  const Part& head = parts[0];
  std::vector<ShardId> ids;
  for (const Part& p : parts) {
    if (const std::string d = first_difference(head.key, p.key); !d.empty())
      refuse(p.path, "from another sweep than '" + head.path + "' (" + d + ")");
    const bool numbered = p.count >= 1 && p.index >= 0 && p.index < p.count && p.points >= p.count;
    const auto [first, end] = numbered ? shard_points(static_cast<std::size_t>(p.points),
                                                      static_cast<std::size_t>(p.index),
                                                      static_cast<std::size_t>(p.count))
                                       : std::pair<std::size_t, std::size_t>{0, 0};
    if (!numbered || static_cast<std::int64_t>(first) != p.first ||
        static_cast<std::int64_t>(end) != p.end ||
        p.table.size() % static_cast<std::size_t>(p.end - p.first) != 0)
      refuse(p.path, "its points do not match its shard number (a corrupt file)");
    ids.push_back({p.path, p.index, p.count});
  }
  const std::map<std::int64_t, std::size_t> by_index = check_numbering(ids);

  OutputFile file(out_path, force, "ngdsim-sweep");
  const std::size_t width = head.table.size() / static_cast<std::size_t>(head.end - head.first);
  std::vector<std::vector<double>> rows;
  std::vector<std::string> labels;
  h5::group(file.root(), "points");
  for (const auto& [index, i] : by_index) {
    const Part& p = parts[i];
    for (std::int64_t k = p.first; k < p.end; ++k) {
      const std::string name = point_name(static_cast<std::size_t>(k));
      h5::check(H5Ocopy(p.file, name.c_str(), file.root(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
                "copy " + name + " from " + p.path);
      labels.push_back(h5::read_attr_string(h5::open_group(file.root(), name), "label"));
      rename_out(h5::open_group(file.root(), name + "/parameters"), "config", out_path,
                 "the full resolved configuration as TOML; `ngdsim run --config` re-runs it");
      const auto row = p.table.begin() + static_cast<std::ptrdiff_t>((k - p.first) * width);
      rows.emplace_back(row, row + static_cast<std::ptrdiff_t>(width));
    }
  }
  // The sweep's description (columns, values, configuration) from a shard, with the whole
  // table and without what only a shard has.
  h5::check(H5Ocopy(head.file, "sweep", file.root(), "sweep", H5P_DEFAULT, H5P_DEFAULT),
            "copy /sweep from " + head.path);
  {
    h5::Handle s = h5::open_group(file.root(), "sweep");
    h5::check(H5Ldelete(s, "table", H5P_DEFAULT), "delete /sweep/table");
    h5::check(H5Adelete(s, "sweep_key"), "delete /sweep sweep_key");
    rename_out(s, "config", out_path,
               "the sweep's configuration (the settings it was not varying, and [vary]); "
               "`ngdsim sweep --config` re-runs it");
    write_rows(s, rows, width);
  }
  write_provenance(file.root(),
                   {"merge", "merged from " + std::to_string(head.count) + " sweep shards"});
  {
    h5::Handle into = h5::group(file.root(), "provenance/shards");
    for (const auto& [index, i] : by_index)
      if (H5Lexists(parts[i].file, "provenance", H5P_DEFAULT) > 0)
        h5::check(H5Ocopy(parts[i].file, "provenance", into, std::to_string(index).c_str(),
                          H5P_DEFAULT, H5P_DEFAULT),
                  "provenance of shard " + std::to_string(index));
  }
  file.commit();

  // The columns: the V varied settings, then p_flat(eps) for the E thresholds, ...
  std::vector<std::string> columns;
  std::istringstream names(h5::read_attr_string(h5::open_group(head.file, "sweep"), "columns"));
  for (std::string name; std::getline(names, name, ',');)
    columns.push_back(name.substr(name.find_first_not_of(' ')));
  std::size_t V = 0;
  while (V < columns.size() && columns[V].rfind("p_flat(", 0) != 0) ++V;
  const auto E = static_cast<std::size_t>(
      std::count_if(columns.begin(), columns.end(),
                    [](const std::string& n) { return n.rfind("p_flat(", 0) == 0; }));
  out << "sweep merged from " << head.count << " shards\n";
  print_table(out, labels, rows, V, E, std::stod(columns.at(V).substr(7)));
  out << "output:     " << out_path << "\n";
}

}  // namespace ngdsim
