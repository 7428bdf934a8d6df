#!/usr/bin/env bash
# Capacity and backend-observed latency, where the user stands (issue 16).
#
# N calls (2 RTP streams each, each stream from its own source port, spread
# over the 20 ms period as Asterisk's channels send them: `aicc replay
# --spread`) of the sample call (Korean TTS, >= 1.2 s gaps, noise floor),
# looped, into `aicc run --no-ari` (Silero VAD, no STT, load shedding on);
# the events go to a bench backend (bench_load_backend) that stamps receipt.
# After WARMUP seconds, a window of DURATION seconds is measured:
#   - packets received / lost (aicc's jitter buffers) and kernel drops
#   - streams on Silero vs energy at the end, sheds during the whole run
#   - aicc CPU per received packet (user + system), the sender's CPU
#   - RSS at the window's start and end
#   - backend-observed latency p50/p99/max: receipt - end of utterance -
#     silence_ms (bench/load/latency.py says exactly how the end is known)
#   - the load average (other work on the machine skews every figure)
#
# Usage: bench/load/capacity.sh BUILD_DIR CALLS [DURATION_S=60] [WARMUP_S=10]
#   AICC=path: the aicc binary under test (default BUILD_DIR/aicc; the sender
#   and the backend always come from BUILD_DIR).  SPREAD=off: every stream on
#   the same phase (as plain `aicc replay` sends).  STAGGER_MS=n: start call k
#   after k x n ms (default 0: every call starts at once, the harshest start;
#   10000/CALLS ramps them up over the warm-up and spreads their utterances
#   over the audio instead of ending every call's utterance together).
#   SHED=off.  KEEP=DIR keeps the logs, the events and /metrics.
# Not in CI: it takes DURATION + WARMUP + ~5 s and both cores.
set -euo pipefail
build=${1:?build dir}
calls=${2:?calls}
duration=${3:-60}
warmup=${4:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
aicc=${AICC:-$build/aicc}
replay_bin="$build/aicc"
audio="$root/.cache/audio"
[ -f "$audio/call1-customer.ulaw.wav" ] || "$root/scripts/make-audio.sh"
work=$(mktemp -d)
# shellcheck source=bench/load/lib.sh
. "$root/bench/load/lib.sh"
cleanup() {
  stop_load
  if [ -n "${KEEP:-}" ]; then
    mkdir -p "$KEEP"
    cp "$work"/* "$KEEP"/ 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Info log: the "stream from <addr>:<port>" lines map each call to its streams.
start_backend_and_aicc "$build" "$aicc" "$work" "$work/events.jsonl" info \
  --set "vad.shed_on_overload=$([ "${SHED:-on}" = off ] && echo false || echo true)"

ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
metric_sum() { awk -v m="^$1" '$0 ~ m {s+=$2} END {printf "%.0f", s}'; }
wall_ns() { date +%s%N; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
rss_idle=$(rss_mb "$aicc_pid")
spread=(--spread)
[ "${SPREAD:-on}" = off ] && spread=()
"$replay_bin" replay "$audio/call1-customer.ulaw.wav" --agent-file "$audio/call1-agent.ulaw.wav" \
  --calls "$calls" --customer-port "$cport" --agent-port "$aport" --loop "${spread[@]}" \
  --stagger-ms "${STAGGER_MS:-0}" \
  --schedule "$work/schedule.txt" >"$work/replay.log" 2>&1 &
replay_pid=$!
# Issue 16 allows losses in the first 2 s at 1,000 calls (the start-up burst):
# the counters then, to tell them from the rest.
sleep 2
m2=$(curl -sf "http://127.0.0.1:$hport/metrics")
sleep "$((warmup > 2 ? warmup - 2 : 0))"

m0=$(curl -sf "http://127.0.0.1:$hport/metrics")
t0=$(wall_ns); a0=$(ticks "$aicc_pid"); r0=$(ticks "$replay_pid"); rss0=$(rss_mb "$aicc_pid")
sleep "$duration"
m1=$(curl -sf "http://127.0.0.1:$hport/metrics")
t1=$(wall_ns); a1=$(ticks "$aicc_pid"); r1=$(ticks "$replay_pid"); rss1=$(rss_mb "$aicc_pid")
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
kill -TERM "$replay_pid"; wait "$replay_pid" 2>/dev/null || true; replay_pid=
sleep 2  # the last turns reach the backend
echo "$m1" >"$work/metrics.txt"

hz=$(getconf CLK_TCK)
secs=$(echo "($t1 - $t0) / 1000000000" | bc -l)
d() { echo $(($(echo "$m1" | metric_sum "$1") - $(echo "$m0" | metric_sum "$1"))); }
received=$(d aicc_rtp_packets_received_total)
lost=$(d aicc_rtp_packets_lost_total)
kdrops=$(d aicc_rtp_kernel_drops_total)
lost_all=$(echo "$m1" | metric_sum aicc_rtp_packets_lost_total)
lost_after_2s=$(($(echo "$m1" | metric_sum aicc_rtp_packets_lost_total) - $(echo "$m2" | metric_sum aicc_rtp_packets_lost_total)))
expected=$(echo "$calls * 2 * 50 * $secs" | bc -l)
cpu_pct=$(echo "($a1 - $a0) / $hz / $secs * 100" | bc -l)
us_per_packet=$(echo "($a1 - $a0) / $hz * 1000000 / ($received + 0.000001)" | bc -l)
replay_pct=$(echo "($r1 - $r0) / $hz / $secs * 100" | bc -l)
silero=$(echo "$m1" | metric_sum 'aicc_vad_streams[{]engine="silero"')
energy=$(echo "$m1" | metric_sum 'aicc_vad_streams[{]engine="energy"')
shed_all=$(echo "$m1" | metric_sum aicc_vad_shed_total)
shed_win=$(d aicc_vad_shed_total)
lat=$(python3 "$root/bench/load/latency.py" --schedule "$work/schedule.txt" --events "$work/events.jsonl" \
  --aicc-log "$work/aicc.log" --customer-wav "$audio/call1-customer.wav" --agent-wav "$audio/call1-agent.wav" \
  --from-ns "$t0" --to-ns "$t1")
# The in-process figure, for comparison (histogram bucket bounds).
inproc() {
  echo "$m1" | awk -v q="$1" '
    /^aicc_turn_event_latency_seconds_bucket/ {
      match($0, /le="[^"]+"/); le = substr($0, RSTART + 4, RLENGTH - 5); n[++k] = $2; b[k] = le }
    END { if (k == 0 || n[k] == 0) { print "n/a"; exit }
          for (i = 1; i <= k; i++) if (n[i] >= q * n[k]) { print b[i]; exit } }'
}
printf 'calls=%d streams=%d window=%.1fs (after %ss warm-up) spread=%s stagger=%sms load_avg start=[%s] end=[%s]\n' \
  "$calls" $((calls * 2)) "$secs" "$warmup" "${SPREAD:-on}" "${STAGGER_MS:-0}" "$load_start" "$load_end"
printf 'packets: received=%s expected~%.0f lost=%s kernel_drops=%s (whole run lost=%s, after the first 2 s %s)\n' \
  "$received" "$expected" "$lost" "$kdrops" "$lost_all" "$lost_after_2s"
printf 'vad: silero=%s energy=%s at the end; streams shed: %s in the whole run, %s in the window\n' \
  "$silero" "$energy" "$shed_all" "$shed_win"
printf 'cpu: aicc %.1f%% = %.1f us/packet; sender %.1f%%\n' "$cpu_pct" "$us_per_packet" "$replay_pct"
printf 'rss: idle %s MB, window start %s MB, end %s MB\n' "$rss_idle" "$rss0" "$rss1"
printf 'backend latency (receipt - end of utterance - silence_ms): %s\n' "$lat"
printf 'in-process aicc_turn_event_latency_seconds: p50<=%s p99<=%s\n' "$(inproc 0.5)" "$(inproc 0.99)"
grep -h "^sent" "$work/replay.log" | sed 's/^/sender: /' || true
