#!/usr/bin/env bash
# Builds a portable (x86-64-v3) ngdsim and its GPU tests for sm_90 into build-gpu/,
# and gathers them with the non-system shared libraries they need into
# device-bundle/ (git-ignored), for a machine that has a GPU but no HDF5 headers.
set -euo pipefail
cd "$(dirname "$0")/.."
NGDSIM_CMAKE_ARGS="-DNGDSIM_CPU_ARCH=x86-64-v3" cmake -S . -B build-gpu -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DNGDSIM_CPU_ARCH=x86-64-v3 -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null
cmake --build build-gpu --parallel "$(nproc)" --target ngdsim test_gpu
rm -rf device-bundle && mkdir -p device-bundle/lib
cp build-gpu/ngdsim build-gpu/tests/test_gpu device-bundle/
for bin in device-bundle/ngdsim device-bundle/test_gpu; do
  ldd "$bin" | awk '/=>/ {print $3}' | grep -vE '/(libc|libm|libpthread|libdl|librt|ld-linux)[.-]' |
    xargs -r -I{} cp -Ln {} device-bundle/lib/
done
du -sh device-bundle
