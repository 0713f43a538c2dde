#!/usr/bin/env bash
# On the GPU machine, in the repository root with device-bundle/ carried over:
# the GPU test suite (a skip is a failure there) and the GPU benchmark, logs in $OUT.
set -uo pipefail
OUT=${OUT:-gpu-out}
mkdir -p "$OUT"
export LD_LIBRARY_PATH="$PWD/device-bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export NGDSIM_EXE="$PWD/device-bundle/ngdsim" NGDSIM_REQUIRE_GPU=1
nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1
device-bundle/test_gpu 2>&1 | tee "$OUT/gpu-tests.log"
python3 bench/gpu_bench.py --exe "$NGDSIM_EXE" --record "$OUT/gpu_bench.md" 2>&1 |
  tee "$OUT/gpu-bench.log"
