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
  weighted by the warps of a block that execute its source line (the build keeps line
  information, `-lineinfo`) and by the trips of the rolled loop it sits in. Markers in
  kernels/advance.cuh set the weights (block_weights): `sass-report: lanes` (the 40
  threads that reduce the leaf moments: 2 warps), `one warp`, `warps N`, `trips N` (a
  rolled loop's default trip count, e.g. the 3 thresholds) and `step` (the step loop's
  lines, not record work even where the compiler moved their rare paths out of the
  loop); unmarked lines run on all 8 warps once. Code for rare events (`sass-report:
  rare`: a random sign at g = 0, a critical point, a sampled path) and the toolkit's
  slow paths of division and square root are left out of the prediction, as the step's
  hot path leaves them out, and counted apart: the last column adds them back, run by
  every warp (an upper bound). Also printed: the record's barriers.
- the arithmetic bound: bench/step_only.cu, the step of product n = 2 NGD alone (same
  headers, same strict flags, no statistics), compiled here; its FP64 (float: FP32)
  instructions per step at the pipe's rate bound the trajectory-steps per second, and
  the table gives the predicted rates as fractions of that bound.

From those it predicts trajectory-steps per second on H100 SXM and H200 (132 SMs at
1.98 GHz) with an issue-bound model, from the per-SM throughputs of compute capability
9.0 (CUDA C++ Programming Guide, arithmetic instructions table): per warp scheduler and
warp instruction, 1 issue cycle; 2 cycles on the FP64 pipe (64 results per SM per
cycle), 2 on the integer pipe (64), 1 on the FP32 pipe (128), 8 for MUFU and conversions
(16). A warp-step costs the largest of these sums; a record costs its instructions'
issue cycles, averaged over the block's warps. Latency is not modelled: the resident
blocks per SM say how much of it can be hidden.

    python3 bench/sass_report.py [--exe build/ngdsim] [--only "product n=2"] [--by-line]
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


TAG = re.compile(r"sass-report: (lanes|one warp|step|rare|warps (\d+)|trips (\d+))")


def block_weights(source):
    """{line: (warps, trips)} for the lines of the kernel source that the markers cover.
    A marker covers its line and, when that line opens a brace, the block it opens.
    warps: how many of the block's 8 warps execute the line at a record, by default 8:
    `sass-report: lanes` 2 (the 40 lane threads), `one warp` 1, `warps N` N, `step` 0
    (the step loop, whose rare paths the compiler may place outside the loop) and
    `rare` 0 (code for rare events, shown apart). trips: how often a rolled loop
    (`trips N`, N its default trip count) runs its body per record, by default 1.
    An inner marker overrides an outer one of the same kind."""
    lines = open(source).read().splitlines()
    warps, trips, rare = {}, {}, set()
    for i, text in enumerate(lines):
        tag = TAG.search(text)
        if not tag:
            continue
        block, depth = [i + 1], lines[i].count("{") - lines[i].count("}")
        j = i
        while depth > 0:
            j += 1
            block.append(j + 1)
            depth += lines[j].count("{") - lines[j].count("}")
        kind = tag.group(1)
        for n in block:
            if kind.startswith("trips"):
                trips[n] = int(tag.group(3))
            elif kind.startswith("warps"):
                warps[n] = int(tag.group(2))
            elif kind == "rare":
                rare.add(n)
            else:
                warps[n] = {"lanes": 2, "one warp": 1, "step": 0}[kind]
    return {n: (warps.get(n, 8), trips.get(n, 1), n in rare)
            for n in set(warps) | set(trips) | rare}


def slow_paths(code, first, last):
    """Addresses of the toolkit's slow paths of division and square root in [first, last]:
    the code that a forward branch skips when the operands are ordinary, recognised by
    the call to an internal routine (`__internal_...`) inside it. The step walk skips
    them too."""
    out = set()
    index = {pc: i for i, (pc, _, _, _) in enumerate(code)}
    for pc, body, predicated, _ in code:
        t = branch_target(body)
        if not (first <= pc <= last and predicated and t is not None and t > pc):
            continue
        skipped = code[index[pc] + 1:index.get(t, index[pc] + 1)]
        calls = [b for _, b, _, _ in skipped if b.startswith("CALL")]
        # Only the call and its operands' moves: a branch over more is not a slow path.
        if len(calls) == 1 and "__internal_" in calls[0] and len(skipped) <= 12 and not any(
                b.startswith(("BRA", "BAR", "ATOM", "RED", "ST", "LD")) for _, b, _, _ in skipped):
            out.update(c[0] for c in skipped)
    return out


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


def record_loop(code, found):
    """(head, tail) of the recording loop: the largest loop with a barrier."""
    return max([(h, t) for h, t in found
                if any(h <= pc <= t and b.startswith("BAR") for pc, b, _, _ in code)],
               key=lambda l: l[1] - l[0])


