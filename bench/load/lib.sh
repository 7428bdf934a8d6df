# shellcheck shell=bash
# Shared by capacity.sh and soak.sh (sourced): random high ports, the bench
# backend that stamps each event's receipt, and `aicc run --no-ari` (Silero,
# no STT, no new-stream rate limits) listening on them.
#
# The processes a run starts; stop_load ends them (the scripts' EXIT trap).
aicc_pid='' backend_pid='' replay_pid=''
stop_load() {
  # Unquoted on purpose: a process never started (empty) is no argument.
  # shellcheck disable=SC2086
  kill $replay_pid $aicc_pid $backend_pid 2>/dev/null || true
  wait 2>/dev/null || true
}

# Sets cport, aport, hport, bport, backend_pid and aicc_pid for the caller.
# Usage: start_backend_and_aicc BUILD_DIR AICC WORK_DIR EVENTS_FILE LOG_LEVEL
#          [more aicc arguments]
# shellcheck disable=SC2034  # the ports and pids are the caller's
start_backend_and_aicc() {
  local build=$1 aicc=$2 work=$3 events=$4 level=$5
  shift 5
  local base=$((20000 + RANDOM % 20000))
  cport=$base aport=$((base + 1)) hport=$((base + 2)) bport=$((base + 3))
  "$build/bench/bench_load_backend" "$bport" >"$events" &
  backend_pid=$!
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  "$aicc" run --no-ari --stt none --vad silero --log-level "$level" \
    --set media.bind_address=127.0.0.1 --set "media.customer_port=$cport" \
    --set "media.agent_port=$aport" --set "http.listen=127.0.0.1:$hport" \
    --set "sink.urls=ws://127.0.0.1:$bport/e" --set "sink.journal_dir=$work/journal" \
    --set pipeline.call_idle_timeout_sec=5 --set media.max_new_streams_per_second=0 \
    --set media.max_new_streams_per_second_per_address=0 "$@" 2>"$work/aicc.log" &
  aicc_pid=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$hport/readyz" >/dev/null && break
    sleep 0.1
  done
}
