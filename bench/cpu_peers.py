#!/usr/bin/env python3
"""ngdsim's CPU path against its peers and against its limit: CPU cost per trajectory-step,
one thread.

- ngdsim (`run --backend cpu --threads 1`) without statistics (`--record list:0`: only
  steps 0 and K are recorded) and with them (`--record log:200`, the default);
- the limit loops (bench/limit/limit.cpp: the same step and nothing else, kept in AVX-512
  registers; bit-identical to ngdsim, which tests/python/test_limit_loops.py checks),
  built here with the g++ line LIMIT_BUILD;
- NumPy (bench/numpy_ngd.py), JAX (jit + vmap + lax.fori_loop) and PyTorch
  (bench/peers.py) on the default study (product n = 2, NGD), each in a child Python
  process held to one thread;
- ngdsim alone on the landscapes that have no limit loop;
- one recorded step (every:1 against list:0 at the same N and K).

Cost: CPU time (user + sys) of the child process, from getrusage(RUSAGE_CHILDREN) around
it. Start-up (process, imports, JIT compilation, starting points, output file) is
subtracted: every program also runs the same N with K = 1, and the cost per step is
(t(K) - t(1)) / (N (K - 1)). The median of --rounds interleaved rounds is reported.

    python3 bench/cpu_peers.py [--exe build/ngdsim] [--rounds 3] [--quick] [--only PART]
"""
import argparse
import datetime
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BENCH = os.path.join(ROOT, "bench")
sys.path.insert(0, BENCH)
from cpu_vs_numpy import cpu_name as cpu_model  # noqa: E402

# The limit loops' build: a plain g++ line (bench/limit/limit.cpp's header), no CMake.
LIMIT_BUILD = ["g++", "-std=c++17", "-O3", "-march=native", "-ffp-contract=off",
               "-fno-math-errno", "-I" + os.path.join(ROOT, "include"),
               os.path.join(BENCH, "limit", "limit.cpp")]
# The instruction sets limit.cpp uses, as /proc/cpuinfo names them.
LIMIT_CPU_FLAGS = ("avx512f", "avx512dq", "avx512bw", "avx512_vbmi2", "bmi2")

# limit.cpp's cases and the ngdsim options of the same study.
LIMIT_CASES = {
    "product2-ngd": "",
    "product8-ngd": "--param n=8",
    "bilinear3-ngd": "--landscape bilinear --param m=3",
    # alpha0 = 0.1 for the GD-type optimizers: with ngdsim's default 1, 75% (sam) and 68%
    # (perturbed) of the trajectories diverge within a few steps and stop.
    "product2-sam": "--optimizer sam --rho 0.05 --alpha0 0.1",
    "product2-gd": "--optimizer gd --alpha0 0.1",
    "product2-perturbed": "--optimizer perturbed --sigma 0.01 --alpha0 0.1",
}
# ngdsim's landscapes without a limit loop (NGD; the optimizers are in LIMIT_CASES).
OTHERS = {
    "parabola": "--landscape parabola",
    "cubic": "--landscape cubic",
    "quadric": "--landscape quadric",
    "cross": "--landscape cross",
    **{f"product n={n}": f"--param n={n}" for n in range(3, 8)},
    **{f"bilinear m={m}": f"--landscape bilinear --param m={m}" for m in (1, 2, 4, 5, 6, 7, 8)},
}
# Acceptance goals: (comparison, precision) -> (ratio bound, ">=" or "<=").
LIMIT_GOAL = {("product2-ngd", "double"): 1.3, ("product2-ngd", "float"): 1.5}
LIMIT_GOAL_OTHERS = 2.0
RECORD_GOAL = 25.0  # ns per trajectory and recorded step
PEER_GOALS = {("NumPy", True): 10.0, ("JAX", True): 3.0, ("JAX", False): 3.0,
              ("JAX bare step", False): 3.0}
# Peers that only exist without statistics.
STEP_ONLY_PEERS = {"JAX bare step"}

SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "JAX_PLATFORMS": "cpu", "CUDA_VISIBLE_DEVICES": "",
}


def limit_supported():
    """None when this machine can build and run the limit loops, else why not."""
    import shutil

    if not shutil.which("g++"):
        return "g++ not found"
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f
                          if line.startswith("flags")), [])
    except OSError:
        return "no /proc/cpuinfo to check for AVX-512"
    missing = [f for f in LIMIT_CPU_FLAGS if f not in flags]
    return f"the CPU lacks {', '.join(missing)}" if missing else None


def build_limit(directory):
    """Builds the limit loops into directory; returns the executable's path."""
    exe = os.path.join(directory, "limit")
    subprocess.run(LIMIT_BUILD + ["-o", exe], check=True, capture_output=True)
    return exe


