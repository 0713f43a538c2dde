#!/usr/bin/env python3
"""The CPU path built for this machine (-march=native, the default) against the portable
build (-DNGDSIM_CPU_ARCH=x86-64-v3): CPU time (user + sys of the child) of the same runs,
one thread, median of --rounds interleaved rounds, and the ratio portable / native.
Both builds must give the same bits, which the script checks on every pair of runs. It
also prints what one recorded step costs per trajectory (CPU time per core).

    cmake -S . -B build-portable -G Ninja -DCMAKE_BUILD_TYPE=Release \\
          -DNGDSIM_CPU_ARCH=x86-64-v3 -DNGDSIM_CUDA=OFF -DNGDSIM_EMULATED=OFF
    cmake --build build-portable --target ngdsim
    python3 bench/cpu_targets.py [--native build/ngdsim] [--portable build-portable/ngdsim]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "python"))
from test_golden import digest  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CASES = [
    ("steps only, double", "--trajectories 200000 --steps 2000 --record list:0"),
    ("steps only, float", "--trajectories 200000 --steps 2000 --record list:0 --precision float"),
    ("log:200, double", "--trajectories 200000 --steps 2000 --record log:200"),
    ("every:1, double", "--trajectories 100000 --steps 300 --record every:1"),
    ("list:0, same size", "--trajectories 100000 --steps 300 --record list:0"),
]
# The last two differ only by the 299 recorded steps between 0 and K: their difference is
# the cost of recording, per trajectory and recorded step.
RECORD_PAIR, RECORDED = ("every:1, double", "list:0, same size"), 100000 * 299


def cpu_time(exe, args, out):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([exe, "run", *args.split(), "--backend", "cpu", "--threads", "1", "--out",
                    out, "--force"], check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--native", default=os.path.join(ROOT, "build", "ngdsim"))
    ap.add_argument("--portable", default=os.path.join(ROOT, "build-portable", "ngdsim"))
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    print("| run | native s | portable s | portable / native |")
    print("|---|---|---|---|")
    medians = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, args in CASES:
            times = {"native": [], "portable": []}
            for _ in range(a.rounds):
                for name in ("native", "portable"):
                    times[name].append(cpu_time(getattr(a, name), args,
                                                os.path.join(tmp, f"{name}.h5")))
                same = digest(os.path.join(tmp, "native.h5")) == digest(
                    os.path.join(tmp, "portable.h5"))
                if not same:
                    sys.exit(f"cpu_targets: {label}: the two builds' results differ")
            n, p = statistics.median(times["native"]), statistics.median(times["portable"])
            medians[label] = (n, p)
            print(f"| {label} | {n:.2f} | {p:.2f} | {p / n:.2f}x |", flush=True)
    (en, ep), (ln, lp) = (medians[label] for label in RECORD_PAIR)
    print(f"\nA recorded step costs {1e9 * (en - ln) / RECORDED:.1f} ns per trajectory (native), "
          f"{1e9 * (ep - lp) / RECORDED:.1f} ns (portable).")


if __name__ == "__main__":
    main()
