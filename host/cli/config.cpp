#include "cli/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <regex>
#include <sstream>

#include "cli/bilinear_setup.hpp"
#include "cli/bnreg_setup.hpp"
#include "cli/msense_setup.hpp"
#include "cli/registry.hpp"
#include "ngdsim/msense_dynamics.hpp"

namespace ngdsim {
namespace {

[[noreturn]] void bad(const std::string& setting, const std::string& value,
                      const std::string& allowed) {
  throw UsageError("invalid " + setting + " '" + value + "': " + allowed);
}

std::vector<std::string> split_outside_parentheses(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  int depth = 0;
  for (char ch : s) {
    depth += ch == '(' ? 1 : ch == ')' ? -1 : 0;
    if (ch == sep && depth == 0)
      out.emplace_back();
    else
      out.back() += ch;
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) parts.push_back(cur);
  if (!s.empty() && s.back() == sep) parts.emplace_back();
  return parts;
}

// A numeric sweep axis given as a range: START:STOP:STEP (START, START + STEP, ... up to
// STOP, STOP included when it is reached to within rounding) or logspace:A:B:N (N values
// from 10^A to 10^B, evenly spaced in the exponent). Values printed with 10 significant
// digits, so 0.3:0.9:0.1 gives 0.3, 0.4, ..., 0.9 and not 0.30000000000000004. An empty
// result: `item` is no range.
std::vector<std::string> expand_range(const std::string& item, const std::string& allowed,
                                      const std::string& whole) {
  const auto parts = split(item, ':');
  const bool log = parts.size() == 4 && parts[0] == "logspace";
  if (!(parts.size() == 3 || log)) return {};
  auto number = [&](const std::string& t) {
    char* end = nullptr;
    const double x = std::strtod(t.c_str(), &end);
    if (t.empty() || *end != '\0' || !std::isfinite(x)) bad("vary", whole, allowed);
    return x;
  };
  auto text = [](double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", x);
    return std::string(buf);
  };
  constexpr int kMaxValues = 1000;
  std::vector<std::string> values;
  if (log) {
    const double a = number(parts[1]), b = number(parts[2]), n = number(parts[3]);
    if (n < 2 || n > kMaxValues || n != std::floor(n))
      bad("vary", whole, "logspace:A:B:N needs a whole N from 2 to 1000");
    for (int i = 0; i < static_cast<int>(n); ++i)
      values.push_back(text(std::pow(10.0, a + (b - a) * i / (n - 1))));
    return values;
  }
  const double start = number(parts[0]), stop = number(parts[1]), step = number(parts[2]);
  if (!(step > 0) || stop < start)
    bad("vary", whole, "START:STOP:STEP needs STEP > 0 and STOP >= START");
  const double count = std::floor((stop - start) / step * (1 + 1e-12) + 1e-9) + 1;
  if (count > kMaxValues) bad("vary", whole, "at most 1000 values");
  for (int i = 0; i < static_cast<int>(count); ++i) values.push_back(text(start + i * step));
  return values;
}

double to_double(const std::string& setting, const std::string& text, const std::string& allowed) {
  // strtod rather than std::stod, which refuses subnormal numbers such as 5e-324
  // (they set ERANGE); overflow to infinity is still refused.
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  // Decimal only, as for integers: strtod would also read C's hexadecimal floats (0x1p-1).
  const bool hex = text.find_first_of("xX") != std::string::npos;
  if (text.empty() || hex || end != text.c_str() + text.size() ||
      (errno == ERANGE && std::isinf(v)))
    bad(setting, text, allowed);
  return v;
}

// Decimal integers, and decimal scientific notation that is exactly an integer (1e5,
// 2.5e3): counts such as steps are often written that way. 1.5, 1e-3 and hexadecimal
// forms are refused.
std::int64_t to_int(const std::string& setting, const std::string& text,
                    const std::string& allowed) {
  try {
    std::size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size()) return v;
  } catch (const std::logic_error&) {
  }
  const bool scientific = text.find_first_of("eE") != std::string::npos &&
                          text.find_first_not_of("0123456789+-.eE") == std::string::npos;
  if (scientific) try {
      std::size_t used = 0;
      const double v = std::stod(text, &used);
      // Below 2^63, where every integral double converts exactly.
      if (used == text.size() && v == std::floor(v) && std::fabs(v) < 9223372036854775808.0)
        return static_cast<std::int64_t>(v);
    } catch (const std::logic_error&) {
    }
  bad(setting, text, allowed);
}

bool to_bool(const std::string& setting, const std::string& text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  bad(setting, text, "expected true or false");
}

// The shortest text that reads back as v (a TOML number passed on as text: bnreg's X
// keeps the digits its file gave, 0.76 and not 0.76000000000000001).
std::string fmt(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

}  // namespace

namespace {

std::vector<double> positive_list(const std::string& key, const std::string& spec, int most,
                                  const std::string& example) {
  const std::string allowed = "a comma-separated list of numbers > 0, e.g. " + example;
  std::vector<double> out;
  for (const auto& part : split(spec, ',')) {
    const double e = to_double(key, part, allowed);
    if (!(e > 0.0) || !std::isfinite(e)) bad(key, spec, allowed);
    out.push_back(e);
  }
  if (out.empty() || out.size() > std::size_t(most))
    bad(key, spec, allowed + ", at most " + std::to_string(most) + " of them");
  return out;
}

}  // namespace

std::vector<double> parse_eps(const std::string& spec) {
  return positive_list("eps", spec, kMaxEps, "0.1,0.01");
}

RecordSpec parse_record(const std::string& spec) {
  const std::string allowed =
      "log:R (2 <= R <= 10^7), every:S (S >= 1) or list:K1,K2,... (steps >= 0)";
  const auto colon = spec.find(':');
  if (colon == std::string::npos) bad("record", spec, allowed);
  const std::string kind = spec.substr(0, colon), rest = spec.substr(colon + 1);
  RecordSpec r;
  if (kind == "log" || kind == "every") {
    r.kind = kind == "log" ? RecordSpec::kLog : RecordSpec::kEvery;
    r.value = to_int("record", rest, allowed);
    if (r.value < (r.kind == RecordSpec::kLog ? 2 : 1) ||
        (r.kind == RecordSpec::kLog && r.value > 10000000))
      bad("record", spec, allowed);
  } else if (kind == "list") {
    r.kind = RecordSpec::kList;
    for (const auto& part : split(rest, ',')) {
      const auto k = to_int("record", part, allowed);
      if (k < 0) bad("record", spec, allowed);
      r.list.push_back(k);
    }
    if (r.list.empty()) bad("record", spec, allowed);
  } else {
    bad("record", spec, allowed);
  }
  return r;
}

InitDist parse_init(const std::string& spec, int dim) {
  const std::string allowed =
      "box:LO,HI (LO < HI), normal:MEAN,SIGMA (SIGMA > 0), ball:R@X1,...,Xd (R > 0, d "
      "coordinates), sphere:R (R > 0) or zero";
  if (spec == "zero") {
    InitDist d;
    d.kind = InitKind::kZero;
    d.a = d.b = 0.0;
    return d;
  }
  const auto colon = spec.find(':');
  if (colon == std::string::npos) bad("init", spec, allowed);
  const std::string kind = spec.substr(0, colon), rest = spec.substr(colon + 1);
  InitDist d;
  auto finite = [&](double v) {
    if (!std::isfinite(v)) bad("init", spec, allowed);
    return v;
  };
  if (kind == "box" || kind == "normal") {
    const auto parts = split(rest, ',');
    if (parts.size() != 2) bad("init", spec, allowed);
    d.kind = kind == "box" ? InitKind::kBox : InitKind::kNormal;
    d.a = finite(to_double("init", parts[0], allowed));
    d.b = finite(to_double("init", parts[1], allowed));
    if (d.kind == InitKind::kBox && !(d.a < d.b)) bad("init", spec, "box needs LO < HI");
    if (d.kind == InitKind::kNormal && !(d.b > 0.0)) bad("init", spec, "normal needs SIGMA > 0");
  } else if (kind == "ball") {
    const auto at = rest.find('@');
    if (at == std::string::npos) bad("init", spec, allowed);
    d.kind = InitKind::kBall;
    d.a = finite(to_double("init", rest.substr(0, at), allowed));
    if (!(d.a > 0.0)) bad("init", spec, "ball needs a radius R > 0");
    const auto parts = split(rest.substr(at + 1), ',');
    const int n = static_cast<int>(parts.size());
    if (dim > 0 ? n != dim : (n < 1 || n > kMaxDim))
      bad("init", spec,
          "ball needs a center with " + (dim > 0 ? std::to_string(dim) : "d") + " coordinates");
    for (int i = 0; i < n; ++i) d.center[i] = finite(to_double("init", parts[i], allowed));
  } else if (kind == "sphere") {
    d.kind = InitKind::kSphere;
    d.a = finite(to_double("init", rest, allowed));
    if (!(d.a > 0.0)) bad("init", spec, "sphere needs a radius R > 0");
  } else {
    bad("init", spec, allowed);
  }
  return d;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& known) {
  // Edit distance (insertions, deletions, substitutions), one row at a time.
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
        diagonal = up;
      }
    }
    return row[b.size()];
  };
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const std::string& k : known)
    if (const std::size_t d = distance(word, k); d < best_distance) best = k, best_distance = d;
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

