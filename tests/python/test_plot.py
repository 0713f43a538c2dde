"""The Python package in python/ (ngdsim.load, ngdsim.load_sweep, ngdsim-plot): every
array it returns against the HDF5 file read directly with h5py, the figures it writes
(present, right pixel size, not blank, no text off the canvas: NGDSIM_PLOT_CHECK=1 checks
every figure before it is saved, in every test here), its options (compare, --eps,
--panels, --size, --format) and its one-line errors (exit status 2, no traceback) on
bad options and on files that are not ngdsim output or are truncated."""
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

# Plotting is Python: the main pass tests it; CI's sanitizer pass is for the C++ code,
# which the other files exercise.
pytestmark = pytest.mark.skipif(os.environ.get("NGDSIM_TEST_SCALE") == "sanitize",
                                reason="pure-Python plotting, tested in the main pass")

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
    # 2-D without --save-final: the landscape draws the sampled paths' end points
    simulate("run", "--trajectories", N, "--steps", K, "--p", 0.7, "--sample-paths", 8,
             "--out", d / "nofinal.h5")
    return {"run": run, "sweep": sweep, "run3": run3, "nofinal": d / "nofinal.h5", "dir": d}


@pytest.fixture(autouse=True)
def checked_figures(monkeypatch):
    """Every figure the tests make, in the process or in `python -m ngdsim.plot`, passes
    ngdsim.plot.figure_problems (not blank, no text outside the canvas) before it is
    saved: a failure is a plotting error (exit status 1)."""
    monkeypatch.setenv("NGDSIM_PLOT_CHECK", "1")


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


def check_png(path, size=None):
    """The saved PNG: of ``size`` pixels (if given), not blank (more than one colour, some
    variance, some ink)."""
    import matplotlib.image
    assert os.path.isfile(path), path
    img = matplotlib.image.imread(path)
    if size is not None:
        assert (img.shape[1], img.shape[0]) == size, path
    rgb = np.asarray(img[..., :3], dtype=float)
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 1, f"{path} has one colour"
    assert rgb.var() > 1e-3, f"{path} looks blank"
    assert (rgb < 0.5).mean() > 0.002, f"{path} has almost nothing drawn"


def check_pngs(paths):
    """check_png on every PNG among ``paths`` (the files ngdsim-plot reported)."""
    pngs = [p for p in map(str, paths) if p.endswith(".png")]
    for p in pngs:
        check_png(p)
    return pngs


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
    assert len(check_pngs(p.stdout.split())) == len(RUN_PNGS)
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
    assert len(check_pngs(p.stdout.split())) == len(SWEEP_PNGS)


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


# -- the figure check ----------------------------------------------------------------
def small_figure(text_at=None):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(4, 3), dpi=50, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.plot([1, 10, 100], [1e-3, 1, 10])
    ax.set_xscale("log")
    ax.set_yscale("log")  # log ticks: matplotlib keeps labels for ticks beyond the view
    ax.set_title("a title")
    if text_at is not None:
        fig.text(*text_at, "a long caption that does not fit")
    return fig


