#!/usr/bin/env bash
# A throwaway three-node MariaDB Galera cluster on loopback, for Retort's tests.
#
#   scripts/galera.sh start DIR     initialise and start the cluster in DIR (created, empty):
#                                   node 1 bootstraps (--wsrep-new-cluster), nodes 2 and 3 join
#                                   with an rsync state transfer; prints the three SQL URLs,
#                                   comma-separated
#   scripts/galera.sh kill DIR N    SIGKILL node N's mariadbd (a crash: no goodbye to the group)
#   scripts/galera.sh start-node DIR N
#                                   start node N again (it rejoins: IST, or SST when it must) and
#                                   wait until it is synced
#   scripts/galera.sh stop DIR      stop every node and delete DIR
#
# Every node has its own SQL, group communication (gcomm), IST and SST port, chosen free on
# 127.0.0.1 from 23306 (GALERA_BASE_PORT), below Linux's ephemeral range (32768 on), so no
# client's connection takes a stopped node's port; DIR belongs to the mysql user (mariadbd refuses to run as root). Nothing is kept:
# no fsync, small buffers, a small gcache, short failure detection (a killed node leaves the
# group within about 8 s, not so quickly that a loaded machine looks like a dead node).
set -euo pipefail

GALERA_PROVIDER=${GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}
PICKED=" "

# A free loopback port from $1 up, not one picked already by this script, into PORT.
pick_port() {
    local port
    for port in $(seq "$1" "$(($1 + 400))"); do
        case "$PICKED" in *" $port "*) continue ;; esac
        # Nobody listens there, and no socket of any state holds it (a client's local port in
        # TIME-WAIT makes the server's bind fail too).
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null &&
            { ! command -v ss >/dev/null 2>&1 || [ -z "$(ss -Htan "sport = :$port")" ]; }; then
            PICKED="$PICKED$port "
            PORT=$port
            return 0
        fi
    done
    echo "galera.sh: no free port from $1" >&2
    return 1
}

mariadbd_path() {
    command -v mariadbd 2>/dev/null && return 0
    [ -x /usr/sbin/mariadbd ] && { echo /usr/sbin/mariadbd; return 0; }
    echo "galera.sh: mariadbd not found (apt-get install mariadb-server)" >&2
    return 1
}

run_as_mysql() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u mysql -- "$@"
    else
        "$@"
    fi
}

node_sql() { # DIR N SQL...
    local dir=$1 n=$2
    shift 2
    mariadb --no-defaults -S "$dir/node$n/mysqld.sock" -u root -N -B -e "$*"
}

status_of() { # DIR N VARIABLE
    node_sql "$1" "$2" "SHOW GLOBAL STATUS LIKE '$3'" 2>/dev/null | awk '{ print $2 }'
}

# Starts node N's mariadbd in the background (extra arguments passed on).
launch() {
    local dir=$1 n=$2
    shift 2
    local mariadbd
    mariadbd=$(mariadbd_path)
    # setsid: the node is no child of the caller's process group (a test's kill of its own
    # group leaves the cluster alone).
    run_as_mysql setsid "$mariadbd" --defaults-file="$dir/node$n/my.cnf" "$@" \
        >>"$dir/node$n/server.log" 2>&1 </dev/null &
    echo $! >"$dir/node$n/launcher.pid"
}

# Waits until node N is synced with the cluster (wsrep_local_state_comment Synced, ready).
wait_synced() {
    local dir=$1 n=$2 i
    for i in $(seq 1 240); do
        if [ "$(status_of "$dir" "$n" wsrep_local_state_comment)" = Synced ] &&
            [ "$(status_of "$dir" "$n" wsrep_ready)" = ON ]; then
            return 0
        fi
        kill -0 "$(cat "$dir/node$n/launcher.pid")" 2>/dev/null || break
        sleep 0.25
    done
    echo "galera.sh: node $n did not reach Synced (it stopped, or 60 s passed); its log:" >&2
    tail -n 40 "$dir/node$n/server.log" >&2
    return 1
}

write_config() {
    local dir=$1 n=$2 sql=$3 gcomm=$4 ist=$5 sst=$6 members=$7
    mkdir -p "$dir/node$n/data"
    cat >"$dir/node$n/my.cnf" <<CNF
[mariadbd]
datadir=$dir/node$n/data
socket=$dir/node$n/mysqld.sock
pid-file=$dir/node$n/mysqld.pid
bind-address=127.0.0.1
port=$sql
skip-name-resolve
skip-log-bin
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
innodb_flush_log_at_trx_commit=0
innodb_doublewrite=0
innodb_flush_method=nosync
innodb_buffer_pool_size=32M
innodb_log_file_size=16M
sync_frm=0
performance_schema=OFF
max_connections=200
character-set-server=utf8mb4
collation-server=utf8mb4_general_ci
wsrep_on=ON
wsrep_provider=$GALERA_PROVIDER
wsrep_cluster_name=retort_test
wsrep_cluster_address=gcomm://$members
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$gcomm
wsrep_node_incoming_address=127.0.0.1:$sql
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$sst
wsrep_slave_threads=2
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$gcomm; ist.recv_addr=127.0.0.1:$ist; gcache.size=16M; gcache.page_size=16M; evs.keepalive_period=PT0.5S; evs.inactive_check_period=PT0.5S; evs.suspect_timeout=PT5S; evs.inactive_timeout=PT8S; evs.install_timeout=PT8S; pc.weight=1"
CNF
    chmod 644 "$dir/node$n/my.cnf"
}

