#!/usr/bin/env python3
"""Static performance report of the CUDA kernels, from their compiled sm_90 code (no GPU).

For each instantiation of `advance_leaves` asked for, it reads the machine code (SASS)
that the build embedded in `build/ngdsim` with the CUDA toolkit's `cuobjdump` (from the
toolkit, or from the `nvidia-cuda-cuobjdump` wheel that scripts/setup.sh installs) and
prints:

- registers, stack, shared memory, spill instructions (local loads and stores) and the
  resident blocks per SM on sm_90 (65536 registers, 228 KiB shared memory, 2048 threads,
  32 blocks, registers allocated per warp in units of 256);
- the step loop's hot path: the instructions one ordinary step executes, by pipe. The
  step loop is the largest loop without a barrier or a shared-memory atomic before the
  recording loop's first barrier; its hot path is walked from the loop head,
  taking every forward branch that stays inside the loop (the compiler's jumps over the
  rare code: the random sign at g = 0, the slow paths of division and square root) and
  never one that leaves it (divergence);
- the record phase: from the path of a thread that skips every conditional block (no
  lane reduction, no rare counter: a lower bound) to every instruction of the recording
  loop outside the step loop, each counted once (an upper bound for any thread: the
  kernel's record path has no loop whose trip count grows with the block), and its
  barriers. Rates use the upper bound; the recording fraction is given as the range.

From those it predicts trajectory-steps per second on H100 SXM and H200 (132 SMs at
1.98 GHz) with an issue-bound model, from the per-SM throughputs of compute capability
9.0 (CUDA C++ Programming Guide, arithmetic instructions table): per warp scheduler and
warp instruction, 1 issue cycle; 2 cycles on the FP64 pipe (64 results per SM per
cycle), 2 on the integer pipe (64), 1 on the FP32 pipe (128), 8 for MUFU and conversions
(16). A warp-step costs the largest of these sums; a record costs its instructions'
issue cycles. Latency is not modelled: the resident blocks per SM say how much of it can
be hidden.

    python3 bench/sass_report.py [--exe build/ngdsim] [--only product2]
"""
import argparse
import datetime
import glob
import math
import os
import platform
import re
import shutil
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

# The instantiations of the report: (label, mangled landscape, optimizer, precision).
CASES = [
    ("product n=2 ngd double", "NS_7ProductIdLi2EEE", "NS_3NgdE", "d"),
    ("product n=2 ngd float", "NS_7ProductIfLi2EEE", "NS_3NgdE", "f"),
    ("product n=8 ngd double", "NS_7ProductIdLi8EEE", "NS_3NgdE", "d"),
    ("bilinear m=3 ngd double", "NS_8BilinearIdLi3EEE", "NS_3NgdE", "d"),
    ("product n=2 sam double", "NS_7ProductIdLi2EEE", "NS_3SamE", "d"),
    ("product n=2 perturbed double", "NS_7ProductIdLi2EEE", "NS_9PerturbedE", "d"),
]

SMS, CLOCK_HZ = 132, 1.98e9
SCHEDULERS = 4
# Issue cycles per warp instruction and scheduler on each pipe (cc 9.0 throughputs).
PIPE_CYCLES = {"fp64": 2, "int": 2, "fp32": 1, "mufu": 8, "conv": 8}


def tool(name):
    found = shutil.which(name) or shutil.which(os.path.join("/usr/local/cuda/bin", name))
    if found:
        return found
    for site in sys.path:
        for path in glob.glob(os.path.join(site, "nvidia", "cu*", "bin", name)):
            return path
    sys.exit(f"sass_report: {name} not found (pip install nvidia-cuda-cuobjdump "
             f"nvidia-cuda-nvdisasm, or the CUDA toolkit's bin on PATH)")


def pipe(op):
    base = op.split(".")[0]
    if base in ("DADD", "DMUL", "DFMA", "DSETP", "DMNMX"):
        return "fp64"
    if base == "MUFU":
        return "mufu"
    if base in ("F2F", "F2I", "I2F", "F2IP", "I2FP", "FRND"):
        return "conv"
    if base in ("FADD", "FMUL", "FFMA", "FSETP", "FMNMX", "FCHK", "FSWZADD"):
        return "fp32"
    if base in ("BRA", "BSSY", "BSYNC", "CALL", "RET", "EXIT", "BAR", "WARPSYNC", "BREAK",
                "NOP", "YIELD", "BPT"):
        return "control"
    if base.startswith(("LD", "ST", "ATOM", "RED", "ULDC")) or base in ("LDGSTS",):
        return "memory"
    if base.startswith("U") or base in ("S2R", "S2UR", "CS2R"):
        return "uniform"
    return "int"


