"""`ngdsim export FILE --csv DIR`: tidy CSV files whose every number is the HDF5 file's (read
back with the csv module, compared with ngdsim.load), for a run and for a sweep; refusals."""
import csv
import math
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))
sys.path.insert(0, os.path.join(ROOT, "python"))
import ngdsim  # noqa: E402

COMMON = ["--backend", "cpu", "--trajectories", "3000", "--steps", "300", "--threads", "2"]


def ngdsim_cli(*args, cwd):
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True)


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(text):
    """A CSV number as R writes them: Inf, -Inf and NA besides plain decimals."""
    special = {"Inf": math.inf, "-Inf": -math.inf, "NA": math.nan}
    return special[text] if text in special else float(text)


def test_run_export_matches_the_file(tmp_path):
    assert ngdsim_cli("run", *COMMON, "--eps", "0.1,0.01", "--out", "r.h5", cwd=tmp_path) \
        .returncode == 0
    r = ngdsim_cli("export", "r.h5", "--csv", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "summary.csv" in r.stdout and "steps.csv" in r.stdout
    res = ngdsim.load(tmp_path / "r.h5")
    summary = rows(tmp_path / "out" / "summary.csv")
    assert [float(s["eps"]) for s in summary] == [0.1, 0.01]
    for e, s in enumerate(summary):
        for key in ("p_flat", "p_flat_low", "p_min_high", "last_entry_median", "first_entry_q90",
                    "last_entry_q90_high"):
            assert num(s[key]) == res.summary[key][e] or (
                math.isinf(num(s[key])) and math.isinf(res.summary[key][e])), key
        assert float(s["p_diverged"]) == float(res.summary["p_diverged"])
        assert int(s["trajectories"]) == 3000 and int(s["steps"]) == 300
    steps = rows(tmp_path / "out" / "steps.csv")
    R = len(res.step)
    assert len(steps) == 2 * R
    # Row (r, e) is step r, eps e: the file's fractions, quantiles and not-yet-settled share.
    frac = res.observables["flat_fraction"]
    med = res.observables["flat_distance/quantiles"][:, 2]
    survival = res.observables["survival"]
    for i, s in enumerate(steps):
        r, e = divmod(i, 2)
        assert float(s["step"]) == res.step[r] and float(s["eps"]) == res.eps[e]
        assert float(s["p_flat"]) == frac[r, e]
        assert num(s["flat_distance_median"]) == med[r] or (
            math.isnan(num(s["flat_distance_median"])) and math.isnan(med[r]))
        if e == 0:
            assert float(s["not_settled"]) == survival[r]
    assert float(steps[-2]["p_flat_low"]) == float(res.summary["p_flat_low"][0])


def test_sweep_export_has_the_point_and_varied_settings(tmp_path):
    assert ngdsim_cli("sweep", *COMMON, "--vary", "optimizer=ngd,sam(rho=0.02)",
                      "--vary", "p=0.5,1", "--out", "s.h5", cwd=tmp_path).returncode == 0
    r = ngdsim_cli("export", "s.h5", "--csv", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    summary = rows(tmp_path / "out" / "summary.csv")
    assert list(summary[0])[:3] == ["point", "optimizer", "p"]
    s = ngdsim.load_sweep(tmp_path / "s.h5")
    got = [(row["point"], row["optimizer"], row["p"]) for row in summary if row["eps"] == "0.1"]
    assert got == [("0", "ngd", "0.5"), ("1", "ngd", "1"), ("2", "sam(rho=0.02)", "0.5"),
                   ("3", "sam(rho=0.02)", "1")]
    for row in summary:
        if row["eps"] == "0.1":
            point = s.points[int(row["point"])]
            assert float(row["p_flat"]) == point.summary["p_flat"][0]
    with open(tmp_path / "out" / "summary.csv") as f:
        assert '"sam(rho=0.02)"' not in f.read()  # quoted only when needed
    steps = rows(tmp_path / "out" / "steps.csv")
    assert len(steps) == 4 * 3 * len(s.points[0].step)


def test_refusals(tmp_path):
    assert ngdsim_cli("run", *COMMON, "--out", "r.h5", cwd=tmp_path).returncode == 0
    assert ngdsim_cli("export", "r.h5", "--csv", "out", cwd=tmp_path).returncode == 0
    before = (tmp_path / "out" / "steps.csv").read_bytes()
    again = ngdsim_cli("export", "r.h5", "--csv", "out", cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr and "--force" in again.stderr
    assert ngdsim_cli("export", "r.h5", "--csv", "out", "--force", cwd=tmp_path).returncode == 0
    assert (tmp_path / "out" / "steps.csv").read_bytes() == before
    missing = ngdsim_cli("export", "nothere.h5", "--csv", "x", cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    (tmp_path / "text.h5").write_text("not hdf5")
    bad = ngdsim_cli("export", "text.h5", "--csv", "x", cwd=tmp_path)
    assert bad.returncode == 2 and "not an HDF5 file" in bad.stderr
    assert not (tmp_path / "x").exists()
    no_dir = ngdsim_cli("export", "r.h5", cwd=tmp_path)
    assert no_dir.returncode == 2 and "--csv" in no_dir.stderr
