"""The Python package in python/ (ngdsim.load, ngdsim.load_sweep, ngdsim-plot): every
array it returns against the HDF5 file read directly with h5py, the figures it writes
(present, right pixel size, not blank), and its one-line errors (exit status 2, no
traceback) on files that are not ngdsim output or are truncated."""
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
PYDIR = os.path.join(ROOT, "python")
EXE = os.environ.get("NGDSIM_EXE", os.path.join(HERE, "../../build/ngdsim"))

# Always this checkout's package, even where another checkout is installed editable.
sys.path.insert(0, PYDIR)
import ngdsim  # noqa: E402

N, K, S = 2048, 300, 16
EPS = (0.1, 0.01)
SWEEP_N, SWEEP_K = 512, 200

#: figure -> (width, height) in pixels at the default 100 dpi (python/README.md)
RUN_PNGS = {"p_flat": (1200, 500), "quantiles": (1500, 500), "survival": (700, 500),
            "attractors": (800, 500), "landscape": (1300, 600)}
SWEEP_PNGS = {"sweep_p_flat": (1400, 500), "sweep_p_min": (1400, 500)}


def simulate(*args):
    subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, check=True)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("plot")
    run, sweep, run3 = d / "run.h5", d / "sweep.h5", d / "run3.h5"
    simulate("run", "--trajectories", N, "--steps", K, "--eps", ",".join(map(str, EPS)),
             "--sample-paths", S, "--save-final", "--out", run)
    simulate("sweep", "--trajectories", SWEEP_N, "--steps", SWEEP_K, "--sample-paths", 4,
             "--vary", "p=0.5,1", "--vary", "alpha0=0.5,1", "--out", sweep)
    simulate("run", "--param", "n=3", "--trajectories", 512, "--steps", 100,
             "--sample-paths", 4, "--out", run3)
    return {"run": run, "sweep": sweep, "run3": run3, "dir": d}


def h5_observables(group):
    """name -> (value, step, time) for every /observables/<name>/value, read directly."""
    out = {}

    def walk(g, prefix):
        for key in g:
            obj = g[key]
            if isinstance(obj, h5py.Group):
                if "value" in obj:
                    out[prefix + key] = (obj["value"][()], obj["step"][()], obj["time"][()])
                else:
                    walk(obj, prefix + key + "/")
    walk(group, "")
    return out


def plain(v):
    return v.decode() if isinstance(v, bytes) else v


def check_result(r, g, n, k, eps, has_final):
    """r (an ngdsim.Result) against the HDF5 group g (a file root or /points/NNN)."""
    obs = h5_observables(g["observables"])
    assert set(r.observables) == set(obs)
    R = obs["f/mean"][0].shape[0]
    E, A = len(eps), g["attractors/position"].shape[0]
    d = g["attractors/position"].shape[1]
    for name, (value, step, time) in obs.items():
        assert isinstance(r.observables[name], np.ndarray)
        assert r.observables[name].shape == value.shape, name
        np.testing.assert_array_equal(r.observables[name], value, err_msg=name)
        np.testing.assert_array_equal(r.axes[name][0], step)
        np.testing.assert_array_equal(r.axes[name][1], time)
    np.testing.assert_array_equal(r.step, obs["f/mean"][1])
    np.testing.assert_array_equal(r.time, obs["f/mean"][2])
    assert r.step.shape == r.time.shape == (R,) and r.step[0] == 0 and r.step[-1] == k
    expected_shapes = {"f/mean": (R,), "f/quantiles": (R, 5), "f/histogram": (R, 242),
                       "phi/quantiles": (R, 5), "flat_distance/quantiles": (R, 5),
                       "grad_norm/histogram": (R, 242), "flat_count": (R, E),
                       "flat_fraction": (R, E), "min_count": (R, E), "min_fraction": (R, E),
                       "survival": (R,), "alpha": (R,), "diverged_count": (R,),
                       "attractor_count": (R, A)}
    for name, shape in expected_shapes.items():
        assert r.observables[name].shape == shape, name
    assert r.histogram_edges.shape == (241,)
    np.testing.assert_array_equal(r.histogram_edges, g["observables/histogram_edges"][()])

    params = g["parameters"]
    for key, v in params.attrs.items():
        np.testing.assert_array_equal(r.config[key], plain(v), err_msg=key)
    assert r.config_text == r.config["config"] == params["config"][()].decode()
    assert f"trajectories = {n}" in r.config_text
    for key, v in g["summary"].attrs.items():
        np.testing.assert_array_equal(r.summary[key], plain(v), err_msg=key)
    assert r.trajectories == n and r.steps == k and r.dimension == d
    np.testing.assert_allclose(r.eps, eps)

    for key in ("position", "final_count", "final_fraction", "wilson_low", "wilson_high"):
        np.testing.assert_array_equal(r.attractors[key], g[f"attractors/{key}"][()])
    assert r.attractors["position"].shape == (A, d)
    sp = g["particles/sample"]
    np.testing.assert_array_equal(r.sample_paths["position"], sp["position/value"][()])
    np.testing.assert_array_equal(r.sample_paths["id"], sp["id"][()])
    assert r.sample_paths["position"].shape == (R, sp["id"].shape[0], d)

    assert r.has_final == has_final
    if has_final:
        for key in ("position", "class", "attractor", "last_entry"):
            np.testing.assert_array_equal(r.final[key], g[f"final/{key}"][()])
        assert r.final["position"].shape == (n, d)
    else:
        assert r.final is None


