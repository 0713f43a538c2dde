"""Every study in studies/ at CI size: each file states its claim in a `# claim:`
comment (a Python expression over p_flat, p_min, p_diverged — lists indexed like the
study's eps — and summary, every attribute of /summary — or, for sweeps, flat:
P(flat, eps[0]) per point) and its CI-size
overrides in a `# ci:` comment. The thresholds were measured at full size
(docs/results.md). Under the sanitizers (NGDSIM_TEST_SCALE=sanitize) each study only
runs, at 128 trajectories and at most 1000 steps."""
import glob
import os
import shlex
import subprocess

import h5py
import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
EXE = os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim"))
STUDIES = sorted(glob.glob(os.path.join(ROOT, "studies", "*.toml")))


def directives(path):
    found = {}
    with open(path) as f:
        for line in f:
            for key in ("claim", "ci"):
                if line.startswith(f"# {key}:"):
                    found[key] = line.split(":", 1)[1].strip()
    return found


def study_steps(path):
    """K as the study file sets it (the default, 5000, where it does not)."""
    with open(path) as f:
        for line in f:
            if line.startswith("steps"):
                return int(line.split("=", 1)[1])
    return 5000


def test_there_are_studies():
    assert len(STUDIES) >= 16


@pytest.mark.parametrize("study", STUDIES, ids=lambda p: os.path.basename(p)[:-5])
def test_study_claim_at_ci_size(study, tmp_path):
    d = directives(study)
    assert "claim" in d and "ci" in d, f"{study} must state '# claim:' and '# ci:'"
    with open(study) as f:
        is_sweep = "[vary]" in f.read()
    out = tmp_path / "s.h5"
    cmd = [EXE, "sweep" if is_sweep else "run", "--config", study, *shlex.split(d["ci"]),
           "--out", str(out)]
    # The sanitizer pass checks that each study runs cleanly, at a size where the claim
    # need not hold (the main pass asserts it): 128 trajectories, at most 1000 steps.
    sanitize = os.environ.get("NGDSIM_TEST_SCALE") == "sanitize"
    if sanitize:
        cmd += ["--trajectories", "128", "--steps", str(min(1000, study_steps(study)))]
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    if sanitize:
        with h5py.File(out, "r") as f:
            assert "summary" in f or "sweep" in f
        return
    with h5py.File(out, "r") as f:
        if is_sweep:
            cols = [c.strip() for c in f["sweep"].attrs["columns"].split(",")]
            table = f["sweep/table"][:]
            scope = {"flat": list(table[:, cols.index("p_flat(0.1)")])}
        else:
            s = f["summary"].attrs
            scope = {"p_flat": list(s["p_flat"]), "p_min": list(s["p_min"]),
                     "p_diverged": float(s["p_diverged"]), "summary": dict(s)}
    assert eval(d["claim"], {}, scope), f"claim '{d['claim']}' fails at CI size: {scope}"
