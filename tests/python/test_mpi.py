"""ngdsim under MPI: `mpirun -np P ngdsim run` (and `sweep`, a sweep of 3 points) for P = 1
to 4 (oversubscribed on a small machine) writes the single process's file bit for bit; a rank that fails stops the job
with a message naming it, exit status 1 and no output file; bad input is refused once,
by rank 0, with exit status 2; a job that failed or stopped resumes from its checkpoints
with any number of ranks to the same file."""
import os
import shutil
import signal
import subprocess
import time

import pytest
from results_of import results_of, run_and_read, stop_after_first_checkpoint, sweep_contents

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))
MPIRUN = shutil.which("mpirun")

# The default study at N = 10^5, K = 1000 (a tenth of the trajectories under the
# sanitizers), with /final.
N = 10000 if os.environ.get("NGDSIM_TEST_SCALE") == "sanitize" else 100000
STUDY = ["--backend", "cpu", "--trajectories", str(N), "--steps", "1000", "--save-final"]


def mpirun(p, *args, cwd, env=None):
    # Root (CI) needs --allow-run-as-root; more ranks than cores need --oversubscribe.
    cmd = [MPIRUN, "--allow-run-as-root", "--oversubscribe", "-np", str(p), EXE, *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "OMPI_MCA_rmaps_base_oversubscribe": "1",
                               **(env or {})})


@pytest.fixture(scope="module", autouse=True)
def mpi_build(tmp_path_factory):
    if MPIRUN is None:
        pytest.skip("no mpirun on this machine")
    r = mpirun(1, "run", "--backend", "cpu", "--trajectories", "256", "--steps", "5",
               "--out", "probe.h5", cwd=tmp_path_factory.mktemp("probe"))
    if "this build has no MPI support" in r.stderr:
        pytest.skip("this build of ngdsim has no MPI")
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    return run_and_read(EXE, STUDY, tmp_path_factory.mktemp("single"), "single.h5")


@pytest.mark.parametrize("p", [1, 2, 3, 4])
def test_p_ranks_write_the_single_process_file(tmp_path, single, p):
    r = mpirun(p, "run", *STUDY, "--out", "mpi.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    want, summary = single
    got = results_of(tmp_path / "mpi.h5")
    assert sorted(got) == sorted(want)
    assert [k for k in want if got[k] != want[k]] == []
    # One summary, printed by rank 0, with the single run's estimates.
    assert r.stdout.count("P(flat, 0.1)") == 1
    estimates = [line for line in summary.splitlines() if line.strip().startswith("P(")]
    assert estimates and all(line in r.stdout for line in estimates)
    if p > 1:
        assert f"{p} MPI ranks" in r.stderr


SWEEP = ["--backend", "cpu", "--trajectories", str(N // 10), "--steps", "1000",
         "--vary", "alpha0=0.5,1,2"]


@pytest.fixture(scope="module")
def single_sweep(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    r = subprocess.run([EXE, "sweep", *SWEEP, "--out", "sweep.h5"], cwd=d, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    return sweep_contents(d / "sweep.h5")


@pytest.mark.parametrize("p", [1, 2, 3, 4])
def test_a_sweep_over_p_ranks_is_the_single_process_sweep(tmp_path, single_sweep, p):
    r = mpirun(p, "sweep", *SWEEP, "--out", "mpi.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    got = sweep_contents(tmp_path / "mpi.h5")
    assert sorted(got) == sorted(single_sweep)
    assert [k for k in single_sweep if got[k] != single_sweep[k]] == []
    assert r.stdout.count("alpha0=2") == 1


def test_a_failing_rank_stops_the_job_and_leaves_no_file(tmp_path):
    r = mpirun(3, "run", *STUDY, "--out", "f.h5", cwd=tmp_path,
               env={"NGDSIM_TEST_FAIL_RANK": "1"})
    assert r.returncode == 1, r.stderr
    assert "ngdsim: rank 1: failed: injected failure" in r.stderr
    assert not os.path.exists(tmp_path / "f.h5")


# Long enough (about a second per rank) for checkpoints every 0.1 s before a failure.
LONG = ["--backend", "cpu", "--trajectories", "100000", "--steps", "20000", "--save-final"]


@pytest.fixture(scope="module")
def long_single(tmp_path_factory):
    return run_and_read(EXE, LONG, tmp_path_factory.mktemp("long"), "single.h5")[0]


def resume(p, d):
    args = ["run", *LONG, "--out", "c.h5", "--resume"]
    r = mpirun(p, *args, cwd=d) if p else subprocess.run([EXE, *args], cwd=d,
                                                         capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "resuming from c.h5.checkpoint" in r.stderr
    assert [f for f in os.listdir(d) if "checkpoint" in f] == []  # removed once complete


@pytest.mark.parametrize("p,again", [(3, 2), (4, 0)])
def test_a_failed_job_resumes_with_another_number_of_ranks(tmp_path, long_single, p, again):
    # Rank 1 fails after its third checkpoint; the job stops, and resumes with `again`
    # ranks (0: a plain process, no mpirun) to the uninterrupted run's file.
    r = mpirun(p, "run", *LONG, "--checkpoint", "0.1", "--out", "c.h5", cwd=tmp_path,
               env={"NGDSIM_TEST_FAIL_RANK": "1", "NGDSIM_TEST_FAIL_AFTER_SAVES": "3"})
    assert r.returncode == 1, r.stderr
    assert "ngdsim: rank 1: failed: injected failure" in r.stderr
    assert not os.path.exists(tmp_path / "c.h5")
    saved = [f for f in os.listdir(tmp_path) if f.startswith("c.h5.checkpoint.")]
    assert len(saved) >= p, saved  # one per rank, of one generation at least
    resume(again, tmp_path)
    assert results_of(tmp_path / "c.h5") == long_single


def test_a_single_process_checkpoint_resumes_under_mpi(tmp_path, long_single):
    stop_after_first_checkpoint(EXE, [*LONG, "--checkpoint", "0.1"], tmp_path)
    resume(3, tmp_path)
    assert results_of(tmp_path / "c.h5") == long_single


def test_a_stopped_job_resumes_with_another_number_of_ranks(tmp_path, long_single):
    # mpirun passes SIGINT on to the ranks (as SIGTERM): each saves its state and stops.
    cmd = [MPIRUN, "--allow-run-as-root", "--oversubscribe", "-np", "2", EXE, "run", *LONG,
           "--checkpoint", "0.1", "--out", "c.h5"]
    p = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    while not [f for f in os.listdir(tmp_path) if f.endswith("-of-2")] and p.poll() is None:
        time.sleep(0.01)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode != 0, err
    assert "each rank saved its state in c.h5.checkpoint.*" in err, err
    assert not os.path.exists(tmp_path / "c.h5")
    resume(3, tmp_path)
    assert results_of(tmp_path / "c.h5") == long_single


def test_bad_input_is_refused_once(tmp_path):
    r = mpirun(3, "run", "--backend", "cpu", "--alpha0", "-1", "--out", "b.h5", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("invalid alpha0") == 1, r.stderr
    (tmp_path / "exists.h5").write_bytes(b"x")
    r = mpirun(2, "run", *STUDY, "--out", "exists.h5", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("the file exists") == 1, r.stderr
    r = mpirun(4, "run", "--backend", "cpu", "--trajectories", "600", "--out", "t.h5",
               cwd=tmp_path)
    assert r.returncode == 2 and "4 ranks need at least 4 leaves" in r.stderr, r.stderr
