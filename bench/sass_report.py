#!/usr/bin/env python3
"""Static performance report of the CUDA kernels, from their compiled sm_90 code (no GPU).

For each instantiation of `advance_leaves` asked for, it reads the machine code (SASS)
that the build embedded in `build/ngdsim` with the CUDA toolkit's `cuobjdump` and
`nvdisasm` (from the toolkit, or from the NVIDIA wheels that scripts/setup.sh installs)
and prints:

- registers, stack, shared memory, spill instructions (local loads and stores) and the
  resident blocks per SM on sm_90 (65536 registers, 228 KiB shared memory, 2048 threads,
  32 blocks, registers allocated per warp in units of 256);
- the step loop's hot path: the instructions one ordinary step executes, by pipe. The
  step loop is the largest loop without a barrier or a shared-memory atomic before the
  recording loop's first barrier; its hot path is walked from the loop head,
  taking every forward branch that stays inside the loop (the compiler's jumps over the
  rare code: the random sign at g = 0, the slow paths of division and square root) and
  never one that leaves it (divergence);
- the record phase: every instruction of the recording loop outside the step loop,
  each counted once and weighted by the warps that execute its source line (the build
  keeps line information, `-lineinfo`): all 8 warps of a block, except in the kernel's
  blocks marked `sass-report: lanes` (the 40 threads that reduce the leaf moments: 2
  warps) and `sass-report: one warp`; the step loop's lines (`sass-report: step`) are
  not record work even where the compiler moved their rare paths out of the loop. Counting every line once for every warp that
  reaches it is conservative (rare counters and the slow paths of division and square
  root are included), except for the loops still in the record phase, counted once (the
  column says how many; the loop over eps, 3 trips by default, is one). Also printed:
  its barriers.

From those it predicts trajectory-steps per second on H100 SXM and H200 (132 SMs at
1.98 GHz) with an issue-bound model, from the per-SM throughputs of compute capability
9.0 (CUDA C++ Programming Guide, arithmetic instructions table): per warp scheduler and
warp instruction, 1 issue cycle; 2 cycles on the FP64 pipe (64 results per SM per
cycle), 2 on the integer pipe (64), 1 on the FP32 pipe (128), 8 for MUFU and conversions
(16). A warp-step costs the largest of these sums; a record costs its instructions'
issue cycles, averaged over the block's warps. Latency is not modelled: the resident
blocks per SM say how much of it can be hidden.

    python3 bench/sass_report.py [--exe build/ngdsim] [--only "product n=2"]
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
import tempfile

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
    """nvdisasm -c -gi output: {function: [(pc, body, predicated, kernel_line)]}, with
    branch targets resolved from labels to addresses and, for each instruction, the
    line of kernels/advance.cuh it comes from (the outermost inlining site)."""
    functions, name, line, labels, pending = {}, None, None, {}, []
    for raw in text.splitlines():
        m = re.match(r"^\.text\.(\S+):$", raw)
        if m:
            name = m.group(1)
            functions[name], labels[name], pending, line = [], {}, [], None
            continue
        m = re.match(r"^\s*//## File \"([^\"]+)\", line (\d+)(.*)$", raw)
        if m:
            sites = [(m.group(1), int(m.group(2)))] + [
                (f, int(n)) for f, n in re.findall(r'inlined at "([^"]+)", line (\d+)', m.group(3))]
            kernel = [n for f, n in sites if f.endswith("advance.cuh")]
            line = kernel[-1] if kernel else None
            continue
        m = re.match(r"^(\.L_x_\d+):$", raw)
        if m and name:
            pending.append(m.group(1))
            continue
        m = re.match(r"\s*/\*([0-9a-f]{4,})\*/\s+(.*?)\s*;", raw)
        if m and name:
            pc, text_ = int(m.group(1), 16), m.group(2)
            for label in pending:
                labels[name][label] = pc
            pending = []
            pred = re.match(r"@!?U?P\w+\s+", text_)
            body = text_[pred.end():] if pred else text_
            functions[name].append((pc, body, pred is not None, line))
    for name, code in functions.items():
        functions[name] = [(pc, re.sub(r"`\((\.L_x_\d+)\)",
                                       lambda m: hex(labels[name].get(m.group(1), -1)), body),
                            pred, line) for pc, body, pred, line in code]
    return functions


def disassemble(cuobjdump, nvdisasm, exe):
    """SASS with line information of every sm_90 cubin embedded in exe."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        if exe.endswith(".cubin"):  # one translation unit, as nvcc -cubin -lineinfo made it
            shutil.copy(exe, tmp)
        else:
            subprocess.run([cuobjdump, "-xelf", "all", os.path.abspath(exe)], cwd=tmp,
                           capture_output=True, check=True)
        for cubin in sorted(glob.glob(os.path.join(tmp, "*.cubin"))):
            text = subprocess.run([nvdisasm, "-c", "-gi", cubin], capture_output=True,
                                  text=True, check=True).stdout
            out.update(parse_sass(text))
    return out