const std::vector<std::string>& setting_names() {
  static const std::vector<std::string> names = {
      "landscape", "optimizer",    "param",        "alpha0",       "p",
      "rho",       "sigma",        "steps",        "trajectories", "seed",
      "init",      "eps",          "record",       "backend",      "precision",
      "out",       "sample_paths", "threads",      "tile",         "divergence_bound",
      "chunk",     "force",        "save_final",   "vary",         "wd",
      "fit_tol",   "tau",          "escape_radius"};
  return names;
}

void set_option(Config& c, const std::string& key, const std::string& v) {
  if (key == "landscape") {
    c.landscape = v;
  } else if (key == "optimizer") {
    c.optimizer = v;
  } else if (key == "param") {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0) bad("param", v, "expected KEY=VALUE");
    c.param[v.substr(0, eq)] = v.substr(eq + 1);
  } else if (key == "alpha0") {
    c.alpha0 = to_double(key, v, "a finite number > 0");
    if (!(c.alpha0 > 0.0) || !std::isfinite(c.alpha0)) bad(key, v, "a finite number > 0");
  } else if (key == "p") {
    c.p = to_double(key, v, "a finite number >= 0");
    if (!(c.p >= 0.0) || !std::isfinite(c.p)) bad(key, v, "a finite number >= 0");
  } else if (key == "rho") {
    c.rho = to_double(key, v, "a finite number > 0");
    if (!(c.rho > 0.0) || !std::isfinite(c.rho)) bad(key, v, "a finite number > 0");
  } else if (key == "wd") {
    c.wd = to_double(key, v, "a finite number >= 0 with alpha0 * wd < 1");
    if (!(c.wd >= 0.0) || !std::isfinite(c.wd))
      bad(key, v, "a finite number >= 0 with alpha0 * wd < 1");
  } else if (key == "fit_tol") {
    c.fit_tol = to_double(key, v, "a finite number > 0");
    if (!(c.fit_tol > 0.0) || !std::isfinite(c.fit_tol)) bad(key, v, "a finite number > 0");
  } else if (key == "tau") {
    c.tau = positive_list(key, v, kMaxTau, "1e-2,1e-4");
  } else if (key == "escape_radius") {
    c.escape_radius = to_double(key, v, "a finite number > 0");
    if (!(c.escape_radius > 0.0) || !std::isfinite(c.escape_radius))
      bad(key, v, "a finite number > 0");
  } else if (key == "sigma") {
    c.sigma = to_double(key, v, "a finite number >= 0");
    if (!(c.sigma >= 0.0) || !std::isfinite(c.sigma)) bad(key, v, "a finite number >= 0");
  } else if (key == "steps") {
    c.steps = to_int(key, v, "an integer K with 1 <= K <= 2^32 - 1");
    if (c.steps < 1 || c.steps > 4294967295LL) bad(key, v, "an integer K with 1 <= K <= 2^32 - 1");
  } else if (key == "trajectories") {
    c.trajectories = to_int(key, v, "an integer N >= 1");
    if (c.trajectories < 1) bad(key, v, "an integer N >= 1");
  } else if (key == "seed") {
    try {
      std::size_t used = 0;
      if (!v.empty() && v[0] == '-') throw std::invalid_argument("negative");
      c.seed = std::stoull(v, &used, 10);  // decimal: "010" is ten, not octal eight
      if (used != v.size()) throw std::invalid_argument("trailing");
    } catch (const std::logic_error&) {
      bad(key, v, "an unsigned 64-bit integer");
    }
  } else if (key == "init") {
    parse_init(v, 0);  // syntax now; the ball's dimension is checked in resolve()
    c.init = v;
  } else if (key == "eps") {
    c.eps = parse_eps(v);
  } else if (key == "record") {
    c.record_spec = parse_record(v);
    c.record = v;
  } else if (key == "backend") {
    if (v != "auto" && v != "cpu" && v != "cuda" && v != "emulated")
      bad(key, v, "one of auto, cpu, cuda, emulated");
    c.backend = v;
  } else if (key == "precision") {
    if (v != "double" && v != "float") bad(key, v, "one of double, float");
    c.precision = v;
  } else if (key == "out") {
    if (v.empty()) bad(key, v, "a file path");
    c.out = v;
  } else if (key == "force") {
    c.force = to_bool(key, v);
  } else if (key == "save_final") {
    c.save_final = to_bool(key, v);
  } else if (key == "sample_paths") {
    c.sample_paths = to_int(key, v, "an integer >= 0");
    if (c.sample_paths < 0) bad(key, v, "an integer >= 0");
  } else if (key == "threads") {
    const std::string allowed = "an integer from 0 (all cores) to " + std::to_string(kMaxThreads);
    c.threads = to_int(key, v, allowed);
    if (c.threads < 0 || c.threads > kMaxThreads) bad(key, v, allowed);
  } else if (key == "tile") {
    const std::string allowed = "a positive multiple of " + std::to_string(kLeafSize) +
                                ", at most " + std::to_string(kMaxTile);
    c.tile = to_int(key, v, allowed);
    if (c.tile < 1 || c.tile % kLeafSize != 0 || c.tile > kMaxTile) bad(key, v, allowed);
  } else if (key == "chunk") {
    const std::string allowed = "0 (automatic) or 256 times a power of two, at most 2^30";
    c.chunk = to_int(key, v, allowed);
    const std::int64_t leaves = c.chunk / kLeafSize;
    if (c.chunk < 0 || c.chunk > (std::int64_t{1} << 30) || c.chunk % kLeafSize != 0 ||
        (leaves & (leaves - 1)) != 0)
      bad(key, v, allowed);
  } else if (key == "divergence_bound") {
    c.divergence_bound = to_double(key, v, "a finite number > 0");
    if (!(c.divergence_bound > 0.0) || !std::isfinite(c.divergence_bound))
      bad(key, v, "a finite number > 0");
  } else if (key == "vary") {
    // KEY=V1,V2,... (values split on ';' instead when any is present, for init boxes).
    const auto eq = v.find('=');
    const std::string allowed =
        "KEY=V1,V2,... with KEY one of p, alpha0, rho, sigma, wd, fit_tol, init, param.NAME, "
        "optimizer, "
        "landscape (separate values with ';' when they contain commas; an optimizer or "
        "landscape value may carry its own settings, as in sam(rho=0.05) or "
        "product(n=3,q=1)), or KEY=START:STOP:STEP, or KEY=logspace:A:B:N for N values from "
        "10^A to 10^B";
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) bad(key, v, allowed);
    const std::string name = v.substr(0, eq), list = v.substr(eq + 1);
    const bool named = name == "optimizer" || name == "landscape";
    const bool known = name == "p" || name == "alpha0" || name == "rho" || name == "sigma" ||
                       name == "wd" || name == "fit_tol" || name == "init" || named ||
                       (name.rfind("param.", 0) == 0 && name.size() > 6);
    if (!known) bad(key, v, allowed);
    // Commas inside a value's parentheses separate its own settings, not values.
    auto values = split_outside_parentheses(list, list.find(';') != std::string::npos ? ';' : ',');
    for (const auto& x : values) {
      if (x.empty()) bad(key, v, allowed);
      if (named && !split_named_value(x)) bad(key, v, allowed);
    }
    // A range of numbers (not for init, whose boxes contain ':', nor for names).
    if (values.size() == 1 && name != "init" && !named)
      if (auto range = expand_range(values[0], allowed, v); !range.empty()) values = range;
    for (auto& [k, vals] : c.vary)
      if (k == name) bad(key, v, "each setting may be varied once");
    c.vary.emplace_back(name, values);
    if (c.vary.size() > 2) bad(key, v, "one or two settings");
  } else {
    throw UsageError("unknown setting '" + key + "'" + did_you_mean(key, setting_names()));
  }
}

