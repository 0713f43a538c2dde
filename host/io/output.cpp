#include "io/output.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "cli/registry.hpp"
#include "io/h5_util.hpp"
#include "study/bnreg_report.hpp"
#include "study/msense_report.hpp"
#include "study/quantities.hpp"

namespace ngdsim {
namespace {

using h5::attr;
using h5::Handle;

// The first series written owns the step and time datasets; the others hard-link them.
const std::string kAxisOwner = "observables/f/mean";

class Observables {
 public:
  Observables(hid_t file, const Plan& plan) : file_(file), plan_(plan) {}

  template <class V>
  void add(const std::string& name, std::vector<hsize_t> tail, const V* value,
           const std::string& description, const std::string& unit = "") {
    const std::string path = "observables/" + name;
    Handle g = h5::group(file_, path);
    const hsize_t R = hsize_t(plan_.records());
    if (path == kAxisOwner) {
      h5::write(g, "step", {R}, plan_.record_steps.data(), "recorded step index k", "step");
      h5::write(g, "time", {R}, plan_.record_time.data(),
                "t_k = sum_{j<k} alpha_j, the time of the gradient flow", "time");
    } else {
      for (const char* axis : {"step", "time"})
        h5::check(H5Lcreate_hard(file_, (kAxisOwner + "/" + axis).c_str(), g, axis, H5P_DEFAULT,
                                 H5P_DEFAULT),
                  path + "/" + axis);
    }
    std::vector<hsize_t> dims{R};
    dims.insert(dims.end(), tail.begin(), tail.end());
    h5::write(g, "value", dims, value, description, unit);
  }

