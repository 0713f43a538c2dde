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
