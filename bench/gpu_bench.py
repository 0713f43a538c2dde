"""GPU benchmark, one script on one machine (issue: CUDA backend):

1. ngdsim's CUDA backend: trajectory-steps per second for N = 10^4 ... 10^8 at the
   default record schedule (log:200) and at every step (every:1), medians of
   --repeats runs (the rate ngdsim stores in /summary: chunks, kernels, copies);
2. the statistics overhead at default recording: time with log:200 against time with
   only steps 0 and K recorded (list:0);
3. the same study with JAX (jit + vmap + lax.fori_loop) and PyTorch (batched tensors),
   bench/peers.py, at the sizes they fit;
4. the arithmetic bound: the FP64 instructions of one step of bench/step_only.cu (the
   step's arithmetic alone, compiled here with the project's strict flags and read
   from its machine code by bench/sass_report.py), at the FP64 instruction rate
   measured here with an FMA-chain kernel (CuPy); that kernel itself run here (its
   measured rate); and the fraction of each that ngdsim reaches.

    python3 bench/gpu_bench.py [--exe build/ngdsim] [--steps K] [--repeats R] [--record FILE]

Targets (reported whatever they are): >= 50x JAX, >= 60% of the arithmetic bound at
N >= 10^7, statistics overhead <= 15% at default recording.
"""
import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time

import h5py

sys.path.insert(0, os.path.dirname(__file__))
import peers  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import sass_report  # noqa: E402


def ngdsim_rate(exe, N, K, record, repeats, tmp):
    rates = []
    for _ in range(repeats):
        out = os.path.join(tmp, "b.h5")
        subprocess.run([exe, "run", "--backend", "cuda", "--trajectories", str(N), "--steps",
                        str(K), "--record", record, "--out", out, "--force"],
                       check=True, capture_output=True)
        with h5py.File(out, "r") as f:
            rates.append(float(f["summary"].attrs["trajectory_steps_per_second"]))
            device = f["summary"].attrs["device"]
    return statistics.median(rates), device


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def fp64_peak():
    """FP64 FMA throughput (flop/s) of device 0, from independent FMA chains."""
    import cupy as cp

    src = r"""
    extern "C" __global__ void fma_chain(double* out, int iters) {
      double a = threadIdx.x * 1e-9, b = a + 1e-9, c = b + 1e-9, d = c + 1e-9;
      const double m = 0.999999, s = 1e-12;
      for (int i = 0; i < iters; ++i) {
        a = fma(a, m, s); b = fma(b, m, s); c = fma(c, m, s); d = fma(d, m, s);
      }
      out[blockIdx.x * blockDim.x + threadIdx.x] = a + b + c + d;
    }"""
    kernel = cp.RawKernel(src, "fma_chain")
    sms = cp.cuda.Device(0).attributes["MultiProcessorCount"]
    blocks, threads, iters = sms * 32, 256, 20000
    out = cp.zeros(blocks * threads, dtype=cp.float64)
    kernel((blocks,), (threads,), (out, cp.int32(iters)))
    cp.cuda.Device(0).synchronize()
    t = time.perf_counter()
    kernel((blocks,), (threads,), (out, cp.int32(iters)))
    cp.cuda.Device(0).synchronize()
    return 2.0 * 4 * iters * blocks * threads / (time.perf_counter() - t)


def step_only_rate(cubin, N, K):
    """Trajectory-steps per second of bench/step_only.cu's double kernel on device 0."""
    import cupy as cp

    kernel = cp.RawModule(path=cubin).get_function(sass_report.STEP_ONLY["d"])
    threads = 256
    blocks = (N + threads - 1) // threads
    out = cp.zeros(blocks * threads * 2, dtype=cp.float64)
    # Product<double, 2> is {int q}; Ngd is empty (one byte); then alpha, K, bound, seed.
    args = (cp.int32(2), cp.int8(0), cp.float64(1e-3), cp.uint32(K), cp.float64(1e10),
            cp.uint64(1), out)
    kernel((blocks,), (threads,), args)
    cp.cuda.Device(0).synchronize()
    t = time.perf_counter()
    kernel((blocks,), (threads,), args)
    cp.cuda.Device(0).synchronize()
    return blocks * threads * K / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exe", default=os.path.join(ROOT, "build", "ngdsim"))
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-exponent", type=int, default=8)
    ap.add_argument("--peer-max-exponent", type=int, default=7)
    ap.add_argument("--record", help="append the results to this markdown file")
    a = ap.parse_args()
    K = a.steps
    lines = []

    def say(s):
        print(s, flush=True)
        lines.append(s)

    with tempfile.TemporaryDirectory() as tmp:
        rates = {}
        for e in range(4, a.max_exponent + 1):
            N = 10**e
            r_log, device = ngdsim_rate(a.exe, N, K, "log:200", a.repeats, tmp)
            r_min, _ = ngdsim_rate(a.exe, N, K, "list:0", a.repeats, tmp)
            every_K = min(K, 1000)  # every:1 records K + 1 steps
            r_every, _ = ngdsim_rate(a.exe, N, every_K, "every:1", a.repeats, tmp)
            rates[N] = r_log
            say(f"ngdsim cuda N=1e{e}: {r_log:.4g} traj-steps/s (log:200), {r_every:.4g} "
                f"(every:1, K={every_K}), statistics overhead at log:200 "
                f"{100 * (1 - r_log / r_min):.1f}% [{device}]")

    for name, fn in (("JAX", peers.run_jax), ("PyTorch", peers.run_torch)):
        for e in range(4, a.peer_max_exponent + 1):
            N = 10**e
            try:
                fn(N, min(K, 200))  # compile / warm up
                t = timed(lambda: fn(N, K), a.repeats)
            except Exception as err:  # out of memory at large N, missing package
                say(f"{name} N=1e{e}: not run ({type(err).__name__}: {err})")
                break
            rate = N * K / t
            say(f"{name} N=1e{e}: {rate:.4g} traj-steps/s; ngdsim / {name} = "
                f"{rates[N] / rate:.1f}x")

    try:
        with tempfile.TemporaryDirectory() as tmp:
            cubin = os.path.join(tmp, "step_only.cubin")
            ref = sass_report.step_only(cubin, sass_report.tool("cuobjdump"),
                                        sass_report.tool("nvdisasm"))
            if ref is None:
                raise RuntimeError("nvcc not found")
            fp64 = ref["d"]["count"]
            peak = fp64_peak() / 2  # FP64 instructions per second (an FMA is 2 flop)
            bound = peak / fp64
            minimal = step_only_rate(cubin, 10**7, K)
        say(f"arithmetic bound: {bound:.4g} traj-steps/s (bench/step_only.cu: {fp64} FP64 "
            f"instructions per step, at the measured {peak / 1e12:.2f} T FP64 instructions/s); "
            f"bench/step_only.cu itself measured at N=1e7: {minimal:.4g} traj-steps/s")
        for N, r in rates.items():
            if N >= 10**7:
                say(f"ngdsim N={N:.0e} (log:200): {100 * r / bound:.1f}% of the bound, "
                    f"{100 * r / minimal:.1f}% of the minimal kernel")
    except Exception as err:
        say(f"arithmetic bound: not measured ({type(err).__name__}: {err})")

    if a.record:
        with open(a.record, "a") as f:
            f.write(f"\n## {datetime.date.today()}\n\n`python3 bench/gpu_bench.py --steps {K} "
                    f"--repeats {a.repeats}`\n\n" + "\n".join(f"- {l}" for l in lines) + "\n")


if __name__ == "__main__":
    main()
