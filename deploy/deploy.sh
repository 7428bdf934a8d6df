#!/usr/bin/env bash
# Installs aicc next to Asterisk on one Debian 12 or Ubuntu 22.04+ host:
# build dependencies (scripts/deps.sh), build, install of the binary and its
# Asterisk templates, Asterisk itself (Ubuntu's package; Debian 12 has none:
# the steps are printed) and its hold music (asterisk-moh-opsound-gsm), the
# `aicc` system user, /etc/aicc (aicc.toml, aicc.env with a generated ARI
# password, never overwritten), the rendered
# Asterisk configuration in /etc/asterisk (existing files backed up), the
# systemd unit, the kernel's socket buffer limit (/etc/sysctl.d), and a final
# check of `aicc version` and /readyz.
#
# Idempotent: a second run changes nothing that is already in place.
# --dry-run prints each action instead of doing it (and changes nothing).
# Step by step and by hand: docs/deploy.md.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)

dry_run=0
skip_deps=0
skip_build=0
skip_asterisk=0
skip_start=0
prefix=/usr/local
build_dir="$repo/build-release"
destdir=""
etc_aicc=/etc/aicc
etc_asterisk=/etc/asterisk
unit_dir=/etc/systemd/system
stamp=$(date +%Y%m%d-%H%M%S)

usage() {
  cat <<EOF
usage: deploy/deploy.sh [options]
  --dry-run         print every action instead of doing it; changes nothing
  --skip-deps       do not run scripts/deps.sh (packages already installed)
  --skip-build      install the existing build in --build-dir
  --skip-asterisk   do not install Asterisk (it is installed already, or elsewhere)
  --skip-start      install and enable the service, but do not (re)start it
  --prefix DIR      install prefix (default /usr/local)
  --build-dir DIR   build directory (default <repo>/build-release)
  --destdir DIR     install under DIR instead of / (packaging, tests): no Asterisk
                    install, no user, no chown, no systemctl, no /readyz check
  -h, --help        this text
EOF
}

while (($#)); do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --skip-deps) skip_deps=1 ;;
    --skip-build) skip_build=1 ;;
    --skip-asterisk) skip_asterisk=1 ;;
    --skip-start) skip_start=1 ;;
    --prefix) prefix=${2:?--prefix needs a directory}; shift ;;
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift ;;
    --destdir) destdir=${2:?--destdir needs a directory}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

say() { printf '[deploy] %s\n' "$*"; }
warn() { printf '[deploy] WARNING: %s\n' "$*" >&2; }
die() { printf '[deploy] ERROR: %s\n' "$*" >&2; exit 1; }

# run CMD...: does it, or under --dry-run prints it (shell-quoted).
run() {
  if ((dry_run)); then
    printf '[dry-run]'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# would TEXT: an action that is not a single command (files with secrets).
would() {
  if ((dry_run)); then printf '[dry-run] %s\n' "$*"; fi
}

step() { printf '\n[deploy] == %s\n' "$*"; }

# Where files go: / normally, --destdir for a staged install.
if [ -n "$destdir" ] && ((!dry_run)); then
  destdir=$(mkdir -p "$destdir" && cd "$destdir" && pwd)
fi
inst="$destdir$prefix"
etc_aicc="$destdir$etc_aicc"
etc_asterisk="$destdir$etc_asterisk"
unit_dir="$destdir$unit_dir"
own_aicc=(-o aicc -g aicc)
own_root_aicc=(-o root -g aicc)
if [ -n "$destdir" ]; then
  skip_asterisk=1
  own_aicc=()
  own_root_aicc=()
elif ((!dry_run)) && [ "$(id -u)" -ne 0 ]; then
  die "run as root (sudo deploy/deploy.sh), or try --dry-run first"
fi

# --- 1. host --------------------------------------------------------------
step "1. host"
os_id=unknown
os_version=unknown
if [ -r /etc/os-release ]; then
  # shellcheck source=/dev/null
  os_id=$(. /etc/os-release && printf '%s' "${ID:-unknown}")
  # shellcheck source=/dev/null
  os_version=$(. /etc/os-release && printf '%s' "${VERSION_ID:-unknown}")
fi
case "$os_id:$os_version" in
  debian:12*) say "Debian $os_version" ;;
  ubuntu:2[2-9].* | ubuntu:[3-9]*) say "Ubuntu $os_version" ;;
  *) warn "untested system $os_id $os_version (supported: Debian 12, Ubuntu 22.04+)" ;;
