"""bnreg from the command line to the HDF5 file read back: every recorded statistic
against an independent numpy evaluation of every trajectory's sampled path (all N
sampled, every step recorded), gd against gdwd --wd 0 bit for bit, the statistics
independent of threads and tiles, shards merging to the whole run, the start-up print,
the landscape-only layout, the refusals, and the emulated kernel byte for byte the CPU
path."""
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))
sys.path.insert(0, os.path.join(ROOT, "python"))
import ngdsim  # noqa: E402

# The data set D8 (d = 8, n = 4), its reference constants.
D8_X = [1.02, 0.76, -0.25, 0.44, 0.53, -0.71, -1.68, -1.04, 0.12, 0.82, -0.03, -0.76, 1.48,
        1.37, -0.19, -1.01, -0.74, 3.11, 0.08, 0.94, 0.64, -1.24, 2.70, 0.55, 0.47, 0.22, 0.17,
        -0.75, -1.24, 0.94, 1.34, 1.25]
D8_Y = [0.90, 1.04, 4.48, 0.98]
D8 = ["--landscape", "bnreg", "--param", "d=8", "--param", "n=4",
      "--param", "X=" + ",".join(map(str, D8_X)), "--param", "y=" + ",".join(map(str, D8_Y))]
N, K = 64, 300
FIT_TOL = 1e-6


def run(tmp_path, *extra, out="b.h5", check=True):
    cmd = [EXE, "run", *D8, "--init", "sphere:1", "--trajectories", str(N), "--steps", str(K),
           "--p", "0", "--eps", "0.1,0.03", "--out", out, "--force", *extra]
    r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    if check:
        assert r.returncode == 0, r.stderr
    return r


class Numpy:
    """The landscape from its definition: the BN model's loss by the literal formula
    (mean and population std of the predictions), the Hessian in closed form, theta*
    from numpy's pseudo-inverse."""

    def __init__(self, X, y):
        self.y = np.asarray(y, float)
        self.X = np.asarray(X, float).reshape(len(self.y), -1)
        self.n = len(self.y)
        mu = self.X.mean(axis=0)
        self.Xc = self.X - mu
        self.yc = self.y - self.y.mean()
        self.gamma = np.sqrt(np.mean(self.yc ** 2))
        self.Sigma = self.Xc.T @ self.Xc / self.n
        self.c = self.Xc.T @ self.yc / self.n
        wt = np.linalg.pinv(self.Xc) @ self.yc
        self.theta_star = wt / np.linalg.norm(wt)
        self.S_star = self.sharpness(self.theta_star)
        # Orthonormal basis of the row space of Xc.
        u, s, vt = np.linalg.svd(self.Xc)
        self.VR = vt[: self.n - 1].T

    def loss(self, w):
        pred = self.X @ w
        phi_out = self.gamma * (pred - pred.mean()) / pred.std() + self.y.mean()
        return np.mean((phi_out - self.y) ** 2)

    def grad(self, w):
        s = np.sqrt(w @ self.Sigma @ w)
        return -(2 * self.gamma / s) * (self.c - (self.c @ w) / s ** 2 * (self.Sigma @ w))

    def hessian(self, w):
        v = self.Sigma @ w
        a = self.c @ w
        s2 = w @ v
        return (2 * self.gamma / s2 ** 1.5) * (np.outer(self.c, v) + np.outer(v, self.c)
                                               + a * self.Sigma - 3 * a / s2 * np.outer(v, v))

    def sharpness(self, w):
        theta = w / np.linalg.norm(w)
        return max(np.linalg.eigvalsh(self.hessian(theta)).max(), 0.0)

    def phi(self, w):
        pr = self.VR @ (self.VR.T @ w)
        return np.sum((w - pr) ** 2) / np.sum(pr ** 2)

    def flat_distance(self, w):
        return np.linalg.norm(w / np.linalg.norm(w) - self.theta_star)

    def min_distance(self, w):
        theta = w / np.linalg.norm(w)
        along = max(theta @ self.theta_star, 0.0)
        return np.linalg.norm(self.VR @ (self.VR.T @ theta) - along * self.theta_star)


D8_MODEL = Numpy(D8_X, D8_Y)


