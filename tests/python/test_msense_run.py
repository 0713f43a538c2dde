"""msense from the command line to the HDF5 file read back: every recorded statistic
against an independent numpy evaluation of every trajectory's sampled path (all N
sampled, every step recorded), the escape and fit records, the low-rank and solution
counts; ipgd against perturbed bit for bit; GD from the saddle never moving; the data
written to /parameters; the statistics independent of threads and tiles; the emulated
kernel byte for byte the CPU path; the refusals."""
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.dirname(__file__))
import ngdsim  # noqa: E402
from results_of import assert_same_results  # noqa: E402

# Data set C (d = rp = 3, r = 1, m = 12).
C_A = [0.56, -0.73, 0.31, -0.73, 1.21, -0.74, 0.31, -0.74, 0.80, 1.40, 1.56, 0.68, 1.56, 0.26,
       -0.42, 0.68, -0.42, -0.51, -1.50, -0.42, 0.50, -0.42, 0.68, -0.43, 0.50, -0.43, -0.88,
       -0.06, -0.09, 0.38, -0.09, 0.23, -0.99, 0.38, -0.99, -1.17, 1.68, 0.49, -0.06, 0.49, 0.67,
       0.10, -0.06, 0.10, -0.61, -2.24, -0.21, 2.21, -0.21, 0.69, 1.34, 2.21, 1.34, -0.84, 0.37,
       -0.76, 0.33, -0.76, -0.68, 0.22, 0.33, 0.22, -0.29, -0.01, 0.46, -0.23, 0.46, -0.53,
       -0.16, -0.23, -0.16, 2.13, -0.34, 0.69, -0.25, 0.69, 1.49, 0.02, -0.25, 0.02, -0.88,
       -0.37, 0.69, 0.50, 0.69, 1.43, -0.47, 0.50, -0.47, -0.31, 0.70, 0.85, 0.09, 0.85, -0.41,
       -0.09, 0.09, -0.09, 0.78, -0.30, 0.27, 0.73, 0.27, 0.43, -0.20, 0.73, -0.20, -0.88]
C_U = [0.857, -0.016, 0.515]
C = ["--landscape", "msense", "--param", "d=3", "--param", "rp=3", "--param", "r=1",
     "--param", "m=12", "--param", "A=" + ",".join(map(str, C_A)),
     "--param", "Ustar=" + ",".join(map(str, C_U))]
N, K = 48, 250
FIT_TOL = 1e-6
TAU = (1e-2, 1e-4)
EPS = (0.01, 0.1)


def run(tmp_path, *extra, out="m.h5", check=True, data=C):
    cmd = [EXE, "run", *data, "--alpha0", "0.1", "--p", "0", "--trajectories", str(N),
           "--steps", str(K), "--eps", ",".join(map(str, EPS)), "--out", out, "--force", *extra]
    r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    if check:
        assert r.returncode == 0, r.stderr
    return r


class Numpy:
    """The problem from its definition, literally."""

    def __init__(self, A, U, d, rp):
        self.d, self.rp = d, rp
        self.A = np.asarray(A, float).reshape(-1, d, d)
        self.U = np.asarray(U, float).reshape(d, -1)
        self.r = self.U.shape[1]
        self.X = self.U @ self.U.T
        self.y = np.einsum("iab,ab->i", self.A, self.X)

    def mat(self, u):
        return np.asarray(u, float).reshape(self.d, self.rp)

    def f(self, u):
        U = self.mat(u)
        res = np.einsum("iab,ab->i", self.A, U @ U.T) - self.y
        return np.sum(res ** 2) / (4 * len(self.y))

    def grad(self, u):
        U = self.mat(u)
        res = np.einsum("iab,ab->i", self.A, U @ U.T) - self.y
        return (np.einsum("i,iab->ab", res, self.A) / len(self.y)) @ U

    def quantities(self, u):
        U = self.mat(u)
        lam = np.clip(np.sort(np.linalg.eigvalsh(U @ U.T))[::-1], 0, None)
        s2 = np.sum(U ** 2) + np.sum(self.U ** 2) - 2 * np.sum(np.linalg.svd(self.U.T @ U,
                                                                            compute_uv=False))
        return {"f": self.f(u), "err": np.linalg.norm(U @ U.T - self.X),
                "lam_next": lam[self.r] if self.r < self.d else 0.0,
                "tail": lam[self.r:].sum(),
                "eff_rank": lam.sum() ** 2 / np.sum(lam ** 2) if lam.sum() > 0 else np.nan,
                "sol_dist": np.sqrt(max(s2, 0.0)), "norm": np.linalg.norm(U),
                "grad_norm": np.linalg.norm(self.grad(u))}