esac
has_systemd=0
[ -d /run/systemd/system ] && [ -z "$destdir" ] && has_systemd=1

# Commands that build run as the user who called sudo, not as root.
as_builder=()
if [ -n "${SUDO_USER:-}" ] && [ "${SUDO_USER}" != root ] && [ "$(id -u)" -eq 0 ]; then
  as_builder=(runuser -u "$SUDO_USER" --)
fi

# --- 2. build dependencies ----------------------------------------------------
step "2. build dependencies (scripts/deps.sh)"
if ((skip_deps)); then
  say "skipped (--skip-deps)"
else
  run "$repo/scripts/deps.sh"
fi

# --- 3. build -------------------------------------------------------------------
step "3. build aicc"
if ((skip_build)); then
  say "skipped (--skip-build): using $build_dir/aicc"
else
  run "${as_builder[@]}" cmake -S "$repo" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DAICC_BUILD_TESTS=OFF -DAICC_BUILD_BENCH=OFF
  run "${as_builder[@]}" cmake --build "$build_dir" --target aicc
fi

# --- 4. install -----------------------------------------------------------------
step "4. install aicc into $inst"
share="$inst/share/aicc"
if ((!dry_run)) && [ ! -x "$build_dir/aicc" ]; then
  die "$build_dir/aicc is missing (build first, or pass --build-dir)"
fi
run install -D -m 0755 "$build_dir/aicc" "$inst/bin/aicc"
run install -d -m 0755 "$share/asterisk/templates" "$share/asterisk/sql" "$share/models" \
  "$inst/share/doc/aicc"
run install -m 0644 "$repo"/asterisk/templates/* "$share/asterisk/templates/"
run install -m 0644 "$repo"/asterisk/sql/*.sql "$share/asterisk/sql/"
run install -m 0644 "$repo/docs/deploy.md" "$repo/docs/security.md" \
  "$repo/docs/configuration.md" "$inst/share/doc/aicc/"
if [ -f "$repo/models/silero_vad_v5.onnx" ]; then
  run install -m 0644 "$repo/models/silero_vad_v5.onnx" "$share/models/"
else
  warn "models/silero_vad_v5.onnx is missing (scripts/deps.sh fetches it): aicc falls back to the energy VAD"
fi

# --- 5. Asterisk ------------------------------------------------------------------
step "5. Asterisk"
if ((skip_asterisk)); then
  say "skipped (--skip-asterisk)"
elif command -v asterisk >/dev/null 2>&1 || [ -x /usr/sbin/asterisk ]; then
  say "Asterisk is installed: $(asterisk -V 2>/dev/null || echo /usr/sbin/asterisk)"
elif [ "$os_id" = ubuntu ]; then
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    asterisk asterisk-modules
else
  warn "Debian 12 has no Asterisk package. Build it from source first:"
  cat >&2 <<'EOF'
    # docs/deploy.md, section "2. Asterisk", in short:
    apt-get install -y build-essential wget libedit-dev libjansson-dev libxml2-dev \
        uuid-dev libsqlite3-dev libssl-dev libsrtp2-dev
    wget https://downloads.asterisk.org/pub/telephony/asterisk/asterisk-22-current.tar.gz
    tar xzf asterisk-22-current.tar.gz && cd asterisk-22.*/
    ./configure --with-pjproject-bundled --with-jansson-bundled
    make menuselect.makeopts && make -j"$(nproc)" && make install && make config
    useradd --system --user-group --home-dir /var/lib/asterisk asterisk
    # then run deploy/deploy.sh again (it renders /etc/asterisk and restarts Asterisk)
EOF
fi
# Hold music: the rendered musiconhold.conf plays asterisk.moh_directory
# (default /usr/share/asterisk/moh, filled by this package on Debian 12 and
# Ubuntu alike); without files there a waiting caller hears silence.
if ((!skip_asterisk)); then
  if dpkg-query -W -f='${Status}' asterisk-moh-opsound-gsm 2>/dev/null | grep -q 'install ok installed'; then
    say "hold music: asterisk-moh-opsound-gsm is installed"
  else
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      asterisk-moh-opsound-gsm
  fi
fi

