#!/usr/bin/env bash
# Assertions shared by the deploy tests (sourced). Each failure is printed and
# counted; finish() exits non-zero when any check failed.
failures=0
checks=0

fail() {
  printf 'FAIL: %s\n' "$*" >&2
  failures=$((failures + 1))
}

pass() {
  checks=$((checks + 1))
}

# expect_line FILE REGEX [WHAT]: some line of FILE matches the extended REGEX.
expect_line() {
  if grep -Eq -- "$2" "$1"; then pass; else fail "${3:-$(basename "$1")}: no line matches /$2/"; fi
}

# expect_no_line FILE REGEX [WHAT]: no line of FILE matches.
expect_no_line() {
  if grep -Eq -- "$2" "$1"; then
    fail "${3:-$(basename "$1")}: unexpected line /$2/: $(grep -Em1 -- "$2" "$1")"
  else
    pass
  fi
}

# expect_mode FILE MODE: permission bits in octal, e.g. 600.
expect_mode() {
  local mode
  mode=$(stat -c %a "$1" 2>/dev/null || echo missing)
  if [ "$mode" = "$2" ]; then pass; else fail "$(basename "$1"): mode $mode, expected $2"; fi
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
  if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', expected '$2'"; fi
}

# expect_contains TEXT NEEDLE WHAT / expect_not_contains
expect_contains() {
  case "$1" in *"$2"*) pass ;; *) fail "$3: '$2' not found in: $1" ;; esac
}
expect_not_contains() {
  case "$1" in *"$2"*) fail "$3: '$2' must not appear" ;; *) pass ;; esac
}

# section FILE HEADER: the lines of one [section] of an Asterisk config file
# (HEADER is the full header line, e.g. "[agent01](aicc-endpoint)").
section() {
  awk -v h="$2" '$0 == h { on = 1; print; next } /^\[/ { on = 0 } on' "$1"
}

finish() {
  if ((failures)); then
    printf '%d of %d checks failed\n' "$failures" "$((checks + failures))" >&2
    exit 1
  fi
  printf 'all %d checks passed\n' "$checks"
}