def analyse(code, weights):
    """The step's hot path, and the record phase: every instruction of the recording loop
    outside the step loop, times the warps of the block that execute its source line and
    the trips of the rolled loop it is in (block_weights). Returns the record's
    instructions by weight (warps x trips) and, apart, those of rare events and slow
    paths, which the prediction leaves out as the step's hot path does."""
    found = loops(code)
    has = lambda h, t, op: any(h <= pc <= t and b.startswith(op) for pc, b, _, _ in code)
    record = record_loop(code, found)
    # The step loop: the largest loop of the record loop before its first barrier with no
    # barrier and no shared-memory atomic.
    first_bar = min(pc for pc, b, _, _ in code if record[0] <= pc <= record[1] and
                    b.startswith("BAR"))
    step = max([(h, t) for h, t in found if record[0] <= h and t < first_bar and
                not has(h, t, "BAR") and not has(h, t, "ATOMS")], key=lambda l: l[1] - l[0])
    step_path = [b for _, b in hot_path(code, *step)]
    slow = slow_paths(code, *record)
    by_weight, rare = {}, []
    for pc, b, _, line in code:
        if not record[0] <= pc <= record[1] or step[0] <= pc <= step[1]:
            continue
        warps, trips, is_rare = weights.get(line, (8, 1, False))
        if not warps:
            continue
        if is_rare or pc in slow:
            rare.append(b)
        else:
            by_weight.setdefault(warps * trips, []).append(b)
    spills = sum(1 for _, b, _, _ in code if b.startswith(("LDL", "STL")))
    step_spills = sum(1 for b in step_path if b.startswith(("LDL", "STL")))
    return step_path, by_weight, rare, spills, step_spills


def print_by_line(code, weights, label, source_path):
    """The record phase's instructions grouped by kernel source line, to stderr."""
    record = record_loop(code, loops(code))
    source = open(source_path).read().splitlines()
    lines = {}
    for pc, b, _, line in code:
        if record[0] <= pc <= record[1]:
            lines.setdefault(line, []).append(b.split()[0])
    print(f"# {label}: record-loop instructions by line of kernels/advance.cuh", file=sys.stderr)
    for line in sorted(lines, key=lambda l: l or 0):
        ops = lines[line]
        warps, trips, rare = weights.get(line, (8, 1, False))
        w = f"{warps}w" + (f" x{trips}" if trips > 1 else "") + (" rare" if rare else "")
        text = source[line - 1].strip()[:60] if line else "(no line)"
        common = ", ".join(f"{op} {ops.count(op)}" for op in sorted(set(ops), key=ops.count,
                                                                      reverse=True)[:4])
        print(f"{line}\t{len(ops)}\t{w}\t{text}\t{common}", file=sys.stderr)


def record_count(spec, K):
    if spec == "list:0":
        return 2  # steps 0 and K are always recorded
    if spec == "every:1":
        return K + 1
    # host/study/plan.cpp's log schedule: 0, K and R - 1 geometric points from 1 to K, deduplicated.
    n = int(spec.split(":")[1]) - 1
    steps = {0, K}
    for i in range(n):
        e = 1.0 if n == 1 else i / (n - 1)
        steps.add(int(math.floor(K ** e + 0.5)))
    return len(steps)


# bench/step_only.cu: the step's arithmetic alone, built with the project's strict flags.
STEP_ONLY_FLAGS = ["-O3", "-arch=sm_90", "-cubin", "-lineinfo", "--fmad=false", "-prec-div=true",
                   "-prec-sqrt=true", "-std=c++17", "-Werror=all-warnings"]
STEP_ONLY = {"d": "_ZN6ngdsim9step_onlyINS_7ProductIdLi2EEENS_3NgdEdEEvT_T0_T1_jS6_yPS6_",
             "f": "_ZN6ngdsim9step_onlyINS_7ProductIfLi2EEENS_3NgdEfEEvT_T0_T1_jS6_yPS6_"}
FP64_PER_SM_CLOCK, FP32_PER_SM_CLOCK = 64, 128  # cc 9.0 (H100 SXM, H200)


