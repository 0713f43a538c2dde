"""Checkpoints: a run stopped by SIGINT or SIGTERM (exit 130, 143, with the resume command)
or killed with SIGKILL at random moments, then resumed with --resume, possibly with
another thread count, ends with the statistics, estimates and /final of an uninterrupted
run, bit for bit; a resume with a setting that changes results is refused and names it."""
import os
import random
import signal
import subprocess
import time

import pytest
from results_of import results_of, run_and_read

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))

# Under the sanitizers (NGDSIM_TEST_SCALE=sanitize, ten times slower) a tenth of the
# trajectories, so that a run still lasts long enough to be stopped in the middle.
N = 20000 if os.environ.get("NGDSIM_TEST_SCALE") == "sanitize" else 200000
STUDY = ["--backend", "cpu", "--trajectories", str(N), "--steps", "2000", "--save-final",
         "--threads", "1", "--tile", "1024"]

@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    return run_and_read(EXE, STUDY, tmp_path_factory.mktemp("whole"), "whole.h5")[0]


def start(d, *extra):
    return subprocess.Popen([EXE, "run", *STUDY, "--checkpoint", "0.15", "--out", "c.h5", *extra],
                            cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("sig,status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_run_resumes_to_the_same_results(tmp_path, uninterrupted, sig, status):
    p = start(tmp_path)
    time.sleep(0.5)
    p.send_signal(sig)
    out, err = p.communicate()
    assert p.returncode == status, err
    assert "resume with: " in err and err.rstrip().endswith("--resume"), err
    assert os.path.exists(tmp_path / "c.h5.checkpoint")
    assert not os.path.exists(tmp_path / "c.h5")
    p = start(tmp_path, "--resume", "--threads", "2")
    out, err = p.communicate()
    assert p.returncode == 0, err
    assert "resuming from c.h5.checkpoint" in err
    assert not os.path.exists(tmp_path / "c.h5.checkpoint")
    assert results_of(tmp_path / "c.h5") == uninterrupted


def test_runs_killed_at_random_moments_resume_to_the_same_results(tmp_path, uninterrupted):
    # Up to 5 kills, as long as the run has not finished first; at least one run must
    # have been killed after a checkpoint and resumed from it.
    rng = random.Random(5)
    kills = 0
    resume = []
    while kills < 5:
        p = start(tmp_path, *resume)
        time.sleep(rng.uniform(0.2, 0.5))
        if p.poll() is not None:  # finished first
            break
        p.kill()
        p.communicate()
        kills += 1
        if os.path.exists(tmp_path / "c.h5.checkpoint"):
            resume = ["--resume"]
    if not os.path.exists(tmp_path / "c.h5"):
        p = start(tmp_path, *resume)
        out, err = p.communicate()
        assert p.returncode == 0, err
    assert resume and kills >= 1
    assert results_of(tmp_path / "c.h5") == uninterrupted


@pytest.fixture(scope="module")
def stopped(tmp_path_factory):
    d = tmp_path_factory.mktemp("stopped")
    p = start(d)
    time.sleep(0.4)
    p.send_signal(signal.SIGINT)
    p.communicate()
    assert p.returncode == 130
    return d


@pytest.mark.parametrize("change,named", [
    (["--alpha0", "0.5"], "alpha0 = 0.5"), (["--seed", "3"], "seed = 3"),
    (["--eps", "0.2"], "0.2"), (["--trajectories", str(N // 2)], f"trajectories = {N // 2}"),
    (["--steps", "1000"], "steps = 1000"), (["--param", "n=3"], "n = '3'")])
def test_a_resume_with_other_settings_is_refused(stopped, change, named):
    r = subprocess.run([EXE, "run", *STUDY, "--out", "c.h5", "--resume", *change], cwd=stopped,
                       capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    assert "invalid resume: the settings differ" in r.stderr and named in r.stderr, r.stderr
    assert not os.path.exists(stopped / "c.h5")
    assert os.path.exists(stopped / "c.h5.checkpoint")


def test_a_resume_with_nothing_to_resume_is_refused(tmp_path):
    r = subprocess.run([EXE, "run", *STUDY, "--out", "c.h5", "--resume"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 2 and "nothing to resume" in r.stderr, r.stderr


def test_a_checkpoint_left_half_written_by_a_killed_run_is_reported(tmp_path):
    # A run killed while it saved leaves OUT.checkpoint.tmp-PID (PID no longer running).
    (tmp_path / "c.h5.checkpoint.tmp-999999999").write_bytes(b"half a checkpoint")
    r = subprocess.run([EXE, "run", "--backend", "cpu", "--trajectories", "1000", "--steps",
                        "10", "--out", "c.h5"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "c.h5.checkpoint.tmp-999999999 is left from a run that was killed" in r.stderr, r.stderr
