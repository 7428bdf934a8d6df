#!/usr/bin/env bash
# Installs everything aicc needs to build, test and run its demo on Debian 12:
# Debian packages through apt-get and a few pinned assets from the npm registry
# (Google's .proto files, the Silero VAD v5 model, onnxruntime-node for tests).
# Idempotent: a second run installs nothing and says so.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

say() { printf '[deps] %s\n' "$*"; }

# --- Debian packages --------------------------------------------------------
# Boost 1.81 (not the default 1.74: it lacks Boost.URL and has an older Beast);
# never pull libboost-dev alongside it, the two conflict.
apt_packages=(
  build-essential cmake ninja-build pkg-config ccache git
  clang-14 libfuzzer-14-dev libclang-rt-14-dev clang-format clang-tidy
  libboost1.81-dev libboost-url1.81-dev
  libssl-dev ca-certificates openssl
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libspeexdsp-dev libjwt-dev libsystemd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  espeak-ng sox libsox-fmt-all
  shellcheck postgresql bc curl
  python3-onnx python3-jsonschema
  libkainjow-mustache-dev
  sip-tester asterisk-moh-opsound-gsm
)

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "Debian packages: all ${#apt_packages[@]} present"
fi
# Node.js + npm fetch the pinned registry assets below. The machine image
# ships its own Node.js (with npm); Debian's npm conflicts with it, so only
# install Debian's when no node/npm is on PATH at all.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  say "installing Debian packages: nodejs npm"
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm
fi

# --- npm assets (pinned) ----------------------------------------------------
npm_dir="$root/third_party/npm"
npm_packages=(
  "@google-cloud/speech@7.5.0"
  "google-gax@5.0.8"
  "@ricky0123/vad-web@0.0.31"
  "onnxruntime-node@1.30.0"
)
need_npm=0
for spec in "${npm_packages[@]}"; do
  name=${spec%@*}
  version=${spec##*@}
  pkg_json="$npm_dir/node_modules/$name/package.json"
  if [ ! -f "$pkg_json" ] || ! grep -q "\"version\": \"$version\"" "$pkg_json"; then
    need_npm=1
  fi
done
if ((need_npm)); then
  say "installing npm packages into third_party/npm: ${npm_packages[*]}"
  mkdir -p "$npm_dir"
  [ -f "$npm_dir/package.json" ] || echo '{"name":"aicc-third-party","private":true}' >"$npm_dir/package.json"
  # --ignore-scripts: onnxruntime-node's install script downloads extra
  # binaries from a host we cannot reach; the CPU library ships in the package.
  (cd "$npm_dir" && npm install --no-audit --no-fund --ignore-scripts --save-exact "${npm_packages[@]}")
else
  say "npm packages: all ${#npm_packages[@]} present"
fi

# --- Silero VAD v5 model ----------------------------------------------------
model_src="$npm_dir/node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx"
model_dst="$root/models/silero_vad_v5.onnx"
model_sha256="$(cat "$root/scripts/silero_vad_v5.sha256" 2>/dev/null || true)"
mkdir -p "$root/models"
if [ ! -f "$model_dst" ] || ! cmp -s "$model_src" "$model_dst"; then
  say "copying Silero VAD v5 model to models/"
  cp "$model_src" "$model_dst"
fi
if [ -n "$model_sha256" ]; then
  echo "$model_sha256  $model_dst" | sha256sum -c --quiet - || {
    say "ERROR: $model_dst does not match the pinned SHA-256 in scripts/silero_vad_v5.sha256"
    exit 1
  }
fi

# --- generated audio (samples for the demo and tests; never committed) -----
"$root/scripts/make-audio.sh"

say "done"