def parse_sass(text):
    functions, name = {}, None
    for line in text.splitlines():
        m = re.match(r"\s*Function : (\S+)", line)
        if m:
            name = m.group(1)
            functions[name] = []
            continue
        m = re.match(r"\s*/\*([0-9a-f]{4,})\*/\s+(.*?)\s*;", line)
        if m and name:
            text_ = m.group(2)
            pred = re.match(r"@!?U?P\w+\s+", text_)
            body = text_[pred.end():] if pred else text_
            functions[name].append((int(m.group(1), 16), body, pred is not None))
    return functions


def branch_target(body):
    m = re.match(r"BRA(?:\.\w+)*\s+(?:!?U?P\d+,\s*)?(0x[0-9a-f]+)", body)
    return int(m.group(1), 16) if m else None


def loops(code):
    """(head, tail) of every loop: a branch to an earlier address."""
    out = []
    for pc, body, _ in code:
        t = branch_target(body)
        if t is not None and t < pc:
            out.append((t, pc))
    return out


def hot_path(code, head, tail):
    """The instructions of one pass from head to the back-edge at tail (see the module doc)."""
    index = {pc: i for i, (pc, _, _) in enumerate(code)}
    i, path, seen = index[head], [], set()
    while i < len(code):
        pc, body, predicated = code[i]
        if pc in seen:
            break
        seen.add(pc)
        path.append((pc, body))
        t = branch_target(body)
        if pc == tail:
            break
        if t is not None:
            inside = head <= t <= tail
            if not predicated:
                if not inside:
                    break
                i = index[t]
                continue
            if inside and t > pc:
                i = index[t]
                continue
        if body.startswith(("EXIT", "RET")):
            break
        i += 1
    return path


def mix(instrs):
    counts = {}
    for body in instrs:
        p = pipe(body.split()[0])
        counts[p] = counts.get(p, 0) + 1
    return counts


def issue_cycles(counts):
    total = sum(counts.values())
    return max([total] + [PIPE_CYCLES[p] * counts.get(p, 0) for p in PIPE_CYCLES])


def resources(cuobjdump, exe):
    text = subprocess.run([cuobjdump, "-res-usage", exe], capture_output=True, text=True,
                          check=True).stdout
    out, name = {}, None
    for line in text.splitlines():
        m = re.match(r"\s*Function (\S+):", line)
        if m:
            name = m.group(1)
            continue
        m = re.search(r"REG:(\d+) STACK:(\d+) SHARED:(\d+) LOCAL:(\d+)", line)
        if m and name:
            out[name] = tuple(int(x) for x in m.groups())
    return out


