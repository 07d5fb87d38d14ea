#!/usr/bin/env bash
# A throwaway pgbouncer in transaction pooling mode in front of a PostgreSQL server, for the
# tests of runs through a connection pooler (scripts/test.sh starts it: TEST_PGBOUNCER_URL).
#
#   scripts/pgbouncer.sh start DIR PGHOST PGPORT   prints the URL of pgbouncer's `postgres`
#                                                  database (any database name is passed on)
#   scripts/pgbouncer.sh stop DIR
#
# Every database of the server is reachable through it under its own name (`* =`), as the
# server's user `postgres`, without a password (auth_type = trust; the user is listed in an
# auth file, which pgbouncer requires). It listens on a free loopback port.
set -euo pipefail

free_port() {
    local base=$1 port i
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

case "${1:-}" in
start)
    dir=$2 pghost=$3 pgport=$4
    port=$(free_port 57432)
    cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=$pghost port=$pgport

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 400
default_pool_size = 20
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
    echo '"postgres" ""' >"$dir/userlist.txt"
    run_as=()
    if [ "$(id -u)" = 0 ]; then
        # pgbouncer refuses to run as root.
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$dir" "$dir/pgbouncer.ini" "$dir/userlist.txt"
        run_as=(runuser -u postgres --)
    fi
    "${run_as[@]}" pgbouncer -d "$dir/pgbouncer.ini" >"$dir/start.log" 2>&1 ||
        { cat "$dir/start.log" "$dir/pgbouncer.log" >&2 2>/dev/null; exit 2; }
    for _ in $(seq 1 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { echo "postgres://postgres@127.0.0.1:$port/postgres"; exit 0; }
        sleep 0.1
    done
    cat "$dir/pgbouncer.log" >&2 2>/dev/null
    exit 2
    ;;
stop)
    dir=$2
    pid=$(cat "$dir/pgbouncer.pid" 2>/dev/null || true)
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    ;;
*)
    echo "usage: $0 start DIR PGHOST PGPORT | stop DIR" >&2
    exit 2
    ;;
esac
