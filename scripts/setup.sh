#!/usr/bin/env bash
# Installs what ngdsim needs, only what is missing (idempotent): Debian packages for
# the C++ side, PyPI packages for the Python tests and benchmark. The CUDA toolkit
# is used when nvcc is present; without it the CPU path builds alone.
set -euo pipefail

packages=(cmake ninja-build g++ pkg-config libhdf5-dev libcli11-dev libtomlplusplus-dev
          librandom123-dev libgtest-dev libeigen3-dev libboost-context-dev libopenmpi-dev
          openmpi-bin python3 python3-pip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if ! "$PY" -c "import numpy, h5py, pytest, matplotlib" 2>/dev/null; then
  echo "setup: installing numpy h5py pytest matplotlib"
  "$PY" -m pip install -q numpy h5py pytest matplotlib 2>/dev/null ||
    "$PY" -m pip install -q --break-system-packages numpy h5py pytest matplotlib
fi
# cuobjdump and nvdisasm for bench/sass_report.py (the toolkit here ships nvcc without
# them): NVIDIA's wheels
if ! command -v nvdisasm >/dev/null &&
  ! "$PY" -c "import glob, nvidia.cu13 as n; assert glob.glob(n.__path__[0] + '/bin/nvdisasm')" 2>/dev/null; then
  echo "setup: installing nvidia-cuda-cuobjdump and nvidia-cuda-nvdisasm (for bench/sass_report.py)"
  "$PY" -m pip install -q nvidia-cuda-cuobjdump nvidia-cuda-nvdisasm 2>/dev/null ||
    "$PY" -m pip install -q --break-system-packages nvidia-cuda-cuobjdump nvidia-cuda-nvdisasm
fi
# the ngdsim Python package (python/: load, load_sweep, ngdsim-plot), editable
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if ! (cd "$root" && "$PY" -c "import ngdsim.plot") 2>/dev/null; then
  echo "setup: installing the ngdsim Python package (pip install -e python)"
  (cd "$root" && { "$PY" -m pip install -q -e python 2>/dev/null ||
    "$PY" -m pip install -q --break-system-packages -e python; })
fi
