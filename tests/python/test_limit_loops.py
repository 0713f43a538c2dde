"""The limit loops of bench/limit/limit.cpp (the step alone, in AVX-512 registers, the
yardstick of bench/cpu_peers.py) compute ngdsim's trajectories bit for bit: for every
case and both precisions, their final positions equal /final/position of
`ngdsim run --save-final --backend cpu`. A limit loop that computed something else would
make the benchmark's ratios meaningless."""
import os
import sys

import numpy as np
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from cpu_peers import (LIMIT_CASES, build_limit, limit_and_ngdsim,  # noqa: E402
                       limit_supported)

N, K = 4096, 500


@pytest.fixture(scope="module")
def limit_exe(tmp_path_factory):
    why = limit_supported()
    if why:
        pytest.skip(f"the limit loops need g++ and an AVX-512 CPU: {why}")
    return build_limit(str(tmp_path_factory.mktemp("limit")))


def compare(tmp_path, limit_exe, case, precision, extra=(), steps=K):
    want, got, critical = limit_and_ngdsim(EXE, limit_exe, case, precision, str(tmp_path), N,
                                           steps, extra)
    differ = np.nonzero((want.view(np.uint64) != got.view(np.uint64)).any(axis=1))[0]
    assert differ.size == 0, (f"{differ.size} of {N} trajectories differ, first {differ[0]}: "
                              f"ngdsim {want[differ[0]]}, limit {got[differ[0]]}")
    return critical


@pytest.mark.parametrize("precision", ["double", "float"])
@pytest.mark.parametrize("case", sorted(LIMIT_CASES))
def test_limit_loop_is_ngdsim_bit_for_bit(tmp_path, limit_exe, case, precision):
    compare(tmp_path, limit_exe, case, precision)


@pytest.mark.parametrize("precision", ["double", "float"])
@pytest.mark.parametrize("case", ["product2-ngd", "product8-ngd"])
def test_critical_point_fallback_is_ngdsim(tmp_path, limit_exe, case, precision):
    # Starting points of size 1e-300: grad g underflows to 0, so every trajectory takes
    # ngdsim's random direction at step 0 (the limit loops' scalar fallback).
    critical = compare(tmp_path, limit_exe, case, precision, ["--init", "normal:0,1e-300"], 20)
    assert critical >= N