def limit_and_ngdsim(exe, limit_exe, case, precision, directory, N=4096, K=500, extra=()):
    """Final positions [N, d] of ngdsim (`run --save-final --backend cpu`) and of the limit
    loop for one case, and the number of random directions ngdsim took."""
    out, dump = os.path.join(directory, "bits.h5"), os.path.join(directory, "bits.bin")
    subprocess.run([exe, "run", "--backend", "cpu", "--trajectories", str(N), "--steps", str(K),
                    "--record", "list:0", "--save-final", "--precision", precision, "--out",
                    out, "--force", *LIMIT_CASES[case].split(), *extra], check=True,
                   capture_output=True)
    subprocess.run([limit_exe, case, "--trajectories", str(N), "--steps", str(K), "--precision",
                    precision, "--dump", dump, *extra], check=True, capture_output=True)
    import h5py
    import numpy as np

    with h5py.File(out, "r") as f:
        want = f["final/position"][()]
        critical = int(f["observables/critical_points/value"][-1])
    return want, np.fromfile(dump, dtype=np.float64).reshape(want.shape), critical


def same_bits(want, got):
    return bool((want.view("u8") == got.view("u8")).all())


def cpu_seconds(cmd, env=None):
    """User + sys CPU time of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


class Job:
    """One program at one size; command(K) gives its command line for K steps."""

    def __init__(self, N, K, command, env=None):
        self.N, self.K, self.command, self.env = N, K, command, env
        self.costs = []

    def measure(self):
        t = cpu_seconds(self.command(self.K), self.env)
        t1 = cpu_seconds(self.command(1), self.env)
        self.costs.append(1e9 * (t - t1) / (self.N * (self.K - 1)))

    def ns(self):
        return statistics.median(self.costs) if self.costs else None


def peer_main(a):
    """Child mode: run one peer once (the parent times the process)."""
    sys.path.insert(0, BENCH)
    record = None if a.peer_stats else [0, a.peer_k]
    if a.peer == "numpy":
        import numpy as np
        import numpy_ngd

        numpy_ngd.run(a.peer_n, a.peer_k, record=record,
                      dtype=np.float32 if a.precision == "float" else np.float64)
        return
    if a.peer == "torch":
        import torch

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
    import peers

    dtype = "float32" if a.precision == "float" else "float64"
    if a.peer == "jax-bare":
        peers.run_jax_bare(a.peer_n, a.peer_k, dtype=dtype)
        return
    fn = peers.run_jax if a.peer == "jax" else peers.run_torch
    fn(a.peer_n, a.peer_k, record=record, dtype=dtype)


def sizes(quick):
    s = 10 if quick else 1
    return {
        "default": (200_000 // s, 2000 // (2 if quick else 1)),  # ngdsim, limit
        "peer": (20_000 // s, 2000 // (2 if quick else 1)),  # NumPy, JAX, PyTorch
        "case": (100_000 // s, 1000),  # the limit cases
        "landscape": (50_000 // s, 1000),  # the landscapes without a limit loop
        "perturbed": (20_000 // s, 500),  # Box-Muller per trajectory-step: slow everywhere
        "record": (100_000 // s, 300),  # every:1 against list:0
    }


def fmt(v, digits=3):
    return "-" if v is None else f"{v:.{digits}g}"


def verdict(ratio, bound, at_least):
    if ratio is None:
        return "-"
    return "met" if (ratio >= bound if at_least else ratio <= bound) else "**not met**"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exe", default=os.environ.get("NGDSIM_EXE",
                                                    os.path.join(ROOT, "build", "ngdsim")))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="sizes / 10, one round: a smoke run")
    ap.add_argument("--only", choices=["default", "limit", "landscapes", "record"],
                    help="one part of the table")
    ap.add_argument("--peer", choices=["numpy", "jax", "jax-bare", "torch"],
                    help=argparse.SUPPRESS)
    ap.add_argument("--peer-n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--peer-k", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--peer-stats", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--precision", default="double", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.peer:
        return peer_main(a)
    rounds = 1 if a.quick else a.rounds
    size = sizes(a.quick)
    parts = [a.only] if a.only else ["default", "limit", "landscapes", "record"]
    notes = []
    tmp = tempfile.TemporaryDirectory()
    out = os.path.join(tmp.name, "run.h5")

    def ngdsim(N, K, args, record="list:0", precision="double"):
        return Job(N, K, lambda k: [a.exe, "run", "--backend", "cpu", "--threads", "1",
                                    "--trajectories", str(N), "--steps", str(k), "--record",
                                    record, "--precision", precision, "--out", out, "--force",
                                    *args.split()])

    limit_exe, why = None, limit_supported()
    if why is None and ("default" in parts or "limit" in parts):
        try:
            limit_exe = build_limit(tmp.name)
        except subprocess.CalledProcessError as err:
            why = "the g++ build failed: " + err.stderr.decode(errors="replace")[-300:]
    if why and ("default" in parts or "limit" in parts):
        notes.append(f"limit loops not run: {why}")

    def limit(N, K, case, precision="double"):
        if limit_exe is None:
            return None
        return Job(N, K, lambda k: [limit_exe, case, "--trajectories", str(N), "--steps", str(k),
                                    "--precision", precision])

    env = dict(os.environ, **SINGLE_THREAD_ENV)
    peers = [("NumPy", "numpy"), ("JAX", "jax"), ("JAX bare step", "jax-bare"),
             ("PyTorch", "torch")]
    for label, module in (("JAX", "jax"), ("JAX bare step", "jax"), ("PyTorch", "torch")):
        if importlib.util.find_spec(module) is None:
            notes.append(f"{label} not run: the `{module}` package is not installed")
            peers = [p for p in peers if p[0] != label]

    def peer(N, K, name, stats, precision):
        return Job(N, K, lambda k: [sys.executable, os.path.abspath(__file__), "--peer", name,
                                    "--peer-n", str(N), "--peer-k", str(k), "--peer-stats",
                                    str(int(stats)), "--precision", precision], env)

    # Every measurement, keyed for the tables below.
    jobs = {}
    if "default" in parts:
        N, K = size["default"]
        pn, pk = size["peer"]
        for prec in ("double", "float"):
            for stats, record in ((False, "list:0"), (True, "log:200")):
                jobs["ngdsim", prec, stats] = ngdsim(N, K, "", record, prec)
                for label, name in peers:
                    if not (stats and label in STEP_ONLY_PEERS):
                        jobs[label, prec, stats] = peer(pn, pk, name, stats, prec)
            jobs["limit", prec, False] = limit(N, K, "product2-ngd", prec)
    if "limit" in parts:
        for case, args in LIMIT_CASES.items():
            N, K = size["perturbed" if "perturbed" in case else "case"]
            for prec in ("double", "float") if case == "product2-ngd" else ("double",):
                jobs["case ngdsim", case, prec] = ngdsim(N, K, args, precision=prec)
                jobs["case limit", case, prec] = limit(N, K, case, prec)
    if "landscapes" in parts:
        N, K = size["landscape"]
        for name, args in OTHERS.items():
            jobs["other", name] = ngdsim(N, K, args)
    record_pairs = {}  # precision -> (every:1, list:0, recorded steps)
    if "record" in parts:
        N, K = size["record"]
        for prec in ("double", "float"):
            record_pairs[prec] = (ngdsim(N, K, "", "every:1", prec),
                                  ngdsim(N, K, "", "list:0", prec), N * (K - 1))
    jobs = {k: v for k, v in jobs.items() if v is not None}

    # The limit loops must compute ngdsim's trajectories, or the ratios mean nothing.
    bits = {}
    if limit_exe:
        for case in LIMIT_CASES:
            for prec in ("double", "float"):
                if ("case ngdsim", case, prec) in jobs or (case == "product2-ngd" and
                                                          ("limit", prec, False) in jobs):
                    bits[case, prec] = same_bits(*limit_and_ngdsim(a.exe, limit_exe, case, prec,
                                                                   tmp.name)[:2])
        if not all(bits.values()):
            notes.append("the limit loops' final positions differ from ngdsim's for "
                         + ", ".join(f"{c} {p}" for (c, p), ok in bits.items() if not ok)
                         + " (ngdsim built from other headers than bench/limit?): their "
                         "ratios compare different computations")

    recorded = {prec: [] for prec in record_pairs}
    for r in range(rounds):
        for i, (key, job) in enumerate(jobs.items()):
            print(f"\rround {r + 1}/{rounds}: {i + 1}/{len(jobs)} {' '.join(map(str, key)):40}",
                  end="", file=sys.stderr, flush=True)
            job.measure()
        for prec, (every, lst, count) in record_pairs.items():
            recorded[prec].append(1e9 * (cpu_seconds(every.command(every.K)) -
                                         cpu_seconds(lst.command(lst.K))) / count)
    print(file=sys.stderr)
    tmp.cleanup()

    ns = {k: j.ns() for k, j in jobs.items()}
    commit = git("rev-parse", "--short", "HEAD")
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " with uncommitted changes"
    print(f"# `python3 bench/cpu_peers.py{' --quick' if a.quick else ''}` "
          f"({datetime.date.today()}, {cpu_model()}, {os.cpu_count()} cores, commit {commit})\n")
    print(f"ns per trajectory-step: CPU time (user + sys) of one thread, median of {rounds} "
          f"interleaved round(s); start-up subtracted (each program also runs the same N with "
          f"K = 1: cost = (t(K) - t(1)) / (N (K - 1))). {versions(peers)}\n")
    if a.quick:
        print("(--quick: small sizes and one round, where start-up noise can outweigh the "
              "work: a smoke run, not a measurement.)\n")

    if "default" in parts:
        print_default(ns, size, peers)
    if "limit" in parts:
        print_limit(ns, bits, size)
    if "landscapes" in parts:
        print_landscapes(ns, size)
    if recorded:
        N, K = size["record"]
        print(f"\n## Recorded step (every:1 against list:0, N = {N}, K = {K}: the {K - 1} extra "
              f"recorded steps; median of {rounds})\n")
        print("| precision | ns per trajectory | goal | |\n|---|---|---|---|")
        for prec, v in recorded.items():
            m = statistics.median(v)
            print(f"| {prec} | {m:.1f} | <= {RECORD_GOAL} ns | {verdict(m, RECORD_GOAL, False)} |")
    for note in notes:
        print(f"\nNote: {note}.")


def print_default(ns, size, peers):
    N, K = size["default"]
    pn, pk = size["peer"]
    print("## Default study (product n = 2, NGD), ns per trajectory-step\n")
    print("| program | precision | N | K | without statistics (list:0) | "
          "with statistics (log:200) |")
    print("|---|---|---|---|---|---|")
    for label in ["ngdsim", "limit"] + [p[0] for p in peers]:
        for prec in ("double", "float"):
            if (label, prec, False) not in ns:
                continue
            n_, k_ = (N, K) if label in ("ngdsim", "limit") else (pn, pk)
            name = "limit loop" if label == "limit" else label
            print(f"| {name} | {prec} | {n_} | {k_} | {fmt(ns[label, prec, False])} | "
                  f"{fmt(ns.get((label, prec, True)))} |")
    print("\n## Goals\n")
    print("| comparison | precision | ratio | goal | |")
    print("|---|---|---|---|---|")
    for prec in ("double", "float"):
        lim = ns.get(("limit", prec, False))
        if lim:
            ratio = ns["ngdsim", prec, False] / lim
            bound = LIMIT_GOAL[("product2-ngd", prec)]
            print(f"| ngdsim / limit loop (time), without statistics | {prec} | "
                  f"{ratio:.2f}x | <= {bound}x | {verdict(ratio, bound, False)} |")
    for label, _ in peers:
        for stats in (True, False):
            for prec in ("double", "float"):
                if (label, prec, stats) not in ns:
                    continue
                ratio = ns[label, prec, stats] / ns["ngdsim", prec, stats]
                bound = PEER_GOALS.get((label, stats))
                goal = f">= {bound}x" if bound else "(none)"
                print(f"| {label} / ngdsim (time), "
                      f"{'with' if stats else 'without'} statistics | {prec} | "
                      f"{ratio:.1f}x | {goal} | "
                      f"{verdict(ratio, bound, True) if bound else '-'} |")


def print_limit(ns, bits, size):
    print("\n## Limit loops: ngdsim (list:0) against the same step alone\n")
    print("| case | precision | N | K | ngdsim ns | limit ns | ngdsim / limit | goal | | "
          "bits (N = 4096, K = 500) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for case in LIMIT_CASES:
        N, K = size["perturbed" if "perturbed" in case else "case"]
        for prec in ("double", "float"):
            if ("case ngdsim", case, prec) not in ns:
                continue
            n_, l_ = ns["case ngdsim", case, prec], ns.get(("case limit", case, prec))
            ratio = n_ / l_ if l_ else None
            bound = LIMIT_GOAL.get((case, prec), LIMIT_GOAL_OTHERS)
            same = bits.get((case, prec))
            print(f"| {case} | {prec} | {N} | {K} | {fmt(n_)} | {fmt(l_)} | "
                  f"{fmt(ratio)}{'x' if ratio else ''} | <= {bound}x | "
                  f"{verdict(ratio, bound, False)} | "
                  f"{'-' if same is None else 'identical' if same else '**differ**'} |")


def print_landscapes(ns, size):
    N, K = size["landscape"]
    print(f"\n## ngdsim on the landscapes without a limit loop (NGD, double, list:0, "
          f"N = {N}, K = {K})\n")
    print("| landscape | ns per trajectory-step |")
    print("|---|---|")
    for name in OTHERS:
        print(f"| {name} | {fmt(ns['other', name])} |")


def git(*args):
    return subprocess.run(["git", "-C", ROOT, *args], capture_output=True,
                          text=True).stdout.strip()


def versions(peers):
    from importlib import metadata

    names = {"NumPy": "numpy", "JAX": "jax", "PyTorch": "torch"}
    return "Peers: " + ", ".join(f"{label} {metadata.version(names[label])}"
                                 for label, _ in peers if label in names) + "."


if __name__ == "__main__":
    sys.exit(main())
