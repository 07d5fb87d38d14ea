#!/usr/bin/env bash
# The README's performance comparison on MariaDB, in one run on one server: Retort's
# autogenerate benchmark on MariaDB (with its phases), Alembic's compare_metadata
# (../shared/bench/alembic_compare.py, through scripts/alembic-mariadb.py, with PyMySQL) on the
# same N tables, and the "client floor": the five information_schema queries Retort's
# introspection sends, sent through the `mariadb` client to Alembic's database once Alembic is
# done (the same tables, columns, keys and indexes).
#
#   scripts/bench-compare-mariadb.sh mysql://root@127.0.0.1:3306/ 1000 10000
#
# The user must be allowed to CREATE DATABASE; every database made here is dropped again. The
# Alembic virtualenv: python3 -m venv /tmp/alembic-venv &&
# /tmp/alembic-venv/bin/pip install alembic sqlalchemy pymysql
set -euo pipefail
cd "$(dirname "$0")/.."
server=${1:?usage: scripts/bench-compare-mariadb.sh mysql://USER@HOST:PORT/ N...}
shift
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000)
alembic_py=${ALEMBIC_PYTHON:-/tmp/alembic-venv/bin/python}
alembic_script=${ALEMBIC_SCRIPT:-../shared/bench/alembic_compare.py}
# mysql://USER[:PASSWORD]@HOST[:PORT]/ for the mariadb client.
rest=${server#*://}
userinfo=${rest%%@*}
hostport=${rest#*@}
hostport=${hostport%%/*}
user=${userinfo%%:*}
password=
[ "$userinfo" = "$user" ] || password=${userinfo#*:}
host=${hostport%%:*}
port=3306
[ "$hostport" = "$host" ] || port=${hostport#*:}
client() { MYSQL_PWD=$password mariadb --no-defaults -h "$host" -P "$port" -u "$user" "$@"; }

echo "== $(date -u +%F) on $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), load $(cut -d' ' -f1-3 /proc/loadavg), $(client -Nse 'SELECT VERSION()')"
BENCH_MYSQL_URL=$server BENCH_ONLY=mariadb cargo bench -q -p retort --features mysql \
    --bench autogenerate -- "${sizes[@]}" 2>&1 | grep --line-buffered -v '^\s*Running\|^\s*Finished'

floor="SELECT TABLE_NAME, TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME;
SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT, GENERATION_EXPRESSION FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION;
SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, INDEX_TYPE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX;
SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE FROM information_schema.KEY_COLUMN_USAGE k JOIN (SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() LIMIT 18446744073709551615) r ON r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL ORDER BY 1, 2, k.ORDINAL_POSITION;
SELECT TABLE_NAME, CONSTRAINT_NAME, LEVEL, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY TABLE_NAME, CONSTRAINT_NAME;"

for n in "${sizes[@]}"; do
    if [ -x "$alembic_py" ] && [ -f "$alembic_script" ] && "$alembic_py" -c 'import pymysql' 2>/dev/null; then
        db="retort_alembic_$$_$n"
        client -e "CREATE DATABASE \`$db\`"
        "$alembic_py" scripts/alembic-mariadb.py "$alembic_script" "$n" \
            "$(echo "${server%/*}/$db" | sed 's|^[a-z]*://|mysql+pymysql://|')" || true
        for run in 1 2; do
            start=$(date +%s.%N)
            client -N "$db" -e "$floor" >/dev/null
            end=$(date +%s.%N)
            echo "client-floor n=$n run=$run seconds=$(echo "$end - $start" | bc)"
        done
        client -e "DROP DATABASE \`$db\`"
    else
        echo "alembic: $alembic_py (with pymysql) or $alembic_script missing (see README, Performance)"
    fi
done
