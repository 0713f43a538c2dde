#!/usr/bin/env bash
# Set up, build and run every test (C++ GoogleTest suites and the h5py pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
ctest --output-on-failure --parallel "$(nproc)" --timeout 600
