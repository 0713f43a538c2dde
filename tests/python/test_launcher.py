"""ngdsim.run and ngdsim.sweep (python/ngdsim/launcher.py): the same results as the
command line with the same settings, ngdsim's refusals as NgdsimInputError with its
one-line message, where the binary is found, the progress it streams, and the temporary
output that lives as long as the result."""
import gc
import os
import subprocess
import sys
import types

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
PYDIR = os.path.join(ROOT, "python")
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))

sys.path.insert(0, PYDIR)
sys.path.insert(0, HERE)
import ngdsim  # noqa: E402
from ngdsim import launcher  # noqa: E402
from results_of import results_of, sweep_contents  # noqa: E402

SETTINGS = dict(trajectories=3000, steps=300, p=0.6, alpha0=1.5, eps=[0.1, 0.02], seed=7,
                init="box:-1.5,1.5", sample_paths=8, save_final=True, param={"n": 2, "q": 2})
CLI = ["--trajectories", "3000", "--steps", "300", "--p", "0.6", "--alpha0", "1.5",
       "--eps", "0.1,0.02", "--seed", "7", "--init", "box:-1.5,1.5", "--sample-paths", "8",
       "--save-final", "--param", "n=2", "--param", "q=2"]


def cli(*args):
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True)


def test_run_matches_the_command_line(tmp_path):
    r = ngdsim.run(exe=EXE, progress=False, **SETTINGS)
    assert isinstance(r, ngdsim.Result)
    p = cli("run", *CLI, "--out", tmp_path / "cli.h5")
    assert p.returncode == 0, p.stderr
    # every dataset and summary attribute, but the run's time and place
    assert results_of(r.path) == results_of(tmp_path / "cli.h5")
    c = ngdsim.load(tmp_path / "cli.h5")
    assert r.summary["p_flat"].tolist() == c.summary["p_flat"].tolist()
    assert r.config["landscape"] == "product" and r.landscape_params == {"n": "2", "q": "2"}
    assert r.final["position"].shape == (3000, 2)


def test_run_with_names_params_and_out(tmp_path):
    out = tmp_path / "x.h5"
    r = ngdsim.run("parabola", "gd", out=out, exe=EXE, progress=False, trajectories=500,
                   steps=50, eps=0.05, params={"q": 2})
    assert r.path == str(out) and out.is_file()
    assert (r.config["landscape"], r.config["optimizer"]) == ("parabola", "gd")
    assert list(r.eps) == [0.05]
    assert not hasattr(r, "output_folder")  # the caller's file: nothing to clean up
    with pytest.raises(ngdsim.NgdsimInputError, match="the file exists"):
        ngdsim.run(out=out, exe=EXE, progress=False, trajectories=500, steps=50)
    again = ngdsim.run(out=out, exe=EXE, progress=False, trajectories=400, steps=50,
                       force=True)
    assert again.trajectories == 400
    with pytest.raises(TypeError, match="param= or params="):
        ngdsim.run(exe=EXE, param={"n": 2}, params={"n": 3})


def test_bad_setting_raises_the_binary_message(tmp_path):
    expected = cli("run", "--p", "-1", "--out", tmp_path / "x.h5").stderr.strip()
    assert expected.startswith("ngdsim: error: ")
    with pytest.raises(ngdsim.NgdsimInputError) as e:
        ngdsim.run(p=-1, exe=EXE, progress=False)
    assert str(e.value) == expected
    assert isinstance(e.value, ValueError) and isinstance(e.value, ngdsim.NgdsimError)
    assert e.value.status == 2
    with pytest.raises(ngdsim.NgdsimInputError, match=r"unknown setting 'alhpa0'.*did you "
                                                      r"mean 'alpha0'"):
        ngdsim.run(alhpa0=1, exe=EXE, progress=False)
    with pytest.raises(ngdsim.NgdsimInputError, match="invalid landscape|unknown landscape"):
        ngdsim.run("nonsense", exe=EXE, progress=False)
    with pytest.raises(ngdsim.NgdsimInputError, match="invalid vary"):
        ngdsim.sweep(vary={"nonsense": [1, 2]}, exe=EXE, progress=False)


def fake_ngdsim(folder, script):
    path = folder / "ngdsim"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return str(path)


