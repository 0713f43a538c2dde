#include "io/export_csv.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "cli/config.hpp"
#include "io/h5_util.hpp"
#include "ngdsim/observe.hpp"
#include "ngdsim/stats.hpp"

namespace ngdsim {
namespace {

namespace fs = std::filesystem;

// The five quantities of the steps table: the common ones, or, for a landscape that
// records its own list (msense: no phi), its first five.
std::vector<std::string> csv_quantities(hid_t file, const std::string& group) {
  if (H5Lexists(file, (group + "observables/lam_next").c_str(), H5P_DEFAULT) > 0)
    return {"f", "err", "lam_next", "tail", "eff_rank"};
  return std::vector<std::string>(std::begin(kQuantityNames), std::end(kQuantityNames));
}

// Shortest text that reads back as the same double; "inf" / "nan" as R reads them.
std::string number(double v) {
  if (std::isnan(v)) return "NA";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {  // steps and counts: whole, no exponent
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

// A CSV field: quoted when it holds a comma, a quote or a space.
std::string field(const std::string& s) {
  if (s.find_first_of(",\" ") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

// The point's leading columns of a sweep: point, then each varied setting's value text.
struct Point {
  std::string group;  // "/" for a run file
  std::vector<std::string> lead;
};

const char* const kSettling[] = {
    "first_entry_median", "first_entry_median_low", "first_entry_median_high",
    "first_entry_q90",    "first_entry_q90_low",    "first_entry_q90_high",
    "last_entry_median",  "last_entry_median_low",  "last_entry_median_high",
    "last_entry_q90",     "last_entry_q90_low",     "last_entry_q90_high"};
const char* const kLevels[] = {"q05", "q25", "median", "q75", "q95"};

void summary_rows(hid_t file, const Point& p, std::ostream& o) {
  h5::Handle s = h5::open_group(file, p.group + "summary");
  const auto eps = h5::read_attr_doubles(s, "eps");
  std::vector<std::vector<double>> cols;
  for (const char* name :
       {"p_flat", "p_flat_low", "p_flat_high", "p_min", "p_min_low", "p_min_high"})
    cols.push_back(h5::read_attr_doubles(s, name));
  for (const char* name : kSettling) cols.push_back(h5::read_attr_doubles(s, name));
  std::vector<double> diverged;
  for (const char* name : {"p_diverged", "p_diverged_low", "p_diverged_high"})
    diverged.push_back(h5::read_attr_doubles(s, name).at(0));
  const auto n = h5::read_attr_int64(s, "trajectories"), k = h5::read_attr_int64(s, "steps");
  for (std::size_t e = 0; e < eps.size(); ++e) {
    for (const auto& lead : p.lead) o << field(lead) << ",";
    o << number(eps[e]);
    for (const auto& c : cols) o << "," << number(c.at(e));
    for (double d : diverged) o << "," << number(d);
    o << "," << n << "," << k << "\n";
  }
}

void step_rows(hid_t file, const Point& p, std::ostream& o) {
  h5::Handle obs = h5::open_group(file, p.group + "observables");
  h5::Handle s = h5::open_group(file, p.group + "summary");
  const auto eps = h5::read_attr_doubles(s, "eps");
  const double n = static_cast<double>(h5::read_attr_int64(s, "trajectories"));
  const auto step = h5::read_doubles(obs, "f/mean/step");
  const auto time = h5::read_doubles(obs, "f/mean/time");
  const std::size_t R = step.size(), E = eps.size();
  const auto flat = h5::read_doubles(obs, "flat_count/value");
  const auto min = h5::read_doubles(obs, "min_count/value");
  const auto diverged = h5::read_doubles(obs, "diverged_count/value");
  const auto alpha = h5::read_doubles(obs, "alpha/value");
  h5::Handle settling = h5::open_group(file, p.group + "settling");
  const auto last = h5::read_doubles(settling, "last_entry_count");
  std::vector<std::vector<double>> mean, quant;
  for (const auto& q : csv_quantities(file, p.group)) {
    mean.push_back(h5::read_doubles(obs, q + "/mean/value"));
    quant.push_back(h5::read_doubles(obs, q + "/quantiles/value"));
  }
  std::vector<double> settled(E, 0.0);
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t e = 0; e < E; ++e) {
      settled[e] += last.at(e * (R + 1) + r);
      const Interval pf = wilson(flat.at(r * E + e), n), pm = wilson(min.at(r * E + e), n);
      for (const auto& lead : p.lead) o << field(lead) << ",";
      o << number(step[r]) << "," << number(time[r]) << "," << number(alpha.at(r)) << ","
        << number(eps[e]);
      for (double v : {pf.estimate, pf.low, pf.high, pm.estimate, pm.low, pm.high,
                       diverged.at(r) / n, 1.0 - settled[e] / n})
        o << "," << number(v);
      for (int q = 0; q < kNumQuantities; ++q) {
        o << "," << number(mean[q].at(r));
        for (int l = 0; l < 5; ++l) o << "," << number(quant[q].at(r * 5 + l));
      }
      o << "\n";
    }
}

// The varied settings of a sweep (the first columns of /sweep/table) and each point's
// values of them, as its label "K1=V1 K2=V2" gives them.
std::vector<Point> points_of(hid_t file, std::vector<std::string>& keys) {
  if (H5Lexists(file, "/sweep", H5P_DEFAULT) <= 0) return {Point{"/", {}}};
  h5::Handle sweep = h5::open_group(file, "/sweep");
  const std::string columns = h5::read_attr_string(sweep, "columns");
  for (std::size_t at = 0; at < columns.size();) {
    const auto end = std::min(columns.find(", ", at), columns.size());
    const std::string name = columns.substr(at, end - at);
    if (name.rfind("p_flat", 0) == 0) break;
    keys.push_back(name);
    at = end + 2;
  }
  std::vector<Point> points;
  for (int i = 0;; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/points/%03d/", i);
    if (H5Lexists(file, std::string(name).substr(0, 11).c_str(), H5P_DEFAULT) <= 0) break;
    h5::Handle g = h5::open_group(file, name);
    const std::string label = h5::read_attr_string(g, "label");
    Point p{name, {std::to_string(i)}};
    for (std::size_t k = 0; k < keys.size(); ++k) {
      const auto from = label.find(keys[k] + "=") + keys[k].size() + 1;
      const auto to =
          k + 1 < keys.size() ? label.find(" " + keys[k + 1] + "=", from) : std::string::npos;
      p.lead.push_back(label.substr(from, to == std::string::npos ? to : to - from));
    }
    points.push_back(std::move(p));
  }
  return points;
}

}  // namespace

void export_csv(const std::string& path, const std::string& dir, bool force, std::ostream& out) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::error_code ec;
  if (!fs::exists(path, ec)) throw UsageError("invalid file '" + path + "': no such file");
  if (!fs::is_regular_file(path, ec) || H5Fis_hdf5(path.c_str()) <= 0)
    throw UsageError("invalid file '" + path + "': not an HDF5 file");
  const fs::path folder(dir);
  const fs::path files[] = {folder / "summary.csv", folder / "steps.csv"};
  for (const auto& f : files)
    if (!force && fs::exists(f, ec))
      throw UsageError("invalid csv '" + dir + "': " + f.string() +
                       " exists (allowed: a folder without summary.csv and steps.csv, or --force)");
  h5::Handle file = h5::open_file(path);
  std::vector<std::string> keys;
  std::vector<Point> points;
  try {
    points = points_of(file, keys);
    if (points.empty() || H5Lexists(file, (points[0].group + "summary").c_str(), H5P_DEFAULT) <= 0)
      throw std::runtime_error("no /summary");
  } catch (const std::exception& e) {
    throw UsageError("invalid file '" + path + "': not a complete ngdsim output (" + e.what() +
                     ")");
  }
  std::string lead = points.size() == 1 && keys.empty() ? "" : "point,";
  for (const auto& k : keys) lead += field(k) + ",";
  // Written to temporaries and renamed, so a failure leaves no half-written file.
  fs::create_directories(folder, ec);
  if (ec) throw UsageError("invalid csv '" + dir + "': cannot create the folder: " + ec.message());
  const fs::path tmp[] = {files[0].string() + ".tmp", files[1].string() + ".tmp"};
  try {
    std::ofstream summary(tmp[0]), steps(tmp[1]);
    summary << lead << "eps,p_flat,p_flat_low,p_flat_high,p_min,p_min_low,p_min_high";
    for (const char* name : kSettling) summary << "," << name;
    summary << ",p_diverged,p_diverged_low,p_diverged_high,trajectories,steps\n";
    steps << lead << "step,time,alpha,eps,p_flat,p_flat_low,p_flat_high,p_min,p_min_low,"
          << "p_min_high,p_diverged,not_settled";
    for (const auto& q : csv_quantities(file, points[0].group)) {
      steps << "," << q << "_mean";
      for (const char* l : kLevels) steps << "," << q << "_" << l;
    }
    steps << "\n";
    try {
      for (const Point& p : points) {
        summary_rows(file, p, summary);
        step_rows(file, p, steps);
      }
    } catch (const std::exception& e) {  // a missing or misshapen dataset
      throw UsageError("invalid file '" + path + "': not a complete ngdsim output (" + e.what() +
                       ")");
    }
    summary.close();
    steps.close();
    if (!summary || !steps) throw std::runtime_error("cannot write the CSV files in " + dir);
    for (int i = 0; i < 2; ++i) fs::rename(tmp[i], files[i]);
  } catch (...) {
    for (const auto& t : tmp) fs::remove(t, ec);
    throw;
  }
  for (const auto& f : files) out << "wrote " << f.string() << "\n";
}

}  // namespace ngdsim