# --- 6. aicc system user ------------------------------------------------------------
step "6. system user aicc"
if [ -n "$destdir" ]; then
  say "skipped (--destdir)"
elif id -u aicc >/dev/null 2>&1; then
  say "user aicc exists"
else
  run useradd --system --user-group --home-dir /var/lib/aicc --no-create-home \
    --shell /usr/sbin/nologin aicc
fi

# --- 7. /etc/aicc ---------------------------------------------------------------------
step "7. $etc_aicc (settings and secrets; existing files are kept)"
run install -d -m 0750 "${own_root_aicc[@]}" "$etc_aicc"

if [ -e "$etc_aicc/aicc.toml" ]; then
  say "keeping $etc_aicc/aicc.toml"
else
  run install -m 0600 "${own_aicc[@]}" "$repo/deploy/aicc.toml.example" "$etc_aicc/aicc.toml"
  say "then edit $etc_aicc/aicc.toml: addresses, agents, backends (docs/deploy.md)"
fi

# write_secret_file PATH OWNER CONTENT: creates PATH (0600) unless it exists.
write_secret_file() {
  local path=$1 owner=$2 content=$3 tmp
  if ((dry_run)); then return 0; fi
  tmp=$(umask 077 && mktemp "$path.XXXXXX")
  printf '%s' "$content" >"$tmp"
  [ -n "$destdir" ] || chown "$owner:$owner" "$tmp"
  chmod 0600 "$tmp"
  mv -n "$tmp" "$path"
  rm -f "$tmp"
}

new_secret() { openssl rand -hex 24; }

# aicc.env: EnvironmentFile of the service. ARI_PASSWORD is generated when
# absent; it goes only into this file and Asterisk's ari.conf (both 0600).
if [ ! -e "$etc_aicc/aicc.env" ]; then
  would "create $etc_aicc/aicc.env (mode 0600, owner aicc) with a generated ARI_PASSWORD"
  write_secret_file "$etc_aicc/aicc.env" aicc "# aicc secrets: EnvironmentFile of aicc.service (mode 0600, owner aicc).
ARI_PASSWORD=$(new_secret)
# GOOGLE_APPLICATION_CREDENTIALS=/etc/aicc/google-credentials.json
# WS_AUTH_SECRET_KEY=
"
  ((dry_run)) || say "created $etc_aicc/aicc.env with a generated ARI_PASSWORD (not shown)"
elif ! grep -Eq '^ARI_PASSWORD=.+' "$etc_aicc/aicc.env"; then
  would "append a generated ARI_PASSWORD to $etc_aicc/aicc.env"
  if ((!dry_run)); then
    printf 'ARI_PASSWORD=%s\n' "$(new_secret)" >>"$etc_aicc/aicc.env"
    chmod 0600 "$etc_aicc/aicc.env"
  fi
  ((dry_run)) || say "added a generated ARI_PASSWORD to $etc_aicc/aicc.env (not shown)"
else
  say "keeping $etc_aicc/aicc.env (ARI_PASSWORD set)"
fi

# asterisk.env: secrets only the renderer needs (root only).
if [ ! -e "$etc_aicc/asterisk.env" ]; then
  would "create $etc_aicc/asterisk.env (mode 0600, owner root) for the upstream SIP and ODBC passwords"
  write_secret_file "$etc_aicc/asterisk.env" root "# Secrets for \`aicc asterisk-config\` only (mode 0600, owner root).
# AICC_SIP_UPSTREAM_PASSWORD=
# AICC_ODBC_PASSWORD=
"
else
  say "keeping $etc_aicc/asterisk.env"
fi

# --- 8. Asterisk configuration ------------------------------------------------------------
step "8. render the Asterisk configuration into $etc_asterisk"
ast_owner=root
id -u asterisk >/dev/null 2>&1 && ast_owner=asterisk
own_ast=(-o "$ast_owner" -g "$ast_owner")
[ -z "$destdir" ] || own_ast=()
render_cmd=("$inst/bin/aicc" asterisk-config --config "$etc_aicc/aicc.toml"
  --templates "$share/asterisk/templates" --generate-secrets)