def test_failure_that_is_not_bad_input(tmp_path):
    exe = fake_ngdsim(tmp_path, 'echo "ngdsim: backend cpu" >&2\n'
                                'echo "ngdsim: failed: out of memory" >&2\nexit 1\n')
    with pytest.raises(ngdsim.NgdsimError) as e:
        ngdsim.run(exe=exe, progress=False)
    assert str(e.value) == "ngdsim: failed: out of memory"
    assert not isinstance(e.value, ngdsim.NgdsimInputError) and e.value.status == 1
    assert "ngdsim: backend cpu" in e.value.stderr


def test_finding_the_binary(tmp_path, monkeypatch):
    with pytest.raises(ngdsim.NgdsimNotFoundError, match="exe='/nonexistent/ngdsim'"):
        ngdsim.run(exe="/nonexistent/ngdsim")
    on_path = tmp_path / "bin"
    on_path.mkdir()
    path_exe = fake_ngdsim(on_path, "exit 0\n")
    monkeypatch.setenv("PATH", str(on_path))
    monkeypatch.delenv("NGDSIM_EXE", raising=False)
    assert launcher.find_exe() == path_exe  # PATH before the repository's build
    monkeypatch.setenv("NGDSIM_EXE", EXE)
    assert launcher.find_exe() == EXE  # NGDSIM_EXE before PATH
    assert launcher.find_exe(path_exe) == path_exe  # exe= first
    monkeypatch.setenv("NGDSIM_EXE", str(tmp_path / "missing"))
    with pytest.raises(ngdsim.NgdsimNotFoundError, match="NGDSIM_EXE="):
        launcher.find_exe()
    monkeypatch.delenv("NGDSIM_EXE")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    if os.path.isfile(launcher._REPO_BUILD):
        assert launcher.find_exe() == launcher._REPO_BUILD
    monkeypatch.setattr(launcher, "_REPO_BUILD", str(tmp_path / "no-build" / "ngdsim"))
    with pytest.raises(ngdsim.NgdsimNotFoundError, match="pass exe=, set NGDSIM_EXE"):
        ngdsim.run()


def test_sweep_matches_the_command_line(tmp_path):
    common = dict(trajectories=512, steps=100, sample_paths=4)
    s = ngdsim.sweep(vary={"p": [0.5, 1], "alpha0": [0.5, 1.0]}, exe=EXE, progress=False,
                     **common)
    assert isinstance(s, ngdsim.SweepResult) and len(s) == 4
    assert s.varied == ["p", "alpha0"]
    assert s.labels == ["p=0.5 alpha0=0.5", "p=0.5 alpha0=1", "p=1 alpha0=0.5", "p=1 alpha0=1"]
    p = cli("sweep", "--trajectories", 512, "--steps", 100, "--sample-paths", 4,
            "--vary", "p=0.5,1", "--vary", "alpha0=0.5,1", "--out", tmp_path / "cli.h5")
    assert p.returncode == 0, p.stderr
    assert sweep_contents(s.path) == sweep_contents(tmp_path / "cli.h5")
    # the command line's --vary texts, ranges and comma-carrying values
    s = ngdsim.sweep(vary=["p=0:1:0.5"], exe=EXE, progress=False, **common)
    assert s.labels == ["p=0", "p=0.5", "p=1"]
    s = ngdsim.sweep(vary={"init": ["box:-1,1", "box:-2,2"]}, exe=EXE, progress=False, **common)
    assert s.setting("init") == ["box:-1,1", "box:-2,2"]
    with pytest.raises(TypeError, match="vary= takes"):
        ngdsim.sweep(vary=3, exe=EXE)


def test_progress_callback_gets_each_line():
    lines = []
    ngdsim.sweep(vary={"p": [0.5, 1]}, trajectories=500, steps=50, exe=EXE,
                 progress=lines.append)
    assert "ngdsim sweep: point 1 of 2: p=0.5" in lines
    assert "ngdsim sweep: point 2 of 2: p=1" in lines
    assert any(line.startswith("ngdsim: product n=2") for line in lines)
    assert not any("\r" in line or "\x1b" in line for line in lines)


