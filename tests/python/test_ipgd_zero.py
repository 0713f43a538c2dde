"""`--optimizer ipgd` is perturbed GD under another name, bit for bit; `--init zero` starts
every trajectory exactly at the origin, and gradient descent from a critical point there
never moves."""
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))
sys.path.insert(0, os.path.dirname(__file__))
from results_of import results_of  # noqa: E402

STUDY = ["--trajectories", "1000", "--steps", "300", "--save-final", "--backend", "cpu"]


def run(d, out, *extra):
    r = subprocess.run([EXE, "run", *STUDY, *extra, "--out", out], cwd=d, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    return r


def test_ipgd_is_perturbed_bit_for_bit(tmp_path):
    run(tmp_path, "a.h5", "--optimizer", "perturbed", "--sigma", "1e-3", "--param", "n=3")
    run(tmp_path, "b.h5", "--optimizer", "ipgd", "--sigma", "1e-3", "--param", "n=3")
    a, b = results_of(tmp_path / "a.h5"), results_of(tmp_path / "b.h5")
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == b[k], k


def test_gradient_descent_from_zero_never_moves(tmp_path):
    # product: at 0, g = -1 and grad g = 0, so grad f = 0 exactly.
    run(tmp_path, "z.h5", "--optimizer", "gd", "--alpha0", "0.1", "--p", "0", "--init", "zero",
        "--sample-paths", "20")
    import h5py
    with h5py.File(tmp_path / "z.h5") as f:
        final = f["final/position"][()]
        paths = f["particles/sample/position/value"][()]
    assert np.all(final == 0) and not np.any(np.signbit(final))
    assert np.all(paths == 0)


def test_ipgd_from_zero_escapes(tmp_path):
    run(tmp_path, "e.h5", "--optimizer", "ipgd", "--sigma", "1e-8", "--alpha0", "0.1", "--p",
        "0", "--init", "zero", "--steps", "2000")
    import h5py
    with h5py.File(tmp_path / "e.h5") as f:
        final = f["final/position"][()]
    assert np.all(np.abs(final).max(axis=1) > 0.5)
