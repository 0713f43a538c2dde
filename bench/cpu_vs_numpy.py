"""Benchmark: ngdsim's CPU path against a NumPy implementation of the same NGD
study (bench/numpy_ngd.py: same landscape, schedule, record schedule and
statistics), timed in one run on the same machine. Prints trajectory-steps per
second for both (medians of several runs) and their ratio; the goal is >= 20x.

    python3 bench/cpu_vs_numpy.py [--trajectories N] [--steps K] [--repeats R] [--record FILE]
"""
import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import h5py

sys.path.insert(0, os.path.dirname(__file__))
import numpy_ngd  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def run_ngdsim(exe, N, K, tmp):
    out = os.path.join(tmp, "bench.h5")
    t = time.perf_counter()
    subprocess.run([exe, "run", "--trajectories", str(N), "--steps", str(K), "--out", out,
                    "--force"], check=True, capture_output=True)
    wall = time.perf_counter() - t  # whole process: start-up, run, HDF5 file
    with h5py.File(out, "r") as f:
        p_flat = float(f["summary"].attrs["p_flat"][0])
        threads = f["summary"].attrs["device"]
    return wall, p_flat, threads


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trajectories", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--exe", default=os.path.join(ROOT, "build", "ngdsim"))
    ap.add_argument("--record", help="append the result to this markdown file")
    a = ap.parse_args()
    N, K = a.trajectories, a.steps
    work = N * K

    with tempfile.TemporaryDirectory() as tmp:
        ng = [run_ngdsim(a.exe, N, K, tmp) for _ in range(a.repeats)]
    np_runs = []
    for _ in range(a.repeats):
        t = time.perf_counter()
        rows, _ = numpy_ngd.run(N, K)
        np_runs.append((time.perf_counter() - t, rows[-1]["flat"][0] / N))

    ng_rate = work / statistics.median(w for w, _, _ in ng)
    np_rate = work / statistics.median(w for w, _ in np_runs)
    ratio = ng_rate / np_rate
    lines = [
        f"NGD study: product n=2 q=2, alpha_k = 1/sqrt(k+1), box [-2,2]^2, N = {N}, K = {K}, "
        f"record log:200, eps 0.1,0.01,0.001 (5 quantities with histograms, counts, "
        f"attractors, survival at every recorded step)",
        f"ngdsim CPU path ({ng[0][2]}): {ng_rate:.4g} trajectory-steps/s "
        f"(median of {a.repeats}, whole process; runs {[round(w, 3) for w, _, _ in ng]} s), "
        f"P(flat, 0.1) = {ng[0][1]:.4f}",
        f"NumPy {numpy_ngd.np.__version__} (1 thread, vectorized over trajectories): "
        f"{np_rate:.4g} trajectory-steps/s (median of {a.repeats}; runs "
        f"{[round(w, 2) for w, _ in np_runs]} s), P(flat, 0.1) = {np_runs[0][1]:.4f}",
        f"ratio ngdsim / NumPy: {ratio:.1f}x (goal >= 20x)",
    ]
    print("\n".join(lines))
    if a.record:
        with open(a.record, "a") as f:
            f.write(f"\n## {datetime.date.today()} — {cpu_name()}, {os.cpu_count()} cores\n\n")
            f.write(f"`python3 bench/cpu_vs_numpy.py --trajectories {N} --steps {K} "
                    f"--repeats {a.repeats}`\n\n")
            f.write("\n".join(f"- {l}" for l in lines) + "\n")
    return 0 if ratio >= 20 else 1


if __name__ == "__main__":
    sys.exit(main())
