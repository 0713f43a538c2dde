"""GPU benchmark, one script on one machine (issue: CUDA backend):

1. ngdsim's CUDA backend: trajectory-steps per second for N = 10^4 ... 10^8 at the
   default record schedule (log:200) and at every step (every:1), medians of
   --repeats runs (the rate ngdsim stores in /summary: chunks, kernels, copies);
2. the statistics overhead at default recording: time with log:200 against time with
   only steps 0 and K recorded (list:0);
3. the same study with JAX (jit + vmap + lax.fori_loop) and PyTorch (batched tensors),
   bench/peers.py, at the sizes they fit;
4. the arithmetic bound: floating-point operations per step x steps / the GPU's
   peak FP64 rate measured here with an FMA-chain kernel (CuPy), and the fraction of
   it ngdsim reaches.

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
# Product n=2 NGD, per trajectory-step, counting add, sub, mul, div, sqrt, compare,
# abs and select as one operation each: g (2), |grad g|^2 (3), sqrt (1), sign
# select (1), division (1), direction (2), update (4), divergence test (4).
FLOPS_PER_STEP = 18


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
        peak = fp64_peak()
        for N, r in rates.items():
            if N >= 10**7:
                bound = peak / FLOPS_PER_STEP
                say(f"arithmetic bound N={N:.0e}: {bound:.4g} traj-steps/s ({FLOPS_PER_STEP} "
                    f"flop/step, measured FP64 peak {peak / 1e12:.2f} Tflop/s); ngdsim reaches "
                    f"{100 * r / bound:.1f}%")
    except Exception as err:
        say(f"arithmetic bound: not measured ({type(err).__name__}: {err})")

    if a.record:
        with open(a.record, "a") as f:
            f.write(f"\n## {datetime.date.today()}\n\n`python3 bench/gpu_bench.py --steps {K} "
                    f"--repeats {a.repeats}`\n\n" + "\n".join(f"- {l}" for l in lines) + "\n")


if __name__ == "__main__":
    main()
