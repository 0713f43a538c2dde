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
    "product": "019dd19226b82ad479f38255472934df11f5601b47b91b045c72905d79da7e32",
    "product3-float": "c6bd162bbcb6b3439d26213590930d674d29e73ee9b7dede9e8422e98da8a045",
    "bilinear3": "9797318544bc2a29954bada11137af0e27561e0b4b4c4f2f0ac060f52c791c31",
    "quadric-sam": "d5ed7f4260a5389283b8a24a2547c5a110644dec853b3c9c495883fe2287d693",
    "product4-gd-overflow": "678aab0c08ba6999255fed0a1c688fce68f95f22af1a3f952a828a1c05499905",
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
