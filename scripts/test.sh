#!/usr/bin/env bash
# Runs Retort's whole test suite: unit tests, derive UI tests, and the integration tests that
# drive the real CLI on real SQLite files and a real PostgreSQL server. This is the README's
# test command; CI runs it.
#
# PostgreSQL: with TEST_DATABASE_URL set (a role that may CREATE DATABASE), the tests use that
# server. Otherwise this script starts a throwaway cluster from the machine's initdb/pg_ctl on
# a free loopback port, in a temporary directory, and stops and deletes it when the tests end.
# Missing server binaries are installed with apt-get when running as root.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_bin_dir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 &&
        { dirname "$(command -v initdb)"; return 0; }
    return 1
}

free_port() {
    local port
    for port in $(seq 55432 55532); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

start_postgres() {
    local bin
    if ! bin=$(pg_bin_dir); then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "test.sh: installing PostgreSQL server binaries (apt-get install postgresql)" >&2
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
            bin=$(pg_bin_dir)
        else
            echo "test.sh: no initdb/pg_ctl found; install PostgreSQL (apt-get install postgresql) or set TEST_DATABASE_URL" >&2
            exit 2
        fi
    fi
    PG_TMP=$(mktemp -d /tmp/retort-pg.XXXXXX)
    local port run_as=()
    port=$(free_port)
    if [ "$(id -u)" = 0 ]; then
        # initdb refuses to run as root: the cluster belongs to the postgres user.
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$PG_TMP"
        run_as=(runuser -u postgres --)
    fi
    PG_STOP=("${run_as[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop)
    trap stop_postgres EXIT
    "${run_as[@]}" "$bin/initdb" -D "$PG_TMP/data" -U postgres -A trust --no-sync -E UTF8 >"$PG_TMP/initdb.log" 2>&1 ||
        { cat "$PG_TMP/initdb.log" >&2; exit 2; }
    "${run_as[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_TMP -c fsync=off -c max_connections=200" start >/dev/null ||
        { cat "$PG_TMP/server.log" >&2; exit 2; }
    export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "test.sh: throwaway PostgreSQL at $TEST_DATABASE_URL" >&2
}

stop_postgres() {
    "${PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
}

if [ -z "${TEST_DATABASE_URL:-}" ]; then
    start_postgres
fi
log=$(mktemp /tmp/retort-test.XXXXXX)
# Tests that skip work (no PostgreSQL, no real-schemas folder...) append a line here; counted
# after the run, so skips show without --nocapture.
skip_dir="${CARGO_TARGET_DIR:-target}/tmp"
mkdir -p "$skip_dir"
export RETORT_SKIP_LOG="$(cd "$skip_dir" && pwd)/retort-skipped.log"
: >"$RETORT_SKIP_LOG"
status=0
if command -v cargo-nextest >/dev/null 2>&1; then
    # cargo-nextest runs the tests (each in its own process) and times each one; it cannot run
    # doctests, which `cargo test --doc` runs after it on a whole-suite run (no arguments).
    # Output captured by nextest is shown for failures; skips are listed again below.
    cargo nextest run --workspace --locked --no-fail-fast --status-level pass \
        --final-status-level none "$@" 2>&1 | tee "$log" || status=$?
    if [ $# -eq 0 ]; then
        cargo test --workspace --locked --doc 2>&1 | tee -a "$log" || status=$?
    fi
else
    cargo test --workspace --locked "$@" 2>&1 | tee "$log" || status=$?
fi
# What skipped, one line each (nextest shows a passing test's output only on request).
awk -F '\t' '{ printf "SKIPPED (%s): %s: %s\n", $1, $2, $3 }' "$RETORT_SKIP_LOG" | sort -u
# The ten slowest tests, from nextest's `PASS [   1.234s] binary test` lines.
awk 'match($0, /(PASS|FAIL|LEAK|TIMEOUT|SIGSEGV|SIGABRT|SIGKILL|ABORT)[A-Z-]* +\[ *[0-9.]+s\]/) {
         line = substr($0, RSTART); secs = line; sub(/^[^[]*\[ */, "", secs); sub(/s\].*/, "", secs)
         name = line; sub(/^[^]]*\] */, "", name); sub(/^\([ 0-9]+\/[0-9]+\) */, "", name)
         printf "%10.3fs  %s\n", secs, name }' "$log" | sort -rn | head -10 >"$log.slow" || true
if [ -s "$log.slow" ]; then
    echo "slowest tests:"
    cat "$log.slow"
fi
rm -f "$log.slow"
scripts/skipped.sh "$RETORT_SKIP_LOG"
# One closing line for the whole run: nextest's summary (`N tests run: N passed, N failed`) and
# cargo's result lines (one per test binary, doctests).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     / Summary \[/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "total: %d passed, %d failed\n", p, f }' "$log"
rm -f "$log"
exit "$status"
