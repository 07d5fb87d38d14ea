//! What introspection costs (issue 22): the same few statements whatever the schema size, on
//! both backends; and PostgreSQL's index introspection, which spells one index per shape with
//! `pg_get_indexdef` and lets it decide the others, reads every index exactly as comparing its
//! own `pg_get_indexdef` with a plain index's definition would; and its defaults, spelled
//! without their table where they name no column, read as `pg_get_expr` with the table spells
//! them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use diesel::connection::InstrumentationEvent;
use diesel::pg::PgConnection;
use diesel::sql_types::{Bool, Text};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection as _, QueryableByName, RunQueryDsl};
use retort::db::Connection;

use crate::support::{Backend, Project};

/// Counts the statements sent through `conn`.
fn counting<C: diesel::Connection>(conn: &mut C) -> Arc<AtomicUsize> {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    count
}

/// `n` tables like the benchmark's: a key, a unique index, a plain index, a foreign key to the
/// previous table, a default; every third one an index that is not plain and a check.
fn tables(n: usize) -> String {
    (0..n)
        .map(|i| {
            let fk = if i > 0 {
                format!(
                    ", parent_id BIGINT REFERENCES t{}(id) ON DELETE CASCADE",
                    i - 1
                )
            } else {
                String::new()
            };
            let (check, odd) = if i % 3 == 0 {
                (
                    format!(", CONSTRAINT ck_t{i} CHECK (score >= 0)"),
                    format!("CREATE INDEX ix_t{i}_lower ON t{i} (lower(name));\n"),
                )
            } else {
                (String::new(), String::new())
            };
            format!(
                "CREATE TABLE t{i} (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, \
                 email TEXT NOT NULL, score INTEGER DEFAULT 0{fk}{check});\n\
                 CREATE UNIQUE INDEX uq_t{i}_email ON t{i} (email);\n\
                 CREATE INDEX ix_t{i}_name ON t{i} (name);\n{odd}"
            )
        })
        .collect()
}

/// The statements one introspection of a project holding `n` tables sends.
fn statements(backend: Backend, n: usize) -> Option<usize> {
    let p = Project::on(backend)?;
    p.execute(&tables(n));
    let (count, schema) = match backend {
        Backend::Postgres => {
            let mut raw = PgConnection::establish(&p.url).expect("connect");
            let count = counting(&mut raw);
            let mut conn = Connection::from(raw);
            (count, conn.introspect().expect("introspect"))
        }
        Backend::Sqlite => {
            let path = p.path().join("retort.db");
            let mut raw = SqliteConnection::establish(path.to_str().unwrap()).expect("open");
            let count = counting(&mut raw);
            let mut conn = Connection::from(raw);
            (count, conn.introspect().expect("introspect"))
        }
    };
    assert_eq!(schema.tables.len(), n);
    let last = &schema.tables[&format!("t{}", n - 1)];
    assert_eq!(last.foreign_keys.len(), usize::from(n > 1));
    assert!(last
        .indexes
        .iter()
        .any(|i| i.name == format!("ix_t{}_name", n - 1)));
    let sent = count.load(Ordering::SeqCst);
    Some(sent)
}

fn introspection_sends_the_same_statements_whatever_the_schema_size(backend: Backend) {
    let Some(one) = statements(backend, 1) else {
        return;
    };
    let many = statements(backend, 60).expect("the backend was there a moment ago");
    assert_eq!(
        one, many,
        "{backend:?}: 1 table: {one} statements, 60: {many}"
    );
    assert!(one <= 16, "{backend:?}: {one} statements");
}

crate::support::on_both_backends!(introspection_sends_the_same_statements_whatever_the_schema_size);

#[derive(QueryableByName)]
struct Spelled {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
    #[diesel(sql_type = Text)]
    plain_def: String,
    #[diesel(sql_type = Bool)]
    exprs: bool,
}

