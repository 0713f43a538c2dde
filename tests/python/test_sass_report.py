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
    tables = [line.split("|")[1:-1] for line in p.stdout.splitlines()
              if line.startswith("| ") and not line.startswith(("| kernel", "| precision"))]
    rows = [cells for cells in tables if len(cells) == 25]
    assert len(rows) == 6, p.stdout
    for cells in rows:
        regs, step_instr = int(cells[1]), int(cells[6])
        assert 16 <= regs <= 255 and 20 <= step_instr <= 400, cells
        record, rare, barriers = int(cells[15]), int(cells[16]), int(cells[17])
        assert record > 100 and rare >= 0 and barriers == 3, cells
        predicted, bound = (float(c.strip().rstrip("%")) for c in cells[23:25])
        assert 0 < predicted <= bound < 100, cells  # rare code only adds
    double = [c for c in rows if "ngd double" in c[0]]
    assert all(int(c[7]) > 0 for c in double)  # the step's FP64 work is found
    # The arithmetic bound of bench/step_only.cu: its step has the kernel's FP64 work.
    bound = {c[0].strip(): c for c in tables if len(c) == 6}
    assert set(bound) == {"double", "float"}, p.stdout
    assert bound["double"][2].strip() == f"{double[0][7].strip()} FP64", bound
    share = float(bound["double"][4].strip().rstrip("%"))
    assert 50 <= share <= 100, bound


def test_markers_weight_lines(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import sass_report
    source = tmp_path / "k.cuh"
    source.write_text("\n".join([
        "x = 1;",                                     # 1: every warp
        "if (t < 40) {  // sass-report: lanes",       # 2
        "  for (e = 0; e < E; ++e) {  // sass-report: trips 3",  # 3
        "    y += e;",                                # 4
        "  }",                                        # 5
        "}",                                          # 6
        "if (s) {  // sass-report: rare",             # 7
        "  z = 2;",                                   # 8
        "}",                                          # 9
        "f(u);  // sass-report: warps 3",             # 10: one line, no block
        "g(u);",                                      # 11
    ]))
    w = sass_report.block_weights(str(source))
    assert 1 not in w and 11 not in w
    assert w[2] == (2, 1, False) and w[6] == (2, 1, False)
    assert w[3] == w[4] == w[5] == (2, 3, False)
    assert w[7] == w[8] == w[9] == (8, 1, True)
    assert w[10] == (3, 1, False)
