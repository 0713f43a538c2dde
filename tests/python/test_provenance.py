"""Every file says where, when, how and by which build it was made: /provenance in run,
sweep, shard, merged and resumed files, and `ngdsim --version` with the git commit."""
import os
import re
import socket
import subprocess
import time

import h5py
from results_of import stop_after_first_checkpoint

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))
SMALL = ["--backend", "cpu", "--trajectories", "3000", "--steps", "100", "--threads", "2"]
UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def ngdsim(*args, cwd):
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True)


def provenance(path, group="provenance"):
    with h5py.File(path, "r") as f:
        return {k: (v.decode() if isinstance(v, bytes) else v)
                for k, v in f[group].attrs.items()}


def version():
    r = subprocess.run([EXE, "--version"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    m = re.match(r"^ngdsim (\S+) \(commit (\S+)\)$", r.stdout.strip())
    assert m, r.stdout
    return m.group(1), m.group(2)


def test_version_names_the_commit_of_the_build():
    _, commit = version()
    assert commit == "unknown" or re.match(r"^[0-9a-f]{40}(-dirty)?$", commit), commit


def test_a_run_file_records_its_provenance(tmp_path):
    before = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    r = ngdsim("run", *SMALL, "--out", "run.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    p = provenance(tmp_path / "run.h5")
    ver, commit = version()
    assert p["program"] == "ngdsim" and p["version"] == ver and p["git_commit"] == commit
    assert p["command_line"].endswith("run " + " ".join(SMALL) + " --out run.h5")
    assert p["host"] == socket.gethostname()
    assert UTC.match(p["started_utc"]) and UTC.match(p["finished_utc"])
    assert before <= p["started_utc"] <= p["finished_utc"]
    assert p["backend"] == "cpu" and p["device"] == "CPU, 2 threads"
    assert p["parts"] == 1 and "first_started_utc" not in p


def test_sweep_shard_and_merged_files_record_theirs(tmp_path):
    r = ngdsim("sweep", *SMALL, "--vary", "p=0.5,1", "--out", "sweep.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert provenance(tmp_path / "sweep.h5")["command_line"].endswith("--out sweep.h5")
    for i in range(2):
        r = ngdsim("run", *SMALL, "--shard", f"{i}/2", "--out", f"s{i}.h5", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert provenance(tmp_path / f"s{i}.h5")["command_line"].endswith(f"--out s{i}.h5")
    r = ngdsim("merge", "s1.h5", "s0.h5", "--out", "merged.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    p = provenance(tmp_path / "merged.h5")
    assert p["backend"] == "merge" and p["device"] == "merged from 2 shards"
    for i in range(2):
        shard = provenance(tmp_path / "merged.h5", f"provenance/shards/{i}")
        assert shard == provenance(tmp_path / f"s{i}.h5")


def test_a_resumed_run_counts_its_parts(tmp_path):
    # Saved after every tile, the run is slow enough to be stopped in the middle.
    study = ["--backend", "cpu", "--trajectories", "40960", "--steps", "400", "--threads", "1",
             "--tile", "256"]
    stop_after_first_checkpoint(EXE, [*study, "--checkpoint", "0.001"], tmp_path)
    with h5py.File(tmp_path / "c.h5.checkpoint", "r") as f:
        first = f.attrs["first_started_utc"]
        first = first.decode() if isinstance(first, bytes) else first
        assert f.attrs["parts"] == 1
    time.sleep(1.1)
    r = ngdsim("run", *study, "--out", "c.h5", "--resume", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    prov = provenance(tmp_path / "c.h5")
    assert prov["parts"] == 2 and prov["first_started_utc"] == first
    assert first < prov["started_utc"]