def step_only(cubin, cuobjdump, nvdisasm):
    """Compiles bench/step_only.cu to cubin and returns, per precision ("d", "f"), the
    mix of its step loop's hot path and the steps per second it bounds: the device's
    FP64 (FP32) results per second over the step's FP64 (FP32) instructions. None
    without nvcc."""
    nvcc = shutil.which("nvcc") or shutil.which("/usr/local/cuda/bin/nvcc")
    if not nvcc:
        return None
    subprocess.run([nvcc, *STEP_ONLY_FLAGS, "-I", os.path.join(ROOT, "include"),
                    os.path.join(ROOT, "bench", "step_only.cu"), "-o", cubin], check=True)
    sass = disassemble(cuobjdump, nvdisasm, cubin)
    out = {}
    for prec, name in STEP_ONLY.items():
        code = next(c for n, c in sass.items() if n.startswith(name))
        m = mix(b for _, b in hot_path(code, *max(loops(code), key=lambda l: l[1] - l[0])))
        pipe_, rate = ("fp64", FP64_PER_SM_CLOCK) if prec == "d" else ("fp32", FP32_PER_SM_CLOCK)
        out[prec] = {"mix": m, "instr": sum(m.values()), "pipe": pipe_, "count": m[pipe_],
                     "bound": SMS * CLOCK_HZ * rate / m[pipe_]}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--exe", default=os.path.join(ROOT, "build", "ngdsim"),
                    help="the program, or one .cubin (nvcc -cubin -lineinfo) to iterate on")
    ap.add_argument("--only", help="substring of the case label")
    ap.add_argument("--source", default=os.path.join(ROOT, "kernels", "advance.cuh"),
                    help="the kernel source the program was built from (its markers, lines)")
    ap.add_argument("--steps", type=int, default=5000, help="K for the predictions")
    ap.add_argument("--show-path", action="store_true", help="print the step's hot path")
    ap.add_argument("--by-line", action="store_true",
                    help="print the record phase's instructions by kernel source line")
    args = ap.parse_args()
    cuobjdump, nvdisasm = tool("cuobjdump"), tool("nvdisasm")
    sass = disassemble(cuobjdump, nvdisasm, args.exe)
    weights = block_weights(args.source)
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
          "record instr | rare instr | barriers/record | record cycles/warp | "
          "record in steps | steps/s list:0 | log:200 | every:1 | recording at log:200 | "
          "same, rare code counted |")
    print("|" + "---|" * 24)
    predicted = {}
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
        step_path, by_weight, rare, spills, step_spills = analyse(sass[name], weights)
        if args.show_path:
            print("\n".join(step_path), file=sys.stderr)
        if args.by_line:
            print_by_line(sass[name], weights, label, args.source)
        m = mix(step_path)
        S = issue_cycles(m)
        # Issue cycles of one record summed over the block's 8 warps, per warp on average;
        # and the same with the rare code run by every warp (an upper bound).
        rec = sum(w * issue_cycles(mix(instrs)) for w, instrs in by_weight.items()) / 8
        rec_all = rec + issue_cycles(mix(rare))
        barriers = sum(1 for instrs in by_weight.values() for b in instrs if b.startswith("BAR"))
        K = args.steps
        rates, fractions = [], []
        for spec in ("list:0", "log:200", "every:1"):
            R = record_count(spec, K)
            rates.append(SMS * SCHEDULERS * 32 * CLOCK_HZ * K / (K * S + R * rec))
            fractions.append(R * rec / (K * S + R * rec))
        predicted[label] = rates
        R = record_count("log:200", K)
        bound = R * rec_all / (K * S + R * rec_all)
        print(f"| {label} | {regs} | {stack} | {spills} ({step_spills}) | {shared} | "
              f"{blocks_per_sm(regs, shared)} | {len(step_path)} | {m.get('fp64', 0)} | "
              f"{m.get('fp32', 0)} | {m.get('int', 0) + m.get('uniform', 0)} | "
              f"{m.get('mufu', 0)} | {m.get('conv', 0)} | {m.get('memory', 0)} | "
              f"{m.get('control', 0)} | {S} | {sum(map(len, by_weight.values()))} | "
              f"{len(rare)} | {barriers} | {rec:.0f} | "
              f"{rec / S:.1f} | {rates[0]:.3g} | {rates[1]:.3g} | {rates[2]:.3g} | "
              f"{100 * fractions[1]:.1f}% | {100 * bound:.1f}% |")
    with tempfile.TemporaryDirectory() as tmp:
        ref = step_only(os.path.join(tmp, "step_only.cubin"), cuobjdump, nvdisasm)
    if ref is None:
        print("\n# arithmetic bound: nvcc not found, bench/step_only.cu not compiled")
        return
    print("\n# Arithmetic bound: bench/step_only.cu (product n=2 NGD, the step alone), at the "
          f"pipe's rate ({FP64_PER_SM_CLOCK} FP64 or {FP32_PER_SM_CLOCK} FP32 results per SM "
          "and clock)")
    print("| precision | step instr | on the pipe | bound steps/s | ngdsim list:0 | log:200 |")
    print("|---|---|---|---|---|---|")
    for prec, label in (("d", "product n=2 ngd double"), ("f", "product n=2 ngd float")):
        r = ref[prec]
        rates = predicted.get(label)
        shares = [f"{100 * x / r['bound']:.0f}%" for x in rates[:2]] if rates else ["-", "-"]
        print(f"| {'double' if prec == 'd' else 'float'} | {r['instr']} | "
              f"{r['count']} {r['pipe'].upper()} | {r['bound']:.3g} | {shares[0]} | "
              f"{shares[1]} |")


if __name__ == "__main__":
    main()
