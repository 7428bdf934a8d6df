#!/usr/bin/env bash
# The PJSIP realtime schema (asterisk/sql/postgres-schema.sql) and the seed
# rendered by `aicc asterisk-config --seed-sql postgres` load into a throwaway
# PostgreSQL cluster (initdb + pg_ctl in a temporary directory, unix socket
# only), twice (both are idempotent); the seeded agents are then queried with
# the columns Asterisk reads, and a contact is stored the way Asterisk stores
# one on REGISTER.
#
# PostgreSQL refuses to run as root: as root the cluster runs as `nobody`
# (runuser). Exits 77 (ctest: skipped) only when no PostgreSQL server is
# installed or root cannot switch to an unprivileged user.
#
# usage: realtime_postgres_test.sh AICC_BINARY SOURCE_DIR
set -euo pipefail

aicc=${1:?usage: realtime_postgres_test.sh AICC_BINARY SOURCE_DIR}
src=${2:?usage: realtime_postgres_test.sh AICC_BINARY SOURCE_DIR}
# shellcheck source=tests/deploy/lib.sh disable=SC1091
. "$src/tests/deploy/lib.sh"

skip() {
  printf 'SKIPPED: %s\n' "$*"
  exit 77
}

pg_bin=""
for dir in /usr/lib/postgresql/*/bin; do
  [ -x "$dir/initdb" ] && pg_bin=$dir
done
[ -n "$pg_bin" ] || skip "no PostgreSQL server (initdb) under /usr/lib/postgresql (apt-get install postgresql)"

as_db=()
if [ "$(id -u)" -eq 0 ]; then
  command -v runuser >/dev/null || skip "running as root without runuser: cannot start PostgreSQL as non-root"
  as_db=(runuser -u nobody --)
fi

tmp=$(mktemp -d)
cluster="$tmp/pg"
cleanup() {
  if [ -f "$cluster/data/postmaster.pid" ]; then
    "${as_db[@]}" "$pg_bin/pg_ctl" -D "$cluster/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# --- render the realtime configuration and the seed ---------------------------------
cat >"$tmp/aicc.toml" <<EOF
[ari]
username = "aicc"
app = "aicc-test"
agents = ["agent01", "agent02", "agent03"]

[asterisk]
realtime = "odbc-postgres"
agent_password_file = "$tmp/agent-passwords"
EOF
# A password with a quote checks the SQL escaping.
printf 'agent01=quote%s1\nagent02=plain-pw-2\n' "'" >"$tmp/agent-passwords"
chmod 600 "$tmp/agent-passwords"
env -i PATH="$PATH" HOME="$tmp" ARI_PASSWORD=fake-ari-pw AICC_ODBC_PASSWORD=fake-odbc-pw \
  "$aicc" asterisk-config --config "$tmp/aicc.toml" --out "$tmp/out" --seed-sql postgres \
  --generate-secrets >/dev/null
seed="$tmp/out/seed-postgres.sql"
expect_mode "$seed" 600
agent03_pw=$(sed -n 's/^agent03=//p' "$tmp/agent-passwords")
expect_eq "${#agent03_pw}" 20 "generated password of agent03"

# --- throwaway cluster ------------------------------------------------------------------
mkdir -p "$cluster"
if [ ${#as_db[@]} -gt 0 ]; then
  chmod 0711 "$tmp" # nobody may traverse, not list; the secrets in it stay 0600
  chown nobody "$cluster"
fi
"${as_db[@]}" "$pg_bin/initdb" -D "$cluster/data" -U aicc --auth=trust -E UTF8 --no-locale \
  >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }
"${as_db[@]}" "$pg_bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
  -o "-c listen_addresses='' -k $cluster" start >/dev/null ||
  { cat "$cluster/server.log" >&2; exit 1; }

psql_bin="$pg_bin/psql"
[ -x "$psql_bin" ] || psql_bin=psql
# sql FILE|-: runs SQL (from stdin, opened by this shell) in database postgres.
sql() {
  "${as_db[@]}" env PGOPTIONS="-c client_min_messages=warning" "$psql_bin" -h "$cluster" -U aicc -d postgres -X -q -v ON_ERROR_STOP=1 \
    -A -t -F '|' "$@"
}

for round in 1 2; do
  if sql <"$src/asterisk/sql/postgres-schema.sql" >/dev/null; then pass; else fail "schema load $round"; fi
  if sql <"$seed" >/dev/null; then pass; else fail "seed load $round"; fi
done

# Exactly what Asterisk joins: endpoint → auth, aor.
rows=$(sql -c "SELECT e.id, e.transport, e.context, e.disallow, e.allow, e.direct_media,
    e.rtp_symmetric, e.force_rport, e.rewrite_contact, e.media_encryption,
    e.media_encryption_optimistic, a.auth_type, a.username, a.password, r.max_contacts,
    r.remove_existing
  FROM ps_endpoints e JOIN ps_auths a ON a.id = e.auth JOIN ps_aors r ON r.id = e.aors
  ORDER BY e.id" </dev/null)
printf '%s\n' "$rows" | sed 's/|[^|]*|\([0-9]*|[a-z]*\)$/|<password>|\1/'
expect_eq "$(printf '%s\n' "$rows" | grep -c .)" 3 "number of seeded agents"
expect_eq "$(printf '%s\n' "$rows" | sed -n 1p)" \
  "agent01|transport-udp|aicc-agents|all|g722,alaw,ulaw,gsm|no|yes|yes|yes|sdes|yes|userpass|agent01|quote'1|1|yes" \
  "agent01 row"
expect_eq "$(printf '%s\n' "$rows" | sed -n 2p | cut -d'|' -f1,14)" "agent02|plain-pw-2" "agent02 password"
expect_eq "$(printf '%s\n' "$rows" | sed -n 3p | cut -d'|' -f1,14)" "agent03|$agent03_pw" "agent03 password"

# A contact as res_sorcery_realtime stores it (every ps_contacts column).
if sql -c "INSERT INTO ps_contacts (id, uri, expiration_time, qualify_frequency, outbound_proxy,
    path, user_agent, qualify_timeout, reg_server, authenticate_qualify, via_addr, via_port,
    call_id, endpoint, prune_on_boot, qualify_2xx_only)
  VALUES ('agent01^3Bsip:agent01@192.0.2.50:5060', 'sip:agent01@192.0.2.50:5060', 1767225600,
    60, '', '', 'Test Phone 1.0', 3.0, '', 'no', '192.0.2.50', 5060, 'abc@192.0.2.50',
    'agent01', 'no', 'no')" </dev/null >/dev/null; then
  pass
else
  fail "storing a contact"
fi
expect_eq "$(sql -c "SELECT endpoint, via_port FROM ps_contacts" </dev/null)" "agent01|5060" "stored contact"
# Enum columns reject what Asterisk would not write.
if sql -c "UPDATE ps_endpoints SET direct_media = 'maybe'" </dev/null >/dev/null 2>&1; then
  fail "direct_media accepted 'maybe' (the yesno_values enum is missing)"
else
  pass
fi

finish
