#!/usr/bin/env bash
# Set up, build and run the default study (the paper's Example 1.1); extra
# arguments go to `ngdsim run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec build/ngdsim run "$@"