void load_toml_file(Config& c, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    throw UsageError("invalid config '" + path + "': not a regular file");
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
  } else {
    throw UsageError("invalid config '" + path + "': cannot read the file");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  load_toml_text(c, text.str(), path);
}

void load_toml_text(Config& c, const std::string& text, const std::string& path) {
  toml::table tbl;
  try {
    tbl = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    throw UsageError("malformed TOML in config '" + path + "' at line " +
                     std::to_string(src.begin.line) + ", column " +
                     std::to_string(src.begin.column) + ": " + std::string(e.description()));
  }
  auto scalar_text = [&](const std::string& key, const toml::node& n) -> std::string {
    if (auto s = n.value<std::string>(); s && n.is_string()) return *s;
    if (n.is_integer()) return std::to_string(*n.value<std::int64_t>());
    if (n.is_floating_point()) return fmt(*n.value<double>());
    if (n.is_boolean()) return *n.value<bool>() ? "true" : "false";
    throw UsageError("invalid config key '" + key + "' in '" + path +
                     "': expected a string, number or boolean");
  };
  for (const auto& [k, node] : tbl) {
    const std::string key(k.str());
    const auto& names = setting_names();
    if (std::find(names.begin(), names.end(), key) == names.end())
      throw UsageError("unknown setting '" + key + "' in config '" + path + "' at line " +
                       std::to_string(node.source().begin.line) + did_you_mean(key, names));
    if (key == "vary") {
      const auto* axes = node.as_table();
      if (!axes) throw UsageError("invalid config key 'vary' in '" + path + "': expected a table");
      // In the file's order (a table iterates its keys sorted): the first key is the
      // grid's outer axis, as with two --vary flags.
      std::vector<std::pair<toml::source_position, std::string>> axes_in_order;
      for (const auto& [vk, vv] : *axes) {
        std::string text;
        const auto* arr = vv.as_array();
        if (!arr) throw UsageError("invalid vary." + std::string(vk.str()) + ": expected an array");
        for (const auto& e : *arr) text += (text.empty() ? "" : ";") + scalar_text("vary", e);
        axes_in_order.emplace_back(vk.source().begin, std::string(vk.str()) + "=" + text);
      }
      std::stable_sort(axes_in_order.begin(), axes_in_order.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& [where, text] : axes_in_order) set_option(c, "vary", text);
    } else if (key == "param") {
      const auto* params = node.as_table();
      if (!params)
        throw UsageError("invalid config key 'param' in '" + path + "': expected a table");
      for (const auto& [pk, pv] : *params) {
        std::string text;
        if (pv.is_array()) {
          // Arrays (and arrays of rows, for bilinear's A) become comma lists.
          std::function<void(const toml::node&)> flatten = [&](const toml::node& n) {
            if (const auto* arr = n.as_array()) {
              for (const auto& e : *arr) flatten(e);
            } else {
              text += (text.empty() ? "" : ",") + scalar_text("param", n);
            }
          };
          flatten(pv);
        } else {
          text = scalar_text("param." + std::string(pk.str()), pv);
        }
        set_option(c, "param", std::string(pk.str()) + "=" + text);
      }
    } else if ((key == "eps" || key == "tau") && node.is_array()) {
      std::string text;
      for (const auto& e : *node.as_array())
        text += (text.empty() ? "" : ",") + scalar_text(key, e);
      set_option(c, key, text);
    } else {
      set_option(c, key, scalar_text(key, node));
    }
  }
}