/// Indexes of every kind the shapes tell apart, several of one shape each, some of one shape
/// with different names: each is read as plain exactly when its own `pg_get_indexdef` is a
/// plain index's definition, and a kept one keeps its own definition.
#[test]
fn postgresql_reads_each_index_as_its_own_definition_says() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.execute(
        "CREATE SCHEMA other;
         CREATE TABLE a (id INT PRIMARY KEY, name VARCHAR(50), email TEXT, n INT,
                         t TEXT COLLATE \"C\", tags INT[], d DATE, x INT, y INT);
         CREATE INDEX a_name ON a (name);
         CREATE INDEX a_name_pattern ON a (name varchar_pattern_ops);
         CREATE UNIQUE INDEX a_email ON a (email);
         CREATE INDEX a_email_pattern ON a (email text_pattern_ops);
         CREATE INDEX a_email_c ON a (email COLLATE \"C\");
         CREATE INDEX a_t ON a (t);
         CREATE INDEX a_t_posix ON a (t COLLATE \"POSIX\");
         CREATE INDEX a_name_email ON a (name, email);
         CREATE INDEX a_desc ON a (n DESC);
         CREATE INDEX a_nulls_first ON a (n NULLS FIRST);
         CREATE INDEX a_n ON a (n);
         CREATE INDEX a_lower ON a (lower(email));
         CREATE INDEX a_partial ON a (n) WHERE n > 0;
         CREATE INDEX a_include ON a (n) INCLUDE (name);
         CREATE UNIQUE INDEX a_nnd ON a (x) NULLS NOT DISTINCT;
         CREATE UNIQUE INDEX a_y ON a (y);
         CREATE INDEX a_gin ON a USING gin (tags);
         CREATE INDEX a_hash ON a USING hash (n);
         CREATE INDEX a_fill ON a (d) WITH (fillfactor = 70);
         CREATE INDEX a_d ON a (d);
         CREATE INDEX \"Odd Name\" ON a (d, x);
         CREATE INDEX a_x_y_desc ON a (x, y DESC);
         CREATE INDEX a_x_y ON a (x, y);
         CREATE TABLE \"Mixed\" (\"Id\" INT PRIMARY KEY, \"Val\" TEXT);
         CREATE INDEX \"Mixed_Val\" ON \"Mixed\" (\"Val\");
         CREATE TABLE b (id BIGINT PRIMARY KEY, k INT UNIQUE, v TEXT);
         CREATE INDEX b_v ON b (v);
         CREATE DOMAIN word AS TEXT;
         CREATE TABLE w (v word, u TEXT);
         CREATE INDEX w_v ON w (v);
         CREATE INDEX w_u ON w (u);
         CREATE TABLE p (id INT, k INT) PARTITION BY RANGE (id);
         CREATE INDEX p_k ON p (k);
         CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);",
    );
    let mut raw = PgConnection::establish(&p.url).expect("connect");
    // The oracle: each index's own definition against a plain index's, one at a time.
    let spelled: Vec<Spelled> = diesel::sql_query(
        "SELECT i.relname::text AS name, pg_get_indexdef(ix.indexrelid) AS def, \
                format('CREATE %sINDEX %s ON %s USING btree (%s)', \
                       CASE WHEN ix.indisunique THEN 'UNIQUE ' ELSE '' END, quote_ident(i.relname), \
                       quote_ident(n.nspname) || '.' || quote_ident(c.relname), \
                       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord) \
                        FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(num, ord) \
                        JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num)) \
                AS plain_def, ix.indexprs IS NOT NULL AS exprs \
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class c ON c.oid = ix.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND NOT ix.indisprimary \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid)",
    )
    .load(&mut raw)
    .expect("the oracle query");
    assert!(spelled.len() >= 28, "{}", spelled.len());
    let schema = Connection::from(raw).introspect().expect("introspect");
    let mut plain_seen = 0;
    for index in &spelled {
        let table = schema
            .tables
            .values()
            .find(|t| {
                t.indexes.iter().any(|i| i.name == index.name)
                    || t.unmodeled.iter().any(|d| d.sql() == index.def)
            })
            .unwrap_or_else(|| panic!("{} is read nowhere", index.name));
        let plain = !index.exprs && index.def == index.plain_def;
        let modeled = table.indexes.iter().any(|i| i.name == index.name);
        assert_eq!(
            modeled, plain,
            "{}: {} (plain: {})",
            index.name, index.def, index.plain_def
        );
        if plain {
            plain_seen += 1;
        } else {
            assert!(
                table.unmodeled.iter().any(|d| d.sql() == index.def),
                "{}",
                index.def
            );
        }
    }
    // Both kinds are there: plain ones sharing a shape, and every kind of non-plain one.
    assert!(plain_seen >= 10, "{plain_seen}");
    assert!(spelled.len() - plain_seen >= 13, "{plain_seen}");
}

/// `n` tables for MariaDB, like [`tables`]: a foreign key to the previous table with both
/// actions, every third one a two-column foreign key too, and a check.
fn mariadb_tables(n: usize, on_delete: &str) -> String {
    (0..n)
        .map(|i| {
            let mut keys = String::new();
            if i > 0 {
                let parent = i - 1;
                keys.push_str(&format!(
                    ", CONSTRAINT fk_t{i}_parent FOREIGN KEY (parent_id) REFERENCES t{parent} (id) \
                     ON DELETE {on_delete} ON UPDATE SET NULL"
                ));
                if i % 3 == 0 {
                    keys.push_str(&format!(
                        ", CONSTRAINT fk_t{i}_ab FOREIGN KEY (b, a) REFERENCES t{parent} (b, a), \
                         CONSTRAINT ck_t{i} CHECK (score >= 0)"
                    ));
                }
            }
            format!(
                "CREATE TABLE t{i} (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, \
                 email VARCHAR(255) NOT NULL, score INT DEFAULT 0, parent_id BIGINT, a INT, b INT, \
                 UNIQUE KEY uq_t{i}_ba (b, a){keys});\n\
                 CREATE UNIQUE INDEX uq_t{i}_email ON t{i} (email);\n\
                 CREATE INDEX ix_t{i}_name ON t{i} (name);\n"
            )
        })
        .collect()
}

/// MariaDB: ten statements whatever the size (the server's version, read once when the
/// connection is wrapped, the five queries of the tables, the three of views, triggers and
/// routines, and the session's `sql_mode`), and the foreign keys read right: the key
/// columns joined with their keys' actions of this database only (another database on the
/// server holds keys of the same names with other actions).
#[test]
fn mariadb_introspection_sends_ten_statements_whatever_the_schema_size() {
    use crate::mariadb_support::MyProject;
    use diesel::mysql::MysqlConnection;

    let Some(other) = MyProject::new() else {
        return;
    };
    other.execute(&mariadb_tables(7, "SET NULL"));
    let introspect = |n: usize| {
        let p = MyProject::new().expect("the server was there a moment ago");
        p.execute(&mariadb_tables(n, "CASCADE"));
        let mut raw = MysqlConnection::establish(&p.url).expect("connect");
        let count = counting(&mut raw);
        let schema = Connection::from(raw).introspect().expect("introspect");
        (count.load(Ordering::SeqCst), schema)
    };
    let (one, schema) = introspect(1);
    assert_eq!(schema.tables.len(), 1);
    assert!(schema.tables["t0"].foreign_keys.is_empty());
    let (many, schema) = introspect(60);
    assert_eq!((one, many), (10, 10));
    assert_eq!(schema.tables.len(), 60);
    for (name, table) in &schema.tables {
        let i: usize = name[1..].parse().unwrap();
        let mut fks: Vec<String> = table
            .foreign_keys
            .iter()
            .map(|fk| {
                format!(
                    "{} ({}) -> {} ({}) {:?}/{:?}",
                    fk.name,
                    fk.columns.join(", "),
                    fk.ref_table,
                    fk.ref_columns.join(", "),
                    fk.on_delete,
                    fk.on_update
                )
            })
            .collect();
        fks.sort();
        let mut expected = Vec::new();
        if i > 0 {
            let parent = i - 1;
            if i % 3 == 0 {
                expected.push(format!(
                    "fk_t{i}_ab (b, a) -> t{parent} (b, a) NoAction/NoAction"
                ));
            }
            expected.push(format!(
                "fk_t{i}_parent (parent_id) -> t{parent} (id) Cascade/SetNull"
            ));
        }
        assert_eq!(fks, expected, "{name}");
        assert!(table
            .indexes
            .iter()
            .any(|ix| ix.name == format!("ix_{name}_name")));
    }
}

/// A session opened from a URL reads the columns on a second connection at once
/// (`backend/postgres/parallel.rs`); a connection the application lent reads everything on its
/// own. Both read the same schema, in another schema too (the second connection takes over the
/// `search_path`).
#[test]
fn postgresql_reads_the_same_schema_on_one_connection_or_two() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.execute(&format!(
        "CREATE SCHEMA tenant; SET search_path TO tenant; {}",
        tables(12)
    ));
    for schema in ["public", "tenant"] {
        let mut raw = PgConnection::establish(&p.url).expect("connect");
        diesel::connection::SimpleConnection::batch_execute(
            &mut raw,
            &format!("SET search_path TO {schema}"),
        )
        .unwrap();
        let alone = Connection::from(raw).introspect().expect("introspect");
        let parsed: retort::db::DatabaseUrl = p.url.parse().expect("url");
        let options = retort::db::OpenOptions {
            create: false,
            schema: Some(schema.to_owned()),
            ..Default::default()
        };
        let mut opened = Connection::open_with(&parsed, &options).expect("open");
        let both = opened.introspect().expect("introspect");
        assert_eq!(alone, both, "{schema}");
        assert_eq!(both.tables.len(), if schema == "tenant" { 12 } else { 0 });
    }
}

