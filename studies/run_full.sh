#!/usr/bin/env bash
# Runs every study at full size (N = 10^6) into studies/results/NAME.h5, then
# regenerates docs/results.md from those files. Pass extra ngdsim flags (e.g.
# --backend cuda) as arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p studies/results
for study in studies/*.toml; do
  name=$(basename "$study" .toml)
  cmd=run
  grep -q '^\[vary\]' "$study" && cmd=sweep
  echo "== $name ($cmd)"
  build/ngdsim "$cmd" --config "$study" --out "studies/results/$name.h5" --force "$@" \
    2> "studies/results/$name.log" | tail -n 12
done
python3 scripts/results_table.py studies/results docs/results.md
