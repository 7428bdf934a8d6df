#!/usr/bin/env bash
# The PJSIP realtime schema (asterisk/sql/mysql-schema.sql) and the seed
# rendered by `aicc asterisk-config --seed-sql mysql` load into a throwaway
# MariaDB/MySQL server (own data directory, unix socket only, no network),
# twice; the seeded agents are queried with the columns Asterisk reads.
#
# Exits 77 (ctest: skipped) when no MariaDB/MySQL server is installed
# (scripts/deps.sh does not install one; `apt-get install mariadb-server`).
#
# usage: realtime_mysql_test.sh AICC_BINARY SOURCE_DIR
set -euo pipefail

aicc=${1:?usage: realtime_mysql_test.sh AICC_BINARY SOURCE_DIR}
src=${2:?usage: realtime_mysql_test.sh AICC_BINARY SOURCE_DIR}
# shellcheck source=tests/deploy/lib.sh disable=SC1091
. "$src/tests/deploy/lib.sh"

skip() {
  printf 'SKIPPED: %s\n' "$*"
  exit 77
}

server=""
for candidate in mariadbd mysqld /usr/sbin/mariadbd /usr/sbin/mysqld; do
  if command -v "$candidate" >/dev/null 2>&1; then
    server=$(command -v "$candidate")
    break
  fi
done
[ -n "$server" ] || skip "no MariaDB/MySQL server installed (apt-get install mariadb-server)"
install_db=$(command -v mariadb-install-db || command -v mysql_install_db || true)
client=$(command -v mariadb || command -v mysql || true)
if [ -z "$install_db" ] || [ -z "$client" ]; then
  skip "mariadb-install-db or the mariadb client is missing"
fi

run_as=()
user_opt=()
if [ "$(id -u)" -eq 0 ]; then
  run_as=(runuser -u nobody --)
  user_opt=(--user=nobody)
fi

tmp=$(mktemp -d)
db="$tmp/db"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/aicc.toml" <<EOF
[ari]
username = "aicc"
agents = ["agent01", "agent02"]

[asterisk]
realtime = "odbc-mysql"
agent_password_file = "$tmp/agent-passwords"
EOF
# Quote and backslash check the MySQL escaping.
backslash=\\
printf 'agent01=q%sb%sx\n' "'" "$backslash" >"$tmp/agent-passwords"
chmod 600 "$tmp/agent-passwords"
env -i PATH="$PATH" HOME="$tmp" ARI_PASSWORD=fake-ari-pw AICC_ODBC_PASSWORD=fake-odbc-pw \
  "$aicc" asterisk-config --config "$tmp/aicc.toml" --out "$tmp/out" --seed-sql mysql \
  --generate-secrets >/dev/null
expect_mode "$tmp/out/seed-mysql.sql" 600
agent02_pw=$(sed -n 's/^agent02=//p' "$tmp/agent-passwords")

mkdir -p "$db"
if [ ${#run_as[@]} -gt 0 ]; then
  chmod 0711 "$tmp"
  chown nobody "$db"
fi
"$install_db" "${user_opt[@]}" --datadir="$db/data" --auth-root-authentication-method=normal \
  --skip-test-db >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; exit 1; }
"$server" --no-defaults "${user_opt[@]}" --datadir="$db/data" --socket="$db/sock" \
  --pid-file="$db/pid" --skip-networking --log-error="$db/error.log" &
pid=$!
for _ in $(seq 1 100); do
  [ -S "$db/sock" ] && break
  sleep 0.1
done
[ -S "$db/sock" ] || { cat "$db/error.log" >&2; exit 1; }

sql() {
  "$client" --no-defaults -S "$db/sock" -u root --batch --skip-column-names "$@"
}
sql -e "CREATE DATABASE asterisk"
for round in 1 2; do
  if sql asterisk <"$src/asterisk/sql/mysql-schema.sql"; then pass; else fail "schema load $round"; fi
  if sql asterisk <"$tmp/out/seed-mysql.sql"; then pass; else fail "seed load $round"; fi
done

rows=$(sql asterisk -e "SELECT e.id, e.context, e.allow, e.direct_media, e.media_encryption,
    e.media_encryption_optimistic, a.auth_type, a.username, a.password, r.max_contacts,
    r.remove_existing
  FROM ps_endpoints e JOIN ps_auths a ON a.id = e.auth JOIN ps_aors r ON r.id = e.aors
  ORDER BY e.id" | tr '\t' '|')
expect_eq "$(printf '%s\n' "$rows" | grep -c .)" 2 "number of seeded agents"
# --batch escapes a backslash in output as \\.
expect_eq "$(printf '%s\n' "$rows" | sed -n 1p)" \
  "agent01|aicc-agents|g722,alaw,ulaw,gsm|no|sdes|yes|userpass|agent01|q'b\\\\x|1|yes" "agent01 row"
expect_eq "$(printf '%s\n' "$rows" | sed -n 2p | cut -d'|' -f1,9)" "agent02|$agent02_pw" "agent02 password"
if sql asterisk -e "INSERT INTO ps_contacts (id, uri, expiration_time, qualify_frequency,
    outbound_proxy, path, user_agent, qualify_timeout, reg_server, authenticate_qualify,
    via_addr, via_port, call_id, endpoint, prune_on_boot, qualify_2xx_only)
  VALUES ('agent01^3Bsip:agent01@192.0.2.50:5060', 'sip:agent01@192.0.2.50:5060', 1767225600,
    60, '', '', 'Test Phone 1.0', 3.0, '', 'no', '192.0.2.50', 5060, 'abc@192.0.2.50',
    'agent01', 'no', 'no')"; then
  pass
else
  fail "storing a contact"
fi

finish
