#!/usr/bin/env bash
# Configures and builds into build/ (Release, warnings as errors, parallel).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release ${NGDSIM_CMAKE_ARGS:-} >/dev/null
cmake --build build --parallel "$(nproc)"
