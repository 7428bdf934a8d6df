#!/usr/bin/env bash
# `aicc asterisk-config` end to end with the real binary: renders the Asterisk
# configuration from a test config and checks the key lines of every file,
# file modes, that no secret is printed and no placeholder is left, and that
# it refuses bad input (no ARI password, missing agent passwords, unknown
# placeholders) naming what is wrong. Also runs the binary from an installed
# layout (<prefix>/bin + <prefix>/share/aicc/asterisk/templates).
#
# usage: asterisk_config_test.sh AICC_BINARY SOURCE_DIR
set -euo pipefail

aicc=${1:?usage: asterisk_config_test.sh AICC_BINARY SOURCE_DIR}
src=${2:?usage: asterisk_config_test.sh AICC_BINARY SOURCE_DIR}
# shellcheck source=tests/deploy/lib.sh disable=SC1091
. "$src/tests/deploy/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Test-only values (documentation address ranges, fake secrets).
ari_password=not-a-real-ari-secret-7Q
upstream_password='fake;upstream#pw'

cat >"$tmp/aicc.toml" <<EOF
[ari]
username = "aicc"
app = "aicc-test"
agents = ["agent01", "agent02", "agent03"]
external_host = "192.0.2.10"

[asterisk]
external_media_address = "203.0.113.10"
external_signaling_address = "203.0.113.11"
local_net = ["10.0.0.0/8", "192.168.0.0/16"]
agent_password_file = "$tmp/agent-passwords"
EOF

# aicc with nothing from this machine's environment but what the test sets.
render() {
  env -i PATH="$PATH" HOME="$tmp" "$@"
}

# --- refuses without an ARI password, names the setting, writes nothing -----
set +e
out=$(render "$aicc" asterisk-config --config "$tmp/aicc.toml" --out "$tmp/none" 2>&1)
code=$?
set -e
expect_eq "$code" 2 "exit code without ARI password"
expect_contains "$out" "ari.password (ARI_PASSWORD)" "error without ARI password"
if [ -e "$tmp/none" ]; then fail "output directory created although rendering failed"; else pass; fi

# --- refuses without agent passwords (no --generate-secrets) -----------------
set +e
out=$(render ARI_PASSWORD="$ari_password" "$aicc" asterisk-config --config "$tmp/aicc.toml" \
  --out "$tmp/none" 2>&1)
code=$?
set -e
expect_eq "$code" 2 "exit code without agent passwords"
expect_contains "$out" "asterisk.agent_password_file" "error without agent passwords"
expect_contains "$out" "agent01, agent02, agent03" "error names the agents"

# --- the default render --------------------------------------------------------
out_dir="$tmp/etc-asterisk"
log=$(render ARI_PASSWORD="$ari_password" "$aicc" asterisk-config --config "$tmp/aicc.toml" \
  --out "$out_dir" --generate-secrets 2>&1)
printf '%s\n' "$log"
expect_mode "$tmp/agent-passwords" 600
expect_eq "$(grep -c '^agent0[123]=' "$tmp/agent-passwords")" 3 "generated agent passwords"
agent01_pw=$(sed -n 's/^agent01=//p' "$tmp/agent-passwords")
expect_eq "${#agent01_pw}" 20 "length of a generated agent password"
expect_not_contains "$log" "$ari_password" "renderer output (ARI password)"
expect_not_contains "$log" "$agent01_pw" "renderer output (agent password)"

for f in pjsip.conf ari.conf; do expect_mode "$out_dir/$f" 600; done
for f in extensions.conf http.conf rtp.conf modules.conf musiconhold.conf; do
  expect_mode "$out_dir/$f" 640
done
for f in sorcery.conf extconfig.conf res_odbc.conf aicc-ari.env; do
  if [ -e "$out_dir/$f" ]; then fail "$f written without realtime / generated ARI password"; else pass; fi
