"""bench/sass_report.py on the program this build made: it finds every instantiation of
the report and reads a step loop and a record phase out of each (its figures are
measurements, recorded in bench/results/sass_report.md, not asserted here)."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))


def test_report_reads_every_kernel():
    if b"advance_leavesINS_" not in open(EXE, "rb").read():
        pytest.skip("this build has no CUDA kernels (nvcc not found)")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "sass_report.py"),
                        "--exe", EXE], capture_output=True, text=True)
    if "not found (pip install" in p.stderr:
        pytest.skip(p.stderr.strip())
    assert p.returncode == 0, p.stderr
    rows = [line.split("|")[1:-1] for line in p.stdout.splitlines()
            if line.startswith("| ") and not line.startswith("| kernel")]
    assert len(rows) == 6, p.stdout
    for cells in rows:
        regs, step_instr = int(cells[1]), int(cells[6])
        assert 16 <= regs <= 255 and 20 <= step_instr <= 400, cells
        assert re.fullmatch(r" \d+/\d+/\d+ ", cells[15]), cells  # record: 8, 2, 1 warps
    double = [c for c in rows if "ngd double" in c[0]]
    assert all(int(c[7]) > 0 for c in double)  # the step's FP64 work is found