# load_env_file FILE: exports KEY=VALUE lines without running the file as shell.
load_env_file() {
  local line key value
  [ -r "$1" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in '' | '#'*) continue ;; esac
    key=${line%%=*}
    value=${line#*=}
    [[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    value=${value#\"}
    value=${value%\"}
    export "$key=$value"
  done <"$1"
}

changed=0
if ((dry_run)); then
  would "AICC_SIP_AGENT_PASSWORD_FILE=$etc_aicc/agent-passwords (secrets of $etc_aicc/aicc.env and asterisk.env loaded)"
  run "${render_cmd[@]}" --out /tmp/aicc-render.XXXXXX
  would "for each rendered file: back up a differing $etc_asterisk/<file> to <file>.aicc-backup-$stamp, install it (0600/0640, owner $ast_owner)"
else
  staging=$(mktemp -d)
  trap 'rm -rf "$staging"' EXIT
  (
    load_env_file "$etc_aicc/aicc.env"
    load_env_file "$etc_aicc/asterisk.env"
    export AICC_SIP_AGENT_PASSWORD_FILE="$etc_aicc/agent-passwords"
    "${render_cmd[@]}" --out "$staging"
  )
  install -d -m 0750 "${own_ast[@]}" "$etc_asterisk"
  for file in "$staging"/*; do
    name=$(basename "$file")
    [ "$name" = aicc-ari.env ] && continue
    target="$etc_asterisk/$name"
    if [ -f "$target" ] && cmp -s "$file" "$target"; then
      say "unchanged $target"
      continue
    fi
    if [ -f "$target" ]; then
      cp -p "$target" "$target.aicc-backup-$stamp"
      say "backed up $target to $target.aicc-backup-$stamp"
    fi
    install -m "$(stat -c %a "$file")" "${own_ast[@]}" "$file" "$target"
    say "installed $target"
    changed=1
  done
fi
if ((changed)) && ((has_systemd)) && systemctl is-active --quiet asterisk; then
  run systemctl restart asterisk
fi

# --- 9. systemd unit ------------------------------------------------------------------------
step "9. systemd unit aicc.service"
unit_src="$repo/deploy/systemd/aicc.service"
unit_dst="$unit_dir/aicc.service"
if [ -f "$unit_dst" ] && cmp -s "$unit_src" "$unit_dst"; then
  say "unchanged $unit_dst"
  unit_changed=0
else
  run install -D -m 0644 "$unit_src" "$unit_dst"
  ((dry_run)) || say "installed $unit_dst"
  unit_changed=1
fi
if ((has_systemd)); then
  if ((unit_changed)); then run systemctl daemon-reload; fi
  run systemctl enable aicc.service
  if ((skip_start)); then
    say "not starting (--skip-start)"
  else
    run systemctl restart aicc.service
  fi
elif [ -n "$destdir" ]; then
  say "not enabling the service (--destdir)"
else
  warn "systemd is not running here (container?): start aicc yourself:"
  warn "  runuser -u aicc -- $prefix/bin/aicc run --config $etc_aicc/aicc.toml"
fi

# --- 9b. kernel receive buffer ------------------------------------------------------------
step "9b. kernel: net.core.rmem_max for the RTP sockets"
sysctl_src="$repo/deploy/sysctl/60-aicc.conf"
sysctl_dst="$destdir/etc/sysctl.d/60-aicc.conf"
if [ -f "$sysctl_dst" ] && cmp -s "$sysctl_src" "$sysctl_dst"; then
  say "unchanged $sysctl_dst"
else
  run install -D -m 0644 "$sysctl_src" "$sysctl_dst"
  ((dry_run)) || say "installed $sysctl_dst"
  if [ -z "$destdir" ]; then
    # A container may not allow it; the file still applies at the next boot.
    run sysctl -q -p "$sysctl_dst" || warn "could not apply $sysctl_dst now (container?)"
  fi
fi

# --- 10. check ---------------------------------------------------------------------------------
step "10. check"
run "$inst/bin/aicc" version
listen=127.0.0.1:9100
if [ -r "$etc_aicc/aicc.toml" ]; then
  configured=$(sed -n 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' \
    "$etc_aicc/aicc.toml" | head -n 1)
  [ -n "$configured" ] && listen=$configured
fi
if ((skip_start)) || [ -n "$destdir" ] || ((!has_systemd && !dry_run)); then
  say "skipping the /readyz check (service not started here)"
elif ! run curl -fsS --retry 15 --retry-delay 1 --retry-connrefused "http://$listen/readyz"; then
  die "aicc is not ready: journalctl -u aicc -n 50; curl http://$listen/readyz"
fi
say "done"
