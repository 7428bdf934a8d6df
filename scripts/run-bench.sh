#!/usr/bin/env bash
# Runs every Google Benchmark binary under BUILD_DIR/bench. Results are
# written down by hand in bench/README.md with the machine they ran on.
set -euo pipefail
build=${1:?build dir}
for bin in "$build"/bench/bench_*; do
  [ -x "$bin" ] || continue
  echo "== $(basename "$bin")"
  "$bin" --benchmark_min_time=0.2
done
