#!/usr/bin/env bash
# Regenerates the figures the README embeds (docs/figures/), from real runs:
# Example 1.1 and the sweep of p, at N = 20000, K = 5000; and compare/, three points of
# that sweep (p = 0.25, 0.5, 1) overlaid with `ngdsim-plot compare`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/figures
mkdir -p "$out"
small=(--trajectories 20000 --steps 5000 --force)
build/ngdsim run --config studies/example_1_1_product_n2.toml "${small[@]}" --save-final \
  --out "$out/example_1_1.h5" 2>/dev/null | tail -n 3
build/ngdsim sweep --config studies/sweep_p_example_1_1.toml "${small[@]}" \
  --out "$out/sweep_p.h5" 2>/dev/null | tail -n 7
# Every figure checked before it is written (not blank, no text off the canvas).
export NGDSIM_PLOT_CHECK=1
python3 -m ngdsim.plot "$out/example_1_1.h5" -o "$out/example_1_1"
python3 -m ngdsim.plot "$out/sweep_p.h5" -o "$out/sweep_p"
python3 -m ngdsim.plot compare "$out/sweep_p.h5:1" "$out/sweep_p.h5:2" "$out/sweep_p.h5:4" \
  -o "$out/compare"
rm -f "$out"/*.h5