def blocks_per_sm(regs, shared, threads=256):
    warps = threads // 32
    regs_per_warp = -(-regs * 32 // 256) * 256
    by_regs = 65536 // (regs_per_warp * warps)
    by_shared = (228 * 1024) // (shared + 1024)  # 1 KiB reserved per block
    return min(by_regs, by_shared, 2048 // threads, 32)


def analyse(code):
    found = loops(code)
    with_barrier = [(h, t) for h, t in found
                    if any(h <= pc <= t and b.startswith("BAR") for pc, b, _ in code)]
    without = [(h, t) for h, t in found if (h, t) not in with_barrier]
    record = max(with_barrier, key=lambda l: l[1] - l[0])
    # The step loop: the largest loop of the record loop before its first barrier with no
    # barrier and no shared-memory atomic (the loops over eps and the counter flushes
    # are record work).
    first_bar = min(pc for pc, b, _ in code if record[0] <= pc <= record[1] and
                    b.startswith("BAR"))
    no_atomics = [(h, t) for h, t in without
                  if not any(h <= pc <= t and b.startswith("ATOMS") for pc, b, _ in code)]
    step = max([l for l in no_atomics if record[0] <= l[0] and l[1] < first_bar],
               key=lambda l: l[1] - l[0])
    step_path = [b for _, b in hot_path(code, *step)]
    outside_step = lambda pc: record[0] <= pc <= record[1] and not step[0] <= pc <= step[1]
    rec = [b for pc, b, _ in code if outside_step(pc)]
    # The record path of a thread that skips every conditional block (no lane work, no
    # rare counter): a lower bound, where `rec` (everything once) is an upper one.
    rec_min = [b for pc, b in hot_path(code, *record) if outside_step(pc)]
    spills = sum(1 for _, b, _ in code if b.startswith(("LDL", "STL")))
    step_spills = sum(1 for b in step_path if b.startswith(("LDL", "STL")))
    return step_path, rec, rec_min, spills, step_spills


def record_count(spec, K):
    if spec == "list:0":
        return 2  # steps 0 and K are always recorded
    if spec == "every:1":
        return K + 1
    # host/plan.cpp's log schedule: 0, K and R - 1 geometric points from 1 to K, deduplicated.
    n = int(spec.split(":")[1]) - 1
    steps = {0, K}
    for i in range(n):
        e = 1.0 if n == 1 else i / (n - 1)
        steps.add(int(math.floor(K ** e + 0.5)))
    return len(steps)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--exe", default=os.path.join(ROOT, "build", "ngdsim"))
    ap.add_argument("--only", help="substring of the case label")
    ap.add_argument("--steps", type=int, default=5000, help="K for the predictions")
    ap.add_argument("--show-path", action="store_true", help="print the step's hot path")
    args = ap.parse_args()
    cuobjdump = tool("cuobjdump")
    os.environ.setdefault("NVDISASM_PATH", os.path.dirname(tool("nvdisasm")))
    sass = parse_sass(subprocess.run([cuobjdump, "-sass", args.exe], capture_output=True,
                                     text=True, check=True).stdout)
    res = resources(cuobjdump, args.exe)
    version = subprocess.run(["nvcc", "--version"], capture_output=True, text=True).stdout \
        if shutil.which("nvcc") else ""
    version = (re.findall(r"release [\d.]+", version) or ["nvcc not on PATH"])[0]
    print(f"# ngdsim SASS report, {datetime.date.today()}, {platform.node()}, "
          f"built with CUDA {version}, sm_90")
    print(f"# exe {args.exe}; predictions for K = {args.steps}, issue-bound model "
          f"(bench/sass_report.py's doc), H100 SXM / H200: {SMS} SMs at {CLOCK_HZ/1e9} GHz")
    print("| kernel | regs | stack | spills (step loop) | smem B | blocks/SM | step instr | "
          "FP64 | FP32 | INT | MUFU | conv | mem | ctrl | step cycles | record instr | "
          "barriers/record | record in steps | steps/s list:0 | log:200 | every:1 | "
          "recording at log:200 |")
    print("|" + "---|" * 22)
    for label, land, opt, prec in CASES:
        if args.only and args.only not in label.replace(" ", ""):
            if args.only not in label:
                continue
        name = next((n for n in sass if "advance_leaves" in n and land in n and opt in n
                     and n.endswith(f"E{prec}EEvT_T0_NS0_9RunParamsENS0_13DeviceOutputsExi")
                     and "4cuda" in n), None)
        if name is None:
            print(f"| {label} | not in {args.exe} |")
            continue
        regs, stack, shared, _ = res[name]
        step_path, rec, rec_min, spills, step_spills = analyse(sass[name])
        if args.show_path:
            print("\n".join(step_path), file=sys.stderr)
        m = mix(step_path)
        S = issue_cycles(m)
        rec_hi, rec_lo = issue_cycles(mix(rec)), issue_cycles(mix(rec_min))
        barriers = sum(1 for b in rec if b.startswith("BAR"))
        K = args.steps
        rates, fractions = [], []
        for spec in ("list:0", "log:200", "every:1"):
            R = record_count(spec, K)
            # Per warp and scheduler; rates from the upper bound, fractions as a range.
            rates.append(SMS * SCHEDULERS * 32 * CLOCK_HZ * K / (K * S + R * rec_hi))
            fractions.append([R * c / (K * S + R * c) for c in (rec_lo, rec_hi)])
        print(f"| {label} | {regs} | {stack} | {spills} ({step_spills}) | {shared} | "
              f"{blocks_per_sm(regs, shared)} | {len(step_path)} | {m.get('fp64', 0)} | "
              f"{m.get('fp32', 0)} | {m.get('int', 0) + m.get('uniform', 0)} | "
              f"{m.get('mufu', 0)} | {m.get('conv', 0)} | {m.get('memory', 0)} | "
              f"{m.get('control', 0)} | {S} | {len(rec_min)}-{len(rec)} | {barriers} | "
              f"{rec_lo / S:.1f}-{rec_hi / S:.1f} | {rates[0]:.3g} | {rates[1]:.3g} | "
              f"{rates[2]:.3g} | {100 * fractions[1][0]:.0f}-{100 * fractions[1][1]:.0f}% |")


if __name__ == "__main__":
    main()
