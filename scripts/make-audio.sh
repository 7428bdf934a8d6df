#!/usr/bin/env bash
# Generates the sample and test audio (Korean speech from espeak-ng, noise and
# silence from sox) into .cache/audio. Nothing here is committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.cache/audio"
mkdir -p "$out"
say() { printf '[audio] %s\n' "$*"; }

speak() { # speak NAME VOICE TEXT
  local name=$1 voice=$2 text=$3
  [ -f "$out/$name.wav" ] && return 0
  espeak-ng -v "$voice" -s 150 -w "$out/$name.raw.wav" "$text"
  sox -q "$out/$name.raw.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out/$name.wav"
  rm -f "$out/$name.raw.wav"
}

speak customer1 ko "안녕하세요 카드 분실 신고를 하려고 하는데요"
speak customer2 ko "네 제 카드 번호는 일 이 삼 사 입니다"
speak customer3 ko "언제 재발급 받을 수 있나요"
speak agent1 ko+f3 "네 고객님 본인 확인을 위해 카드 번호를 말씀해 주시겠어요"
speak agent2 ko+f3 "확인되었습니다 분실 신고가 접수되었습니다"
speak agent3 ko+f3 "새 카드는 영업일 기준 삼 일 안에 받으실 수 있습니다"

# A two-sided sample call: each speaker's track has the other's turns as
# silence, so the two tracks line up in time like Asterisk's two snoops.
if [ ! -f "$out/call1-customer.wav" ]; then
  sil() { sox -q -n -r 8000 -c 1 -b 16 -e signed-integer "$out/sil_$1.wav" trim 0 "$1"; echo "$out/sil_$1.wav"; }
  len() { soxi -D "$1"; }
  c=("$out/customer1.wav" "$out/customer2.wav" "$out/customer3.wav")
  a=("$out/agent1.wav" "$out/agent2.wav" "$out/agent3.wav")
  cust=("$(sil 0.5)") ; agent=("$(sil 0.5)")
  for i in 0 1 2; do
    cl=$(len "${c[$i]}"); al=$(len "${a[$i]}")
    cust+=("${c[$i]}" "$(sil 1.2)" "$(sil "$al")" "$(sil 1.2)")
    agent+=("$(sil "$cl")" "$(sil 1.2)" "${a[$i]}" "$(sil 1.2)")
  done
  sox -q "${cust[@]}" "$out/call1-customer.wav"
  sox -q "${agent[@]}" "$out/call1-agent.wav"
  # Telephony noise floor so the VAD is not judged on digital silence.
  for s in customer agent; do
    sox -q "$out/call1-$s.wav" -p synth whitenoise vol 0.002 | sox -q -m "$out/call1-$s.wav" - "$out/call1-$s.n.wav"
    mv "$out/call1-$s.n.wav" "$out/call1-$s.wav"
    sox -q "$out/call1-$s.wav" -e mu-law "$out/call1-$s.ulaw.wav"
  done
  rm -f "$out"/sil_*.wav
fi
say "audio ready in .cache/audio"
