#!/usr/bin/env bash
# The README's performance comparison, in one run on one PostgreSQL server: Retort's autogenerate
# benchmark (SQLite and PostgreSQL, with its phases), the "psql floor" (three plain catalog
# queries through psql: columns with their types and defaults, constraints with
# pg_get_constraintdef, indexes with pg_get_indexdef) on the same N tables, and Alembic's
# compare_metadata (../shared/bench/alembic_compare.py) when its virtualenv exists.
#
#   scripts/bench-compare.sh postgres://postgres@127.0.0.1:5432/postgres 1000 10000
#
# The role must be allowed to CREATE DATABASE; every database made here is dropped again.
set -euo pipefail
cd "$(dirname "$0")/.."
server=${1:?usage: scripts/bench-compare.sh SERVER_URL N...}
shift
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000)
alembic_py=${ALEMBIC_PYTHON:-/tmp/alembic-venv/bin/python}
alembic_script=${ALEMBIC_SCRIPT:-../shared/bench/alembic_compare.py}
db_url() { echo "${server%/*}/$1"; }

echo "== $(date -u +%F) on $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), load $(cut -d' ' -f1-3 /proc/loadavg)"
BENCH_DATABASE_URL=$server cargo bench -q -p retort --bench autogenerate -- "${sizes[@]}" 2>&1 |
    grep -v '^\s*Running\|^\s*Finished'

for n in "${sizes[@]}"; do
    db="retort_floor_$$_$n"
    psql "$server" -qc "CREATE DATABASE $db"
    python3 - "$n" <<'EOF' | psql "$(db_url "$db")" -q -v ON_ERROR_STOP=1 >/dev/null
import sys
n = int(sys.argv[1])
print("BEGIN;")
for i in range(n):
    fk = (f", parent_id BIGINT, CONSTRAINT fk_t{i}_parent_id_t{i-1} FOREIGN KEY (parent_id) "
          f"REFERENCES t{i-1}(id) ON DELETE CASCADE") if i else ""
    print(f"CREATE TABLE t{i} (id BIGINT NOT NULL, name VARCHAR(100) NOT NULL, "
          f"email VARCHAR(255) NOT NULL, bio TEXT, active BOOLEAN NOT NULL DEFAULT true, "
          f"score INTEGER, created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP, "
          f"updated_at TIMESTAMPTZ, CONSTRAINT t{i}_pkey PRIMARY KEY (id){fk});")
    print(f"CREATE UNIQUE INDEX uq_t{i}_email ON t{i} (email); CREATE INDEX ix_t{i}_name ON t{i} (name);")
    if i % 500 == 499:
        print("COMMIT; BEGIN;")
print("COMMIT;")
EOF
    floor="SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1, a.attnum;
SELECT c.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1, 2;
SELECT c.relname, i.relname, pg_get_indexdef(ix.indexrelid) FROM pg_index ix JOIN pg_class c ON c.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1, 2;"
    for run in 1 2; do
        start=$(date +%s.%N)
        psql "$(db_url "$db")" -qAt -c "$floor" >/dev/null
        end=$(date +%s.%N)
        echo "psql-floor n=$n run=$run seconds=$(echo "$end - $start" | bc)"
    done
    psql "$server" -qc "DROP DATABASE $db WITH (FORCE)"
    if [ -x "$alembic_py" ] && [ -f "$alembic_script" ]; then
        db="retort_alembic_$$_$n"
        psql "$server" -qc "CREATE DATABASE $db"
        "$alembic_py" "$alembic_script" "$n" "$(db_url "$db" | sed 's|^postgres://|postgresql+psycopg2://|')" || true
        psql "$server" -qc "DROP DATABASE $db WITH (FORCE)"
    else
        echo "alembic: $alembic_py or $alembic_script missing (see README, Performance)"
    fi
done
