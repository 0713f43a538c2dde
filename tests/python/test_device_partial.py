"""Partial states on the device backends (run here on the emulated device, which executes
the CUDA kernels on the CPU): shards run on the device, on the CPU or on both merge to the
single run bit for bit, whatever the chunk; a device run stopped by SIGINT leaves a
checkpoint that resumes, on the device or on the CPU, to the uninterrupted run; and a CPU
checkpoint resumes on the device. Strict floating point (the default build) makes the
backends' partial states interchangeable."""
import os
import signal
import subprocess
import time

import pytest
from results_of import results_of

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))

# 20 leaves: shards of 3 start inside a chunk of 2 or 4 leaves.
SMALL = ["--trajectories", "5000", "--steps", "300", "--save-final", "--sample-paths", "40",
         "--threads", "2"]
# Long enough on the emulated device to be stopped in the middle: 80 chunks of 2 leaves.
LONG = ["--trajectories", "40960", "--steps", "400", "--save-final"]


def ngdsim(*args, cwd):
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module", autouse=True)
def emulated_device(tmp_path_factory):
    r = ngdsim("run", "--backend", "emulated", "--trajectories", "256", "--steps", "10",
               "--out", "probe.h5", cwd=tmp_path_factory.mktemp("probe"))
    if "this build has no emulated device" in r.stderr:
        pytest.skip(r.stderr.strip())
    assert r.returncode == 0, r.stderr


def single_run(d, study):
    r = ngdsim("run", "--backend", "cpu", *study, "--out", "single.h5", cwd=d)
    assert r.returncode == 0, r.stderr
    return results_of(d / "single.h5")


@pytest.mark.parametrize("m,backends,chunk", [
    (3, ["emulated", "cpu", "emulated"], "512"),
    (7, ["emulated"] * 7, "1024"),
    (2, ["cpu", "emulated"], "0"),
])
def test_shards_on_the_device_merge_to_the_single_run(tmp_path, m, backends, chunk):
    want = single_run(tmp_path, SMALL)
    shards = []
    for i, backend in enumerate(backends):
        r = ngdsim("run", *SMALL, "--backend", backend, "--chunk", chunk, "--shard", f"{i}/{m}",
                   "--out", f"s{i}.h5", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert f"backend {backend}" in r.stderr
        shards.append(f"s{i}.h5")
    r = ngdsim("merge", *shards, "--out", "merged.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    got = results_of(tmp_path / "merged.h5")
    assert sorted(got) == sorted(want)
    assert [k for k in want if got[k] != want[k]] == []


# The CPU path runs the long study in a blink: there it saves after every tile, which
# slows it down enough to be stopped in the middle.
STOPPABLE = {"emulated": ["--checkpoint", "0.2", "--chunk", "512", "--threads", "2"],
             "cpu": ["--checkpoint", "0.001", "--tile", "256", "--threads", "1"]}


def stop_in_the_middle(d, backend):
    """Starts the long study, SIGINTs it once its first checkpoint exists."""
    p = subprocess.Popen([EXE, "run", *LONG, "--backend", backend, *STOPPABLE[backend],
                          "--out", "c.h5"], cwd=d, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not os.path.exists(d / "c.h5.checkpoint") and p.poll() is None:
        assert time.time() < deadline
        time.sleep(0.02)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate()
    assert p.returncode == 130, err
    assert "resume with: " in err and "of 40960 trajectories done" in err, err
    assert os.path.exists(d / "c.h5.checkpoint") and not os.path.exists(d / "c.h5")
    return err


@pytest.fixture(scope="module")
def long_single(tmp_path_factory):
    return single_run(tmp_path_factory.mktemp("long"), LONG)


@pytest.mark.parametrize("stopped_on,resumed_on", [
    ("emulated", "emulated"), ("emulated", "cpu"), ("cpu", "emulated")])
def test_a_stopped_run_resumes_on_either_backend_to_the_same_results(tmp_path, long_single,
                                                                     stopped_on, resumed_on):
    stop_in_the_middle(tmp_path, stopped_on)
    r = ngdsim("run", *LONG, "--backend", resumed_on, "--chunk", "2048", "--out", "c.h5",
               "--resume", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "resuming from c.h5.checkpoint" in r.stderr
    assert not os.path.exists(tmp_path / "c.h5.checkpoint")
    assert results_of(tmp_path / "c.h5") == long_single


def test_a_device_resume_with_other_settings_is_refused(tmp_path):
    stop_in_the_middle(tmp_path, "emulated")
    r = ngdsim("run", *LONG, "--backend", "emulated", "--seed", "9", "--out", "c.h5", "--resume",
               cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "invalid resume: the settings differ" in r.stderr and "seed = 9" in r.stderr
    assert not os.path.exists(tmp_path / "c.h5")
