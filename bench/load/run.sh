#!/usr/bin/env bash
# Load benchmark: N concurrent calls (2 RTP streams each) replayed over
# loopback into `aicc run --no-ari` (Silero VAD, no STT), for DURATION
# seconds. Reports CPU and RSS of aicc, packets received/lost, kernel UDP
# drops, and the end-of-speech → event latency histogram from /metrics.
#
# Usage: bench/load/run.sh BUILD_DIR CALLS [DURATION_S]
#   STT=fake [STT_LATENCY_MS=300]: speech-to-text through the fake Speech V2
#   gRPC server (tests/fakes/speech), which answers each stream with a final
#   STT_LATENCY_MS after the stream is half-closed (stt.idle_close_ms=500 after
#   the utterance); measures aicc's gRPC streaming cost, not Google's.
#   VAD=energy: the energy VAD instead of Silero (isolates the media path).
#   SHED=off: no load shedding (vad.shed_on_overload=false).
#   KEEP=DIR: keep aicc's log, the replay log and the final /metrics in DIR.
set -euo pipefail
build=${1:?build dir}
calls=${2:?calls}
duration=${3:-20}
root=$(cd "$(dirname "$0")/../.." && pwd)
aicc="$build/aicc"
work=$(mktemp -d)
speech_pid=
keep() {
  if [ -n "${KEEP:-}" ]; then
    mkdir -p "$KEEP"
    cp "$work"/*.log "$KEEP"/ 2>/dev/null || true
  fi
}
trap 'kill "$aicc_pid" "$sink_pid" $speech_pid 2>/dev/null || true; keep; rm -rf "$work"' EXIT

base=$((20000 + RANDOM % 20000))
cport=$base; aport=$((base + 1)); hport=$((base + 2)); sport=$((base + 3))

"$aicc" sink --listen "127.0.0.1:$sport" --format quiet 2>/dev/null &
sink_pid=$!
stt_args=(--stt none)
if [ "${STT:-none}" = fake ]; then
  speech_port=$((base + 4))
  printf '{"scripts": [[{"kind": "final", "at_half_close": true, "text": "load {stream}", "end_ms": -1, "delay_ms": %d}]]}\n' \
    "${STT_LATENCY_MS:-300}" >"$work/speech.json"
  "$build/tests/fakes/speech/fake_speech_server" --port "$speech_port" --script "$work/speech.json" >"$work/speech.log" 2>&1 &
  speech_pid=$!
  stt_args=(--stt google --set "stt.endpoint=127.0.0.1:$speech_port" --set stt.insecure=true
    --set stt.project=load-test --set stt.idle_close_ms=500)
fi
# All calls start at once: the new-stream limits (media.max_new_streams_*) are off.
"$aicc" run --no-ari "${stt_args[@]}" --vad "${VAD:-silero}" --log-level warn \
  --set media.bind_address=127.0.0.1 --set "media.customer_port=$cport" --set "media.agent_port=$aport" \
  --set "http.listen=127.0.0.1:$hport" --set "sink.urls=ws://127.0.0.1:$sport/e" \
  --set "sink.journal_dir=$work" --set pipeline.call_idle_timeout_sec=5 \
  --set media.max_new_streams_per_second=0 --set media.max_new_streams_per_second_per_address=0 \
  --set "vad.shed_on_overload=$([ "${SHED:-on}" = off ] && echo false || echo true)" 2>"$work/aicc.log" &
aicc_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$hport/readyz" >/dev/null && break; sleep 0.1; done

drops_before=$(awk 'NR>1 {s+=$NF} END {print s+0}' /proc/net/udp)
ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
ticks_before=$(ticks "$aicc_pid")
speech_before=0
[ -z "$speech_pid" ] || speech_before=$(ticks "$speech_pid")
start=$(date +%s.%N)
"$aicc" replay "$root/.cache/audio/call1-customer.ulaw.wav" --agent-file "$root/.cache/audio/call1-agent.ulaw.wav" \
  --calls "$calls" --customer-port "$cport" --agent-port "$aport" --loop >"$work/replay.log" 2>&1 &
replay_pid=$!
# Half-way, a snapshot: the second half shows the steady state (after any
# load shedding has settled) apart from the start-up burst.
half=$(echo "$duration / 2" | bc -l)
sleep "$half"
mid_metrics=$(curl -sf "http://127.0.0.1:$hport/metrics")
sleep "$half"
ticks_after=$(ticks "$aicc_pid")
replay_ticks=$(ticks "$replay_pid")
speech_after=0
[ -z "$speech_pid" ] || speech_after=$(ticks "$speech_pid")
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$aicc_pid/status")
end=$(date +%s.%N)
kill -TERM "$replay_pid" 2>/dev/null || true
wait "$replay_pid" 2>/dev/null || true
drops_after=$(awk 'NR>1 {s+=$NF} END {print s+0}' /proc/net/udp)
metrics=$(curl -sf "http://127.0.0.1:$hport/metrics")
echo "$metrics" >"$work/metrics.log"

hz=$(getconf CLK_TCK)
elapsed=$(echo "$end - $start" | bc -l)
cpu=$(echo "($ticks_after - $ticks_before) / $hz / $elapsed * 100" | bc -l)
received=$(echo "$metrics" | awk '/^aicc_rtp_packets_received_total/ {s+=$2} END {print s+0}')
lost=$(echo "$metrics" | awk '/^aicc_rtp_packets_lost_total/ {s+=$2} END {print s+0}')
late=$(echo "$metrics" | awk '/^aicc_rtp_packets_late_total/ {s+=$2} END {print s+0}')
turns=$(echo "$metrics" | awk '/^aicc_turns_total/ {s+=$2} END {print s+0}')
# p50/p99 of aicc_turn_event_latency_seconds from its cumulative buckets.
quantile() {
  echo "$metrics" | awk -v q="$1" '
    /^aicc_turn_event_latency_seconds_bucket/ {
      match($0, /le="[^"]+"/); le = substr($0, RSTART + 4, RLENGTH - 5); n[++k] = $2; b[k] = le }
    END { total = n[k]; if (total == 0) { print "n/a"; exit }
          for (i = 1; i <= k; i++) if (n[i] >= q * total) { print b[i]; exit } }'
}
mean_ms=$(echo "$metrics" | awk '/^aicc_turn_event_latency_seconds_sum/ {s=$2} /^aicc_turn_event_latency_seconds_count/ {n=$2}
  END { if (n > 0) printf "%.1f", s / n * 1000; else print "n/a" }')
printf 'calls=%d streams=%d duration=%.1fs cpu=%.1f%% (%.2f%%/call) rss=%dMB (%.2fMB/call)\n' \
  "$calls" $((calls * 2)) "$elapsed" "$cpu" "$(echo "$cpu / $calls" | bc -l)" $((rss_kb / 1024)) \
  "$(echo "$rss_kb / 1024 / $calls" | bc -l)"
printf 'rtp received=%s lost=%s late=%s kernel_udp_drops=%s turns=%s latency_p50<=%ss p99<=%ss\n' \
  "$received" "$lost" "$late" $((drops_after - drops_before)) "$turns" "$(quantile 0.5)" "$(quantile 0.99)"
printf 'end-of-speech to event: mean %sms\n' "$mean_ms"
sum() { awk -v m="^$1" '$0 ~ m {s+=$2} END {print s+0}'; }
printf 'second half: rtp received=%s lost=%s kernel_drops=%s\n' \
  $(($(echo "$metrics" | sum aicc_rtp_packets_received_total) - $(echo "$mid_metrics" | sum aicc_rtp_packets_received_total))) \
  $(($(echo "$metrics" | sum aicc_rtp_packets_lost_total) - $(echo "$mid_metrics" | sum aicc_rtp_packets_lost_total))) \
  $(($(echo "$metrics" | sum aicc_rtp_kernel_drops_total) - $(echo "$mid_metrics" | sum aicc_rtp_kernel_drops_total)))
printf 'vad streams at the end: silero=%s energy=%s budget=%s shed=%s unshed=%s\n' \
  "$(echo "$metrics" | sum 'aicc_vad_streams[{]engine="silero"')" \
  "$(echo "$metrics" | sum 'aicc_vad_streams[{]engine="energy"')" \
  "$(echo "$metrics" | awk '/^aicc_vad_silero_budget/ {print $2}')" \
  "$(echo "$metrics" | sum aicc_vad_shed_total)" "$(echo "$metrics" | sum aicc_vad_unshed_total)"
# The load generator and the fake server share the machine: their CPU.
printf 'other processes: replay cpu=%.1f%% fake_speech cpu=%.1f%%\n' \
  "$(echo "$replay_ticks / $hz / $elapsed * 100" | bc -l)" \
  "$(echo "($speech_after - $speech_before) / $hz / $elapsed * 100" | bc -l)"
if [ "${STT:-none}" = fake ]; then
  stt_opens=$(echo "$metrics" | awk '/^aicc_stt_stream_opens_total/ {s+=$2} END {print s+0}')
  stt_errors=$(echo "$metrics" | awk '/^aicc_stt_errors_total/ {s+=$2} END {print s+0}')
  stt_audio=$(echo "$metrics" | awk '/^aicc_stt_audio_seconds_total/ {s+=$2} END {print s+0}')
  printf 'stt streams_opened=%s errors=%s audio_sent=%ss\n' "$stt_opens" "$stt_errors" "$stt_audio"
fi
