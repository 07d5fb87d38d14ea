#!/usr/bin/env bash
# Runs Retort's whole test suite: unit tests, derive UI tests, and the integration tests that
# drive the real CLI on real SQLite files and a real PostgreSQL server. This is the README's
# test command; CI runs it.
#
# PostgreSQL: with TEST_DATABASE_URL set (a role that may CREATE DATABASE), the tests use that
# server. Otherwise this script starts a throwaway cluster from the machine's initdb/pg_ctl on
# a free loopback port, in a temporary directory, and stops and deletes it when the tests end.
# Missing server binaries are installed with apt-get when running as root. The throwaway cluster
# also gets a hot standby streaming from it (pg_basebackup -R, another port): TEST_REPLICA_URL.
# With a TEST_DATABASE_URL of your own, set TEST_REPLICA_URL to a standby of that server, or the
# standby's tests skip (under CI=true they fail).
#
# MariaDB: likewise, TEST_MYSQL_URL (a user that may CREATE DATABASE) names a server of your
# own; otherwise a throwaway MariaDB (mariadb-install-db + mariadbd, as the mysql user when root)
# runs on another free loopback port in a temporary directory, without durability (nothing to
# keep), and is stopped and deleted at the end.
#
# Galera: TEST_GALERA_URLS (three mysql:// URLs, comma-separated, one per node of one cluster)
# names a cluster of your own; otherwise scripts/galera.sh starts a throwaway three-node MariaDB
# Galera cluster on loopback (galera-4, rsync state transfer) in a temporary directory, exports
# its URLs and TEST_GALERA_DIR (for the tests that kill and restart a node), and stops and
# deletes it at the end. Under CI=true a cluster that cannot start fails the run.
#
# pgbouncer: with the throwaway PostgreSQL, scripts/pgbouncer.sh starts a pgbouncer in
# transaction pooling mode in front of it (TEST_PGBOUNCER_URL; set it to one of your own in front
# of your TEST_DATABASE_URL), installed with apt-get when missing. Under CI=true a pgbouncer that
# cannot start fails the run.
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

# A loopback port nothing uses: no listener, and (where `ss` is there) no socket of any state
# bound to it (a server still starting, a connection in TIME-WAIT). Starts at an offset drawn
# from this script's pid, so test runs started together rarely try the same port.
free_port() {
    local base=${1:-55432} port i
    for i in $(seq 0 199); do
        port=$(( base + ( $$ + i ) % 200 ))
        if command -v ss >/dev/null 2>&1 && [ -n "$(ss -Htan "( sport = :$port )" 2>/dev/null)" ]; then
            continue
        fi
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
    trap stop_servers EXIT
    "${run_as[@]}" "$bin/initdb" -D "$PG_TMP/data" -U postgres -A trust --no-sync -E UTF8 >"$PG_TMP/initdb.log" 2>&1 ||
        { cat "$PG_TMP/initdb.log" >&2; exit 2; }
    "${run_as[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_TMP -c fsync=off -c max_connections=200" start >/dev/null ||
        { cat "$PG_TMP/server.log" >&2; exit 2; }
    export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "test.sh: throwaway PostgreSQL at $TEST_DATABASE_URL" >&2
    # A hot standby streaming from it (read-only; `check` against a replica): a base backup
    # that writes its own standby.signal and primary_conninfo (-R), on a port of its own.
    local rport
    rport=$(free_port 56432)
    PG_REPLICA_STOP=("${run_as[@]}" "$bin/pg_ctl" -D "$PG_TMP/replica" -m immediate -w stop)
    if "${run_as[@]}" "$bin/pg_basebackup" -D "$PG_TMP/replica" -R -X stream -h 127.0.0.1 -p "$port" \
            -U postgres --no-sync >"$PG_TMP/basebackup.log" 2>&1 &&
        "${run_as[@]}" "$bin/pg_ctl" -D "$PG_TMP/replica" -l "$PG_TMP/replica.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $rport -k $PG_TMP -c fsync=off -c hot_standby=on -c max_connections=200" \
            start >/dev/null; then
        export TEST_REPLICA_URL="postgres://postgres@127.0.0.1:$rport/postgres"
        echo "test.sh: its hot standby at $TEST_REPLICA_URL" >&2
    else
        cat "$PG_TMP/basebackup.log" "$PG_TMP/replica.log" >&2 2>/dev/null
        echo "test.sh: the PostgreSQL standby did not start" >&2
        exit 2
    fi
}

