#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, on its committed
# seed corpus (fuzz/corpus/<target>/) copied to a scratch directory so new
# inputs do not dirty the tree. Every target runs; any crash fails the run,
# and its report and reproducer (fuzz-artifacts/) are kept and printed.
set -uo pipefail
build=${1:?build dir}
seconds=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
artifacts="$root/fuzz-artifacts"
found=0
failed=()
for bin in "$build"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  found=1
  name=$(basename "$bin")
  work=$(mktemp -d)
  log=$(mktemp)
  if [ -d "$root/fuzz/corpus/$name" ]; then cp -r "$root/fuzz/corpus/$name/." "$work/"; fi
  echo "[fuzz] $name for ${seconds}s"
  mkdir -p "$artifacts"
  if "$bin" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$artifacts/$name-" "$work" >"$log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$log"
  else
    echo "[fuzz] $name FAILED; report:"
    grep -v -E '^#[0-9]+' "$log" | tail -n 40
    failed+=("$name")
  fi
  rm -rf "$work" "$log"
done
rmdir "$artifacts" 2>/dev/null || true
[ "$found" = 1 ] || echo "[fuzz] no fuzz targets built"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "[fuzz] failed: ${failed[*]} (reproducers in $artifacts)"
  exit 1
fi