#[derive(QueryableByName)]
struct Expression {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    col: String,
    #[diesel(sql_type = Text)]
    def: String,
    #[diesel(sql_type = Bool)]
    generated: bool,
}

/// Introspection spells a default that names no column without its table (`pg_get_expr(adbin,
/// 0)`: with the table, PostgreSQL opens the relation for every default, most of the columns'
/// query's time on a large schema): every kind of default reads exactly as `pg_get_expr` with
/// the table spells it, and generation expressions (which name columns) too.
#[test]
fn postgresql_reads_each_default_as_pg_get_expr_with_its_table_spells_it() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.execute(
        "CREATE TYPE mood AS ENUM ('a', 'b');
         CREATE SEQUENCE loose;
         CREATE TABLE d (
           id BIGSERIAL PRIMARY KEY, a INT DEFAULT 1 + 2, b TEXT DEFAULT 'x' || 'y',
           c TIMESTAMPTZ DEFAULT now(), e TIMESTAMP DEFAULT (now() AT TIME ZONE 'utc'),
           f INTERVAL DEFAULT '1 day', g NUMERIC(10, 2) DEFAULT 0.00,
           h JSONB DEFAULT '{\"a\": 1}', i INT[] DEFAULT '{1,2}', j mood DEFAULT 'a',
           k INT DEFAULT nextval('loose'), l UUID DEFAULT gen_random_uuid(),
           m TEXT DEFAULT current_user, n DATE DEFAULT current_date, o BOOLEAN DEFAULT (1 < 2),
           q TEXT DEFAULT lower('ABC'), r BIGINT DEFAULT -1, s DOUBLE PRECISION DEFAULT 1e3,
           t TEXT DEFAULT ('a' COLLATE \"C\"), u INT DEFAULT coalesce(NULL, 3),
           v TEXT[] DEFAULT ARRAY['a', 'b'], w TEXT DEFAULT CASE WHEN true THEN 'a' ELSE 'b' END,
           x TEXT DEFAULT 'it''s', y BOOLEAN DEFAULT (ROW(1, 2) IS NULL),
           z INT GENERATED ALWAYS AS (a * 2) STORED,
           zz TEXT GENERATED ALWAYS AS (b || q) STORED);
         CREATE TABLE e (id SERIAL PRIMARY KEY, n INT DEFAULT 5, a INT GENERATED ALWAYS AS (n + 1) STORED);",
    );
    let mut raw = PgConnection::establish(&p.url).expect("connect");
    // The oracle: `pg_get_expr` given the table, one expression at a time.
    let spelled: Vec<Expression> = diesel::sql_query(
        "SELECT c.relname::text AS tbl, a.attname::text AS col, \
                pg_get_expr(ad.adbin, ad.adrelid) AS def, a.attgenerated = 's' AS generated \
         FROM pg_attrdef ad JOIN pg_class c ON c.oid = ad.adrelid \
         JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'",
    )
    .load(&mut raw)
    .expect("the oracle query");
    assert_eq!(spelled.len(), 29, "defaults and generation expressions");
    let schema = Connection::from(raw).introspect().expect("introspect");
    for expr in &spelled {
        let table = &schema.tables[&expr.tbl];
        let column = table.column(&expr.col).expect("the column");
        if expr.generated {
            let generated = column.generated.as_ref().expect("generated");
            assert_eq!(generated.expr, expr.def, "{}.{}", expr.tbl, expr.col);
        } else if expr.def.starts_with("nextval(") {
            // A sequence's default is kept with its sequence (or alone): as spelled.
            let kept = format!("SET DEFAULT {}", expr.def);
            assert!(
                table.unmodeled.iter().any(|d| d.sql().contains(&kept)),
                "{}.{}: {kept} in {:?}",
                expr.tbl,
                expr.col,
                table.unmodeled
            );
        } else {
            let expected = retort::dialect::postgres::normalize_pg_default(&expr.def, &column.ty);
            assert_eq!(
                column.default.as_deref(),
                Some(expected.as_str()),
                "{}.{}: {}",
                expr.tbl,
                expr.col,
                expr.def
            );
        }
    }
}

