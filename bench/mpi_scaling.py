#!/usr/bin/env python3
"""MPI: weak scaling on this machine and the cost of the gather at rank 0, measured, then
modelled at P = 1000 ranks of 10^8 trajectories each.

1. Weak scaling: `mpirun -np P ngdsim run --threads 1` with N = P * 2^18 trajectories,
   K = 1000 (each rank the same work), P = 1 and 2, wall time, median of 3 interleaved
   rounds; efficiency = throughput(P) / (P * throughput(1)).
2. The cost of one partial state at rank 0: `ngdsim merge` of 64 shards of a study of
   the default shape (K = 5000, record log:200), each shard one leaf, timed (CPU time of
   the child, median of 3) and divided by 64; the states' size from the shard files.
3. The model: under MPI the statistics reduce over a binomial tree of ranks, so rank 0
   takes in ceil(log2 P) states, each merged once per tree level on the critical path;
   the state of a contiguous range holds the fixed counts plus at most 2 log2(leaves)
   pending nodes of R * 5 * 5 doubles. Compared with a 10-minute run.

    python3 bench/mpi_scaling.py [--exe build/ngdsim] [--rounds 3]
"""
import argparse
import datetime
import math
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time

from checkpoint_cost import cpu_seconds  # CPU time (user + sys) of one child

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PER_RANK = 1 << 18


def mpirun(exe, p, args, cwd):
    cmd = [shutil.which("mpirun"), "--allow-run-as-root", "--oversubscribe", "-np", str(p), exe,
           *args]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(r.stderr)
    return wall, r.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", default=os.path.join(ROOT, "build", "ngdsim"))
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    exe = os.path.abspath(a.exe)
    work = tempfile.mkdtemp(prefix="ngdsim-mpi-")

    # 1. Weak scaling.
    walls = {1: [], 2: []}
    gathers = []
    for _ in range(a.rounds):
        for p in (1, 2):
            w, err = mpirun(exe, p, ["run", "--backend", "cpu", "--threads", "1",
                                     "--trajectories", str(p * PER_RANK), "--steps", "1000",
                                     "--out", f"w{p}.h5", "--force"], work)
            walls[p].append(w)
            m = re.search(r"gathered and merged \d+ partial states \((\d+) bytes at rank 0\) in "
                          r"([0-9.e+-]+) s", err)
            if m:
                gathers.append(float(m.group(2)))
    wall = {p: statistics.median(v) for p, v in walls.items()}
    thr = {p: p * PER_RANK * 1000 / wall[p] for p in wall}
    eff = thr[2] / (2 * thr[1])

    # 2. The cost of one state at rank 0.
    shards = 64
    study = ["run", "--backend", "cpu", "--threads", "1", "--trajectories",
             str(shards * 256), "--steps", "5000"]
    for i in range(shards):
        subprocess.run([exe, *study, "--shard", f"{i}/{shards}", "--out", f"s{i}.h5",
                        "--force"], cwd=work, check=True, capture_output=True)
    size = statistics.mean(os.path.getsize(os.path.join(work, f"s{i}.h5"))
                           for i in range(shards))
    merges = [cpu_seconds([exe, "merge", *[f"s{i}.h5" for i in range(shards)], "--out",
                           "m.h5", "--force"], work) for _ in range(a.rounds)]
    per_state = statistics.median(merges) / shards

    # 3. The model at P = 1000, 10^8 trajectories per rank, the default study's shape.
    P, per_rank, R, Q = 1000, 10**8, 149, 5
    node_bytes = R * Q * 5 * 8
    leaves = math.ceil(per_rank / 256)
    nodes = 2 * math.ceil(math.log2(leaves * P))
    state = size + nodes * node_bytes  # the one-leaf shard holds one node: counts dominate
    levels = math.ceil(math.log2(P))
    bandwidth = 10e9  # bytes/s: a 100 Gb/s interconnect
    # Merging cost grows with the bytes read: scaled from the one-leaf states.
    merge_each = per_state * state / size
    tree = levels * (state / bandwidth + merge_each)
    flat = P * (state / bandwidth + merge_each)
    run = 600.0

    now = datetime.date.today().isoformat()
    print(f"# `python3 bench/mpi_scaling.py` ({now}, {os.cpu_count()} cores)\n")
    print("Weak scaling (CPU path, one thread per rank, 2^18 trajectories per rank, K = 1000), "
          f"wall time, median of {a.rounds} interleaved rounds:\n")
    print("| P | N | wall s | rounds | trajectory-steps/s | efficiency |")
    print("|---|---|---|---|---|---|")
    for p in (1, 2):
        rounds = ", ".join(f"{w:.2f}" for w in walls[p])
        print(f"| {p} | {p * PER_RANK} | {wall[p]:.2f} | {rounds} | {thr[p]:.3g} | "
              f"{thr[p] / (p * thr[1]):.2f} |")
    print(f"\nGather and merge at rank 0 for P = 2 (rank 0's log, waiting for rank 1 included): "
          f"{', '.join(f'{g * 1e3:.1f} ms' for g in gathers)}.\n")
    print(f"One state of the default study's shape (K = 5000, R = {R}): {size / 1e6:.2f} MB "
          f"(one-leaf shard files); merging it at rank 0: {per_state * 1e3:.2f} ms CPU "
          f"(`ngdsim merge` of {shards} shards, median of {a.rounds}).\n")
    print(f"Model at P = {P}, {per_rank:.0e} trajectories per rank: a state of at most "
          f"{state / 1e6:.2f} MB ({nodes} pending nodes of {node_bytes / 1e3:.1f} kB), "
          f"{bandwidth / 1e9:.0f} GB/s between nodes:\n")
    print("| gather | states at rank 0 | seconds | share of a 10-minute run |")
    print("|---|---|---|---|")
    print(f"| binomial tree (ngdsim) | {levels} | {tree:.3f} | {100 * tree / run:.3f}% |")
    print(f"| every rank to rank 0 | {P} | {flat:.2f} | {100 * flat / run:.2f}% |")
    print(f"\nWeak-scaling efficiency at P = 2: {eff:.2f}.")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
