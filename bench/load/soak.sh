#!/usr/bin/env bash
# Soak: N calls (default 250; 2 streams each, spread over the 20 ms period)
# looped into `aicc run --no-ari` (Silero, no STT) for DURATION seconds
# (default 1800), printing aicc's RSS and counters every INTERVAL seconds
# (default 60), then how RSS moved over the last 20 minutes (issue 16: flat
# within 5 %). Not in CI.
#
# Usage: bench/load/soak.sh BUILD_DIR [CALLS=250] [DURATION_S=1800]
#   INTERVAL=s between samples.  AICC=path: the binary under test.
set -euo pipefail
build=${1:?build dir}
calls=${2:-250}
duration=${3:-1800}
interval=${INTERVAL:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
aicc=${AICC:-$build/aicc}
audio="$root/.cache/audio"
[ -f "$audio/call1-customer.ulaw.wav" ] || "$root/scripts/make-audio.sh"
work=$(mktemp -d)
# shellcheck source=bench/load/lib.sh
. "$root/bench/load/lib.sh"
cleanup() {
  stop_load
  rm -rf "$work"
}
trap cleanup EXIT
start_backend_and_aicc "$build" "$aicc" "$work" /dev/null warn
"$build/aicc" replay "$audio/call1-customer.ulaw.wav" --agent-file "$audio/call1-agent.ulaw.wav" \
  --calls "$calls" --customer-port "$cport" --agent-port "$aport" --loop --spread >/dev/null 2>&1 &
replay_pid=$!

metric_sum() { awk -v m="^$1" '$0 ~ m {s+=$2} END {printf "%.0f", s}'; }
printf '%8s %9s %8s %10s %8s %8s\n' elapsed_s rss_mb turns lost energy load1
rss=()
start=$(date +%s)
while :; do
  sleep "$interval"
  now=$(($(date +%s) - start))
  m=$(curl -sf "http://127.0.0.1:$hport/metrics" || true)
  r=$(awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$aicc_pid/status")
  rss+=("$r")
  printf '%8d %9s %8s %10s %8s %8s\n' "$now" "$r" "$(echo "$m" | metric_sum aicc_turns_total)" \
    "$(echo "$m" | metric_sum aicc_rtp_packets_lost_total)" \
    "$(echo "$m" | metric_sum 'aicc_vad_streams[{]engine="energy"')" "$(cut -d' ' -f1 /proc/loadavg)"
  [ "$now" -ge "$duration" ] && break
done
# The last 20 minutes (or the whole run, if shorter): first vs last sample.
n=${#rss[@]}
k=$((1200 / interval)); [ "$k" -ge "$n" ] && k=$((n - 1))
first=${rss[$((n - 1 - k))]}; last=${rss[$((n - 1))]}
printf 'rss over the last %ds: %s -> %s MB (%+.1f%%; goal: within 5%%)\n' $((k * interval)) "$first" "$last" \
  "$(echo "($last - $first) / $first * 100" | bc -l)"