 private:
  hid_t file_;
  const Plan& plan_;
};

template <class F>
std::vector<double> per_record(int R, F&& f) {
  std::vector<double> v(R);
  for (int r = 0; r < R; ++r) v[r] = f(r);
  return v;
}

void write_quantities(hid_t file, Observables& obs, const Config& c, const Plan& plan,
                      const Statistics& s) {
  const int R = s.R, Q = s.Q;
  const auto info = recorded_quantities(c);
  for (int q = 0; q < Q; ++q) {
    const std::string n = info[q].name, desc = info[q].description, unit = info[q].unit;
    const auto m = [&](int r) { return s.moments[std::size_t(r) * Q + q]; };
    const auto count = per_record(R, [&](int r) { return m(r).count; });
    obs.add(n + "/mean", {}, per_record(R, [&](int r) { return m(r).mean; }).data(),
            "mean over non-diverged trajectories of " + desc, unit);
    obs.add(n + "/variance", {}, per_record(R, [&](int r) { return m(r).variance(); }).data(),
            "sample variance (n - 1) of " + desc, unit + "^2");
    obs.add(n + "/min", {}, per_record(R, [&](int r) { return m(r).min; }).data(),
            "minimum of " + desc, unit);
    obs.add(n + "/max", {}, per_record(R, [&](int r) { return m(r).max; }).data(),
            "maximum of " + desc, unit);
    obs.add(n + "/count", {}, count.data(), "number of finite values of " + desc);
    std::vector<std::uint64_t> nonfinite(R);
    for (int r = 0; r < R; ++r) nonfinite[r] = s.nonfinite[std::size_t(r) * Q + q];
    obs.add(n + "/nonfinite_count", {}, nonfinite.data(),
            "non-diverged trajectories whose value was non-finite (excluded) for " + desc);
    std::vector<double> qs(std::size_t(R) * 5);
    for (int r = 0; r < R; ++r) {
      const auto v = quantiles(s, plan, r, q);
      std::copy(v.begin(), v.end(), qs.begin() + std::ptrdiff_t(r) * 5);
    }
    obs.add(n + "/quantiles", {5}, qs.data(),
            "quantiles 0.05 0.25 0.5 0.75 0.95 of " + desc +
                ", read off the log-histogram: exact to one bin (a factor 10^(1/8))",
            unit);
    std::vector<std::uint64_t> hist(std::size_t(R) * LogBins::kBins);
    for (int r = 0; r < R; ++r)
      std::copy_n(&s.histogram[(std::size_t(r) * Q + q) * LogBins::kBins], LogBins::kBins,
                  &hist[std::size_t(r) * LogBins::kBins]);
    obs.add(n + "/histogram", {hsize_t(LogBins::kBins)}, hist.data(),
            "counts of " + desc +
                " in log bins: bin 0 below 1e-20 (zero included), bin b in "
                "[edges[b-1], edges[b]), last bin >= 1e10; edges in /observables/histogram_edges");
    // A quantity only some landscapes have says so, rather than appearing elsewhere as zeros.
    if (!info[q].only_for.empty()) {
      Handle g = h5::open_group(file, "observables/" + n);
      attr(g, "only_for_landscape", info[q].only_for);
    }
  }
  std::size_t col = 0;
  for (const auto& count : extra_counts(c)) {
    const std::size_t n = count.columns();
    std::vector<std::uint64_t> v(std::size_t(R) * n);
    for (int r = 0; r < R; ++r)
      std::copy_n(&s.extra_count[std::size_t(r) * s.C + col], n, &v[std::size_t(r) * n]);
    col += n;
    std::vector<hsize_t> shape(count.shape.begin(), count.shape.end());
    obs.add(count.name, shape, v.data(), count.description);
    Handle g = h5::open_group(file, "observables/" + count.name);
    attr(g, "only_for_landscape", c.landscape);
  }
}

void write_counts(Observables& obs, const Config& c, const Statistics& s) {
  const int E = s.E;
  const auto N = static_cast<double>(c.trajectories);
  const hsize_t He = hsize_t(E);
  auto fraction = [&](const std::vector<std::uint64_t>& v) {
    std::vector<double> f(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) f[i] = static_cast<double>(v[i]) / N;
    return f;
  };
  obs.add("flat_count", {He}, s.flat_count.data(),
          "trajectories with flat_distance <= eps[e] (columns follow /summary eps)");
  obs.add("flat_fraction", {He}, fraction(s.flat_count).data(),
          "flat_count / N: diverged trajectories count as failures");
  obs.add("min_count", {He}, s.min_count.data(), "trajectories with min_distance <= eps[e]");
  obs.add("min_fraction", {He}, fraction(s.min_count).data(), "min_count / N");
  obs.add("diverged_count", {}, s.diverged.data(),
          "trajectories diverged by this step (non-finite or beyond the divergence bound)");
  if (s.A > 0)
    obs.add("attractor_count", {hsize_t(s.A)}, s.attractor.data(),
            "trajectories within eps[0] of each flat minimum (rows of /attractors/position)");
  obs.add("survival", {}, survival(s, c.trajectories).data(),
          "fraction of trajectories not yet settled at a flat minimum: last entry into the "
          "eps[0]-ball of the flat set (at record resolution) later than this step, or never");
  obs.add("last_entry_count", {}, s.last_entry_count.data(),
          "trajectories whose last entry into the eps[0]-ball of the flat set, staying inside "
          "to step K, was at this recorded step");
  obs.add("sign_draws", {}, s.sign_draws.data(),
          "cumulative number of NGD steps taken at g = 0 exactly (random Bouligand sign)");
  obs.add("critical_points", {}, s.critical.data(),
          "cumulative number of NGD steps taken at grad g = 0 (random unit direction)");
}

class H5FinalWriter : public FinalRows {
 public:
  H5FinalWriter(hid_t file, std::int64_t n, int dim) : n_(hsize_t(n)), d_(hsize_t(dim)) {
    Handle g = h5::group(file, "final");
    position_ = h5::create(g, "position", {n_, d_}, H5T_NATIVE_DOUBLE,
                           "position x_K of every trajectory", "x");
    class_ = h5::create(g, "class", {n_}, H5T_NATIVE_INT8,
                        "final class: 0 flat(eps[0]), 1 min(eps[0]) but not flat, 2 neither, "
                        "3 diverged");
    attractor_ =
        h5::create(g, "attractor", {n_}, H5T_NATIVE_INT32,
                   "attractor id (row of /attractors/position) where flat(eps[0]), else -1");
    last_ = h5::create(g, "last_entry", {n_}, H5T_NATIVE_INT64,
                       "step of the last entry into the eps[0]-ball of the flat set, at record "
                       "resolution; -1 if not inside at K",
                       "step");
  }

