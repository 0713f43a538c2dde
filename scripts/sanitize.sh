#!/usr/bin/env bash
# CI's sanitizer pass: the host code built with AddressSanitizer and
# UndefinedBehaviorSanitizer (no CUDA, no emulated device), then the CPU test suite
# run under them. -O1 keeps the build and the instrumented runs within CI's time. No MPI:
# Open MPI keeps allocations to its exit, which LeakSanitizer would report.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1" -DNGDSIM_SANITIZE=ON -DNGDSIM_CUDA=OFF \
  -DNGDSIM_EMULATED=OFF -DNGDSIM_MPI=OFF >/dev/null
cmake --build build-sanitize --parallel "$(nproc)"
cd build-sanitize
# detect_leaks: HDF5 keeps its global state until exit (H5dont_atexit), reachable;
# LeakSanitizer reports only what nothing points to.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export NGDSIM_TEST_SCALE=sanitize
ctest --output-on-failure --parallel "$(nproc)" --timeout 900 -L cpu
