"""Shards: `ngdsim run --shard I/M` for I = 0..M-1, then `ngdsim merge`, gives the single
run's statistics, estimates and /final bit for bit, whatever M (7 does not divide the 20
leaves of N = 5000); every bad combination of shard files is refused with exit status 2
and no output file."""
import os
import subprocess

import h5py
import pytest
from results_of import results_of

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))

STUDY = ["--backend", "cpu", "--trajectories", "5000", "--steps", "300", "--save-final",
         "--sample-paths", "40", "--threads", "2"]


def ngdsim(*args, cwd):
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    d = tmp_path_factory.mktemp("single")
    r = ngdsim("run", *STUDY, "--out", "single.h5", cwd=d)
    assert r.returncode == 0, r.stderr
    return results_of(d / "single.h5")


def run_shards(d, m, extra=()):
    for i in range(m):
        r = ngdsim("run", *STUDY, *extra, "--threads", str(1 + i % 2), "--shard", f"{i}/{m}",
                   "--out", f"s{i}of{m}.h5", cwd=d)
        assert r.returncode == 0, r.stderr
        assert f"shard {i}/{m} written" in r.stdout
    return [f"s{i}of{m}.h5" for i in range(m)]


@pytest.mark.parametrize("m", [1, 2, 3, 7])
def test_merged_shards_are_the_single_run(tmp_path, single, m):
    shards = run_shards(tmp_path, m)
    with h5py.File(tmp_path / shards[0], "r") as f:
        assert f.attrs["filetype"] == "ngdsim-shard"
    r = ngdsim("merge", *reversed(shards), "--out", "merged.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "P(flat, 0.1)" in r.stdout
    got, want = results_of(tmp_path / "merged.h5"), single
    assert sorted(got) == sorted(want)
    assert [k for k in want if got[k] != want[k]] == []
    assert "final/position" in got and "summary.p_flat" in got
    with h5py.File(tmp_path / "merged.h5", "r") as f:
        assert f.attrs["filetype"] == "ngdsim-run"
        assert f["summary"].attrs["device"] == f"CPU, merged from {m} shards"


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    d = tmp_path_factory.mktemp("three")
    return d, run_shards(d, 3)


def refused(d, args, words):
    r = ngdsim(*args, cwd=d)
    assert r.returncode == 2, (r.stdout, r.stderr)
    for w in words:
        assert w in r.stderr, r.stderr
    assert not os.path.exists(d / "out.h5")


def test_missing_shard_is_refused(three):
    d, s = three
    refused(d, ["merge", s[0], s[2], "--out", "out.h5"], ["invalid shards: 1 of 3 missing"])


def test_duplicated_shard_is_refused(three):
    d, s = three
    os.link(d / s[1], d / "copy.h5") if not os.path.exists(d / "copy.h5") else None
    refused(d, ["merge", *s, "copy.h5", "--out", "out.h5"], ["given twice", s[1]])


def test_shards_of_another_split_are_refused(three, tmp_path):
    d, s = three
    other = run_shards(tmp_path, 2)
    refused(d, ["merge", s[0], str(tmp_path / other[1]), "--out", "out.h5"],
            ["of a split into 2", "split into 3"])


def test_shards_of_another_study_are_refused(three, tmp_path):
    d, s = three
    other = run_shards(tmp_path, 3, ["--seed", "7"])
    refused(d, ["merge", s[0], s[1], str(tmp_path / other[2]), "--out", "out.h5"],
            ["from another study", "seed = 7"])


def test_files_that_are_not_shards_are_refused(three, tmp_path):
    d, s = three
    r = ngdsim("run", *STUDY, "--out", "run.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    refused(d, ["merge", *s, str(tmp_path / "run.h5"), "--out", "out.h5"], ["not a shard file"])
    (tmp_path / "text.h5").write_text("hello")
    refused(d, ["merge", str(tmp_path / "text.h5"), "--out", "out.h5"], ["not an HDF5 file"])
    refused(d, ["merge", "nothere.h5", "--out", "out.h5"], ["no such file"])


def test_merge_does_not_overwrite_without_force(three):
    d, s = three
    (d / "out.h5").write_text("keep")
    r = ngdsim("merge", *s, "--out", "out.h5", cwd=d)
    assert r.returncode == 2 and "--force" in r.stderr
    assert (d / "out.h5").read_text() == "keep"
    r = ngdsim("merge", *s, "--out", "out.h5", "--force", cwd=d)
    assert r.returncode == 0, r.stderr
    os.remove(d / "out.h5")


@pytest.mark.parametrize("spec", ["3/3", "-1/2", "0/0", "1", "a/b", "1/2x", "0/21"])
def test_bad_shard_numbers_are_refused(tmp_path, spec):
    refused(tmp_path, ["run", *STUDY, "--shard", spec, "--out", "out.h5"],
            [f"invalid shard '{spec}'", "0 <= I < M <= 20"])