def test_load_run(files):
    r = ngdsim.load(files["run"])
    with h5py.File(files["run"], "r") as f:
        check_result(r, f, N, K, EPS, has_final=True)
        assert r.filetype == "ngdsim-run" and r.version == f.attrs["version"]
    # a few values by meaning: the Wilson interval of the package is the simulator's
    s = r.summary
    lo, hi = ngdsim.wilson(r.observables["flat_count"][-1], N)
    np.testing.assert_allclose(lo, s["p_flat_low"], atol=1e-12)
    np.testing.assert_allclose(hi, s["p_flat_high"], atol=1e-12)
    lo, hi = ngdsim.wilson(r.attractors["final_count"], N)
    np.testing.assert_allclose(lo, r.attractors["wilson_low"], atol=1e-12)
    np.testing.assert_allclose(hi, r.attractors["wilson_high"], atol=1e-12)
    np.testing.assert_allclose(r["flat_fraction"][-1], s["p_flat"])
    np.testing.assert_allclose(r["alpha"], 1.0 / (r.step + 1.0) ** 0.5)
    assert r.config["landscape"] == "product" and r.landscape_params == {"n": "2", "q": "2"}
    assert (r.final["class"] == 0).sum() == r["flat_count"][-1, 0]


def test_wilson_edges():
    lo, hi = ngdsim.wilson([0, 5, 10, 0], [10, 10, 10, 0])
    np.testing.assert_allclose(lo, [0.0, 0.2365930905, 0.7224672, 0.0], atol=1e-6)
    np.testing.assert_allclose(hi, [0.2775328, 0.7634069095, 1.0, 1.0], atol=1e-6)
    assert ngdsim.Z95 == 1.959963984540054


def test_load_without_final(files):
    r = ngdsim.load(files["run"], final=False)
    assert r.final is None and r.has_final
    with h5py.File(files["run3"], "r") as f:
        check_result(ngdsim.load(files["run3"]), f, 512, 100, (0.1, 0.01, 0.001),
                     has_final=False)