stop_postgres() {
    [ -n "${PG_TMP:-}" ] || return 0
    [ -z "${PG_REPLICA_STOP+x}" ] || "${PG_REPLICA_STOP[@]}" >/dev/null 2>&1 || true
    "${PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
}

mariadbd_bin() {
    command -v mariadb-install-db >/dev/null 2>&1 || return 1
    # The client library's headers, which the tests' build links (the mysql feature).
    command -v mariadb_config >/dev/null 2>&1 || command -v mysql_config >/dev/null 2>&1 || return 1
    command -v mariadbd 2>/dev/null && return 0
    [ -x /usr/sbin/mariadbd ] && { echo /usr/sbin/mariadbd; return 0; }
    return 1
}

start_mariadb() {
    local mariadbd port run_as=() i
    if ! mariadbd=$(mariadbd_bin); then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "test.sh: installing MariaDB (apt-get install mariadb-server libmariadb-dev)" >&2
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server libmariadb-dev >/dev/null
        else
            echo "test.sh: no mariadb-install-db/mariadbd found; install MariaDB (apt-get install mariadb-server) or set TEST_MYSQL_URL" >&2
            exit 2
        fi
        mariadbd=$(mariadbd_bin)
    fi
    MY_TMP=$(mktemp -d /tmp/retort-mariadb.XXXXXX)
    port=$(free_port 53306)
    if [ "$(id -u)" = 0 ]; then
        # mariadbd refuses to run as root: the data directory belongs to the mysql user.
        id mysql >/dev/null 2>&1 || useradd --system --no-create-home mysql
        chown mysql "$MY_TMP"
        run_as=(runuser -u mysql --)
    fi
    # Throwaway: no binary log, no fsync, small buffers; root reachable over TCP without a
    # password (granted below), nothing else listening.
    cat >"$MY_TMP/my.cnf" <<CNF
[mariadbd]
datadir=$MY_TMP/data
socket=$MY_TMP/mysqld.sock
pid-file=$MY_TMP/mysqld.pid
tmpdir=$MY_TMP/tmp
bind-address=127.0.0.1
port=$port
skip-log-bin
skip-name-resolve
innodb_flush_log_at_trx_commit=0
innodb_doublewrite=0
innodb_flush_method=nosync
innodb_buffer_pool_size=128M
innodb_log_file_size=48M
sync_frm=0
max_connections=300
character-set-server=utf8mb4
collation-server=utf8mb4_general_ci
CNF
    chmod 644 "$MY_TMP/my.cnf"
    # Its own temporary files (a shared /tmp sweeper must not delete them under it).
    mkdir -p "$MY_TMP/tmp" && [ -z "${run_as[*]}" ] || chown mysql "$MY_TMP/tmp"
    "${run_as[@]}" mariadb-install-db --defaults-file="$MY_TMP/my.cnf" --auth-root-authentication-method=normal \
        --skip-test-db >"$MY_TMP/install.log" 2>&1 || { cat "$MY_TMP/install.log" >&2; exit 2; }
    "${run_as[@]}" "$mariadbd" --defaults-file="$MY_TMP/my.cnf" >"$MY_TMP/server.log" 2>&1 &
    MY_PID=$!
    for i in $(seq 1 120); do
        [ -S "$MY_TMP/mysqld.sock" ] && mariadb --no-defaults -S "$MY_TMP/mysqld.sock" -u root -e 'SELECT 1' >/dev/null 2>&1 && break
        kill -0 "$MY_PID" 2>/dev/null || { cat "$MY_TMP/server.log" >&2; exit 2; }
        sleep 0.5
    done
    # A root account for TCP connections from loopback, without a password (the socket one
    # exists already).
    mariadb --no-defaults -S "$MY_TMP/mysqld.sock" -u root -e \
        "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; CREATE USER IF NOT EXISTS 'root'@'localhost'; GRANT ALL ON *.* TO 'root'@'localhost' WITH GRANT OPTION;" ||
        { cat "$MY_TMP/server.log" >&2; exit 2; }
    export TEST_MYSQL_URL="mysql://root@127.0.0.1:$port/"
    echo "test.sh: throwaway MariaDB at $TEST_MYSQL_URL" >&2
}

stop_mariadb() {
    [ -n "${MY_TMP:-}" ] || return 0
    # The server's own pid (MY_PID may be runuser's).
    local pid
    pid=$(cat "$MY_TMP/mysqld.pid" 2>/dev/null || echo "${MY_PID:-}")
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$MY_TMP"
}

