#!/usr/bin/env python3
"""Backend-observed turn latency for bench/load/capacity.sh.

For every turn_complete the bench backend received:

  latency = receipt (backend's wall clock)
            - end of the utterance (when the packet carrying its last speech
              sample was due to leave the sender, from the sender's schedule)
            - silence_ms (the pause the event says it waited)

How the end of the utterance is known: the sender (aicc replay --schedule)
writes, per stream, its source port and when its first packet was due on the
wall clock; packet n of a stream is due 20 ms x n later (the file loops with
period ceil(samples / 160) packets). The utterance ends come from the audio
itself: the PCM twin of each sent file is cut into 10 ms windows, and an
utterance ends at the end of the last window with RMS above SPEECH_RMS that is
followed by at least GAP_S below it (the files are TTS speech with >= 1.2 s
gaps over a -54 dBFS noise floor; a 150 ms dip inside an utterance counts as an end
so that a turn aicc ends there finds it). A turn is matched to the stream by its
call (aicc's log line "call=<id8> spk=<speaker> stream from <addr>:<port>")
and to the utterance end nearest its end_time (seconds from the call's start;
a match must be within MATCH_S; a turn with none is counted as unmatched:
aicc segmented that audio otherwise than the energy rule, not a delay).
"""
import argparse
import json
import math
import re
import sys
import wave
from array import array

SPEECH_RMS = 500.0
GAP_S = 0.15
MATCH_S = 0.3


def utterance_ends(path):
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1, path
        rate = w.getframerate()
        samples = array("h", w.readframes(w.getnframes()))
    win = rate // 100
    loud = []
    for i in range(0, len(samples) - win + 1, win):
        chunk = samples[i:i + win]
        loud.append(math.sqrt(sum(x * x for x in chunk) / win) > SPEECH_RMS)
    ends, last_loud, gap_windows = [], None, int(GAP_S * 100)
    for i, is_loud in enumerate(loud):
        if is_loud:
            last_loud = i
        elif last_loud is not None and i - last_loud >= gap_windows:
            ends.append((last_loud + 1) * win)
            last_loud = None
    if last_loud is not None:
        ends.append((last_loud + 1) * win)
    packets = (len(samples) + rate // 50 - 1) // (rate // 50)
    return [e / rate for e in ends], packets * 0.020, rate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schedule", required=True)
    ap.add_argument("--events", required=True)
    ap.add_argument("--aicc-log", required=True)
    ap.add_argument("--customer-wav", required=True)
    ap.add_argument("--agent-wav", required=True)
    ap.add_argument("--from-ns", type=int, default=0)
    ap.add_argument("--to-ns", type=int, default=2**63)
    args = ap.parse_args()

    audio = {"customer": utterance_ends(args.customer_wav), "agent": utterance_ends(args.agent_wav)}
    first_wall = {}  # (speaker, port) -> first packet due, ns
    with open(args.schedule) as f:
        for line in f:
            if line.startswith("#"):
                continue
            _, speaker, port, _, first_ns, _ = line.split()
            first_wall[(speaker, int(port))] = int(first_ns)
    stream_of = {}  # (call id8, speaker) -> port
    pat = re.compile(r"call=([0-9a-f]{8}) spk=(customer|agent) stream from [0-9.]+:(\d+)")
    with open(args.aicc_log, errors="replace") as f:
        for line in f:
            m = pat.search(line)
            if m:
                stream_of[(m.group(1), m.group(2))] = int(m.group(3))

    lat, unmatched, no_stream = [], 0, 0
    with open(args.events) as f:
        for line in f:
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut off as the backend was stopped
            if e.get("type") != "turn_complete" or not (args.from_ns <= e["recv_ns"] < args.to_ns):
                continue
            spk = e["speaker"]
            port = stream_of.get((e["call_id"][:8], spk))
            if port is None or (spk, port) not in first_wall:
                no_stream += 1
                continue
            ends, period, _ = audio[spk]
            t = e["end_time"]
            loop = math.floor(t / period)
            best = min(((abs(u + j * period - t), u + j * period)
                        for j in (loop - 1, loop, loop + 1) for u in ends), default=None)
            if best is None or best[0] > MATCH_S:
                unmatched += 1
                continue
            end_s = best[1]
            # The packet holding the last speech sample: due 20 ms x its index.
            packet = math.floor(end_s / 0.020 - 1e-9)
            end_ns = first_wall[(spk, port)] + packet * 20_000_000
            lat.append((e["recv_ns"] - end_ns) / 1e6 - e["silence_ms"])

    lat.sort()
    def q(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")
    print(json.dumps({"turns": len(lat), "unmatched": unmatched, "no_stream": no_stream,
                      "p50_ms": round(q(0.5), 1), "p99_ms": round(q(0.99), 1),
                      "max_ms": round(lat[-1], 1) if lat else None,
                      "min_ms": round(lat[0], 1) if lat else None}))


if __name__ == "__main__":
    sys.exit(main())