std::optional<NamedValue> split_named_value(const std::string& text) {
  const auto open = text.find('(');
  NamedValue v{text.substr(0, open), {}};
  if (v.name.empty() || v.name.find_first_of(") =") != std::string::npos) return std::nullopt;
  if (open == std::string::npos) return v;
  if (text.back() != ')') return std::nullopt;
  // Settings separated by commas (or spaces).
  std::string list = text.substr(open + 1, text.size() - open - 2);
  std::replace(list.begin(), list.end(), ',', ' ');
  std::istringstream inside(list);
  std::string item;
  while (inside >> item) {
    const auto eq = item.find('=');
    if (eq == 0 || eq == std::string::npos || eq + 1 == item.size() ||
        item.find_first_of("()") != std::string::npos)
      return std::nullopt;
    v.settings.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  if (v.settings.empty()) return std::nullopt;
  return v;
}

void resolve(Config& c) {
  const LandscapeInfo& info = find_landscape(c.landscape);  // throws on unknown name
  find_optimizer(c.optimizer);
  c.dim = info.check_params(c.param);
  if (c.landscape == "bilinear") bilinear_spec(c);  // A's shape and SVD, before anything runs
  if (c.fit_tol == 0.0) c.fit_tol = c.landscape == "msense" ? 1e-10 : 1e-6;
  if (c.landscape == "msense") {
    msense_spec(c);  // the data, M0 and its eigenvalues, before anything runs
    if (c.optimizer == "gdwd")
      bad("optimizer", c.optimizer,
          "gd, ipgd (= perturbed), ngd or sam on landscape msense (gdwd needs a scale-invariant "
          "loss: bnreg)");
  }
  if (c.landscape == "bnreg") {
    bnreg_spec(c);  // the data set and its SVD, before anything runs
    if (c.optimizer != "gd" && c.optimizer != "gdwd" && c.optimizer != "ngd")
      bad("optimizer", c.optimizer,
          "gd, gdwd or ngd on landscape bnreg (the perturbations of sam and perturbed break "
          "the row-space structure its statistics rely on)");
  } else if (c.optimizer == "gdwd") {
    bad("optimizer", c.optimizer,
        "gdwd on landscape bnreg only (weight decay needs a scale-invariant loss); here: ngd, "
        "gd, sam or perturbed");
  }
  if (c.wd != 0.0 && c.optimizer != "gdwd")
    bad("wd", fmt(c.wd), "0 unless the optimizer is gdwd (it is " + c.optimizer + ")");
  if (!(c.alpha0 * c.wd < 1.0))
    bad("wd", fmt(c.wd),
        "alpha0 * wd < 1 (alpha0 = " + fmt(c.alpha0) +
            "; the decay factor 1 - alpha_k wd must "
            "stay positive)");
  c.init_dist = parse_init(c.init, c.dim);
  c.record_spec = parse_record(c.record);
  for (auto k : c.record_spec.list)
    if (k > c.steps)
      bad("record", c.record, "listed steps must lie in 0..K = " + std::to_string(c.steps));
  // Progress and throughput count trajectory-steps in 64 bits.
  const std::int64_t max_n = std::numeric_limits<std::int64_t>::max() / c.steps;
  if (c.trajectories > max_n)
    bad("trajectories", std::to_string(c.trajectories),
        "N x K must stay below 2^63 trajectory-steps: N <= " + std::to_string(max_n) +
            " for K = " + std::to_string(c.steps));
}

// toml++ writes every float with 17 significant digits (eps = 0.10000000000000001): the
// numbers of the lines whose value is a number or an array of numbers are rewritten in
// the shortest form that reads back as the same double (std::to_chars), kept a float;
// lines holding a string are left alone.
std::string shortest_floats(const std::string& text) {
  static const std::regex number(R"(-?[0-9]+\.[0-9]+(e[-+]?[0-9]+)?|-?[0-9]+e[-+]?[0-9]+)");
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    const auto eq = line.find(" = ");
    if (eq != std::string::npos && line.find_first_of("\"'", eq) == std::string::npos) {
      std::string rewritten;
      auto from = line.cbegin() + static_cast<std::ptrdiff_t>(eq);
      rewritten.assign(line.cbegin(), from);
      for (std::sregex_iterator m(from, line.cend(), number), end; m != end; ++m) {
        rewritten.append(from, (*m)[0].first);
        const double v = std::strtod(m->str().c_str(), nullptr);
        char buf[32];
        const auto [last, ec] = std::to_chars(buf, buf + sizeof buf, v);
        std::string shortest(buf, last);
        if (shortest.find_first_of(".e") == std::string::npos) shortest += ".0";
        rewritten += shortest;
        from = (*m)[0].second;
      }
      rewritten.append(from, line.cend());
      line = rewritten;
    }
    out += line + "\n";
  }
  return out;
}

