"""Results fixed to the bit across builds: studies whose every dataset hashes to the value
recorded here. The program is built for the machine it is built on (-march=native) or
for a portable target (x86-64-v3, the GPU bundle's); with strict floating point both
compute exactly the same operations, and this test fails if either ever differs from
the other or from the results recorded when the test was written.

The studies avoid exp, log, sin and cos, whose last bit may depend on the C library's
version: everything else (+, -, *, /, sqrt) is correctly rounded on every x86-64.
To re-record after a change that is meant to change results, run this file with
NGDSIM_GOLDEN_PRINT=1 and paste the printed table."""
import hashlib
import os
import subprocess

import h5py
import numpy as np
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))

STUDIES = {
    "product": "--trajectories 3000 --steps 400 --save-final",
    "product3-float": "--param n=3 --precision float --trajectories 2000 --steps 300 "
                      "--eps 0.01,0.1,1e-3",
    "bilinear3": "--landscape bilinear --param m=3 --trajectories 1000 --steps 200",
    "quadric-sam": "--landscape quadric --param q=1 --optimizer sam --rho 0.05 "
                   "--trajectories 1000 --steps 200 --record every:1",
    "product4-gd-overflow": "--param n=4 --optimizer gd --alpha0 0.5 --p 0 --init box:-3,3 "
                            "--divergence-bound 1e300 --trajectories 1000 --steps 60",
}

GOLDEN = {
    "product": "bbcb08cae67bac301234aed8212ae75d96590173ae76442de75bc5ea02f4b69c",
    "product3-float": "f8812b5ce9252a677e552456793155d0ed68339ab8c45102e44d3608753120ae",
    "bilinear3": "6810d48dad8429426529c1c02ce6b5d37a067bb5409e28ab6c1d53b551757cf9",
    "quadric-sam": "8d60eaf5267a0bff43c767d4c8c8f0e653f40d4b2fbfa30f330f6b2001127ff9",
    "product4-gd-overflow": "d999a79cf47851b0b6b7f19dd7c2ba676c04a81d8eb0ba43c5233667ce721706",
}


def digest(path):
    """SHA-256 over every dataset of the file but /parameters, in name order."""
    h = hashlib.sha256()
    names = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        for name in sorted(names):
            if name.startswith("parameters"):
                continue
            data = f[name][()]
            h.update(name.encode())
            h.update(data if isinstance(data, bytes) else np.ascontiguousarray(data).tobytes())
    return h.hexdigest()


@pytest.mark.parametrize("backend", ["cpu", "emulated"])
def test_results_equal_the_recorded_bits(tmp_path, backend):
    got = {}
    for name, args in STUDIES.items():
        out = tmp_path / f"{name}.h5"
        p = subprocess.run([EXE, "run", *args.split(), "--backend", backend, "--threads", "2",
                            "--out", str(out)], capture_output=True, text=True)
        if "this build has no emulated device" in p.stderr:
            pytest.skip(p.stderr.strip())
        assert p.returncode == 0, p.stderr
        got[name] = digest(out)
    if os.environ.get("NGDSIM_GOLDEN_PRINT"):
        print("\n".join(f'    "{k}": "{v}",' for k, v in got.items()))
    assert got == GOLDEN