#[derive(QueryableByName)]
struct Constrained {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Nullable<Text>>)]
    cols: Vec<Option<String>>,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Nullable<Text>>)]
    ref_cols: Vec<Option<String>>,
}

/// Constraints give their columns by number, which introspection names from the columns it
/// read (a foreign key to a table of a schema not read has its referenced columns named by
/// the server): with dropped and renamed columns, keys in another order than the table's,
/// a foreign key to another schema, checks over two columns and an exclusion constraint over
/// an expression, each constraint reads with the columns the catalog names, on one
/// connection and on two.
#[test]
fn postgresql_names_each_constraints_columns_as_the_catalog_does() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.execute(
        "CREATE SCHEMA outside;
         CREATE TABLE outside.accounts (id INT PRIMARY KEY, gone INT, code TEXT UNIQUE);
         ALTER TABLE outside.accounts DROP COLUMN gone;
         CREATE TABLE regions (x INT, country TEXT, code TEXT, PRIMARY KEY (code, country));
         ALTER TABLE regions DROP COLUMN x;
         CREATE TABLE orders (
           gone1 INT, id INT, gone2 TEXT, acct TEXT, country TEXT, code TEXT, name TEXT,
           lo INT, hi INT,
           CONSTRAINT orders_pkey PRIMARY KEY (id),
           CONSTRAINT orders_acct FOREIGN KEY (acct) REFERENCES outside.accounts (code),
           CONSTRAINT orders_region FOREIGN KEY (code, country) REFERENCES regions (code, country),
           CONSTRAINT orders_range CHECK (lo <= hi),
           CONSTRAINT orders_name_hi UNIQUE (name, hi),
           CONSTRAINT orders_lower EXCLUDE USING btree ((lower(name)) WITH =));
         ALTER TABLE orders DROP COLUMN gone1;
         ALTER TABLE orders DROP COLUMN gone2;
         ALTER TABLE orders RENAME COLUMN lo TO low;",
    );
    let mut raw = PgConnection::establish(&p.url).expect("connect");
    // The oracle: each constraint's columns named by the server, one by one.
    let name = |side: &str, key: &str| {
        format!(
            "ARRAY(SELECT (SELECT a.attname::text FROM pg_attribute a \
                           WHERE a.attrelid = con.{side} AND a.attnum = k.num) \
                   FROM unnest(COALESCE(con.{key}, '{{}}')) WITH ORDINALITY AS k(num, ord) \
                   ORDER BY k.ord)"
        )
    };
    let constrained: Vec<Constrained> = diesel::sql_query(format!(
        "SELECT c.relname::text AS tbl, con.conname::text AS name, con.contype::text AS kind, \
                {} AS cols, {} AS ref_cols \
         FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'",
        name("conrelid", "conkey"),
        name("confrelid", "confkey")
    ))
    .load(&mut raw)
    .expect("the oracle query");
    assert_eq!(constrained.len(), 7, "constraints");
    let alone = Connection::from(raw).introspect().expect("introspect");
    let parsed: retort::db::DatabaseUrl = p.url.parse().expect("url");
    let both = Connection::open(&parsed, false)
        .expect("open")
        .introspect()
        .expect("introspect");
    assert_eq!(alone, both);
    for con in &constrained {
        let cols: Vec<String> = con.cols.iter().flatten().cloned().collect();
        let ref_cols: Vec<String> = con.ref_cols.iter().flatten().cloned().collect();
        let table = &both.tables[&con.tbl];
        let what = format!("{}.{} ({}): {cols:?}", con.tbl, con.name, con.kind);
        match con.kind.as_str() {
            "p" => assert_eq!(table.primary_key, cols, "{what}"),
            "f" => {
                let fk = table.foreign_keys.iter().find(|f| f.name == con.name);
                let fk = fk.unwrap_or_else(|| panic!("{what}"));
                assert_eq!((&fk.columns, &fk.ref_columns), (&cols, &ref_cols), "{what}");
            }
            "u" => {
                let index = table.indexes.iter().find(|i| i.name == con.name);
                assert_eq!(index.map(|i| &i.columns), Some(&cols), "{what}");
            }
            _ => {
                // Kept verbatim: the columns it uses are its dependents.
                let mut used: Vec<&str> = both
                    .dependents
                    .iter()
                    .filter(|d| d.name == con.name && d.table == con.tbl)
                    .filter_map(|d| d.column.as_deref())
                    .collect();
                used.sort();
                let mut expected: Vec<&str> = cols.iter().map(String::as_str).collect();
                expected.sort();
                assert_eq!(used, expected, "{what}");
            }
        }
    }
    let orders = &both.tables["orders"];
    assert_eq!(orders.foreign_keys.len(), 2);
    assert!(orders
        .foreign_keys
        .iter()
        .any(|f| f.ref_table == "outside.accounts" && f.ref_columns == ["code"]));
}
