"""Sweep shards: `ngdsim sweep --shard I/M` runs the I-th of M consecutive ranges of the
points; `ngdsim merge` rebuilds the sweep file, equal to the single sweep's bit for bit
(every point's datasets and estimates, and the table), on any backend; bad combinations
are refused with exit status 2 and no output."""
import os
import subprocess

import h5py
import pytest
from results_of import sweep_contents

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))

# 6 points: 4 shards hold 2, 2, 1 and 1.
SWEEP = ["--backend", "cpu", "--trajectories", "2000", "--steps", "200", "--threads", "2",
         "--vary", "p=0.5,0.75,1", "--vary", "alpha0=0.5,1", "--sample-paths", "8"]


def ngdsim(*args, cwd):
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    d = tmp_path_factory.mktemp("single")
    r = ngdsim("sweep", *SWEEP, "--out", "sweep.h5", cwd=d)
    assert r.returncode == 0, r.stderr
    return sweep_contents(d / "sweep.h5"), r.stdout


def run_shards(d, m, backends=None):
    names = []
    for i in range(m):
        backend = ["--backend", backends[i]] if backends else []
        r = ngdsim("sweep", *SWEEP, *backend, "--shard", f"{i}/{m}", "--out", f"w{i}.h5", cwd=d)
        assert r.returncode == 0, r.stderr
        assert f"sweep shard {i}/{m}: points" in r.stdout
        names.append(f"w{i}.h5")
    return names


@pytest.mark.parametrize("m", [1, 4, 6])
def test_merged_sweep_shards_are_the_single_sweep(tmp_path, single, m):
    shards = run_shards(tmp_path, m)
    with h5py.File(tmp_path / shards[-1], "r") as f:
        assert f.attrs["filetype"] == "ngdsim-sweep-shard"
    r = ngdsim("merge", *reversed(shards), "--out", "merged.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    want, table = single
    got = sweep_contents(tmp_path / "merged.h5")
    assert sorted(got) == sorted(want)
    assert [k for k in want if got[k] != want[k]] == []
    with h5py.File(tmp_path / "merged.h5", "r") as f:
        assert f.attrs["filetype"] == "ngdsim-sweep"
        assert len(f["provenance/shards"]) == m
        # The stored configurations re-run into the merged file, not into a shard's.
        for text in (f["sweep/config"][()], f["points/005/parameters/config"][()]):
            assert "out = 'merged.h5'" in text.decode()
    # The same table as the single sweep prints, point by point.
    rows = [line for line in table.splitlines() if line.startswith("p=")]
    assert [line for line in r.stdout.splitlines() if line.startswith("p=")] == rows


def test_sweep_shards_on_the_device_merge_to_the_same_sweep(tmp_path, single):
    r = ngdsim("run", "--backend", "emulated", "--trajectories", "256", "--steps", "2",
               "--out", "probe.h5", cwd=tmp_path)
    if "this build has no emulated device" in r.stderr:
        pytest.skip(r.stderr.strip())
    shards = run_shards(tmp_path, 2, ["emulated", "cpu"])
    r = ngdsim("merge", *shards, "--out", "merged.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    got, want = sweep_contents(tmp_path / "merged.h5"), single[0]
    assert [k for k in want if got.get(k) != want[k]] == []


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    d = tmp_path_factory.mktemp("three")
    return d, run_shards(d, 3)


def refused(d, args, words):
    r = ngdsim("merge", *args, "--out", "m.h5", cwd=d)
    assert r.returncode == 2, r.stderr
    assert words in r.stderr, r.stderr
    assert not os.path.exists(d / "m.h5")


def test_bad_sweep_shard_combinations_are_refused(three, tmp_path):
    d, s = three
    refused(d, s[:2], "invalid shards: 2 of 3 missing")
    refused(d, [s[0], s[1], s[1], s[2]], "given twice")
    r = ngdsim("sweep", *SWEEP, "--seed", "5", "--shard", "2/3", "--out", "other.h5", cwd=d)
    assert r.returncode == 0, r.stderr
    refused(d, [s[0], s[1], "other.h5"], "from another sweep")
    r = ngdsim("run", "--backend", "cpu", "--trajectories", "1000", "--steps", "10", "--shard",
               "0/1", "--out", "run0.h5", cwd=d)
    assert r.returncode == 0, r.stderr
    refused(d, [s[0], "run0.h5"], "not a sweep shard file")
    refused(d, ["run0.h5", s[0]], "not a shard file")


def test_more_sweep_shards_than_points_are_refused(tmp_path):
    r = ngdsim("sweep", *SWEEP, "--shard", "0/7", "--out", "w.h5", cwd=tmp_path)
    assert r.returncode == 2 and "0 <= I < M <= 6 (this sweep has 6 points)" in r.stderr, r.stderr
    assert not os.path.exists(tmp_path / "w.h5")
