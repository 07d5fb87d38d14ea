//! What a PostgreSQL baseline creates besides tables (diesel's `diesel_manage_updated_at` and
//! `diesel_set_updated_at`, functions, types and views in other schemas, statistics objects),
//! so it replays on an empty database; and statistics objects kept through a table's drop and
//! restore.

use crate::lossless::{dump, first_difference};
use crate::support::{Backend, Models, Project, V2_SAFETY};

/// diesel_cli's initial setup migration (`00000000000000_diesel_initial_setup/up.sql`), as it
/// writes it.
const DIESEL_SETUP: &str = r#"
CREATE OR REPLACE FUNCTION diesel_manage_updated_at(_tbl regclass) RETURNS VOID AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER set_updated_at BEFORE UPDATE ON %s
                    FOR EACH ROW EXECUTE PROCEDURE diesel_set_updated_at()', _tbl);
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION diesel_set_updated_at() RETURNS trigger AS $$
BEGIN
    IF (
        NEW IS DISTINCT FROM OLD AND
        NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
    ) THEN
        NEW.updated_at := current_timestamp;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"#;

/// Tables using what is not a table: diesel's trigger, a schema `r` with a trigger function,
/// a domain, a composite, a range and an enum type, a sequence a default uses, a function
/// returning a table's rows, views over the tables, statistics objects.
const SCHEMA: &str = r#"
CREATE TABLE posts (
    id SERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
SELECT diesel_manage_updated_at('posts');

CREATE SCHEMA r;
CREATE FUNCTION r.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.touched := now();
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION r.touch() IS 'Marks the row as touched.';
CREATE FUNCTION r.not_blank(t text) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$ SELECT btrim(t) <> '' $$;
CREATE DOMAIN r.title AS text COLLATE "C" DEFAULT 'untitled' NOT NULL
    CHECK (r.not_blank(VALUE));
CREATE TYPE r.pair AS (a integer, b text);
COMMENT ON TYPE r.pair IS 'Two things.';
CREATE TYPE r.span AS RANGE (subtype = integer);
CREATE TYPE r.level AS ENUM ('low', 'high');
CREATE SEQUENCE r.tickets AS integer START WITH 100 INCREMENT BY 10;

CREATE TABLE memos (
    id BIGINT PRIMARY KEY,
    title r.title,
    pair r.pair,
    span r.span,
    level r.level NOT NULL DEFAULT 'low',
    ticket INTEGER NOT NULL DEFAULT nextval('r.tickets'),
    city TEXT,
    zip TEXT,
    touched TIMESTAMPTZ
);
CREATE TRIGGER memos_touch BEFORE INSERT OR UPDATE ON memos
    FOR EACH ROW EXECUTE FUNCTION r.touch();
CREATE STATISTICS memos_city_zip (dependencies, ndistinct) ON city, zip FROM memos;
ALTER STATISTICS memos_city_zip SET STATISTICS 300;
COMMENT ON STATISTICS memos_city_zip IS 'Zip codes imply cities.';
CREATE STATISTICS r.memos_lower_city ON (lower(city)), zip FROM memos;

CREATE FUNCTION latest_memos(n integer) RETURNS SETOF memos LANGUAGE sql STABLE
    AS $$ SELECT * FROM memos ORDER BY id DESC LIMIT n $$;
CREATE VIEW r.memo_titles WITH (security_barrier) AS
    SELECT id, title FROM memos WHERE level = 'high';
COMMENT ON VIEW r.memo_titles IS 'Important ones.';
CREATE MATERIALIZED VIEW memo_counts AS SELECT level, count(*) AS n FROM memos GROUP BY level;
CREATE UNIQUE INDEX memo_counts_level ON memo_counts (level);
"#;

/// The models' first revision on top of the baseline (its tables ignored), then `check
/// --shadow`: the whole history, baseline first, replays on a scratch database.
fn shadow_check_after_a_model_revision(p: &Project) {
    crate::support::ignore_all_tables(p);
    p.run(Models::V1, &["autogenerate", "-m", "v1"]).expect(0);
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    p.run(Models::V1, &["check", "--shadow"]).expect(0);
}

/// Copies the revision directories of `from` into `to`'s migrations directory.
fn copy_revisions(from: &Project, to: &Project) {
    for dir in from.revision_dirs() {
        let target = to.migrations().join(dir.file_name().unwrap());
        std::fs::create_dir_all(&target).unwrap();
        for file in ["up.sql", "down.sql", "metadata.toml"] {
            std::fs::copy(dir.join(file), target.join(file)).unwrap();
        }
    }
}

/// `init --baseline` on `a` (its schema loaded), `check --shadow` (the baseline replays on a
/// scratch database), then `upgrade head` on `b`, an empty database: the same `pg_dump
/// --schema-only`; `downgrade base` leaves `b` as empty as it was (extensions aside).
fn baseline_and_replay_on_empty(a: &Project) -> String {
    let before = dump(a);
    let b = Project::on(Backend::Postgres).expect("PostgreSQL available");
    let empty = dump(&b);
    let run = a.run(Models::None, &["init", "--baseline"]).expect(0);
    copy_revisions(a, &b);
    shadow_check_after_a_model_revision(a);
    b.run(Models::None, &["upgrade", "head"]).expect(0);
    let after = dump(&b);
    assert!(before == after, "{}", first_difference(&before, &after));
    b.run(Models::None, &["downgrade", "base"]).expect(0);
    let gone = dump(&b);
    let without_extensions = |d: &str| {
        d.lines()
            .filter(|l| !l.contains("EXTENSION") && !l.starts_with("-- Name: "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        without_extensions(&gone).trim() == without_extensions(&empty).trim(),
        "{}",
        first_difference(&empty, &gone)
    );
    run.stdout
}

/// diesel's two functions, a schema `r` with a trigger function and types the tables use,
/// views and a function over the tables: the baseline creates all of it (functions and types
/// before the tables, views after), so it replays on an empty database with the same dump; an
/// aggregate it cannot create is listed, with what needs it.
#[test]
fn a_baseline_creates_the_functions_types_and_views_its_tables_need() {
    let Some(a) = Project::on(Backend::Postgres) else {
        return;
    };
    a.execute(&format!("{DIESEL_SETUP}{SCHEMA}"));
    let stdout = baseline_and_replay_on_empty(&a);
    assert!(
        stdout.contains(
            "It also creates 12 object(s) that are not tables: function \
             public.diesel_manage_updated_at(_tbl regclass), function \
             public.diesel_set_updated_at(), function r.touch(), function r.not_blank(t text), \
             domain r.title and 7 more"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("Not included"), "{stdout}");
    let up = std::fs::read_to_string(a.revision_dirs()[0].join("up.sql")).unwrap();
    assert!(
        up.contains("-- It creates every such object the database holds.\n"),
        "{up}"
    );
    // Functions before the tables whose triggers call them, views after the tables.
    let at = |s: &str| up.find(s).unwrap_or_else(|| panic!("{s} in {up}"));
    assert!(at("FUNCTION public.diesel_set_updated_at()") < at("CREATE TABLE \"posts\""));
    assert!(at("CREATE SCHEMA IF NOT EXISTS \"r\";") < at("FUNCTION r.touch()"));
    assert!(at("CREATE TABLE \"memos\"") < at("FUNCTION public.latest_memos(n integer)"));
    assert!(at("CREATE TABLE \"memos\"") < at("CREATE VIEW r.memo_titles"));
    assert!(up.contains("CREATE STATISTICS public.memos_city_zip (ndistinct, dependencies)"));
    let down = std::fs::read_to_string(a.revision_dirs()[0].join("down.sql")).unwrap();
    assert!(down.ends_with("DROP SCHEMA \"r\";\n"), "{down}");

    // An aggregate is not created: listed, with the view that needs it.
    let Some(c) = Project::on(Backend::Postgres) else {
        return;
    };
    c.execute(&format!(
        "{DIESEL_SETUP}{SCHEMA}
         CREATE AGGREGATE r.total(integer) (sfunc = int4pl, stype = integer);
         CREATE VIEW r.totals AS SELECT r.total(ticket) AS t FROM memos;"
    ));
    let run = c.run(Models::None, &["init", "--baseline"]).expect(0);
    assert!(
        run.stdout.contains(
            "Not included (listed at the top of up.sql; add them to it by hand before it is \
             applied anywhere else): aggregate r.total(integer), view r.totals (needs aggregate \
             r.total(integer), which it does not create)"
        ),
        "{}",
        run.stdout
    );
}

/// Hand-written SQL added to a baseline before it is applied anywhere else: the database it
/// was recorded on sees an edited revision until it is stamped again (`stamp base`, `stamp
/// head`), which keeps diesel's adopted versions; a new database applies the edited file and
/// records its checksum.
#[test]
fn sql_added_to_a_baseline_before_it_is_applied_elsewhere() {
    let Some(a) = Project::on(Backend::Postgres) else {
        return;
    };
    a.execute(&format!(
        "{DIESEL_SETUP}{SCHEMA}
         CREATE AGGREGATE r.total(integer) (sfunc = int4pl, stype = integer);
         CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL,
             run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
         INSERT INTO __diesel_schema_migrations (version) VALUES ('00000000000000');"
    ));
    let before = dump(&a);
    a.run(Models::None, &["init", "--baseline"]).expect(0);
    let up = a.revision_dirs()[0].join("up.sql");
    let text = std::fs::read_to_string(&up).unwrap();
    std::fs::write(
        &up,
        format!(
            "{text}\n-- Added by hand.\nCREATE AGGREGATE r.total(integer) (sfunc = int4pl, \
             stype = integer);\n"
        ),
    )
    .unwrap();
    let down = a.revision_dirs()[0].join("down.sql");
    let text = std::fs::read_to_string(&down).unwrap();
    std::fs::write(&down, format!("DROP AGGREGATE r.total(integer);\n{text}")).unwrap();
    let run = a.run(Models::V1, &["check"]).expect(1);
    assert!(
        run.stdout
            .contains("Applied migrations were edited since they were applied")
            && run.stdout.contains("up.sql"),
        "{}",
        run.stdout
    );
    a.run(Models::None, &["stamp", "base"]).expect(0);
    a.run(Models::None, &["stamp", "head"]).expect(0);
    assert_eq!(
        a.strings("SELECT version AS v FROM __diesel_schema_migrations ORDER BY 1")[0],
        "00000000000000"
    );

    let b = Project::on(Backend::Postgres).expect("PostgreSQL available");
    copy_revisions(&a, &b);
    b.execute(
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL,
             run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
         INSERT INTO __diesel_schema_migrations (version) VALUES ('00000000000000');",
    );
    b.run(Models::None, &["upgrade", "head"]).expect(0);
    shadow_check_after_a_model_revision(&a);
    let after = dump(&b);
    let without_bookkeeping = |d: &str| d.replace("__diesel_schema_migrations", "");
    assert!(
        without_bookkeeping(&before) == without_bookkeeping(&after),
        "{}",
        first_difference(&before, &after)
    );
}

/// A statistics object is kept with its table: a dropped table comes back with it (its
/// statistics target and comment too), a diff never drops one, and a column drop that would
/// take it silently is refused, naming it.
#[test]
fn statistics_objects_are_kept_with_their_table() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.execute(
        "CREATE TABLE measurements (id BIGINT PRIMARY KEY, city TEXT, zip TEXT, temp NUMERIC);
         CREATE STATISTICS measurements_city_zip (dependencies, ndistinct) ON city, zip
             FROM measurements;
         ALTER STATISTICS measurements_city_zip SET STATISTICS 300;
         COMMENT ON STATISTICS measurements_city_zip IS 'Zip codes imply cities.';
         CREATE STATISTICS measurements_lower ON (lower(city)), zip FROM measurements;",
    );
    let before = dump(&p);
    let run = p
        .run(
            Models::V1,
            &["autogenerate", "-m", "v1", "--allow-destructive"],
        )
        .expect(0);
    assert!(
        run.stdout.contains("removed table 'measurements'"),
        "{}",
        run.stdout
    );
    let down = std::fs::read_to_string(p.revision_dirs()[0].join("down.sql")).unwrap();
    assert!(
        down.contains("ALTER STATISTICS public.measurements_city_zip SET STATISTICS 300;"),
        "{down}"
    );
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    assert_eq!(
        p.strings("SELECT count(*)::text AS v FROM pg_statistic_ext"),
        ["0"]
    );
    p.run(Models::V1, &["downgrade", "base"]).expect(0);
    let after = dump(&p);
    assert!(before == after, "{}", first_difference(&before, &after));

    // On a model table: not a difference; a column drop that would take it is refused.
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    p.execute("CREATE STATISTICS accounts_name_legacy ON name, legacy FROM accounts;");
    let run = p.run(Models::V1, &["check"]).expect(0);
    assert!(run.stdout.contains("No changes detected"), "{}", run.stdout);
    let run = p
        .run(
            Models::V2,
            &[&["autogenerate", "-m", "v2"][..], &V2_SAFETY].concat(),
        )
        .expect(2);
    assert!(
        run.stderr
            .contains("statistics 'accounts_name_legacy' depends on column 'accounts.legacy'"),
        "{}",
        run.stderr
    );
    assert_eq!(p.revision_dirs().len(), 1);
}