def test_load_sweep(files):
    s = ngdsim.load_sweep(files["sweep"])
    with h5py.File(files["sweep"], "r") as f:
        table = f["sweep/table"][()]
        attrs = {**f["sweep"].attrs, **f["sweep/table"].attrs}  # `columns` sits on /sweep
        columns = [c.strip() for c in attrs["columns"].split(",")]
        assert s.columns == columns and set(s.table) == set(columns)
        for i, c in enumerate(columns):
            assert s.table[c].shape == (4,)
            np.testing.assert_array_equal(s.table[c], table[:, i])
        names = sorted(f["points"])
        assert s.labels == [f["points"][n].attrs["label"] for n in names]
        assert len(s) == len(s.points) == 4
        for i, n in enumerate(names):
            check_result(s.points[i], f["points"][n], SWEEP_N, SWEEP_K, (0.1, 0.01, 0.001),
                         has_final=False)
            assert s.points[i].label == s.labels[i]
    assert s.varied == ["p", "alpha0"]
    assert s.values == {"p": ["0.5", "1"], "alpha0": ["0.5", "1"]}
    assert s.setting("p") == [0.5, 0.5, 1.0, 1.0] and s.setting("alpha0") == [0.5, 1.0, 0.5, 1.0]
    assert s.labels[1] == "p=0.5 alpha0=1"
    np.testing.assert_allclose(s.eps, [0.1, 0.01, 0.001])
    for i, r in enumerate(s.points):
        assert r.config["p"] == s.table["p"][i] and r.config["alpha0"] == s.table["alpha0"][i]
        np.testing.assert_allclose(s.table["p_flat(0.1)"][i], r.summary["p_flat"][0])
        np.testing.assert_allclose(s.table["p_flat_low(0.01)"][i], r.summary["p_flat_low"][1])
    assert "[vary]" in s.config_text


def test_wrong_kind_and_bad_files(files, tmp_path):
    with pytest.raises(ngdsim.NgdsimFileError, match="load_sweep"):
        ngdsim.load(files["sweep"])
    with pytest.raises(ngdsim.NgdsimFileError, match="load\\(\\)"):
        ngdsim.load_sweep(files["run"])
    text = tmp_path / "t.h5"
    text.write_text("not HDF5\n")
    with pytest.raises(ngdsim.NgdsimFileError):
        ngdsim.load(text)
    with pytest.raises(ngdsim.NgdsimFileError):
        ngdsim.load(tmp_path / "missing.h5")
    partial = tmp_path / "s.h5.partial"
    partial.write_bytes(open(files["sweep"], "rb").read())
    with h5py.File(partial, "r+") as f:
        f.attrs["filetype"] = "ngdsim-sweep-partial"
    with pytest.raises(ngdsim.NgdsimFileError, match="interrupted sweep.*--resume"):
        ngdsim.load_sweep(partial)


def test_to_xarray(files):
    xr = pytest.importorskip("xarray")
    r = ngdsim.load(files["run"])
    ds = r.to_xarray()
    assert isinstance(ds, xr.Dataset)
    R, A = r.step.size, r.attractors["position"].shape[0]
    assert dict(ds.sizes) == {"step": R, "eps": 2, "quantile": 5, "bin": 242, "attractor": A,
                              "dim": 2, "sample": S, "trajectory": N}
    assert ds["f/quantiles"].dims == ("step", "quantile")
    assert ds["flat_fraction"].dims == ("step", "eps")
    assert ds["f/histogram"].dims == ("step", "bin")
    assert ds["sample_paths/position"].dims == ("step", "sample", "dim")
    np.testing.assert_array_equal(ds["time"].values, r.time)
    np.testing.assert_allclose(ds["quantile"].values, [0.05, 0.25, 0.5, 0.75, 0.95])
    np.testing.assert_array_equal(ds["flat_fraction"].sel(eps=0.1).values,
                                  r["flat_fraction"][:, 0])
    assert ds.attrs["landscape"] == "product" and ds.attrs["summary.trajectories"] == N


def test_to_xarray_without_xarray(files, monkeypatch):
    r = ngdsim.load(files["run"], final=False)
    monkeypatch.setitem(sys.modules, "xarray", None)  # `import xarray` now fails
    with pytest.raises(ImportError, match="pip install xarray"):
        r.to_xarray()


# -- ngdsim-plot ---------------------------------------------------------------------
def plot(*args):
    env = dict(os.environ)
    env["PYTHONPATH"] = PYDIR + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "ngdsim.plot", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=120)


def check_png(path, size):
    import matplotlib.image
    assert os.path.isfile(path), path
    img = matplotlib.image.imread(path)
    assert (img.shape[1], img.shape[0]) == size, path
    rgb = np.asarray(img[..., :3], dtype=float)
    assert rgb.var() > 1e-3, f"{path} looks blank"
    assert (rgb < 0.5).mean() > 0.002, f"{path} has almost nothing drawn"