std::string to_toml(const Config& c) {
  toml::table params;
  for (const auto& [k, v] : resolved_params(c)) params.insert(k, v);
  toml::array eps;
  for (double e : c.eps) eps.push_back(e);
  toml::table t{
      {"landscape", c.landscape},
      {"param", params},
      {"optimizer", c.optimizer},
      {"alpha0", c.alpha0},
      {"p", c.p},
      {"rho", c.rho},
      {"sigma", c.sigma},
      {"steps", c.steps},
      {"trajectories", c.trajectories},
      {"seed", static_cast<std::int64_t>(c.seed)},
      {"init", c.init},
      {"eps", eps},
      {"record", c.record},
      {"backend", c.backend},
      {"precision", c.precision},
      {"out", c.out},
      {"save_final", c.save_final},
      {"sample_paths", c.sample_paths},
      {"divergence_bound", c.divergence_bound},
  };
  // Written only where they apply, so that other runs' stored text stays as it was.
  if (c.optimizer == "gdwd") t.insert("wd", c.wd);
  if (c.landscape == "bnreg" || c.landscape == "msense") t.insert("fit_tol", c.fit_tol);
  if (c.landscape == "msense") {
    toml::array tau;
    for (double v : c.tau) tau.push_back(v);
    t.insert("tau", tau);
    t.insert("escape_radius", c.escape_radius);
  }
  std::ostringstream o;
  o << toml::toml_formatter{t} << "\n";
  return "# ngdsim resolved configuration (threads and tile do not change results)\n" +
         shortest_floats(o.str());
}