done
for f in "$out_dir"/*; do
  expect_no_line "$f" '\{\{|\}\}' "$(basename "$f") (unresolved placeholder)"
done

# pjsip.conf: transport with the NAT lines
pjsip="$out_dir/pjsip.conf"
transport=$(section "$pjsip" "[transport-udp]")
expect_contains "$transport" "bind=0.0.0.0:5060" "transport-udp"
expect_contains "$transport" "external_media_address=203.0.113.10" "transport-udp"
expect_contains "$transport" "external_signaling_address=203.0.113.11" "transport-udp"
expect_contains "$transport" "local_net=10.0.0.0/8" "transport-udp"
expect_contains "$transport" "local_net=192.168.0.0/16" "transport-udp"
expect_no_line "$pjsip" '^\[transport-tls\]' "pjsip.conf (TLS is off)"
# shared endpoint template: SRTP optimistic, media through Asterisk, NAT
template=$(section "$pjsip" "[aicc-endpoint](!)")
for line in media_encryption=sdes media_encryption_optimistic=yes direct_media=no \
  rtp_symmetric=yes force_rport=yes rewrite_contact=yes; do
  expect_contains "$template" "$line" "endpoint template"
done
# agents with g722, auth and a single contact
for a in agent01 agent02 agent03; do
  endpoint=$(section "$pjsip" "[$a](aicc-endpoint)")
  expect_contains "$endpoint" "allow=g722,alaw,ulaw,gsm" "endpoint $a"
  expect_contains "$endpoint" "context=aicc-agents" "endpoint $a"
  expect_contains "$endpoint" "auth=$a" "endpoint $a"
  pw=$(sed -n "s/^$a=//p" "$tmp/agent-passwords")
  expect_eq "$(section "$pjsip" "[$a]" | grep -c "^password=$pw\$")" 1 "auth password of $a"
done
expect_eq "$(grep -c '^max_contacts=1$' "$pjsip")" 3 "max_contacts=1 per agent"
expect_eq "$(grep -c '^remove_existing=yes$' "$pjsip")" 3 "remove_existing=yes per agent"
expect_no_line "$pjsip" 'opus' "pjsip.conf (Opus off)"
expect_no_line "$pjsip" '^\[anonymous\]' "pjsip.conf (anonymous off)"
expect_no_line "$pjsip" '^\[upstream' "pjsip.conf (no upstream)"
expect_line "$pjsip" '^endpoint_identifier_order=ip,username$'

# extensions.conf: Stasis in the inbound context, agents, echo test, nothing else
ext="$out_dir/extensions.conf"
expect_eq "$(grep -E '^\[' "$ext" | tr '\n' ' ')" \
  "[general] [globals] [default] [aicc-inbound] [aicc-ring-agents] [aicc-agents] " \
  "extensions.conf contexts"
inbound=$(section "$ext" "[aicc-inbound]")
expect_contains "$inbound" " same => n,Stasis(aicc-test)
 same => n,Goto(aicc-ring-agents,s,1)" "inbound context"
expect_not_contains "$inbound" "Dial(" "inbound context"
expect_contains "$(section "$ext" "[aicc-ring-agents]")" \
  "Dial(PJSIP/agent01&PJSIP/agent02&PJSIP/agent03,30)" "fallback when aicc hands the call back"
# Every Dial() rings agents, nothing else.
expect_eq "$(grep -o 'Dial([^,]*' "$ext" | sed 's/^Dial(//' | tr '&' '\n' | sort -u | tr '\n' ' ')" \
  "PJSIP/agent01 PJSIP/agent02 PJSIP/agent03 " "Dial() targets"
agents_ctx=$(section "$ext" "[aicc-agents]")
for a in agent01 agent02 agent03; do
  expect_contains "$agents_ctx" "exten => $a,1,Dial(PJSIP/$a,30)" "agents context"
done
expect_contains "$agents_ctx" "Echo()" "agents context (echo test)"
expect_eq "$(grep -c 'Dial(' "$ext")" 4 "Dial() lines"
default_ctx=$(section "$ext" "[default]" | grep -v "^;")
expect_not_contains "$default_ctx" "Dial(" "default context"
expect_not_contains "$default_ctx" "Stasis(" "default context"

# ari.conf, http.conf, rtp.conf, modules.conf
ari="$out_dir/ari.conf"
expect_line "$ari" '^\[aicc\]$'
expect_line "$ari" "^password=$ari_password\$"
expect_line "$ari" '^password_format=plain$'
expect_no_line "$ari" '^allowed_origins' "ari.conf (allowed_origins empty)"
expect_line "$out_dir/http.conf" '^bindaddr=127\.0\.0\.1$'
expect_line "$out_dir/http.conf" '^bindport=8088$'
expect_line "$out_dir/rtp.conf" '^rtpstart=10000$'
expect_line "$out_dir/rtp.conf" '^rtpend=20000$'
expect_line "$out_dir/rtp.conf" '^strictrtp=yes$'
mods="$out_dir/modules.conf"
expect_line "$mods" '^autoload=no$'
for m in res_ari res_stasis res_stasis_snoop chan_rtp res_http_websocket chan_pjsip res_pjsip \
  res_pjsip_session codec_ulaw codec_alaw codec_gsm codec_g722 bridge_simple bridge_softmix \
  bridge_native_rtp res_musiconhold app_stasis app_echo app_dial res_rtp_asterisk res_srtp \
  pbx_config res_timing_timerfd; do
  expect_line "$mods" "^load => $m\\.so\$"
done
for m in res_websocket_client res_rtp_multicast format_gsm; do
  expect_line "$mods" "^load => $m\\.so\$"
done
expect_no_line "$mods" 'opus' "modules.conf (Opus off)"

# musiconhold.conf: the class "default" plays the hold-music folder.
moh="$out_dir/musiconhold.conf"
expect_contains "$(section "$moh" "[default]")" "mode=files" "music-on-hold class default"
expect_contains "$(section "$moh" "[default]")" "directory=/usr/share/asterisk/moh" \
  "music-on-hold class default"
# An empty folder renders, with a warning naming the setting.
mkdir -p "$tmp/no-music"
log=$(render ARI_PASSWORD="$ari_password" AICC_MOH_DIRECTORY="$tmp/no-music" AICC_MOH_CLASS=queue \
  "$aicc" asterisk-config --config "$tmp/aicc.toml" --out "$tmp/quiet" 2>&1)
expect_contains "$log" "asterisk.moh_directory (AICC_MOH_DIRECTORY) = $tmp/no-music has no audio file" \
  "warning for a hold-music folder without music"
expect_contains "$(section "$tmp/quiet/musiconhold.conf" "[queue]")" "directory=$tmp/no-music" \
  "music-on-hold class of ari.moh_class"
expect_no_line "$mods" 'res_odbc' "modules.conf (no realtime)"
expect_no_line "$mods" 'endpoint_identifier_anonymous' "modules.conf (anonymous off)"

# Rendering again gives the same files (passwords kept in the file).
render ARI_PASSWORD="$ari_password" "$aicc" asterisk-config --config "$tmp/aicc.toml" \
  --out "$tmp/again" >/dev/null
if diff -r "$out_dir" "$tmp/again" >/dev/null; then pass; else fail "a second render differs"; fi

# --- everything on: TLS, upstream, anonymous, Opus, other ports --------------------
log=$(render ARI_PASSWORD="$ari_password" AICC_SIP_TLS=true AICC_SIP_TLS_CERT=/etc/asterisk/keys/a.crt \
  AICC_SIP_TLS_KEY=/etc/asterisk/keys/a.key AICC_SIP_UPSTREAM_SERVER=sip:sip.example.com:5070 \
  AICC_SIP_UPSTREAM_USER=aicc-trunk AICC_SIP_UPSTREAM_PASSWORD="$upstream_password" \
  AICC_SIP_ANONYMOUS=true AICC_SIP_OPUS=true AICC_SIP_G722=false AICC_RTP_START=30000 \
  AICC_RTP_END=30999 AICC_ARI_ALLOWED_ORIGINS=https://ops.example.com AICC_SIP_PORT=5080 \
  "$aicc" asterisk-config --config "$tmp/aicc.toml" --out "$tmp/full" 2>&1)
expect_not_contains "$log" "fake;upstream" "renderer output (upstream password)"
expect_contains "$log" "warning: asterisk.anonymous (AICC_SIP_ANONYMOUS) is on" "anonymous warning"
pjsip="$tmp/full/pjsip.conf"
expect_line "$pjsip" '^bind=0\.0\.0\.0:5080$'
tls=$(section "$pjsip" "[transport-tls]")
expect_contains "$tls" "bind=0.0.0.0:5061" "transport-tls"
expect_contains "$tls" "cert_file=/etc/asterisk/keys/a.crt" "transport-tls"
expect_contains "$tls" "external_media_address=203.0.113.10" "transport-tls"
expect_contains "$(section "$pjsip" "[upstream-registration]")" "server_uri=sip:sip.example.com:5070" \
  "upstream registration"
expect_contains "$(section "$pjsip" "[upstream-registration]")" \
  "client_uri=sip:aicc-trunk@sip.example.com" "upstream registration"
expect_contains "$(section "$pjsip" "[upstream-identify]")" "match=sip.example.com" "upstream identify"
expect_contains "$(section "$pjsip" "[upstream](aicc-endpoint)")" "context=aicc-inbound" "upstream endpoint"
expect_line "$pjsip" '^password=fake\\;upstream#pw$' "pjsip.conf (upstream password, ';' escaped)"
expect_contains "$(section "$pjsip" "[anonymous](aicc-endpoint)")" "context=aicc-inbound" "anonymous"
expect_line "$pjsip" '^endpoint_identifier_order=ip,username,anonymous$'
expect_contains "$(section "$pjsip" "[agent01](aicc-endpoint)")" "allow=alaw,ulaw,gsm,opus" "agent01 with Opus, without G.722"
expect_line "$tmp/full/modules.conf" '^require => codec_opus\.so$'
expect_line "$tmp/full/modules.conf" '^load => res_pjsip_endpoint_identifier_anonymous\.so$'
expect_line "$tmp/full/rtp.conf" '^rtpstart=30000$'
expect_line "$tmp/full/ari.conf" '^allowed_origins=https://ops\.example\.com$'
for f in "$tmp/full"/*; do
  expect_no_line "$f" '\{\{|\}\}' "$(basename "$f") (unresolved placeholder)"
done

# ARI beyond loopback: rendered, with a warning.
log=$(render ARI_PASSWORD="$ari_password" AICC_ASTERISK_HTTP_BIND=0.0.0.0:8088 "$aicc" asterisk-config \
  --config "$tmp/aicc.toml" --out "$tmp/wide" 2>&1)
expect_line "$tmp/wide/http.conf" '^bindaddr=0\.0\.0\.0$'
expect_contains "$log" "ARI is reachable beyond loopback" "warning for ARI beyond loopback"
expect_not_contains "$(cat "$out_dir"/*.conf)" "beyond loopback" "no warning text in files"

expect_contains "$(section "$pjsip" "[upstream-registration]")" "transport=transport-udp" "upstream over UDP"
# A sips: upstream goes over the TLS transport, and needs it.
render ARI_PASSWORD="$ari_password" AICC_SIP_TLS=true AICC_SIP_TLS_CERT=/c.pem AICC_SIP_TLS_KEY=/k.pem \
  AICC_SIP_UPSTREAM_SERVER=sips:sip.example.com AICC_SIP_UPSTREAM_USER=trunk \
  AICC_SIP_UPSTREAM_PASSWORD=fake-pw "$aicc" asterisk-config --config "$tmp/aicc.toml" \
  --out "$tmp/sips" >/dev/null
expect_contains "$(section "$tmp/sips/pjsip.conf" "[upstream-registration]")" "transport=transport-tls" \
  "sips upstream"
set +e
out=$(render ARI_PASSWORD="$ari_password" AICC_SIP_UPSTREAM_SERVER=sips:sip.example.com \
  AICC_SIP_UPSTREAM_USER=trunk AICC_SIP_UPSTREAM_PASSWORD=fake-pw "$aicc" asterisk-config \
  --config "$tmp/aicc.toml" --out "$tmp/x" 2>&1)
set -e
expect_contains "$out" "turn on asterisk.sip_tls (AICC_SIP_TLS)" "sips upstream without TLS"

# TLS without a certificate is refused, naming the settings.
set +e
out=$(render ARI_PASSWORD="$ari_password" AICC_SIP_TLS=true "$aicc" asterisk-config \
  --config "$tmp/aicc.toml" --out "$tmp/x" 2>&1)
code=$?
set -e
expect_eq "$code" 2 "exit code TLS without certificate"
expect_contains "$out" "asterisk.sip_tls_cert (AICC_SIP_TLS_CERT)" "TLS without certificate"

# A newline in a value would inject configuration: refused.
set +e
out=$(render ARI_PASSWORD="$ari_password" AICC_SIP_EXTERNAL_MEDIA_ADDRESS=$'203.0.113.1\n[evil]' \
  "$aicc" asterisk-config --config "$tmp/aicc.toml" --out "$tmp/x" 2>&1)
code=$?
set -e
expect_eq "$code" 2 "exit code with a newline in a value"
expect_contains "$out" "asterisk.external_media_address" "newline in a value"

# --- generated ARI password: only in the 0600 files, never printed -----------------
log=$(render "$aicc" asterisk-config --config "$tmp/aicc.toml" --out "$tmp/gen" --generate-secrets 2>&1)
generated=$(sed -n 's/^ARI_PASSWORD=//p' "$tmp/gen/aicc-ari.env")
expect_eq "${#generated}" 32 "length of the generated ARI password"
expect_line "$tmp/gen/ari.conf" "^password=$generated\$"
expect_mode "$tmp/gen/aicc-ari.env" 600
expect_not_contains "$log" "$generated" "renderer output (generated ARI password)"
expect_contains "$log" "aicc-ari.env" "renderer says where the generated password is"

# --- realtime over ODBC (PostgreSQL) ------------------------------------------------------
set +e
out=$(render ARI_PASSWORD="$ari_password" AICC_SIP_REALTIME=odbc-postgres "$aicc" asterisk-config \
  --config "$tmp/aicc.toml" --out "$tmp/x" 2>&1)
code=$?
set -e
expect_eq "$code" 2 "exit code realtime without ODBC password"
expect_contains "$out" "asterisk.odbc_password (AICC_ODBC_PASSWORD)" "realtime without ODBC password"
log=$(render ARI_PASSWORD="$ari_password" AICC_SIP_REALTIME=odbc-postgres AICC_ODBC_PASSWORD=fake-odbc-pw \
  "$aicc" asterisk-config --config "$tmp/aicc.toml" --out "$tmp/rt" --seed-sql postgres 2>&1)
expect_not_contains "$log" "fake-odbc-pw" "renderer output (ODBC password)"
expect_mode "$tmp/rt/res_odbc.conf" 600
expect_mode "$tmp/rt/seed-postgres.sql" 600
expect_mode "$tmp/rt/sorcery.conf" 640
expect_line "$tmp/rt/res_odbc.conf" '^password => fake-odbc-pw$'
expect_line "$tmp/rt/sorcery.conf" '^endpoint=realtime,ps_endpoints$'
expect_line "$tmp/rt/sorcery.conf" '^contact=realtime,ps_contacts$'
expect_line "$tmp/rt/extconfig.conf" '^ps_auths => odbc,aicc$'
expect_line "$tmp/rt/modules.conf" '^load => res_config_odbc\.so$'
expect_line "$tmp/rt/modules.conf" '^load => res_sorcery_realtime\.so$'
expect_no_line "$tmp/rt/pjsip.conf" '^\[agent01\]' "pjsip.conf (agents are in the database)"
expect_line "$tmp/rt/extensions.conf" 'Dial\(PJSIP/agent01,30\)'
expect_line "$tmp/rt/seed-postgres.sql" "'agent01', 'userpass', 'agent01', '$agent01_pw'"

# --- template errors name the file and line ----------------------------------------------
bad="$tmp/bad-templates"
cp -r "$src/asterisk/templates" "$bad"
printf 'x={{no_such_setting}}\n' >>"$bad/http.conf"
set +e
out=$(render ARI_PASSWORD="$ari_password" "$aicc" asterisk-config --config "$tmp/aicc.toml" \
  --templates "$bad" --out "$tmp/x" 2>&1)
code=$?
set -e
expect_eq "$code" 2 "exit code with an unknown placeholder"
expect_contains "$out" "http.conf:$(wc -l <"$bad/http.conf"): unknown placeholder {{no_such_setting}}" \
  "unknown placeholder"
if [ -e "$tmp/x" ]; then fail "files written although a template failed"; else pass; fi
# ... also inside a section that does not render (TLS is off)
cp "$src/asterisk/templates/http.conf" "$bad/http.conf"
printf '{{#tls}}\nx={{tls_certificate}}\n{{/tls}}\n' >>"$bad/rtp.conf"
set +e
out=$(render ARI_PASSWORD="$ari_password" "$aicc" asterisk-config --config "$tmp/aicc.toml" \
  --templates "$bad" --out "$tmp/x" 2>&1)
set -e
expect_contains "$out" "unknown placeholder {{tls_certificate}}" "unknown placeholder in a disabled section"
cp "$src/asterisk/templates/rtp.conf" "$bad/rtp.conf"
printf '{{#tls}}\nnever closed\n' >>"$bad/ari.conf"
set +e
out=$(render ARI_PASSWORD="$ari_password" "$aicc" asterisk-config --config "$tmp/aicc.toml" \
  --templates "$bad" --out "$tmp/x" 2>&1)
set -e
expect_contains "$out" "{{#tls}} is never closed" "unclosed section"

# --- deploy/aicc.toml.example loads and renders (secrets from the environment) -------
log=$(render ARI_PASSWORD="$ari_password" AICC_SIP_AGENT_PASSWORD_FILE="$tmp/example-passwords" \
  "$aicc" asterisk-config --config "$src/deploy/aicc.toml.example" --out "$tmp/example" \
  --generate-secrets 2>&1) || fail "deploy/aicc.toml.example does not render: $log"
expect_line "$tmp/example/extensions.conf" '^ same => n,Stasis\(aicc\)$'
expect_line "$tmp/example/ari.conf" "^password=$ari_password\$"
expect_eq "$(grep -c '^agent0[1-6]=' "$tmp/example-passwords")" 6 "example agents"

# --- installed layout: <prefix>/bin/aicc finds <prefix>/share/aicc/asterisk/templates --------
prefix="$tmp/prefix"
mkdir -p "$prefix/bin" "$prefix/share/aicc/asterisk"
cp "$aicc" "$prefix/bin/aicc"
cp -r "$src/asterisk/templates" "$prefix/share/aicc/asterisk/templates"
log=$(cd / && render ARI_PASSWORD="$ari_password" "$prefix/bin/aicc" asterisk-config \
  --config "$tmp/aicc.toml" --out "$tmp/installed" 2>&1)
expect_contains "$log" "templates: $prefix/share/aicc/asterisk/templates" "installed layout"
if diff -r "$out_dir" "$tmp/installed" >/dev/null; then pass; else fail "installed render differs"; fi

finish