def block_weights(source):
    """Warps that execute each line of the kernel source at a record: the whole block (8),
    except in the blocks marked `sass-report: lanes` (2 warps: the 40 lane threads),
    `sass-report: one warp`, and `sass-report: step` (0: the step loop's code, whose
    rare paths the compiler may place outside the loop)."""
    lines = open(source).read().splitlines()
    weights = {}
    for i, text in enumerate(lines):
        tag = re.search(r"sass-report: (lanes|one warp|step)", text)
        if not tag:
            continue
        depth, j = 0, i
        while True:
            depth += lines[j].count("{") - lines[j].count("}")
            weights[j + 1] = {"lanes": 2, "one warp": 1, "step": 0}[tag.group(1)]
            if depth <= 0 and j > i:
                break
            j += 1
    return weights


def branch_target(body):
    m = re.match(r"BRA(?:\.\w+)*\s+(?:!?U?P\d+,\s*)?(0x[0-9a-f]+)", body)
    return int(m.group(1), 16) if m else None


def loops(code):
    """(head, tail) of every loop: a branch to an earlier address."""
    out = []
    for pc, body, _, _ in code:
        t = branch_target(body)
        if t is not None and t < pc:
            out.append((t, pc))
    return out


def hot_path(code, head, tail):
    """The instructions of one pass from head to the back-edge at tail (see the module doc)."""
    index = {pc: i for i, (pc, _, _, _) in enumerate(code)}
    i, path, seen = index[head], [], set()
    while i < len(code):
        pc, body, predicated, _ = code[i]
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