def test_reference_constants_printed_and_written(tmp_path):
    r = run(tmp_path, "--optimizer", "gdwd", "--alpha0", "0.1", "--wd", "0.01")
    assert "S* = 3.443493" in r.stderr and "2/S* = 0.5808055" in r.stderr, r.stderr
    assert "theta* = (-0.295314, 0.588366, 0.0113252, 0.293407" in r.stderr, r.stderr
    res = ngdsim.load(tmp_path / "b.h5")
    assert res.summary["S_star"] == pytest.approx(3.443493, abs=1e-6)
    assert res.summary["gamma"] == pytest.approx(1.519243, abs=1e-6)
    np.testing.assert_allclose(res.data["theta_star"], D8_MODEL.theta_star, atol=1e-14)
    np.testing.assert_array_equal(res.data["X"], np.reshape(D8_X, (4, 8)))
    np.testing.assert_array_equal(res.data["y"], D8_Y)
    assert res.summary["eta_in"] == pytest.approx(1e-3)
    # sphere:1, so |w_0| = 1 and eff_lr_0 = alpha0 / (1 - eta_in) for every trajectory.
    np.testing.assert_allclose(res.summary["eff_lr_0"], 0.1 / (1 - 1e-3), rtol=1e-14)
    assert "bnreg: S* = 3.44349" in r.stdout and "median S*(1+phi_K)/S*" in r.stdout


@pytest.mark.parametrize("optimizer", [("gdwd", "--alpha0", "0.1", "--wd", "0.01"),
                                       ("ngd", "--alpha0", "0.2", "--p", "0.5")],
                         ids=["gdwd", "ngd"])