start_galera() {
    if [ ! -e /usr/lib/galera/libgalera_smm.so ] || ! command -v rsync >/dev/null 2>&1 ||
        ! command -v lsof >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "test.sh: installing Galera (apt-get install galera-4 rsync lsof)" >&2
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq galera-4 rsync lsof >/dev/null
        fi
    fi
    GALERA_TMP=$(mktemp -d /tmp/retort-galera.XXXXXX)
    local urls
    # A joiner's rsync state transfer now and then fails to start (EBUSY): one more try, on
    # fresh directories and ports.
    if ! urls=$(scripts/galera.sh start "$GALERA_TMP"); then
        echo "test.sh: the Galera cluster did not start; trying once more" >&2
        scripts/galera.sh stop "$GALERA_TMP" || true
        GALERA_TMP=$(mktemp -d /tmp/retort-galera.XXXXXX)
        urls=$(scripts/galera.sh start "$GALERA_TMP") || urls=
    fi
    if [ -n "$urls" ]; then
        export TEST_GALERA_URLS="$urls" TEST_GALERA_DIR="$GALERA_TMP"
        echo "test.sh: throwaway Galera cluster at $TEST_GALERA_URLS" >&2
    elif [ "${CI:-}" = true ]; then
        echo "test.sh: the Galera cluster did not start (install galera-4, rsync and lsof, or set TEST_GALERA_URLS)" >&2
        exit 2
    else
        echo "test.sh: the Galera cluster did not start; its tests skip (no Galera)" >&2
        scripts/galera.sh stop "$GALERA_TMP" || true
        GALERA_TMP=
    fi
}

stop_galera() {
    [ -n "${GALERA_TMP:-}" ] || return 0
    scripts/galera.sh stop "$GALERA_TMP" >/dev/null 2>&1 || true
}

# pgbouncer in transaction pooling mode in front of the throwaway PostgreSQL (the tests of
# runs through a pooler): TEST_PGBOUNCER_URL. Installed with apt-get when missing (as root).
start_pgbouncer() {
    if ! command -v pgbouncer >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "test.sh: installing pgbouncer (apt-get install pgbouncer)" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
    fi
    local port=${TEST_DATABASE_URL##*:}
    port=${port%%/*}
    PGB_TMP=$(mktemp -d /tmp/retort-pgbouncer.XXXXXX)
    local url
    if command -v pgbouncer >/dev/null 2>&1 && url=$(scripts/pgbouncer.sh start "$PGB_TMP" 127.0.0.1 "$port"); then
        export TEST_PGBOUNCER_URL="$url"
        echo "test.sh: pgbouncer (transaction pooling) at $TEST_PGBOUNCER_URL" >&2
    elif [ "${CI:-}" = true ]; then
        echo "test.sh: pgbouncer did not start (install pgbouncer, or set TEST_PGBOUNCER_URL)" >&2
        exit 2
    else
        echo "test.sh: pgbouncer did not start; its tests skip (no pgbouncer)" >&2
    fi
}

stop_pgbouncer() {
    [ -n "${PGB_TMP:-}" ] || return 0
    scripts/pgbouncer.sh stop "$PGB_TMP" >/dev/null 2>&1 || true
    rm -rf "$PGB_TMP"
}

stop_servers() {
    stop_pgbouncer
    stop_postgres
    stop_mariadb
    stop_galera
}

trap stop_servers EXIT
if [ -z "${TEST_DATABASE_URL:-}" ]; then
    start_postgres
    [ -n "${TEST_PGBOUNCER_URL:-}" ] || start_pgbouncer
fi
# `scripts/test.sh bench ARGS...` runs `cargo bench ARGS...` instead of the tests, with the
# throwaway PostgreSQL (and its pgbouncer) only: the fleet benchmark (README "Many databases").
bench=
if [ "${1:-}" = bench ]; then
    bench=1
    shift
fi
if [ -z "$bench" ] && [ -z "${TEST_MYSQL_URL:-}" ]; then
    start_mariadb
fi
if [ -z "$bench" ] && [ -z "${TEST_GALERA_URLS:-}" ]; then
    start_galera
fi
log=$(mktemp /tmp/retort-test.XXXXXX)
# Tests that skip work (no PostgreSQL, no real-schemas folder...) append a line here; counted
# after the run, so skips show without --nocapture.
skip_dir="${CARGO_TARGET_DIR:-target}/tmp"
mkdir -p "$skip_dir"
export RETORT_SKIP_LOG="$(cd "$skip_dir" && pwd)/retort-skipped.log"
: >"$RETORT_SKIP_LOG"
status=0
if [ -n "$bench" ]; then
    cargo bench --locked "$@" 2>&1 | tee "$log" || status=$?
elif command -v cargo-nextest >/dev/null 2>&1; then
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
