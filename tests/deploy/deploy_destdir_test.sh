#!/usr/bin/env bash
# deploy/deploy.sh for real, staged under a temporary --destdir (no user, no
# chown, no systemctl): installs the binary and templates, creates
# /etc/aicc with a generated ARI password (never printed), renders
# /etc/asterisk, installs the unit. A second run changes nothing; a changed
# setting or a hand-edited file is backed up before it is replaced; existing
# settings files are never overwritten.
#
# usage: deploy_destdir_test.sh AICC_BINARY SOURCE_DIR
set -euo pipefail

aicc=${1:?usage: deploy_destdir_test.sh AICC_BINARY SOURCE_DIR}
src=${2:?usage: deploy_destdir_test.sh AICC_BINARY SOURCE_DIR}
# shellcheck source=tests/deploy/lib.sh disable=SC1091
. "$src/tests/deploy/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
build_dir=$(cd "$(dirname "$aicc")" && pwd)

deploy() {
  env -i PATH="$PATH" HOME="$tmp" bash "$src/deploy/deploy.sh" --skip-deps --skip-build \
    --build-dir "$build_dir" --destdir "$root" 2>&1
}

# --- first run -------------------------------------------------------------------
out=$(deploy) || fail "first run failed: $out"
printf '%s\n' "$out"
if cmp -s "$aicc" "$root/usr/local/bin/aicc"; then pass; else fail "binary not installed"; fi
expect_mode "$root/usr/local/bin/aicc" 755
for f in "$src"/asterisk/templates/*; do
  if cmp -s "$f" "$root/usr/local/share/aicc/asterisk/templates/$(basename "$f")"; then pass; else
    fail "template $(basename "$f") not installed"
  fi
done
if [ -f "$root/usr/local/share/aicc/asterisk/sql/postgres-schema.sql" ]; then pass; else fail "schema not installed"; fi
if cmp -s "$src/deploy/systemd/aicc.service" "$root/etc/systemd/system/aicc.service"; then pass; else
  fail "unit not installed"
fi

if cmp -s "$src/deploy/sysctl/60-aicc.conf" "$root/etc/sysctl.d/60-aicc.conf"; then pass; else
  fail "sysctl drop-in not installed"
fi

etc="$root/etc/aicc"
expect_mode "$etc" 750
if cmp -s "$src/deploy/aicc.toml.example" "$etc/aicc.toml"; then pass; else fail "aicc.toml not from the example"; fi
for f in aicc.toml aicc.env asterisk.env agent-passwords; do expect_mode "$etc/$f" 600; done
ari_password=$(sed -n 's/^ARI_PASSWORD=//p' "$etc/aicc.env")
expect_eq "${#ari_password}" 48 "generated ARI password length"
expect_not_contains "$out" "$ari_password" "deploy output (ARI password)"
expect_eq "$(grep -c '^agent0[1-6]=' "$etc/agent-passwords")" 6 "agent passwords"
agent01_pw=$(sed -n 's/^agent01=//p' "$etc/agent-passwords")
expect_not_contains "$out" "$agent01_pw" "deploy output (agent password)"

ast="$root/etc/asterisk"
for f in pjsip.conf ari.conf; do expect_mode "$ast/$f" 600; done
for f in extensions.conf http.conf rtp.conf modules.conf; do expect_mode "$ast/$f" 640; done
expect_line "$ast/ari.conf" "^password=$ari_password\$"
expect_line "$ast/ari.conf" '^\[aicc\]$'
expect_line "$ast/pjsip.conf" "^password=$agent01_pw\$"
expect_line "$ast/pjsip.conf" '^external_media_address=203\.0\.113\.10$'
if [ -e "$ast/aicc-ari.env" ]; then fail "aicc-ari.env copied to /etc/asterisk"; else pass; fi

# --- second run: nothing changes ----------------------------------------------------
snapshot() { find "$root" -type f -printf '%p %m %s\n' -exec md5sum {} \; | sort; }
before=$(snapshot)
out=$(deploy) || fail "second run failed: $out"
expect_eq "$(snapshot)" "$before" "files after a second run"
expect_contains "$out" "keeping $etc/aicc.toml" "second run"
expect_contains "$out" "keeping $etc/aicc.env (ARI_PASSWORD set)" "second run"
expect_contains "$out" "unchanged $ast/pjsip.conf" "second run"
expect_contains "$out" "unchanged $root/etc/systemd/system/aicc.service" "second run"
expect_contains "$out" "unchanged $root/etc/sysctl.d/60-aicc.conf" "second run"

# --- a setting changed and a file edited by hand: backed up, replaced --------------------
sed -i 's/^sip_port = 5060$/sip_port = 5070/' "$etc/aicc.toml"
printf 'strictrtp=no\n' >>"$ast/rtp.conf"
out=$(deploy) || fail "third run failed: $out"
expect_line "$ast/pjsip.conf" '^bind=0\.0\.0\.0:5070$'
expect_line "$etc/aicc.toml" '^sip_port = 5070$' "aicc.toml (edit kept)"
expect_no_line "$ast/rtp.conf" '^strictrtp=no$' "rtp.conf (hand edit replaced)"
backups=("$ast"/rtp.conf.aicc-backup-*)
if [ -f "${backups[0]}" ] && grep -q '^strictrtp=no$' "${backups[0]}"; then pass; else
  fail "rtp.conf was not backed up before it was replaced"
fi
backups=("$ast"/pjsip.conf.aicc-backup-*)
if [ -f "${backups[0]}" ] && grep -q '^bind=0\.0\.0\.0:5060$' "${backups[0]}"; then pass; else
  fail "pjsip.conf was not backed up before it was replaced"
fi
expect_mode "${backups[0]}" 600
expect_contains "$out" "unchanged $ast/http.conf" "third run"

# --- aicc.env without ARI_PASSWORD gets one appended, the rest kept ---------------------------
printf '# site secrets\nWS_AUTH_SECRET_KEY=fake-jwt-secret\n' >"$etc/aicc.env"
out=$(deploy) || fail "fourth run failed: $out"
expect_line "$etc/aicc.env" '^WS_AUTH_SECRET_KEY=fake-jwt-secret$' "aicc.env (kept)"
new_password=$(sed -n 's/^ARI_PASSWORD=//p' "$etc/aicc.env")
expect_eq "${#new_password}" 48 "appended ARI password length"
expect_line "$ast/ari.conf" "^password=$new_password\$" "ari.conf (new ARI password)"
expect_mode "$etc/aicc.env" 600

finish
