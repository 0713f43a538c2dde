"""Reads an ngdsim file back with h5py: the layout of docs/output.md, the
config text and the summary against what the run printed."""
import os
import re
import subprocess

import h5py
import numpy as np
import pytest

EXE = os.environ.get("NGDSIM_EXE", os.path.join(os.path.dirname(__file__), "../../build/ngdsim"))
N, K, S = 2000, 400, 8


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("readback")
    out = d / "r.h5"
    p = subprocess.run(
        [EXE, "run", "--trajectories", str(N), "--steps", str(K), "--param", "n=3",
         "--eps", "0.1,0.01,0.001", "--sample-paths", str(S), "--save-final", "--out", str(out)],
        capture_output=True, text=True, check=True)
    with h5py.File(out, "r") as f:
        yield f, p.stdout


def test_h5md_and_parameters(run):
    f, _ = run
    assert list(f["h5md"].attrs["version"]) == [1, 1]
    assert f["h5md/creator"].attrs["name"] == "ngdsim"
    assert "name" in f["h5md/author"].attrs
    p = f["parameters"].attrs
    assert p["landscape"] == "product" and p["param.n"] == "3" and p["optimizer"] == "ngd"
    assert p["trajectories"] == N and p["steps"] == K
    config = f["parameters/config"][()].decode()
    assert f"trajectories = {N}" in config and "n = '3'" in config


def test_observables_shapes(run):
    f, _ = run
    obs = f["observables"]
    R = obs["f/mean/step"].shape[0]
    assert obs["f/mean/step"][0] == 0 and obs["f/mean/step"][-1] == K
    assert np.all(np.diff(obs["f/mean/time"][:]) > 0)
    for q in ("f", "phi", "flat_distance", "min_distance", "grad_norm"):
        for s in ("mean", "variance", "min", "max", "count", "nonfinite_count"):
            assert obs[f"{q}/{s}/value"].shape == (R,)
            assert "description" in obs[f"{q}/{s}/value"].attrs
        assert obs[f"{q}/quantiles/value"].shape == (R, 5)
        h = obs[f"{q}/histogram/value"][:]
        assert h.shape == (R, 242)
        np.testing.assert_array_equal(h.sum(axis=1), obs[f"{q}/count/value"][:])
    for name, shape in {"flat_count": (R, 3), "flat_fraction": (R, 3), "min_count": (R, 3),
                        "min_fraction": (R, 3), "diverged_count": (R,), "survival": (R,),
                        "attractor_count": (R, 4), "last_entry_count": (R,)}.items():
        assert obs[f"{name}/value"].shape == shape, name
        np.testing.assert_array_equal(obs[f"{name}/step"][:], obs["f/mean/step"][:])
    np.testing.assert_allclose(obs["flat_fraction/value"][:], obs["flat_count/value"][:] / N)


def test_attractors_particles_final(run):
    f, _ = run
    pos = f["attractors/position"][:]
    assert pos.shape == (4, 3)
    assert np.all(np.abs(pos) == 1) and np.all(np.prod(pos, axis=1) == 1)
    R = f["observables/f/mean/step"].shape[0]
    assert f["particles/sample/position/value"].shape == (R, S, 3)
    assert f["final/position"].shape == (N, 3)
    cls = f["final/class"][:]
    assert set(np.unique(cls)) <= {0, 1, 2, 3}
    assert (cls == 0).sum() == f["observables/flat_count/value"][-1, 0]
    np.testing.assert_array_equal(np.bincount(f["final/attractor"][cls == 0], minlength=4),
                                  f["attractors/final_count"][:])


def test_summary_matches_printed(run):
    f, out = run
    s = f["summary"].attrs
    for name in ("eps", "p_flat", "p_flat_low", "p_flat_high", "p_min", "p_min_low",
                 "p_min_high", "p_diverged", "trajectories", "steps", "seed", "wall_seconds",
                 "trajectory_steps_per_second", "backend", "device"):
        assert name in s, name
    printed = {(m[0], float(m[1])): (float(m[2]), float(m[3]), float(m[4])) for m in re.findall(
        r"P\((flat|min), ([0-9.e-]+)\)\s+= ([0-9.]+)\s+\[([0-9.]+), ([0-9.]+)\]", out)}
    assert len(printed) == 6
    for i, e in enumerate(s["eps"]):
        est, lo, hi = printed[("flat", e)]
        assert abs(est - s["p_flat"][i]) < 5e-5
        assert abs(lo - s["p_flat_low"][i]) < 5e-5 and abs(hi - s["p_flat_high"][i]) < 5e-5
        assert abs(printed[("min", e)][0] - s["p_min"][i]) < 5e-5
    assert s["backend"] == "cpu"
