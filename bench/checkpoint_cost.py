#!/usr/bin/env python3
"""What checkpoints cost: the default study (`ngdsim run --backend cpu`, N = 10^6,
K = 5000) with --checkpoint 0 (saved only on a signal), the default 300 s, and 1 s
(a save every second, the worst case a user would choose), as CPU time (user + sys) of
the child, median of 3 interleaved rounds; ratios against --checkpoint 0.

    python3 bench/checkpoint_cost.py [--exe build/ngdsim] [--rounds 3]
"""
import argparse
import datetime
import os
import resource
import statistics
import subprocess
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def cpu_seconds(cmd, cwd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(r.stderr)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", default=os.path.join(ROOT, "build", "ngdsim"))
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    intervals = ["0", "300", "1"]
    costs = {i: [] for i in intervals}
    with tempfile.TemporaryDirectory() as d:
        for _ in range(a.rounds):
            for i in intervals:
                costs[i].append(cpu_seconds([os.path.abspath(a.exe), "run", "--backend", "cpu",
                                             "--checkpoint", i, "--out", "c.h5", "--force"], d))
    base = statistics.median(costs["0"])
    print(f"# `python3 bench/checkpoint_cost.py` ({datetime.date.today()}, {os.cpu_count()} "
          f"cores)\n")
    print("Default study on the CPU path, CPU time (user + sys), median of "
          f"{a.rounds} interleaved rounds.\n")
    print("| --checkpoint | CPU seconds | against 0 | rounds |\n|---|---|---|---|")
    for i in intervals:
        m = statistics.median(costs[i])
        print(f"| {i} | {m:.2f} | {m / base:.3f}x | {', '.join(f'{c:.2f}' for c in costs[i])} |")
    m = statistics.median(costs["300"])
    print(f"\nDefault interval: {100 * (m / base - 1):+.1f}% (goal: at most +2%).")


if __name__ == "__main__":
    main()