MODEL = Numpy(C_A, C_U, 3, 3)


@pytest.mark.parametrize("optimizer", [["gd", "--init", "normal:0,0.05"],
                                       ["ipgd", "--sigma", "1e-4", "--init", "zero"]],
                         ids=["gd", "ipgd"])
def test_every_statistic_against_numpy_on_every_path(tmp_path, optimizer):
    name, *settings = optimizer
    run(tmp_path, "--optimizer", name, *settings, "--sample-paths", str(N), "--record",
        "every:1", "--fit-tol", str(FIT_TOL), "--escape-radius", "0.1")
    res = ngdsim.load(tmp_path / "m.h5")
    paths = res.sample_paths["position"]  # [R, N, 9]
    steps = res.step
    assert paths.shape == (K + 1, N, 9)
    q = {k: np.array([[MODEL.quantities(u)[k] for u in row] for row in paths])
         for k in ("f", "err", "lam_next", "tail", "eff_rank", "sol_dist", "norm", "grad_norm")}
    # GD's path is the literal update, step by step.
    if name == "gd":
        for r in range(K):
            want = paths[r] - 0.1 * np.array([MODEL.grad(u).ravel() for u in paths[r]])
            np.testing.assert_allclose(paths[r + 1], want, rtol=1e-12, atol=1e-15)
    else:
        np.testing.assert_array_equal(paths[0], 0.0)
    for k, v in q.items():
        for stat, fn in (("mean", np.nanmean), ("min", np.nanmin), ("max", np.nanmax)):
            got = res.observables[f"{k}/{stat}"]
            want = fn(v, axis=1)
            ok = np.isfinite(want)
            np.testing.assert_allclose(got[ok], want[ok], rtol=1e-7,
                                       atol=1e-12 * max(1, np.nanmax(np.abs(want))),
                                       err_msg=f"{k}/{stat}")
    if name == "ipgd":  # eff_rank is NaN at U = 0 exactly, and counted as such
        assert res.observables["eff_rank/nonfinite_count"][0] == N
    # Escape and fit: first steps, counts per record.
    radius = 0.1 * np.linalg.norm(C_U)
    esc = np.full(N, -1)
    fit = np.full(N, -1)
    for r in range(K + 1):
        esc[(esc < 0) & (q["norm"][r] >= radius)] = steps[r]
        fit[(fit < 0) & (q["f"][r] < FIT_TOL)] = steps[r]
    assert (esc >= 0).all() and (fit >= 0).any()
    np.testing.assert_array_equal(res.observables["escaped_count"],
                                  [((esc >= 0) & (esc <= k)).sum() for k in steps])
    np.testing.assert_array_equal(res.observables["fitted_count"],
                                  [((fit >= 0) & (fit <= k)).sum() for k in steps])
    np.testing.assert_array_equal(res.observables["fit_count"], (q["f"] < FIT_TOL).sum(axis=1))
    assert res.observables["esc_step/min"][-1] == esc.min()
    assert res.observables["esc_step/max"][-1] == esc.max()
    assert res.summary["esc_step_median"] == np.sort(esc)[(N + 1) // 2 - 1]  # nearest rank
    # err(eps), lowrank(tau), solution(eps, tau); min: f < fit_tol.
    for e, eps in enumerate(EPS):
        np.testing.assert_array_equal(res.observables["flat_count"][:, e],
                                      (q["err"] <= eps).sum(axis=1))
        np.testing.assert_array_equal(res.observables["min_count"][:, e],
                                      (q["f"] < FIT_TOL).sum(axis=1))
    for t, tau in enumerate(TAU):
        np.testing.assert_array_equal(res.observables["lowrank_count"][:, t],
                                      (q["lam_next"] <= tau).sum(axis=1))
        for e, eps in enumerate(EPS):
            np.testing.assert_array_equal(
                res.observables["solution_count"][:, e, t],
                ((q["err"] <= eps) & (q["lam_next"] <= tau)).sum(axis=1))
    low = (q["lam_next"][-1] <= TAU[0]).sum()
    assert res.summary["p_lowrank"][0] == pytest.approx(low / N, abs=0)
    assert res.only_for["lam_next"] == "msense" and res.only_for.get("f", "") == ""
    # The histograms reach 1e-30.
    assert res.histogram_edges[0] == pytest.approx(1e-30)


def test_parameters_hold_the_data_and_the_saddle(tmp_path):
    r = run(tmp_path, "--optimizer", "gd", "--init", "zero")
    with h5py.File(tmp_path / "m.h5") as f:
        p = f["parameters"]
        np.testing.assert_array_equal(p["A"][()].ravel(), C_A)
        np.testing.assert_array_equal(p["Ustar"][()].ravel(), C_U)
        np.testing.assert_allclose(p["Xstar"][()], MODEL.X, rtol=1e-15)
        np.testing.assert_allclose(p["y"][()], MODEL.y, rtol=1e-13, atol=1e-15)
        M0 = np.einsum("i,iab->ab", MODEL.y, MODEL.A) / len(MODEL.y)
        np.testing.assert_allclose(p["M0_eigenvalues"][()], np.linalg.eigvalsh(M0)[::-1],
                                   rtol=1e-12)
    assert "eigenvalues of M0" in r.stderr


def test_gd_from_the_saddle_never_moves(tmp_path):
    run(tmp_path, "--optimizer", "gd", "--init", "zero", "--steps", "3000", "--sample-paths",
        "5", "--save-final")
    res = ngdsim.load(tmp_path / "m.h5")
    np.testing.assert_array_equal(res.sample_paths["position"], 0.0)
    np.testing.assert_array_equal(res.final["position"], 0.0)
    f0 = MODEL.f(np.zeros(9))
    np.testing.assert_array_equal(res.observables["f/min"], res.observables["f/max"])
    assert res.observables["f/max"][-1] == pytest.approx(f0, rel=1e-14)
    np.testing.assert_array_equal(res.observables["escaped_count"], 0)
    assert res.summary["escaped"] == 0 and np.isnan(res.summary["esc_step_median"])


def test_ipgd_is_perturbed_bit_for_bit(tmp_path):
    for name in ("ipgd", "perturbed"):
        run(tmp_path, "--optimizer", name, "--sigma", "1e-5", "--init", "zero", "--save-final",
            "--sample-paths", "7", out=f"{name}.h5")
    assert_same_results(tmp_path / "ipgd.h5", tmp_path / "perturbed.h5")


@pytest.mark.parametrize("precision", ["double", "float"])
def test_statistics_independent_of_threads_and_tiles(tmp_path, precision):
    common = ["--optimizer", "ipgd", "--sigma", "1e-4", "--init", "zero", "--trajectories", "1300",
              "--precision", precision, "--save-final"]
    run(tmp_path, *common, "--threads", "1", "--tile", "256", out="a.h5")
    run(tmp_path, *common, "--threads", "2", "--tile", "1024", out="b.h5")
    assert_same_results(tmp_path / "a.h5", tmp_path / "b.h5")


@pytest.mark.parametrize("extra", [
    ["--optimizer", "ipgd", "--sigma", "1e-4", "--init", "zero"],
    ["--optimizer", "gd", "--init", "normal:0,0.3", "--precision", "float"],
    ["--optimizer", "ngd", "--init", "zero", "--p", "0.5"],
    ["--optimizer", "sam", "--rho", "0.01", "--init", "normal:0,0.01", "--param", "d=2",
     "--param", "rp=3", "--param", "r=2", "--param", "m=5", "--param", "A=", "--param",
     "Ustar=", "--chunk", "512"],
], ids=["ipgd", "float", "ngd", "sam-drawn"])
def test_emulated_kernel_equals_the_cpu_path_byte_for_byte(tmp_path, extra):
    n = "700" if os.environ.get("NGDSIM_TEST_SCALE") == "sanitize" else "1300"
    for backend in ("cpu", "emulated"):
        r = run(tmp_path, "--trajectories", n, "--steps", "300", "--save-final", "--sample-paths",
                "9", "--record", "log:40", "--backend", backend, *extra, out=f"{backend}.h5",
                check=False)
        if "this build has no emulated device" in r.stderr:
            pytest.skip("this build has no emulated device")
        assert r.returncode == 0, r.stderr
    assert_same_results(tmp_path / "cpu.h5", tmp_path / "emulated.h5")


@pytest.mark.parametrize("extra,setting", [
    (["--tau", "1e-2,1e-3,1e-4,1e-5,1e-6"], "tau"),
    (["--tau", "0"], "tau"),
    (["--escape-radius", "0"], "escape_radius"),
    (["--param", "rp=6"], "rp"),
    (["--param", "r=4"], "r"),
    (["--param", "Ustar="], "Ustar"),
    (["--param", "Ustar=0,0,0"], "Ustar"),
    (["--param", "A=1,2,3"], "A"),
    (["--param", "A=" + ",".join(map(str, [1.0, 0.5] + C_A[2:]))], "A"),
    (["--optimizer", "gdwd"], "optimizer"),
], ids=["tau-count", "tau-zero", "radius", "d-rp", "rank", "A-without-U", "U-zero", "A-count",
        "asymmetric", "gdwd"])
def test_refusals(tmp_path, extra, setting):
    r = run(tmp_path, *extra, check=False)
    assert r.returncode == 2, r.stderr
    assert setting in r.stderr
    assert not (tmp_path / "m.h5").exists()


def test_saddle_figure_and_csv_export(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    if os.environ.get("NGDSIM_TEST_SCALE") == "sanitize":
        pytest.skip("pure Python, run in the main pass")
    monkeypatch.setenv("NGDSIM_PLOT_CHECK", "1")  # each figure checked: not blank, text inside
    run(tmp_path, "--optimizer", "ipgd", "--sigma", "1e-6", "--init", "zero")
    from ngdsim import plot
    written = plot.plot_run(ngdsim.load(tmp_path / "m.h5"), tmp_path / "plots")
    names = {os.path.basename(p) for p in written}
    assert {"saddle.png", "quantiles.png", "p_flat.png"} <= names, names
    assert "sharpness.png" not in names and "landscape.png" not in names
    e = subprocess.run([EXE, "export", "m.h5", "--csv", "csv"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert e.returncode == 0, e.stderr
    header = (tmp_path / "csv" / "steps.csv").read_text().splitlines()[0].split(",")
    assert "err_median" in header and "lam_next_mean" in header and "phi_mean" not in header


def test_shards_merge_to_the_whole_run(tmp_path):
    common = ["--optimizer", "ipgd", "--sigma", "1e-4", "--init", "zero", "--trajectories", "1000"]
    run(tmp_path, *common, out="whole.h5")
    for i in range(2):
        run(tmp_path, *common, "--shard", f"{i}/2", out=f"s{i}.h5")
    m = subprocess.run([EXE, "merge", "s0.h5", "s1.h5", "--out", "merged.h5"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert m.returncode == 0, m.stderr
    assert_same_results(tmp_path / "whole.h5", tmp_path / "merged.h5")