def test_every_statistic_against_numpy_on_every_path(tmp_path, optimizer):
    name, *settings = optimizer
    run(tmp_path, "--optimizer", name, *settings, "--sample-paths", str(N), "--record",
        "every:1", "--fit-tol", str(FIT_TOL))
    res = ngdsim.load(tmp_path / "b.h5")
    paths = res.sample_paths["position"]  # [R, N, d]
    steps = res.step
    assert paths.shape == (K + 1, N, 8)
    np.testing.assert_allclose(np.linalg.norm(paths[0], axis=1), 1.0, rtol=1e-15)
    alpha0 = float(res.config["alpha0"])
    p = float(res.config["p"])
    wd = float(res.config.get("wd", 0.0))
    m = D8_MODEL
    f = np.array([[m.loss(w) for w in row] for row in paths])
    fit_step = np.full(N, -1)
    for r in range(K + 1):
        fresh = (fit_step < 0) & (f[r] < FIT_TOL)
        fit_step[fresh] = steps[r]
    assert (fit_step >= 0).any()
    checks = {
        "f": f,
        "phi": [[m.phi(w) for w in row] for row in paths],
        "flat_distance": [[m.flat_distance(w) for w in row] for row in paths],
        "min_distance": [[m.min_distance(w) for w in row] for row in paths],
        "grad_norm": [[np.linalg.norm(m.grad(w)) for w in row] for row in paths],
        "sharpness": [[m.sharpness(w) for w in row] for row in paths],
        "norm": np.linalg.norm(paths, axis=2),
    }
    checks["sharpness_gamma"] = m.S_star * (1 + np.asarray(checks["phi"]))
    if name == "gdwd":
        alpha = alpha0 / (steps + 1.0) ** p
        eff = alpha[:, None] / ((1 - alpha[:, None] * wd) * checks["norm"] ** 2)
        checks["two_over_eff_lr"] = 2 / eff
        checks["eos_ratio"] = eff * np.asarray(checks["sharpness"]) / 2
    else:
        assert "two_over_eff_lr/mean" not in res.observables
    # Loose where a value is at rounding level (the loss and the distances near the fit).
    for q, v in checks.items():
        v = np.asarray(v, float)
        for stat, fn in (("mean", np.mean), ("min", np.min), ("max", np.max)):
            got = res.observables[f"{q}/{stat}"]
            want = fn(v, axis=1)
            np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12 * max(1, np.abs(want).max()),
                                       err_msg=f"{q}/{stat}")
        assert res.only_for.get(q, "") == ("bnreg" if q in ("sharpness", "sharpness_gamma", "norm",
                                                             "two_over_eff_lr", "eos_ratio") else "")
    # The fit: counts per record, and the first fit's step over the fitted trajectories.
    np.testing.assert_array_equal(res.observables["fit_count"], (f < FIT_TOL).sum(axis=1))
    fitted = np.array([((fit_step >= 0) & (fit_step <= k)).sum() for k in steps])
    np.testing.assert_array_equal(res.observables["fitted_count"], fitted)
    np.testing.assert_array_equal(res.observables["fit_step/count"], fitted)
    last = fit_step[fit_step >= 0]
    assert res.observables["fit_step/min"][-1] == last.min()
    assert res.observables["fit_step/max"][-1] == last.max()
    s_fit = np.array([m.sharpness(paths[np.searchsorted(steps, k), j])
                      for j, k in enumerate(fit_step) if k >= 0])
    assert res.observables["sharpness_fit/mean"][-1] == pytest.approx(s_fit.mean(), rel=1e-9)
    assert res.summary["fitted"] == len(last)
    # The fine medians at K: between the two middle order statistics, to one bin of 1e-3.
    def between_middle(median, values):
        v = np.sort(values)
        lo, hi = v[(len(v) - 1) // 2], v[len(v) // 2]
        return lo - 1e-3 <= median <= hi + 1e-3

    s_k = np.asarray(checks["sharpness"])[-1] / m.S_star
    assert between_middle(res.summary["median_sharpness_over_S_star"], s_k)
    assert between_middle(res.summary["median_sharpness_fit_over_S_star"], s_fit / m.S_star)
    assert between_middle(res.summary["median_sharpness_gamma_over_S_star"],
                          np.asarray(checks["sharpness_gamma"])[-1] / m.S_star)
    # Counts of flat(eps) and min(eps), and the classification.
    flat = np.asarray(checks["flat_distance"])
    np.testing.assert_array_equal(res.observables["flat_count"][:, 0], (flat <= 0.1).sum(axis=1))
    np.testing.assert_array_equal(res.observables["flat_count"][:, 1], (flat <= 0.03).sum(axis=1))


def test_gd_is_gdwd_at_zero_weight_decay_bit_for_bit(tmp_path):
    run(tmp_path, "--optimizer", "gd", "--alpha0", "0.3", "--save-final", out="gd.h5")
    run(tmp_path, "--optimizer", "gdwd", "--wd", "0", "--alpha0", "0.3", "--save-final",
        out="gdwd.h5")
    a, b = ngdsim.load(tmp_path / "gd.h5"), ngdsim.load(tmp_path / "gdwd.h5")
    np.testing.assert_array_equal(a.final["position"], b.final["position"])
    assert a.observables.keys() == b.observables.keys()
    for k in a.observables:
        np.testing.assert_array_equal(a.observables[k], b.observables[k], err_msg=k)


def all_statistics(path):
    r = ngdsim.load(path)
    return r.observables, {k: v for k, v in r.summary.items()
                           if k not in ("wall_seconds", "trajectory_steps_per_second", "device")}


@pytest.mark.parametrize("precision", ["double", "float"])
def test_statistics_independent_of_threads_and_tiles(tmp_path, precision):
    common = ["--optimizer", "gdwd", "--alpha0", "0.1", "--wd", "0.01", "--trajectories", "1300",
              "--precision", precision]
    run(tmp_path, *common, "--threads", "1", "--tile", "256", out="a.h5")
    run(tmp_path, *common, "--threads", "2", "--tile", "1024", out="b.h5")
    (oa, sa), (ob, sb) = all_statistics(tmp_path / "a.h5"), all_statistics(tmp_path / "b.h5")
    assert oa.keys() == ob.keys()
    for k in oa:
        np.testing.assert_array_equal(oa[k], ob[k], err_msg=k)
    for k in sa:
        np.testing.assert_array_equal(np.asarray(sa[k]), np.asarray(sb[k]), err_msg=k)


def test_shards_merge_to_the_whole_run(tmp_path):
    common = ["--optimizer", "gdwd", "--alpha0", "0.1", "--wd", "0.01", "--trajectories", "1000"]
    run(tmp_path, *common, out="whole.h5")
    for i in range(2):
        run(tmp_path, *common, "--shard", f"{i}/2", out=f"s{i}.h5")
    m = subprocess.run([EXE, "merge", "s0.h5", "s1.h5", "--out", "merged.h5"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert m.returncode == 0, m.stderr
    (ow, sw), (om, sm) = all_statistics(tmp_path / "whole.h5"), all_statistics(tmp_path / "merged.h5")
    for k in ow:
        np.testing.assert_array_equal(ow[k], om[k], err_msg=k)
    for k in ("median_sharpness_gamma_over_S_star", "median_sharpness_fit_over_S_star", "fitted",
              "p_flat"):
        np.testing.assert_array_equal(sw[k], sm[k], err_msg=k)


def test_other_landscapes_have_no_bnreg_quantities(tmp_path):
    r = subprocess.run([EXE, "run", "--trajectories", "300", "--steps", "50", "--out", "p.h5"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    res = ngdsim.load(tmp_path / "p.h5")
    assert res.quantities == ("f", "phi", "flat_distance", "min_distance", "grad_norm")
    assert res.only_for == {} and res.data == {}
    with h5py.File(tmp_path / "p.h5") as f:
        assert "sharpness" not in f["observables"] and "S_star" not in f["summary"].attrs


@pytest.mark.parametrize("extra, setting", [
    (["--optimizer", "sam"], "optimizer"),
    (["--optimizer", "perturbed"], "optimizer"),
    (["--optimizer", "ngd", "--wd", "0.1"], "wd"),
    (["--optimizer", "gdwd", "--alpha0", "1", "--wd", "1"], "wd"),
    (["--optimizer", "gdwd", "--wd", "-0.1"], "wd"),
    (["--fit-tol", "0"], "fit_tol"),
    (["--init", "sphere:0"], "init"),
    (["--param", "y="], "param y"),
    (["--param", "y=1,2,3"], "param y"),
    (["--param", "y=1,1,1,1"], "param y"),
    (["--param", "n=9"], "param d"),
    (["--param", "X=1,2"], "param X"),
], ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_refusals(tmp_path, extra, setting):
    r = run(tmp_path, "--optimizer", "gdwd", *extra, check=False)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"ngdsim: error: invalid {setting}"), r.stderr
    assert not (tmp_path / "b.h5").exists()


def test_gdwd_only_on_bnreg(tmp_path):
    r = subprocess.run([EXE, "run", "--optimizer", "gdwd", "--out", "p.h5"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 2 and "gdwd on landscape bnreg only" in r.stderr, r.stderr


def test_data_drawn_from_data_seed_not_from_seed(tmp_path):
    base = [EXE, "run", "--landscape", "bnreg", "--param", "d=6", "--param", "n=5",
            "--optimizer", "gd", "--alpha0", "0.1", "--trajectories", "256", "--steps", "10"]
    for name, extra in (("a", ["--seed", "1"]), ("b", ["--seed", "2"]),
                        ("c", ["--param", "data_seed=7"])):
        r = subprocess.run(base + extra + ["--out", f"{name}.h5"], cwd=tmp_path,
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    a, b, c = (ngdsim.load(tmp_path / f"{n}.h5") for n in "abc")
    np.testing.assert_array_equal(a.data["X"], b.data["X"])
    assert a.data["X"].shape == (5, 6)
    assert not np.array_equal(a.data["X"], c.data["X"])
    # The data set drawn is a valid one: theta* interpolates it.
    m = Numpy(a.data["X"], a.data["y"])
    assert m.loss(a.data["theta_star"]) < 1e-25


def test_sharpness_figure(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    if os.environ.get("NGDSIM_TEST_SCALE") == "sanitize":
        pytest.skip("pure Python, run in the main pass")
    monkeypatch.setenv("NGDSIM_PLOT_CHECK", "1")  # each figure checked: not blank, text inside
    run(tmp_path, "--optimizer", "gdwd", "--alpha0", "0.1", "--wd", "0.01")
    from ngdsim import plot
    written = plot.plot_run(ngdsim.load(tmp_path / "b.h5"), tmp_path / "plots")
    names = {os.path.basename(p) for p in written}
    assert {"sharpness.png", "quantiles.png", "p_flat.png"} <= names, names
    assert "landscape.png" not in names


def bnreg_study(n):
    return ["--backend", "cpu", *D8, "--init", "sphere:1", "--optimizer", "gdwd", "--alpha0",
            "0.1", "--wd", "0.01", "--p", "0", "--trajectories", str(n), "--steps", "3000",
            "--save-final", "--threads", "1", "--tile", "256"]


def test_a_stopped_run_resumes_to_the_same_file(tmp_path):
    sys.path.insert(0, os.path.dirname(__file__))
    from results_of import results_of, run_and_read, stop_after_first_checkpoint
    # (A tenth under the sanitizers: still long enough to be stopped in the middle.)
    study = bnreg_study(2000 if os.environ.get("NGDSIM_TEST_SCALE") == "sanitize" else 20000)
    whole, _ = run_and_read(EXE, study, tmp_path, "whole.h5")
    stop_after_first_checkpoint(EXE, study + ["--checkpoint", "0.05"], tmp_path)
    r = subprocess.run([EXE, "run", *study, "--out", "c.h5", "--resume", "--threads", "2"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0 and "resuming from" in r.stderr, r.stderr
    assert results_of(tmp_path / "c.h5") == whole


def test_mpi_ranks_write_the_single_process_file(tmp_path):
    import shutil
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        pytest.skip("no mpirun on this machine")
    sys.path.insert(0, os.path.dirname(__file__))
    from results_of import results_of, run_and_read
    study = bnreg_study(3000)
    single, _ = run_and_read(EXE, study, tmp_path, "single.h5")
    r = subprocess.run([mpirun, "--allow-run-as-root", "--oversubscribe", "-np", "3", EXE, "run",
                        *study, "--out", "m.h5"], cwd=tmp_path, capture_output=True, text=True,
                       env={**os.environ, "OMPI_MCA_rmaps_base_oversubscribe": "1"}, timeout=600)
    if "this build has no MPI support" in r.stderr:
        pytest.skip("this build of ngdsim has no MPI")
    assert r.returncode == 0, r.stderr
    assert results_of(tmp_path / "m.h5") == single


@pytest.mark.parametrize("extra", [
    ["--optimizer", "gdwd", "--alpha0", "0.1", "--wd", "0.01"],
    ["--optimizer", "gdwd", "--alpha0", "1", "--wd", "0.01", "--precision", "float"],
    ["--optimizer", "ngd", "--alpha0", "1", "--p", "0.5"],
    ["--optimizer", "gd", "--alpha0", "0.1", "--param", "d=5", "--param", "n=3", "--param", "X=",
     "--param", "y="],
    ["--optimizer", "gdwd", "--alpha0", "0.05", "--wd", "0.02", "--param", "d=13", "--param",
     "n=7", "--param", "X=", "--param", "y=", "--init", "normal:0,1", "--chunk", "512"],
], ids=["gdwd", "float", "ngd", "d5", "d13"])
def test_emulated_kernel_equals_the_cpu_path_byte_for_byte(tmp_path, extra):
    sys.path.insert(0, os.path.dirname(__file__))
    from results_of import assert_same_results
    n = "700" if os.environ.get("NGDSIM_TEST_SCALE") == "sanitize" else "1300"
    for backend in ("cpu", "emulated"):
        r = run(tmp_path, "--trajectories", n, "--steps", "400", "--save-final", "--sample-paths",
                "9", "--record", "log:40", "--backend", backend, *extra, out=f"{backend}.h5",
                check=False)
        if "this build has no emulated device" in r.stderr:
            pytest.skip("this build has no emulated device")
        assert r.returncode == 0, r.stderr
    assert_same_results(tmp_path / "cpu.h5", tmp_path / "emulated.h5")


def test_stored_configuration_keeps_the_data_as_written_and_reruns(tmp_path):
    study = os.path.join(ROOT, "studies", "bnreg_d8_gdwd.toml")
    small = ["--trajectories", "300", "--steps", "200"]
    r = subprocess.run([EXE, "run", "--config", study, *small, "--out", "a.h5"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = ngdsim.load(tmp_path / "a.h5").config_text
    assert "X = '1.02,0.76,-0.25,0.44," in text and "y = '0.9,1.04,4.48,0.98'" in text, text
    assert "wd = 0.01" in text and "fit_tol = 1e-06" in text, text
    (tmp_path / "stored.toml").write_text(text)
    r = subprocess.run([EXE, "run", "--config", "stored.toml", "--out", "b.h5"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    a, b = ngdsim.load(tmp_path / "a.h5"), ngdsim.load(tmp_path / "b.h5")
    for k in a.observables:
        np.testing.assert_array_equal(a.observables[k], b.observables[k], err_msg=k)
