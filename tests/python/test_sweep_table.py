"""A sweep's table says where eps < alpha_K (the last step size): an alpha_K column in the
file and on the terminal, those points marked with a warning, drawn hollow in the sweep
plots; and ranges (START:STOP:STEP, logspace:A:B:N) give the points they name."""
import os
import subprocess
import sys

import h5py
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))
sys.path.insert(0, os.path.join(ROOT, "python"))
import ngdsim  # noqa: E402


def test_points_below_alpha_k_are_marked(tmp_path):
    r = subprocess.run([EXE, "sweep", "--backend", "cpu", "--trajectories", "1000", "--steps",
                        "2000", "--vary", "p=0.3:0.9:0.3", "--out", "s.h5"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # The header names the varied exponent instead of the base value it does not have.
    assert "ngd alpha_k = 1/(k+1)^p, N = 1000" in r.stdout and "(varied: p over 0.3, 0.6, 0.9)" \
        in r.stdout, r.stdout
    rows = {line.split()[0]: line for line in r.stdout.splitlines() if line.startswith("p=")}
    assert sorted(rows) == ["p=0.3", "p=0.6", "p=0.9"]
    # alpha_K = 1/2000^p: 0.102 at p = 0.3 (above eps = 0.1), 0.0105 and 0.00107 below it.
    assert rows["p=0.3"].rstrip().endswith("*") and "0.102" in rows["p=0.3"]
    assert not rows["p=0.6"].rstrip().endswith("*")
    assert "* warning: eps = 0.1 < alpha_K at these points" in r.stdout
    s = ngdsim.load_sweep(tmp_path / "s.h5")
    alpha = [p.summary["alpha_last"] for p in s.points]
    assert np.array_equal(s.table["alpha_K"], np.asarray(alpha, dtype=float).ravel())
    assert np.allclose(s.table["p"], [0.3, 0.6, 0.9])
    with h5py.File(tmp_path / "s.h5", "r") as f:
        assert f["sweep"].attrs["columns"].endswith("p_diverged_high, alpha_K, wall_seconds")


def _point_results(path, i):
    """The datasets of sweep point i, as bytes, but its configuration text."""
    out = {}
    with h5py.File(path, "r") as f:
        g = f["points/%03d" % i]

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and not name.endswith("config"):
                out[name] = np.asarray(obj[()]).tobytes()
        g.visititems(visit)
    return out


def test_optimizers_and_landscapes_are_swept_with_their_own_settings(tmp_path):
    from results_of import results_of
    common = ["--backend", "cpu", "--trajectories", "1500", "--steps", "300", "--threads", "2"]
    r = subprocess.run([EXE, "sweep", *common, "--vary",
                        "optimizer=ngd,sam(rho=0.02),gd(alpha0=0.1,p=0)", "--out", "o.h5"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    labels = [line.split()[0] for line in r.stdout.splitlines() if line.startswith("optimizer=")]
    assert labels == ["optimizer=ngd", "optimizer=sam(rho=0.02)", "optimizer=gd(alpha0=0.1,p=0)"]
    # Each point is the run those settings describe, dataset for dataset.
    for i, extra in enumerate([["--optimizer", "ngd"],
                               ["--optimizer", "sam", "--rho", "0.02"],
                               ["--optimizer", "gd", "--alpha0", "0.1", "--p", "0"]]):
        subprocess.run([EXE, "run", *common, *extra, "--out", "r%d.h5" % i], cwd=tmp_path,
                       check=True, capture_output=True)
        single = {k: v for k, v in results_of(tmp_path / ("r%d.h5" % i)).items()
                  if not k.startswith(("summary", "provenance"))}
        point = {k: v for k, v in _point_results(tmp_path / "o.h5", i).items()
                 if not k.startswith(("summary", "provenance"))}
        assert set(single) == set(point) and all(single[k] == point[k] for k in single), i
    s = ngdsim.load_sweep(tmp_path / "o.h5")
    assert [p.config["optimizer"] for p in s.points] == ["ngd", "sam", "gd"]
    assert np.array_equal(s.table["optimizer"], [0, 1, 2])  # names: the index of the value

    # Landscapes: the base's n applies to product only; quadric takes its own a and b.
    r = subprocess.run([EXE, "sweep", *common, "--param", "n=3", "--vary",
                        "landscape=product,parabola,quadric(a=1,b=4)", "--out", "l.h5"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    s = ngdsim.load_sweep(tmp_path / "l.h5")
    assert [p.config["landscape"] for p in s.points] == ["product", "parabola", "quadric"]
    assert s.points[0].config["param.n"] == "3" and "param.n" not in s.points[1].config
    assert float(s.points[2].config["param.b"]) == 4


def test_bad_swept_names_are_refused_naming_the_setting(tmp_path):
    for vary, says in [("optimizer=sam(rho=)", "invalid vary 'optimizer=sam(rho=)'"),
                       ("optimizer=sam(rho=0.1", "invalid vary"),
                       ("optimizer=newton", "unknown optimizer 'newton'"),
                       ("landscape=product(m=3)", "unknown param 'm' for landscape product"),
                       ("optimizer=sam(landscape=cubic)", "may not include landscape"),
                       ("optimizer=sam(rho=-1)", "invalid rho")]:
        r = subprocess.run([EXE, "sweep", "--trajectories", "100", "--steps", "10", "--vary",
                            vary, "--out", "x.h5"], cwd=tmp_path, capture_output=True, text=True)
        assert r.returncode == 2 and says in r.stderr, (vary, r.stderr)
        assert not (tmp_path / "x.h5").exists()


def test_the_stored_configuration_reruns_the_same_sweep(tmp_path):
    """/sweep/config holds the unvaried settings: a landscape value's own parameter (n=3 of
    the first point) does not leak into the other points when the file is re-run."""
    from results_of import sweep_contents
    common = ["--backend", "cpu", "--trajectories", "1000", "--steps", "100", "--threads", "2"]
    r = subprocess.run([EXE, "sweep", *common, "--vary", "landscape=product(n=3),product",
                        "--out", "a.h5"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "a.h5", "r") as f:
        text = f["sweep/config"][()].decode()
        assert f["points/001/parameters"].attrs["dimension"] == 2
    (tmp_path / "again.toml").write_text(text)
    r = subprocess.run([EXE, "sweep", "--config", "again.toml", "--threads", "2", "--out",
                        "b.h5"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert sweep_contents(tmp_path / "a.h5") == sweep_contents(tmp_path / "b.h5")


def test_a_toml_vary_table_keeps_the_file_order(tmp_path):
    """[vary] p first, then alpha0: the grid's outer axis is p, as with --vary p --vary
    alpha0 (a TOML table iterates its keys sorted; the file's order wins)."""
    (tmp_path / "g.toml").write_text("trajectories = 300\nsteps = 20\n[vary]\n"
                                     "p = [0.5, 1]\nalpha0 = [0.5, 1]\n")
    r = subprocess.run([EXE, "sweep", "--config", "g.toml", "--out", "g.h5"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert ngdsim.load_sweep(tmp_path / "g.h5").labels == [
        "p=0.5 alpha0=0.5", "p=0.5 alpha0=1", "p=1 alpha0=0.5", "p=1 alpha0=1"]


def test_a_p_sweep_at_k_20000_flags_exactly_the_points_below_alpha_k(tmp_path, monkeypatch):
    """The issue's case: p from 0 to 1 at K = 20000. alpha_K = 1/20000^p; a point is marked
    (table) and drawn hollow (each eps panel of the plots) exactly where eps < alpha_K."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.figure
    from ngdsim import plot
    K, eps = 20000, [0.1, 0.01]
    r = subprocess.run([EXE, "sweep", "--backend", "cpu", "--trajectories", "256", "--steps",
                        str(K), "--eps", "0.1,0.01", "--vary", "p=0:1:0.1", "--out", "p.h5"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    s = ngdsim.load_sweep(tmp_path / "p.h5")
    p = np.asarray(s.table["p"])
    alpha_k = 1.0 / K ** p
    assert np.allclose(s.table["alpha_K"], alpha_k, rtol=1e-12)
    marked = {line.split()[0] for line in r.stdout.splitlines()
              if line.startswith("p=") and line.rstrip().endswith("*")}
    assert marked == {s.labels[i] for i in np.flatnonzero(eps[0] < alpha_k)}
    assert 0 < len(marked) < len(p)
    drawn = []
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig",
                        lambda fig, *a, **k: drawn.append(fig))
    plot.plot_sweep(s, tmp_path / "plots")
    for fig in drawn:
        for ax in fig.axes:
            e = ax.get_title().split("= ")[-1]
            hollow = [line for line in ax.lines if line.get_markerfacecolor() == "white"]
            xs = sorted(float(x) for line in hollow for x in line.get_xdata())
            assert np.allclose(xs, sorted(p[float(e) < alpha_k])), (ax.get_title(), xs)
    assert len(drawn) == 2  # sweep_p_flat and sweep_p_min