def test_progress_default_without_tqdm_prints_lines(capfd, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # `import tqdm` fails
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    ngdsim.run(trajectories=500, steps=50, exe=EXE)
    err = capfd.readouterr().err
    assert "ngdsim: product n=2 q=2, ngd" in err and "ngdsim: backend" in err
    ngdsim.run(trajectories=500, steps=50, exe=EXE, progress=False)
    assert capfd.readouterr().err == ""


class FakeTqdm:
    """Records what the launcher does with a tqdm bar."""
    made = []

    def __init__(self, total=None, desc="", unit=""):
        self.total, self.desc, self.n = total, desc, 0
        self.written, self.closed = [], False
        FakeTqdm.made.append(self)

    def update(self, n):
        self.n += n

    def write(self, line, file=None):
        self.written.append(line)

    def set_description(self, desc):
        self.desc = desc

    def close(self):
        self.closed = True


def test_progress_on_a_tqdm_bar(monkeypatch):
    auto = types.ModuleType("tqdm.auto")
    auto.tqdm = FakeTqdm
    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", auto)
    FakeTqdm.made.clear()
    ngdsim.sweep(vary={"p": [0.25, 0.5, 1]}, trajectories=300, steps=30, exe=EXE)
    (bar,) = FakeTqdm.made
    assert (bar.total, bar.n, bar.closed) == (3, 3, True)
    assert bar.desc == "ngdsim: point 3 of 3"
    assert any(w.startswith("ngdsim: product") for w in bar.written)
    FakeTqdm.made.clear()
    ngdsim.run(trajectories=300, steps=30, exe=EXE)
    (bar,) = FakeTqdm.made
    assert (bar.total, bar.n, bar.closed) == (100.0, 100.0, True)


def test_progress_of_lines():
    # the formats of host/study/progress.cpp and the sweep's point lines
    line = "progress:  42.5% of 1.5e+09 trajectory-steps, 9.2e+07 /s, ETA 9 s"
    assert launcher.progress_of(line) == ("percent", 42.5)
    assert launcher.progress_of("ngdsim sweep: point 3 of 7: p=1") == ("point", (3, 7))
    assert launcher.progress_of("ngdsim: backend cpu") is None


def test_temporary_output_lives_with_the_result():
    r = ngdsim.run(trajectories=300, steps=30, exe=EXE, progress=False)
    path = r.path
    assert os.path.isfile(path) and ngdsim.load(path).trajectories == 300
    del r
    gc.collect()
    assert not os.path.exists(path)
    point = ngdsim.sweep(vary={"p": [0.5, 1]}, trajectories=300, steps=30, exe=EXE,
                         progress=False).points[1]
    gc.collect()
    assert os.path.isfile(point.path)  # the sweep is gone, its point keeps the file
    assert ngdsim.read_final(point.path, point=1) is None


def test_interrupted_run_stops_ngdsim(tmp_path):
    def interrupt(line):
        raise KeyboardInterrupt

    out = tmp_path / "big.h5"
    with pytest.raises(KeyboardInterrupt):
        ngdsim.run(trajectories=20000, steps=5000, out=out, exe=EXE, progress=interrupt)
    # ngdsim stopped as after Ctrl-C in a terminal: no output, a checkpoint to resume from
    assert not out.exists()
    assert os.listdir(tmp_path) == ["big.h5.checkpoint"]


def test_to_toml_round_trip():
    tomllib = pytest.importorskip("tomllib")
    settings = {"landscape": 'a "quoted" \\ name', "steps": 5, "alpha0": 1e-05,
                "save_final": True, "eps": [0.1, 0.01], "divergence_bound": float("inf")}
    tables = {"param": {"A": [[1, 2], [3, 4]], "q": 2.5}, "empty": {}}
    text = launcher.to_toml(settings, tables)
    assert tomllib.loads(text) == {**settings, "param": tables["param"]}
    with pytest.raises(TypeError, match="cannot write"):
        launcher.to_toml({"x": object()})


def test_fresh_setup_from_another_folder(tmp_path):
    """The brief's one-liner, from a folder outside the repository, finding the binary
    in the repository's build/ (no NGDSIM_EXE, no ngdsim on the PATH)."""
    if EXE != os.path.join(ROOT, "build", "ngdsim"):
        pytest.skip("NGDSIM_EXE points elsewhere than build/ngdsim")
    env = {k: v for k, v in os.environ.items() if k != "NGDSIM_EXE"}
    env["PYTHONPATH"] = PYDIR
    env["PATH"] = os.path.dirname(sys.executable)
    code = ("import ngdsim; r = ngdsim.run(trajectories=20000, steps=500); "
            "print(r.summary['p_flat'])")
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    values = [float(v) for v in p.stdout.strip().strip("[]").split()]
    assert len(values) == 3 and 0.99 <= values[0] <= 1.0
    assert os.listdir(tmp_path) == []  # the output went to a temporary folder, now gone
