#!/usr/bin/env bash
# deploy/deploy.sh --dry-run on this machine: exits 0, prints the ten steps in
# order with the expected actions, prints no secret, and changes nothing
# (the paths it would touch are fingerprinted before and after).
#
# usage: deploy_dry_run_test.sh SOURCE_DIR
set -euo pipefail

src=${1:?usage: deploy_dry_run_test.sh SOURCE_DIR}
# shellcheck source=tests/deploy/lib.sh disable=SC1091
. "$src/tests/deploy/lib.sh"

# What a real run would create or change.
fingerprint() {
  local p
  for p in /usr/local/bin/aicc /usr/local/share/aicc /usr/local/share/doc/aicc /etc/aicc \
    /etc/asterisk /etc/systemd/system/aicc.service "$src/build-release"; do
    if [ -e "$p" ]; then
      find "$p" -printf '%p %s %m %u %T@\n' 2>/dev/null | sort
    else
      printf '%s absent\n' "$p"
    fi
  done
  getent passwd aicc || printf 'no user aicc\n'
}

before=$(fingerprint)
set +e
out=$(bash "$src/deploy/deploy.sh" --dry-run 2>&1)
code=$?
set -e
printf '%s\n' "$out"
after=$(fingerprint)

expect_eq "$code" 0 "deploy.sh --dry-run exit code"
if [ "$before" = "$after" ]; then pass; else fail "--dry-run changed the system: $(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -20)"; fi

# The ten steps, in order.
steps=$(printf '%s\n' "$out" | sed -n 's/^\[deploy\] == \([0-9]*\)\..*/\1/p' | tr '\n' ' ')
expect_eq "$steps" "1 2 3 4 5 6 7 8 9 10 " "steps"

# Expected actions (printed, not done).
expect_contains "$out" "[dry-run] $src/scripts/deps.sh" "dependencies"
expect_contains "$out" "cmake -S $src -B $src/build-release -G Ninja -DCMAKE_BUILD_TYPE=Release" "configure"
expect_contains "$out" "cmake --build $src/build-release --target aicc" "build"
expect_contains "$out" "[dry-run] install -D -m 0755 $src/build-release/aicc /usr/local/bin/aicc" "install binary"
expect_contains "$out" "/usr/local/share/aicc/asterisk/templates/" "install templates"
if getent passwd aicc >/dev/null; then
  expect_contains "$out" "user aicc exists" "system user"
else
  expect_contains "$out" "[dry-run] useradd --system --user-group --home-dir /var/lib/aicc" "system user"
fi
if [ -e /etc/aicc/aicc.toml ]; then
  expect_contains "$out" "keeping /etc/aicc/aicc.toml" "aicc.toml kept"
else
  expect_contains "$out" "[dry-run] install -m 0600 -o aicc -g aicc $src/deploy/aicc.toml.example /etc/aicc/aicc.toml" "aicc.toml"
fi
if [ ! -e /etc/aicc/aicc.env ]; then
  expect_contains "$out" "create /etc/aicc/aicc.env (mode 0600, owner aicc) with a generated ARI_PASSWORD" "aicc.env"
fi
expect_contains "$out" "[dry-run] /usr/local/bin/aicc asterisk-config --config /etc/aicc/aicc.toml" "render"
expect_contains "$out" "back up a differing /etc/asterisk/<file>" "backup of /etc/asterisk"
if [ -d /run/systemd/system ]; then
  expect_contains "$out" "[dry-run] systemctl enable aicc.service" "enable"
  expect_contains "$out" "[dry-run] systemctl restart aicc.service" "start"
else
  expect_contains "$out" "systemd is not running here" "no systemd"
fi
if ! cmp -s "$src/deploy/systemd/aicc.service" /etc/systemd/system/aicc.service; then
  expect_contains "$out" "[dry-run] install -D -m 0644 $src/deploy/systemd/aicc.service /etc/systemd/system/aicc.service" "unit"
fi
expect_contains "$out" "[dry-run] /usr/local/bin/aicc version" "version check"
expect_contains "$out" "/readyz" "readiness check"
expect_not_contains "$out" "ARI_PASSWORD=" "no secret printed"

# Bad options are refused.
set +e
bash "$src/deploy/deploy.sh" --no-such-option >/dev/null 2>&1
code=$?
set -e
expect_eq "$code" 2 "exit code of an unknown option"

# The unit file has what the service needs.
unit="$src/deploy/systemd/aicc.service"
for line in 'Type=notify' 'Restart=on-failure' 'User=aicc' 'StateDirectory=aicc' \
  'EnvironmentFile=/etc/aicc/aicc.env' \
  'ExecStart=/usr/local/bin/aicc run --config /etc/aicc/aicc.toml' 'NoNewPrivileges=yes' \
  'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
  'After=asterisk.service network-online.target' 'SystemCallFilter=@system-service' \
  'ProtectProc=invisible' 'ProcSubset=pid' 'RemoveIPC=yes'; do
  expect_line "$unit" "^${line}\$"
done
# systemd's own rating of the sandbox (1.6 "OK" with the filters above; it
# was 3.2 without them). Where systemd-analyze exists, keep it at 2.0 or less.
if command -v systemd-analyze >/dev/null 2>&1; then
  rating=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  if [ -n "$rating" ] && awk -v r="$rating" 'BEGIN { exit !(r <= 2.0) }'; then pass; else
    fail "systemd-analyze security rates the unit '${rating:-unknown}' (want <= 2.0)"
  fi
fi
# Type=notify is only right while aicc calls sd_notify.
expect_line "$src/src/app/daemon.cc" 'sd_notify\(' "daemon.cc (sd_notify for Type=notify)"
# The example configuration leaves every secret empty.
example="$src/deploy/aicc.toml.example"
expect_no_line "$example" '^[a-z_]*password[[:space:]]*=[[:space:]]*"[^"]' "aicc.toml.example (secrets empty)"
expect_no_line "$example" '^auth_secret[[:space:]]*=' "aicc.toml.example (no JWT secret)"

finish