def test_figure_problems_finds_text_off_the_canvas_and_blank_figures():
    pytest.importorskip("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    import ngdsim.plot
    assert ngdsim.plot.figure_problems(small_figure()) == []
    assert ngdsim.plot.figure_problems(small_figure(text_at=(0.1, 0.5))) == []
    problems = ngdsim.plot.figure_problems(small_figure(text_at=(0.7, 0.5)))
    assert len(problems) == 1 and "a long caption" in problems[0], problems
    assert "outside" in ngdsim.plot.figure_problems(small_figure(text_at=(0.2, -0.1)))[0]
    blank = Figure(figsize=(2, 2))
    FigureCanvasAgg(blank)
    assert ngdsim.plot.figure_problems(blank) == ["the canvas is blank"]


def test_check_runs_on_every_saved_figure(files, tmp_path, monkeypatch):
    """With NGDSIM_PLOT_CHECK=1 (set for every test here) a figure with a text off its
    canvas is a plotting error, and nothing is written."""
    import ngdsim.plot
    real = ngdsim.plot._Figures.save

    def save_with_stray_text(self, fig, name):
        fig.text(1.05, 0.5, "off the canvas")
        return real(self, fig, name)

    monkeypatch.setattr(ngdsim.plot._Figures, "save", save_with_stray_text)
    out = tmp_path / "figs"
    assert ngdsim.plot.main([str(files["run"]), "-o", str(out), "-q"]) == 1
    assert not out.exists()


@pytest.fixture
def figures(monkeypatch):
    """{name: Figure} of every figure saved while the test runs (after the checks)."""
    import ngdsim.plot
    saved = {}
    real = ngdsim.plot._Figures.save

    def save(self, fig, name):
        real(self, fig, name)
        saved[os.path.relpath(os.path.join(self.outdir, name), self.outdir)] = fig
    monkeypatch.setattr(ngdsim.plot._Figures, "save", save)
    return saved


def titles(fig):
    return [ax.get_title() for ax in fig.axes]


def legend_texts(ax):
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


# -- titles, captions and panels -----------------------------------------------------
def test_short_titles_and_captions(files, tmp_path, figures):
    import ngdsim.plot
    r = ngdsim.load(files["run"])
    written = ngdsim.plot.plot_run(r, tmp_path, final_position=r.final["position"])
    assert len(check_pngs(written)) == len(RUN_PNGS)
    assert set(figures) == set(RUN_PNGS)
    for name, fig in figures.items():
        title = fig.get_suptitle()
        assert 0 < len(title) <= 40 and "\n" not in title, (name, title)
        caption = fig.get_supxlabel().replace("\n", " ")
        for detail in ("product (n=2, q=2)", "NGD", r"\alpha_k", "N = 2048", "K = 300",
                       "init box:-2,2"):
            assert detail in caption, (name, detail, caption)
        # the caption sits below everything else, inside the canvas (checked anyway)
        fig.canvas.draw()
        cap = fig._supxlabel.get_window_extent()
        assert cap.y0 >= 0 and all(cap.y1 <= ax.get_window_extent().y0 + 1
                                   for ax in fig.axes), name


def test_alpha_k_only_beside_the_distance(files, tmp_path, figures):
    import ngdsim.plot
    ngdsim.plot.plot_run(ngdsim.load(files["run"], final=False), tmp_path,
                         panels=["quantiles"])
    assert set(figures) == {"quantiles"}
    f, phi, distance = figures["quantiles"].axes
    assert "regularizer" in phi.get_title() and "distance" in distance.get_title()
    assert not any("alpha" in t for t in legend_texts(f) + legend_texts(phi))
    assert not any("alpha" in line.get_label() for line in f.lines + phi.lines)
    assert r"$\alpha_k$ (NGD oscillates at about $\alpha_k$)" in legend_texts(distance)
    alpha_line = next(ln for ln in distance.lines if "oscillates" in ln.get_label())
    np.testing.assert_allclose(alpha_line.get_ydata(), ngdsim.load(files["run"])["alpha"])


def test_survival_band_visible_or_said_narrow(files, tmp_path, figures):
    import dataclasses
    import ngdsim.plot
    r = ngdsim.load(files["run"], final=False)
    ngdsim.plot.plot_run(r, tmp_path / "a", panels="survival")
    ax = figures["survival"].axes[0]
    assert "95% Wilson band" in legend_texts(ax)
    band = ax.collections[0]
    assert band.get_alpha() >= 0.25
    # the band's edges are drawn as lines of their own, thinner than the curve
    edges = [ln.get_ydata() for ln in ax.lines if ln.get_linewidth() < 1]
    assert len(edges) == 2
    lo, hi = ngdsim.wilson(np.round(r["survival"] * N), N)
    np.testing.assert_allclose(edges[0], lo, atol=1e-12)
    np.testing.assert_allclose(edges[1], hi, atol=1e-12)
    assert np.max(hi - lo) > 0.02  # N = 2048: wide enough to see
    # N = 10^9: narrower than the line, and the legend says so
    huge = dataclasses.replace(r, summary={**r.summary, "trajectories": 10 ** 9})
    ngdsim.plot.plot_run(huge, tmp_path / "b", panels="survival")
    narrow = [t for t in legend_texts(figures["survival"].axes[0]) if "Wilson" in t]
    assert narrow == ["95% Wilson band (narrower than the line)"]
    lo, hi = ngdsim.wilson(np.round(r["survival"] * 10 ** 9), 10 ** 9)
    half = f"{float(f'{np.max(hi - lo) / 2:.1g}'):g}"
    assert half in ("2e-05", "3e-05")
    caption = figures["survival"].get_supxlabel().replace("\n", " ")
    assert f"the 95% Wilson band is ±{half} at most" in caption


def test_narrow_bands_noted_in_the_caption(files, tmp_path, figures):
    """Several bands: the legend stays short and the caption says when all are narrow."""
    import dataclasses
    import ngdsim.plot
    r = ngdsim.load(files["run"], final=False)
    ngdsim.plot.plot_run(r, tmp_path / "a", panels="p_flat")
    note = "the 95% Wilson bands are narrower than the lines"
    assert note not in figures["p_flat"].get_supxlabel().replace("\n", " ")
    assert "shaded: 95% Wilson bands" in legend_texts(figures["p_flat"].axes[0])
    huge = dataclasses.replace(r, summary={**r.summary, "trajectories": 10 ** 9})
    ngdsim.plot.plot_run(huge, tmp_path / "b", panels="p_flat")
    assert note in figures["p_flat"].get_supxlabel().replace("\n", " ")


def test_landscape_zooms_on_the_gathered_final_points(files, tmp_path, figures):
    """All N final points sit in a few bins of the frame: an inset shows them around the
    most visited flat minimum."""
    import ngdsim.plot
    r = ngdsim.load(files["run"])
    ngdsim.plot.plot_run(r, tmp_path, panels=["density"], final_position=r.final["position"])
    ax = figures["landscape"].axes[0]
    (inset,) = ax.child_axes
    centre = r.attractors["position"][np.argmax(r.attractors["final_fraction"])]
    (x0, x1), (y0, y1) = inset.get_xlim(), inset.get_ylim()
    np.testing.assert_allclose([(x0 + x1) / 2, (y0 + y1) / 2], centre)
    assert 0 < x1 - x0 < 0.12 * (ax.get_xlim()[1] - ax.get_xlim()[0])
    assert inset.collections  # the density
    caption = figures["landscape"].get_supxlabel().replace("\n", " ")
    assert "inset: the final points within" in caption


def test_landscape_without_final_draws_the_paths_end_points(files, tmp_path, figures):
    import ngdsim.plot
    r = ngdsim.load(files["nofinal"])
    assert not r.has_final
    p = plot(files["nofinal"], "-o", tmp_path / "cli", "--panels", "landscape")
    assert p.returncode == 0, p.stderr
    check_png(tmp_path / "cli" / "landscape.png", RUN_PNGS["landscape"])
    ngdsim.plot.plot_run(r, tmp_path, panels=["density"])
    ax = figures["landscape"].axes[0]
    assert ax.get_title() == "end points of the 8 sampled paths" and not ax.child_axes
    points = ax.collections[0].get_offsets()
    np.testing.assert_allclose(points, r.sample_paths["position"][-1])
    assert "without --save-final" in figures["landscape"].get_supxlabel().replace("\n", " ")


def test_panels_option(files, tmp_path):
    out = tmp_path / "figs"
    p = plot(files["run"], "-o", out, "--panels", "flat,survival,phi")
    assert p.returncode == 0, p.stderr
    assert sorted(os.listdir(out)) == ["p_flat.png", "quantiles.png", "survival.png"]
    check_png(out / "p_flat.png", (600, 500))  # one of its two panels: half as wide
    check_png(out / "quantiles.png", (500, 500))
    check_png(out / "survival.png", RUN_PNGS["survival"])
    out = tmp_path / "sweep"
    p = plot(files["sweep"], "-o", out, "--panels", "sweep_p_min,survival", "--points")
    assert p.returncode == 0, p.stderr
    assert sorted(os.listdir(out)) == ["points", "sweep_p_min.png"]
    assert sorted(os.listdir(out / "points" / "002")) == ["survival.png"]
    check_pngs(p.stdout.split())


def test_eps_option(files, tmp_path, figures):
    import ngdsim.plot
    r = ngdsim.load(files["run"], final=False)
    ngdsim.plot.plot_run(r, tmp_path, eps=0.01, panels=["p_flat"])
    for ax in figures["p_flat"].axes:
        curves = [t for t in legend_texts(ax) if t.startswith(r"$\varepsilon$ =")]
        assert curves == [r"$\varepsilon$ = 0.01"]
    flat = figures["p_flat"].axes[0]
    line = next(ln for ln in flat.lines if ln.get_label() == r"$\varepsilon$ = 0.01")
    np.testing.assert_allclose(line.get_ydata(), r["flat_count"][:, 1] / N)
    s = ngdsim.load_sweep(files["sweep"], final=False)
    ngdsim.plot.plot_sweep(s, tmp_path / "s", eps=0.001)
    assert titles(figures["sweep_p_flat"]) == [r"$\varepsilon$ = 0.001"]
    assert titles(figures["sweep_p_min"]) == [r"$\varepsilon$ = 0.001"]


@pytest.mark.parametrize("mode", ["run", "sweep", "compare"])
def test_eps_not_in_the_file(files, tmp_path, mode):
    args = {"run": [files["run"]], "sweep": [files["sweep"]],
            "compare": ["compare", files["sweep"], files["run"]]}[mode]
    p = plot(*args, "-o", tmp_path / "figs", "--eps", "0.05")
    assert p.returncode == 2, p.stderr
    last = p.stderr.strip().splitlines()[-1]
    assert "error: argument --eps: 0.05 is not an eps of" in last
    assert "Traceback" not in p.stderr
    assert ("0.1, 0.01" if mode == "run" else "0.1, 0.01, 0.001") in last
    assert not (tmp_path / "figs").exists()


@pytest.mark.parametrize("size, dpi, pixels", [("column", 100, (340, None)),
                                               ("twocolumn", 100, (700, None)),
                                               ("6x4", 100, (600, 400))])
def test_size_option_every_mode(files, tmp_path, size, dpi, pixels):
    """Every figure of every mode at the paper sizes: checked (no text off the canvas),
    as wide as asked (300 dpi unless --dpi says)."""
    import matplotlib.image
    # Every figure of a run; the landscape without /final; the sweep's figures (its
    # points' figures are run figures); a comparison.
    runs = [[files["run"]], [files["nofinal"], "--panels", "landscape"],
            [files["sweep"], "--panels", "sweep_p_flat,sweep_p_min"],
            ["compare", files["run"], f"{files['sweep']}:1", files["nofinal"],
             "--panels", "compare"]]
    for i, args in enumerate(runs):
        p = plot(*args, "-o", tmp_path / str(i), "--size", size,
                 *(["--dpi", dpi] if dpi else []))
        assert p.returncode == 0, p.stderr
        for png in check_pngs(p.stdout.split()):
            h, w = matplotlib.image.imread(png).shape[:2]
            assert w == pixels[0] and (pixels[1] is None or h == pixels[1]), (png, w, h)


def test_paper_sizes_default_to_300_dpi(files, tmp_path):
    import matplotlib.image
    p = plot(files["run3"], "-o", tmp_path / "c", "--size", "column", "--panels", "survival")
    assert p.returncode == 0, p.stderr
    (png,) = check_pngs(p.stdout.split())
    assert matplotlib.image.imread(png).shape[1] == 1020  # 3.4 in at 300 dpi


def test_format_option(files, tmp_path):
    out = tmp_path / "figs"
    p = plot(files["run3"], "-o", out, "--format", "svg,pdf", "--panels", "survival")
    assert p.returncode == 0, p.stderr
    assert sorted(os.listdir(out)) == ["survival.pdf", "survival.svg"]
    assert (out / "survival.pdf").read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in (out / "survival.svg").read_bytes()[:1000]
    p = plot(files["run3"], "-o", tmp_path / "alias", "--pdf", "--panels", "survival")
    assert sorted(os.listdir(tmp_path / "alias")) == ["survival.pdf", "survival.png"]


@pytest.mark.parametrize("args, says", [
    (["--size", "huge"], "argument --size: 'huge' is not column"),
    (["--size", "0x3"], "argument --size: '0x3' is not column"),
    (["--format", "png,jpg"], "argument --format: 'png,jpg' is not a comma-separated list"),
    (["--panels", "flat,bogus"], "argument --panels: 'flat,bogus' names 'bogus', not a "
                                 "figure or panel of run files (allowed: p_flat, flat, min"),
    (["--panels", "sweep_p_flat"], "'sweep_p_flat', not a figure or panel of run files"),
    (["--eps", "-1"], "argument --eps: -1.0 is not a number > 0"),
    (["--eps", "x"], "argument --eps: invalid float value: 'x'"),
    (["--dpi", "5"], "argument --dpi: 5 is not from 10 to 1200"),
    (["--size", "3x3"], "argument --size: 3x3 in is too small for 3 panels"),
])
def test_bad_option_values(files, tmp_path, args, says):
    p = plot(files["run"], "-o", tmp_path / "figs", *args)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr
    last = p.stderr.strip().splitlines()[-1]
    assert last.startswith("ngdsim-plot") and says in last, p.stderr
    assert not (tmp_path / "figs").exists()


def test_nothing_to_draw(files, tmp_path):
    p = plot(files["run3"], "-o", tmp_path / "figs", "--panels", "landscape")
    assert p.returncode == 2
    assert "nothing to draw" in p.stderr and "2-D landscape" in p.stderr
    assert not (tmp_path / "figs").exists()


# -- compare -------------------------------------------------------------------------
def test_compare(files, tmp_path, figures):
    import ngdsim.plot
    out = tmp_path / "figs"
    code = ngdsim.plot.main(["compare", str(files["run"]), str(files["nofinal"]),
                             f"{files['sweep']}:1", "-o", str(out), "-q"])
    assert code == 0
    assert os.listdir(out) == ["compare.png"]
    check_png(out / "compare.png", (1500, 500))
    fig = figures["compare"]
    flat, distance, survival = fig.axes
    assert flat.get_title() == "P(flat, ε = 0.1)"
    labels = ["p=0.5, alpha0=1, N=2048, K=300", "p=0.7, alpha0=1, N=2048, K=300",
              "p=0.5, alpha0=1, N=512, K=200"]
    # alpha0 = 1 everywhere: only what differs
    labels = [lbl.replace(", alpha0=1", "") for lbl in labels]
    assert legend_texts(flat)[:3] == labels
    assert legend_texts(survival) == ["shaded: 95% Wilson bands"]
    runs = [ngdsim.load(files["run"]), ngdsim.load(files["nofinal"]),
            ngdsim.load_sweep(files["sweep"]).points[1]]
    curves = [ln for ln in flat.lines if ln.get_label() in labels]
    for line, r in zip(curves, runs):
        np.testing.assert_allclose(line.get_ydata(), r["flat_fraction"][:, 0])
    medians = [ln for ln in distance.lines if ln.get_linewidth() > 1.5]
    for line, r in zip(medians, runs):
        np.testing.assert_allclose(line.get_ydata(), r["flat_distance/quantiles"][:, 2])
    assert "oscillates" in " ".join(legend_texts(distance))
    caption = fig.get_supxlabel()
    assert "product (n=2, q=2)" in caption and "NGD" in caption and "N = " not in caption


def test_compare_labels_sweep_points_and_eps(files, tmp_path, figures):
    import ngdsim.plot
    out = tmp_path / "figs"
    code = ngdsim.plot.main(["compare", str(files["sweep"]), "-o", str(out), "-q",
                             "--eps", "0.01", "--panels", "flat,min,phi"])
    assert code == 0
    flat, pmin, phi = figures["compare"].axes
    assert legend_texts(flat)[:4] == ["p=0.5, alpha0=0.5", "p=0.5, alpha0=1",
                                      "p=1, alpha0=0.5", "p=1, alpha0=1"]
    assert pmin.get_title() == "P(min, ε = 0.01)" and "regularizer" in phi.get_title()
    p = plot("compare", files["run"], files["run"], "--label", "first", "--label", "second",
             "-o", tmp_path / "two")
    assert p.returncode == 0, p.stderr
    check_pngs(p.stdout.split())
    assert ngdsim.plot.default_labels([ngdsim.load(files["run"])] * 2, ["a.h5", "b.h5"]) \
        == ["a.h5", "b.h5"]


@pytest.mark.parametrize("items, says", [
    (["{sweep}:9"], "no point 9 (the sweep has points 0 to 3)"),
    (["{run}:1"], "is a run file, without points"),
    (["{dir}/missing.h5"], "no such file"),
])
def test_compare_bad_items(files, tmp_path, items, says):
    items = [i.format(**{k: str(v) for k, v in files.items()}) for i in items]
    p = plot("compare", files["run"], *items, "-o", tmp_path / "figs")
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ngdsim-plot: error:") and says in lines[0]


def test_compare_default_folder(files):
    p = plot("compare", files["run"], files["nofinal"], "-q")
    assert p.returncode == 0, p.stderr
    check_png(files["dir"] / "compare-plots" / "compare.png", (1500, 500))


def test_compare_label_count(files, tmp_path):
    p = plot("compare", files["run"], files["nofinal"], "--label", "only one",
             "-o", tmp_path / "figs")
    assert p.returncode == 2
    assert "argument --label: 1 labels for 2 runs" in p.stderr


def test_python_m_ngdsim_compare(files, tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = PYDIR + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, "-m", "ngdsim", "compare", str(files["run"]),
                        str(files["nofinal"]), "-o", str(tmp_path), "--size", "twocolumn"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == [str(tmp_path / "compare.png")]
    check_png(tmp_path / "compare.png")