std::string first_differing_line(const std::string& theirs, const std::string& ours,
                                 const std::string& where) {
  std::istringstream x(theirs), y(ours);
  std::string a, b;
  while (true) {
    const bool ha = static_cast<bool>(std::getline(x, a)),
               hb = static_cast<bool>(std::getline(y, b));
    if (!ha && !hb) return "";
    if (!ha || !hb || a != b)
      return "'" + (hb ? b : std::string("(nothing)")) + "' where " + where + " has '" +
             (ha ? a : std::string("(nothing)")) + "'";
  }
}

std::string one_line(const Config& c) {
  std::ostringstream o;
  o << c.landscape;
  for (const auto& [k, v] : resolved_params(c)) {
    // bnreg's data set: its size, not its numbers (they are in the stored configuration).
    if (c.landscape == "bnreg" && (k == "X" || k == "y")) {
      if (k == "X") o << (v.empty() ? "" : " X, y given");
      continue;
    }
    if (c.landscape == "bnreg" && k == "data_seed" && !c.param.count("data_seed") &&
        !resolved_params(c).at("X").empty())
      continue;
    // msense's likewise: A and Ustar.
    if (c.landscape == "msense" && (k == "A" || k == "Ustar")) {
      if (k == "A") o << (v.empty() ? "" : " A, Ustar given");
      continue;
    }
    if (c.landscape == "msense" && k == "data_seed" && !c.param.count("data_seed") &&
        !resolved_params(c).at("A").empty())
      continue;
    o << " " << k << "=" << v;
  }
  o << ", " << c.optimizer;
  if (c.optimizer == "gdwd") o << " wd = " << c.wd;
  o << " alpha_k = " << c.alpha0 << "/(k+1)^" << c.p << ", N = " << c.trajectories
    << ", K = " << c.steps << ", init " << c.init << ", seed " << c.seed;
  return o.str();
}

}  // namespace ngdsim
