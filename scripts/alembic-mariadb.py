# Runs ../shared/bench/alembic_compare.py (the Alembic anchor of README's Performance) on a
# MariaDB or MySQL database: the script is run unchanged except for the probe that its database
# is empty, which it writes for PostgreSQL and SQLite (pg_tables); here information_schema.
#
#   /tmp/alembic-venv/bin/python scripts/alembic-mariadb.py SCRIPT N mysql+pymysql://root@127.0.0.1:3306/DB
import sys

script, n, url = sys.argv[1:4]
source = open(script, encoding="utf-8").read()
probe = "select count(*) from pg_tables where schemaname = 'public'"
if probe not in source:
    sys.exit(f"{script}: its empty-database probe changed ({probe!r} not found): update {sys.argv[0]}")
source = source.replace(
    probe, "select count(*) from information_schema.tables where table_schema = database()"
)
sys.argv = [script, n, url]
exec(compile(source, script, "exec"), {"__name__": "__main__"})