start_cluster() {
    # From the script's pid on, so that two test runs starting clusters at once rarely pick
    # the same free ports before either binds them.
    local dir=$1 n base=${GALERA_BASE_PORT:-$((23306 + ($$ % 50) * 8))}
    local sql=() gcomm=() ist=() sst=() members=""
    for n in 1 2 3; do
        pick_port "$base" && sql[n]=$PORT
        pick_port $((base + 1000)) && gcomm[n]=$PORT
        pick_port $((base + 2000)) && ist[n]=$PORT
        pick_port $((base + 3000)) && sst[n]=$PORT
        members="$members${members:+,}127.0.0.1:${gcomm[n]}"
    done
    mkdir -p "$dir"
    chmod 755 "$dir"
    if [ "$(id -u)" = 0 ]; then
        id mysql >/dev/null 2>&1 || useradd --system --no-create-home mysql
    fi
    for n in 1 2 3; do
        write_config "$dir" "$n" "${sql[n]}" "${gcomm[n]}" "${ist[n]}" "${sst[n]}" "$members"
    done
    [ "$(id -u)" = 0 ] && chown -R mysql "$dir"
    # Only the bootstrap node is initialised: the joiners receive its data directory (SST).
    run_as_mysql mariadb-install-db --defaults-file="$dir/node1/my.cnf" --auth-root-authentication-method=normal \
        --skip-test-db --wsrep-on=OFF >"$dir/node1/install.log" 2>&1 ||
        { cat "$dir/node1/install.log" >&2; return 1; }
    launch "$dir" 1 --wsrep-new-cluster
    wait_synced "$dir" 1
    # Root over loopback TCP without a password; replicated to the joiners.
    node_sql "$dir" 1 "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; CREATE USER IF NOT EXISTS 'root'@'localhost'; GRANT ALL ON *.* TO 'root'@'localhost' WITH GRANT OPTION;"
    # One joiner at a time: the donor serves one state transfer at once.
    for n in 2 3; do
        launch "$dir" "$n"
        wait_synced "$dir" "$n"
    done
    local size
    size=$(status_of "$dir" 1 wsrep_cluster_size)
    [ "$size" = 3 ] || { echo "galera.sh: cluster size $size, not 3" >&2; return 1; }
    echo "mysql://root@127.0.0.1:${sql[1]}/,mysql://root@127.0.0.1:${sql[2]}/,mysql://root@127.0.0.1:${sql[3]}/"
}

node_pid() {
    cat "$1/node$2/mysqld.pid" 2>/dev/null
}

kill_node() {
    local pid
    pid=$(node_pid "$1" "$2") || { echo "galera.sh: node $2 is not running" >&2; return 1; }
    kill -9 "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$1/node$2/mysqld.pid" "$1/node$2/mysqld.sock"
}

start_node() {
    # Fresh state-transfer and group ports: the ones of its first join may still be held (TIME-WAIT),
    # and rsync's daemon then cannot bind (wsrep_sst_rsync exits 16, EBUSY).
    local cnf="$1/node$2/my.cnf" base=${GALERA_BASE_PORT:-23306}
    PICKED=" $(grep -o '[0-9]\{4,5\}' "$1"/node*/my.cnf | cut -d: -f2 | tr '\n' ' ') "
    # And a fresh group communication port: the killed node's sockets on its old one linger in
    # TIME-WAIT, and gcomm cannot listen there again ("Address already in use"). The others
    # learn the new one when it connects to them.
    pick_port $((base + 1000)) &&
        sed -i -e "s/gmcast.listen_addr=tcp:\/\/127.0.0.1:[0-9]*/gmcast.listen_addr=tcp:\/\/127.0.0.1:$PORT/" \
            -e "s/^wsrep_node_address=127.0.0.1:[0-9]*/wsrep_node_address=127.0.0.1:$PORT/" "$cnf"
    pick_port $((base + 2000)) && sed -i "s/ist.recv_addr=127.0.0.1:[0-9]*/ist.recv_addr=127.0.0.1:$PORT/" "$cnf"
    pick_port $((base + 3000)) && sed -i "s/^wsrep_sst_receive_address=127.0.0.1:[0-9]*/wsrep_sst_receive_address=127.0.0.1:$PORT/" "$cnf"
    # It joins the running cluster: its saved primary component (pc.recovery's gvwstate.dat,
    # written under its old group address) would be "not consistent" with the group now.
    rm -f "$1/node$2/data/gvwstate.dat"
    launch "$1" "$2"
    wait_synced "$1" "$2"
}

stop_cluster() {
    local dir=$1 n pid pids=()
    [ -d "$dir" ] || return 0
    for n in 3 2 1; do
        pid=$(node_pid "$dir" "$n") || continue
        kill "$pid" 2>/dev/null && pids+=("$pid")
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$dir"
}

case "${1:-}" in
start) start_cluster "$2" ;;
kill) kill_node "$2" "$3" ;;
start-node) start_node "$2" "$3" ;;
stop) stop_cluster "$2" ;;
*)
    echo "usage: scripts/galera.sh start|stop DIR | kill|start-node DIR N" >&2
    exit 2
    ;;
esac