  void write(std::int64_t first, std::int64_t count, const double* position, const std::int8_t* cls,
             const std::int32_t* attractor, const std::int64_t* last_entry) override {
    const hsize_t f = hsize_t(first), n = hsize_t(count);
    h5::write_rows(position_, f, n, H5T_NATIVE_DOUBLE, position);
    h5::write_rows(class_, f, n, H5T_NATIVE_INT8, cls);
    h5::write_rows(attractor_, f, n, H5T_NATIVE_INT32, attractor);
    h5::write_rows(last_, f, n, H5T_NATIVE_INT64, last_entry);
  }

  void read(std::int64_t first, std::int64_t count, double* position, std::int8_t* cls,
            std::int32_t* attractor, std::int64_t* last_entry) const override {
    const hsize_t f = hsize_t(first), n = hsize_t(count);
    h5::read_rows(position_, f, n, H5T_NATIVE_DOUBLE, position);
    h5::read_rows(class_, f, n, H5T_NATIVE_INT8, cls);
    h5::read_rows(attractor_, f, n, H5T_NATIVE_INT32, attractor);
    h5::read_rows(last_, f, n, H5T_NATIVE_INT64, last_entry);
  }

 private:
  hsize_t n_, d_;
  Handle position_, class_, attractor_, last_;
};

}  // namespace

void FinalArrays::write(std::int64_t first, std::int64_t count, const double* position,
                        const std::int8_t* cls, const std::int32_t* attractor,
                        const std::int64_t* last_entry) {
  const auto f = static_cast<std::size_t>(first), n = static_cast<std::size_t>(count);
  std::copy(position, position + n * d_, position_.begin() + f * d_);
  std::copy(cls, cls + n, class_.begin() + f);
  std::copy(attractor, attractor + n, attractor_.begin() + f);
  std::copy(last_entry, last_entry + n, last_.begin() + f);
}

void FinalArrays::read(std::int64_t first, std::int64_t count, double* position, std::int8_t* cls,
                       std::int32_t* attractor, std::int64_t* last_entry) const {
  const auto f = static_cast<std::size_t>(first), n = static_cast<std::size_t>(count);
  std::copy(position_.begin() + f * d_, position_.begin() + (f + n) * d_, position);
  std::copy(class_.begin() + f, class_.begin() + f + n, cls);
  std::copy(attractor_.begin() + f, attractor_.begin() + f + n, attractor);
  std::copy(last_.begin() + f, last_.begin() + f + n, last_entry);
}

std::unique_ptr<FinalRows> final_writer(hid_t file, std::int64_t trajectories, int dim) {
  return std::make_unique<H5FinalWriter>(file, trajectories, dim);
}

void write_output(hid_t file, const Config& c, const Plan& plan, const Statistics& s,
                  const Estimates& e) {
  {
    Handle h = h5::group(file, "h5md");
    attr(h, "version", std::vector<std::int32_t>{1, 1});
    Handle author = h5::group(file, "h5md/author");
    const char* user = std::getenv("USER");
    attr(author, "name", std::string(user ? user : "unknown"));
    Handle creator = h5::group(file, "h5md/creator");
    attr(creator, "name", std::string("ngdsim"));
    attr(creator, "version", std::string(kVersion));
  }
  {
    Handle p = h5::group(file, "parameters");
    attr(p, "landscape", c.landscape);
    for (const auto& [k, v] : resolved_params(c)) attr(p, "param." + k, v);
    attr(p, "optimizer", c.optimizer);
    attr(p, "alpha0", c.alpha0);
    attr(p, "p", c.p);
    attr(p, "rho", c.rho);
    attr(p, "sigma", c.sigma);
    if (c.optimizer == "gdwd") attr(p, "wd", c.wd);
    if (c.landscape == "bnreg" || c.landscape == "msense") attr(p, "fit_tol", c.fit_tol);
    if (c.landscape == "msense") {
      attr(p, "tau", c.tau);
      attr(p, "escape_radius", c.escape_radius);
    }
    attr(p, "steps", std::int64_t(c.steps));
    attr(p, "trajectories", std::int64_t(c.trajectories));
    attr(p, "seed", std::uint64_t(c.seed));
    attr(p, "init", c.init);
    attr(p, "eps", c.eps);
    attr(p, "record", c.record);
    attr(p, "backend", c.backend);
    attr(p, "precision", c.precision);
    attr(p, "save_final", std::int64_t(c.save_final));
    attr(p, "sample_paths", std::int64_t(c.sample_paths));
    attr(p, "divergence_bound", c.divergence_bound);
    attr(p, "dimension", std::int64_t(c.dim));
    h5::write_string(p, "config", to_toml(c),
                     "the full resolved configuration as TOML; `ngdsim run --config` re-runs it");
    if (e.bnreg) write_bnreg_data(p, *e.bnreg);
    if (e.msense) write_msense_data(p, *e.msense);
  }

  Observables obs(file, plan);
  write_quantities(file, obs, c, plan, s);
  write_counts(obs, c, s);
  std::vector<double> alpha_at(plan.records());
  for (int r = 0; r < plan.records(); ++r) {
    const auto k = plan.record_steps[r];
    alpha_at[r] = k < c.steps ? plan.alpha[k] : c.alpha0 / std::pow(double(k + 1), c.p);
  }
  obs.add("alpha", {}, alpha_at.data(), "step size alpha_k = alpha0/(k+1)^p", "x");
  {
    Handle g = h5::open_group(file, "observables");
    h5::write(g, "histogram_edges", {hsize_t(plan.edges.size())}, plan.edges.data(),
              "edges of the log-histogram bins: 10^(-20 + j/8), j = 0..240");
  }

  {
    // Settling: when each trajectory first came within eps of a flat minimum, and from
    // which record on it stayed there.
    Handle g = h5::group(file, "settling");
    const hsize_t E = hsize_t(s.E), R1 = hsize_t(s.R + 1);
    h5::write(g, "step", {hsize_t(s.R)}, plan.record_steps.data(),
              "recorded steps: column r of the counts is the entry at step[r]", "step");
    h5::write(g, "first_entry_count", {E, R1}, s.first_entry_count.data(),
              "row e (eps[e] of /summary), column r < R: trajectories first found within "
              "eps[e] of a flat minimum at recorded step r (the true entry lies after the "
              "previous recorded step); column R: never found inside");
    h5::write(g, "last_entry_count", {E, R1}, s.last_entry_count.data(),
              "row e, column r < R: trajectories within eps[e] of the flat set from recorded "
              "step r through step K, and outside at the recorded step before; column R: not "
              "inside at K");
  }

  {
    Handle a = h5::group(file, "attractors");
    const auto pos = attractor_positions(c);
    const hsize_t A = hsize_t(s.A), d = hsize_t(c.dim);
    std::vector<double> frac, low, high;
    for (const auto& i : e.attractor) {
      frac.push_back(i.estimate);
      low.push_back(i.low);
      high.push_back(i.high);
    }
    h5::write(a, "position", {A, d}, pos.data(), "the flat global minima, in attractor id order",
              "x");
    h5::write(a, "final_count", {A}, e.attractor_count.data(),
              "trajectories within eps[0] of each flat minimum at step K");
    h5::write(a, "final_fraction", {A}, frac.data(), "final_count / N");
    h5::write(a, "wilson_low", {A}, low.data(), "95% Wilson interval, lower end");
    h5::write(a, "wilson_high", {A}, high.data(), "95% Wilson interval, upper end");
  }

  {
    Handle g = h5::group(file, "particles/sample/position");
    const hsize_t R = hsize_t(s.R), S = hsize_t(s.S), d = hsize_t(c.dim);
    h5::write(g, "step", {R}, plan.record_steps.data(), "recorded step index k", "step");
    h5::write(g, "time", {R}, plan.record_time.data(), "t_k = sum_{j<k} alpha_j", "time");
    h5::write(g, "value", {R, S, d}, s.sample.data(),
              "positions of the sampled trajectories at every recorded step", "x");
    Handle sample = h5::open_group(file, "particles/sample");
    h5::write(sample, "id", {S}, plan.sample_ids.data(),
              "trajectory index of each sampled path (evenly spaced over 0..N-1)");
  }

  {
    Handle g = h5::group(file, "summary");
    std::vector<double> pf, pfl, pfh, pm, pml, pmh;
    for (std::size_t i = 0; i < c.eps.size(); ++i) {
      pf.push_back(e.p_flat[i].estimate);
      pfl.push_back(e.p_flat[i].low);
      pfh.push_back(e.p_flat[i].high);
      pm.push_back(e.p_min[i].estimate);
      pml.push_back(e.p_min[i].low);
      pmh.push_back(e.p_min[i].high);
    }
    attr(g, "eps", c.eps);
    attr(g, "p_flat", pf);
    attr(g, "p_flat_low", pfl);
    attr(g, "p_flat_high", pfh);
    attr(g, "p_min", pm);
    attr(g, "p_min_low", pml);
    attr(g, "p_min_high", pmh);
    attr(g, "p_diverged", e.p_diverged.estimate);
    attr(g, "p_diverged_low", e.p_diverged.low);
    attr(g, "p_diverged_high", e.p_diverged.high);
    attr(g, "trajectories", std::int64_t(c.trajectories));
    attr(g, "steps", std::int64_t(c.steps));
    attr(g, "seed", std::uint64_t(c.seed));
    attr(g, "wall_seconds", e.wall_seconds);
    attr(g, "trajectory_steps_per_second", e.rate);
    attr(g, "backend", e.backend);
    attr(g, "device", e.device);
    attr(g, "alpha_last", e.alpha_last);
    attr(g, "median_f", e.median[kF]);
    if (e.msense) {  // msense records f, err, lam_next, ... (host/study/quantities.cpp)
      attr(g, "median_err", e.median[kMsErr]);
      attr(g, "median_lam_next", e.median[kMsLamNext]);
    } else {
      attr(g, "median_phi", e.median[kPhi]);
      attr(g, "median_flat_distance", e.median[kFlatDistance]);
    }
    // Settling: quantiles of the first and last entry steps, arrays over eps.
    for (auto [kind, q] : {std::pair{"first_entry", &e.first_entry}, {"last_entry", &e.last_entry}})
      for (std::size_t l = 0; l < kEntryLevels.size(); ++l) {
        const std::string name = std::string(kind) + (l == 0 ? "_median" : "_q90");
        for (auto [suffix, member] : {std::pair{"", &StepQuantile::value},
                                      {"_low", &StepQuantile::low},
                                      {"_high", &StepQuantile::high}}) {
          std::vector<double> v;
          for (const auto& per_eps : *q) v.push_back(per_eps[l].*member);
          attr(g, name + suffix, v);
        }
      }
    if (e.bnreg) write_bnreg_summary(g, *e.bnreg);
    if (e.msense) write_msense_summary(g, c, *e.msense);
    attr(g, "description",
         std::string("estimates at step K over all N trajectories (diverged count as "
                     "failures), 95% Wilson score intervals"));
  }
  h5::check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush of the output file");
}

}  // namespace ngdsim