def test_plot_run(files):
    pytest.importorskip("matplotlib")
    out = files["dir"] / "run-figs"
    p = plot(files["run"], "-o", out, "--pdf")
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    for name, size in RUN_PNGS.items():
        check_png(out / f"{name}.png", size)
        with open(out / f"{name}.pdf", "rb") as f:
            assert f.read(5) == b"%PDF-"
    assert sorted(os.listdir(out)) == sorted([f"{n}.png" for n in RUN_PNGS] +
                                             [f"{n}.pdf" for n in RUN_PNGS])


def test_plot_sweep_default_dir(files):
    pytest.importorskip("matplotlib")
    p = plot(files["sweep"])
    assert p.returncode == 0, p.stderr
    out = files["dir"] / "sweep-plots"  # the default: beside the file
    for name, size in SWEEP_PNGS.items():
        check_png(out / f"{name}.png", size)
        assert str(out / f"{name}.png") in p.stdout.split()


def test_plot_3d_run_in_process(files, capsys):
    """d = 3: no landscape.png, the other run figures; main() called directly."""
    pytest.importorskip("matplotlib")
    import ngdsim.plot
    out = files["dir"] / "run3-figs"
    assert ngdsim.plot.main([str(files["run3"]), "-o", str(out), "-q", "--dpi", "50"]) == 0
    assert sorted(os.listdir(out)) == sorted(f"{n}.png" for n in RUN_PNGS if n != "landscape")
    for name, (w, h) in RUN_PNGS.items():
        if name != "landscape":
            check_png(out / f"{name}.png", (w // 2, h // 2))


def bad_files(d, run):
    text = d / "notes.txt"
    text.write_text("this is not an HDF5 file\n" * 20)
    data = run.read_bytes()
    half = d / "truncated.h5"
    half.write_bytes(data[: len(data) // 2])
    plain_h5 = d / "plain.h5"
    with h5py.File(plain_h5, "w") as f:
        f["x"] = np.arange(3)
    no_summary = d / "no_summary.h5"
    with h5py.File(no_summary, "w") as f:
        f.attrs["filetype"] = "ngdsim-run"
        f.create_group("parameters").attrs["landscape"] = "product"
    damaged = {}
    for name in ("observables/flat_fraction", "observables/f/mean", "observables/survival",
                 "observables/histogram_edges", "parameters/config", "attractors/final_fraction"):
        path = d / (name.replace("/", "_") + ".h5")
        path.write_bytes(data)
        with h5py.File(path, "a") as f:
            del f[name]
        damaged["no-" + name] = path
    return {"text": text, "truncated": half, "hdf5-no-filetype": plain_h5,
            "hdf5-no-summary": no_summary, "missing": d / "missing.h5", **damaged}


@pytest.mark.parametrize("kind", ["text", "truncated", "hdf5-no-filetype", "hdf5-no-summary",
                                  "missing", "no-observables/flat_fraction",
                                  "no-observables/f/mean", "no-observables/survival",
                                  "no-observables/histogram_edges", "no-parameters/config",
                                  "no-attractors/final_fraction"])
def test_plot_bad_file(files, tmp_path, kind):
    path = bad_files(tmp_path, files["run"])[kind]
    out = tmp_path / "figs"
    p = plot(path, "-o", out)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ngdsim-plot: error:"), p.stderr
    assert str(path) in lines[0]
    assert not out.exists()
    with pytest.raises(ngdsim.NgdsimFileError):
        ngdsim.load(path)


def test_plot_writes_all_figures_or_none(files, tmp_path, monkeypatch):
    """A failure half-way (here the survival figure) removes the figures already written,
    and leaves alone what the folder held before."""
    import ngdsim.plot
    out = tmp_path / "figs"
    out.mkdir()
    (out / "mine.txt").write_text("kept\n")

    def broken(*args, **kwargs):
        raise RuntimeError("broken figure")

    monkeypatch.setattr(ngdsim.plot, "_fig_survival", broken, raising=True)
    assert ngdsim.plot.main([str(files["run"]), "-o", str(out), "-q", "--dpi", "50"]) == 1
    assert sorted(os.listdir(out)) == ["mine.txt"]
    fresh = tmp_path / "fresh"
    assert ngdsim.plot.main([str(files["run"]), "-o", str(fresh), "-q", "--dpi", "50"]) == 1
    assert not fresh.exists()