def analyse(code, weights):
    """The step's hot path, and the record phase's warp-weighted instructions: every
    instruction of the recording loop outside the step loop once, times the warps of the
    block that execute its source line (block_weights)."""
    found = loops(code)
    has = lambda h, t, op: any(h <= pc <= t and b.startswith(op) for pc, b, _, _ in code)
    with_barrier = [(h, t) for h, t in found if has(h, t, "BAR")]
    record = max(with_barrier, key=lambda l: l[1] - l[0])
    # The step loop: the largest loop of the record loop before its first barrier with no
    # barrier and no shared-memory atomic (the loop over eps is record work).
    first_bar = min(pc for pc, b, _, _ in code if record[0] <= pc <= record[1] and
                    b.startswith("BAR"))
    step = max([(h, t) for h, t in found if record[0] <= h and t < first_bar and
                not has(h, t, "BAR") and not has(h, t, "ATOMS")], key=lambda l: l[1] - l[0])
    step_path = [b for _, b in hot_path(code, *step)]
    by_warps = {}
    for pc, b, _, line in code:
        if record[0] <= pc <= record[1] and not step[0] <= pc <= step[1]:
            by_warps.setdefault(weights.get(line, 8), []).append(b)
    spills = sum(1 for _, b, _, _ in code if b.startswith(("LDL", "STL")))
    step_spills = sum(1 for b in step_path if b.startswith(("LDL", "STL")))
    loops_in_record = sum(1 for h, t in found if record[0] < h and t < record[1] and
                          (h, t) != step)
    return step_path, by_warps, spills, step_spills, loops_in_record


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
    ap.add_argument("--exe", default=os.path.join(ROOT, "build", "ngdsim"),
                    help="the program, or one .cubin (nvcc -cubin -lineinfo) to iterate on")
    ap.add_argument("--only", help="substring of the case label")
    ap.add_argument("--steps", type=int, default=5000, help="K for the predictions")
    ap.add_argument("--show-path", action="store_true", help="print the step's hot path")
    args = ap.parse_args()
    cuobjdump, nvdisasm = tool("cuobjdump"), tool("nvdisasm")
    sass = disassemble(cuobjdump, nvdisasm, args.exe)
    weights = block_weights(os.path.join(ROOT, "kernels", "advance.cuh"))
    res = resources(cuobjdump, args.exe)
    version = subprocess.run(["nvcc", "--version"], capture_output=True, text=True).stdout \
        if shutil.which("nvcc") else ""
    version = (re.findall(r"release [\d.]+", version) or ["nvcc not on PATH"])[0]
    print(f"# ngdsim SASS report, {datetime.date.today()}, {platform.node()}, "
          f"built with CUDA {version}, sm_90")
    print(f"# exe {args.exe}; predictions for K = {args.steps}, issue-bound model "
          f"(bench/sass_report.py's doc), H100 SXM / H200: {SMS} SMs at {CLOCK_HZ/1e9} GHz")
    print("| kernel | regs | stack | spills (step loop) | smem B | blocks/SM | step instr | "
          "FP64 | FP32 | INT | MUFU | conv | mem | ctrl | step cycles | "
          "record instr (8/2/1 warps) | barriers/record | loops in record | "
          "record in steps | steps/s list:0 | log:200 | every:1 | recording at log:200 |")
    print("|" + "---|" * 23)
    for label, land, opt, prec in CASES:
        if args.only and args.only not in label:
            continue
        name = next((n for n in sass if "advance_leaves" in n and land in n and opt in n
                     and n.endswith(f"E{prec}EEvT_T0_NS0_9RunParamsENS0_13DeviceOutputsExi")
                     and "4cuda" in n), None)
        if name is None:
            print(f"| {label} | not in {args.exe} |")
            continue
        regs, stack, shared, _ = res[name]
        step_path, by_warps, spills, step_spills, extra_loops = analyse(sass[name], weights)
        if args.show_path:
            print("\n".join(step_path), file=sys.stderr)
        m = mix(step_path)
        S = issue_cycles(m)
        # Issue cycles of one record summed over the block's 8 warps, per warp on average.
        rec = sum(w * issue_cycles(mix(instrs)) for w, instrs in by_warps.items()) / 8
        counts = "/".join(str(len(by_warps.get(w, []))) for w in (8, 2, 1))
        barriers = sum(1 for b in by_warps.get(8, []) if b.startswith("BAR"))
        K = args.steps
        rates, fractions = [], []
        for spec in ("list:0", "log:200", "every:1"):
            R = record_count(spec, K)
            rates.append(SMS * SCHEDULERS * 32 * CLOCK_HZ * K / (K * S + R * rec))
            fractions.append(R * rec / (K * S + R * rec))
        print(f"| {label} | {regs} | {stack} | {spills} ({step_spills}) | {shared} | "
              f"{blocks_per_sm(regs, shared)} | {len(step_path)} | {m.get('fp64', 0)} | "
              f"{m.get('fp32', 0)} | {m.get('int', 0) + m.get('uniform', 0)} | "
              f"{m.get('mufu', 0)} | {m.get('conv', 0)} | {m.get('memory', 0)} | "
              f"{m.get('control', 0)} | {S} | {counts} | {barriers} | {extra_loops} | "
              f"{rec / S:.1f} | {rates[0]:.3g} | {rates[1]:.3g} | {rates[2]:.3g} | "
              f"{100 * fractions[1]:.1f}% |")

if __name__ == "__main__":
    main()
