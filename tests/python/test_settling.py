"""Settling times: /settling's first- and last-entry histograms against a brute-force count
over every trajectory's recorded path (all N sampled), per eps; the summary's quantiles
against the histograms and against numpy's order statistics; the printed lines."""
import os
import subprocess
import sys

import h5py
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))
sys.path.insert(0, os.path.join(ROOT, "python"))
import ngdsim  # noqa: E402

N, K = 512, 400
EPS = [0.1, 0.3, 0.03]


def product2_flat_distance(x):
    """Distance to the nearest of (1, 1), (-1, -1), as the landscape computes it: the sign
    pattern of x, the smaller |x_i| flipped when exactly one entry is negative."""
    s = np.where(x < 0, -1.0, 1.0)
    odd = (s[..., 0] * s[..., 1]) < 0
    flip = np.where(np.abs(x[..., 0]) < np.abs(x[..., 1]), 0, 1)
    for i in (0, 1):
        s[..., i] = np.where(odd & (flip == i), -s[..., i], s[..., i])
    d = x - s
    return np.sqrt(d[..., 0] * d[..., 0] + d[..., 1] * d[..., 1])


def run(tmp_path, *extra):
    r = subprocess.run([EXE, "run", "--backend", "cpu", "--trajectories", str(N), "--steps",
                        str(K), "--sample-paths", str(N), "--eps", ",".join(map(str, EPS)),
                        "--alpha0", "0.5", "--out", "s.h5", "--force", *extra],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_entry_histograms_match_every_path(tmp_path):
    out = run(tmp_path, "--record", "log:60")
    with h5py.File(tmp_path / "s.h5", "r") as f:
        x = f["particles/sample/position/value"][()]  # [R, N, 2]: every trajectory
        assert np.array_equal(f["particles/sample/id"][()], np.arange(N))
        first = f["settling/first_entry_count"][()]
        last = f["settling/last_entry_count"][()]
        steps = f["settling/step"][()]
        diverged = f["observables/diverged_count/value"][()]
    assert not diverged.any()
    R = x.shape[0]
    assert first.shape == last.shape == (len(EPS), R + 1)
    dist = product2_flat_distance(x)  # [R, N]
    for e, eps in enumerate(EPS):
        inside = dist <= eps
        ever = inside.any(axis=0)
        first_r = np.where(ever, inside.argmax(axis=0), R)
        # last entry: the record after the last one outside, when inside at K
        outside_rows = np.where(~inside, np.arange(R)[:, None], -1).max(axis=0)
        last_r = np.where(inside[-1], outside_rows + 1, R)
        assert np.array_equal(np.bincount(first_r, minlength=R + 1), first[e]), eps
        assert np.array_equal(np.bincount(last_r, minlength=R + 1), last[e]), eps
        # The summary's quantiles are numpy's order statistics of those steps.
        entry = np.where(last_r < R, steps[np.minimum(last_r, R - 1)], np.inf)
        r = ngdsim.load(tmp_path / "s.h5")
        for q, name in ((0.5, "median"), (0.9, "q90")):
            expect = np.sort(entry)[int(np.ceil(q * N)) - 1]
            assert r.summary["last_entry_" + name][e] == expect
            assert r.settling_quantile(q, eps=eps) == expect
    # The printed lines carry the same numbers ("> K" for beyond K).
    def text(v):
        return "> K" if np.isinf(v) else str(int(v))
    lines = [line.strip() for line in out.splitlines()]
    assert "settling: step of the last entry" in out
    for e, eps in enumerate(EPS):
        s = r.summary
        want = "eps = %g: median %s [%s, %s], 90%% %s [%s, %s]" % (
            eps, *(text(s["last_entry_" + n][e]) for n in (
                "median", "median_low", "median_high", "q90", "q90_low", "q90_high")))
        assert want in lines, (want, out)


def test_a_threshold_never_reached_is_beyond_k(tmp_path):
    out = run(tmp_path, "--eps", "1e-9")
    r = ngdsim.load(tmp_path / "s.h5")
    assert np.isinf(r.summary["last_entry_median"][0]) and np.isinf(r.settling_quantile(0.9))
    assert r.last_entry_count[0, -1] == N and r.first_entry_count[0, -1] == N
    assert "eps = 1e-09: median > K [> K, > K], 90% > K [> K, > K]" in out


def test_every_step_records_exact_entry_steps(tmp_path):
    """With every:1 the last entry of eps[0] is the exact step, as /final/last_entry says
    trajectory by trajectory."""
    run(tmp_path, "--record", "every:1", "--save-final")
    with h5py.File(tmp_path / "s.h5", "r") as f:
        last = f["settling/last_entry_count"][0]
        steps = f["settling/step"][()]
        per_trajectory = f["final/last_entry"][()]
    assert np.array_equal(steps, np.arange(K + 1))
    expect = np.bincount(np.where(per_trajectory < 0, K + 1, per_trajectory), minlength=K + 2)
    assert np.array_equal(expect, last)
