//! Daily use through the real CLI: readable slugs, a SQLite database in a directory that does
//! not exist yet, backend-specific warnings, colour, and Alembic's verbs and options.

use std::path::PathBuf;

use crate::support::{on_both_backends, Backend, Models, Project, Run, V2_SAFETY};

#[test]
fn non_ascii_messages_make_transliterated_slugs() {
    let p = Project::new();
    let run = p
        .run(Models::V1, &["revision", "-m", "añadir índice"])
        .expect(0);
    assert!(run.stdout.contains("_anadir_indice"), "{}", run.stdout);
}

#[test]
fn a_sqlite_database_in_a_missing_directory_is_created_with_it() {
    let p = Project::new();
    let url = "sqlite://var/data/app.db";
    p.run(
        Models::V1,
        &["--database-url", url, "autogenerate", "-m", "initial"],
    )
    .expect(0);
    p.run(Models::V1, &["--database-url", url, "upgrade", "head"])
        .expect(0);
    assert!(p.path().join("var/data/app.db").is_file());
    p.run(Models::V1, &["--database-url", url, "check"])
        .expect(0);
}

/// Runs a command of the version 1 models that writes a revision; returns its id and directory.
fn generate(p: &Project, args: &[&str]) -> (String, PathBuf) {
    crate::support::generate(p, Models::V1, args)
}

/// Three hand-written revisions a <- b <- c, each creating a table of its own.
fn linear(p: &Project) -> [String; 3] {
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        let (id, dir) = generate(p, &["revision", "-m", &format!("create {name}")]);
        std::fs::write(
            dir.join("up.sql"),
            format!("CREATE TABLE t_{name} (id INTEGER);\n"),
        )
        .unwrap();
        std::fs::write(dir.join("down.sql"), format!("DROP TABLE t_{name};\n")).unwrap();
        ids.push(id);
    }
    ids.try_into().unwrap()
}

fn shown(p: &Project, target: &str) -> String {
    let run = p.run(Models::None, &["show", target]).expect(0);
    run.stdout.lines().next().unwrap()["Revision: ".len()..].to_owned()
}

#[test]
fn show_takes_every_target_that_names_one_revision() {
    let p = Project::new();
    let [a, b, c] = linear(&p);
    for (target, want) in [
        ("head", &c),
        ("heads", &c),
        ("base", &a),
        ("-1", &b),
        ("-2", &a),
        ("+1", &a),
        ("+2", &b),
        ("head-1", &b),
        (&format!("{a}+2"), &c),
        (&format!("{}-1", &c[..6]), &b),
        (&a[..4], &a),
    ] {
        assert_eq!(&shown(&p, target), want, "show {target}");
    }
    let run = p.run(Models::None, &["show", "-3"]).expect(2);
    assert!(run.stderr.contains("has no parent"), "{}", run.stderr);
    // A second root: `base` names two revisions and says which.
    generate(&p, &["revision", "-m", "other root", "--head", "base"]);
    let run = p.run(Models::None, &["show", "base"]).expect(2);
    assert!(
        run.stderr.contains("names several revisions (roots:"),
        "{}",
        run.stderr
    );
}

fn ids_listed(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.split_once(" -> ").map(|(_, r)| r[..12].to_owned()))
        .collect()
}

#[test]
fn history_ranges_current_and_verbose_listings() {
    let p = Project::new();
    let [a, b, c] = linear(&p);
    let history = |args: &[&str]| {
        let mut all = vec!["history"];
        all.extend_from_slice(args);
        ids_listed(&p.run(Models::None, &all).expect(0).stdout)
    };
    assert_eq!(
        history(&["-r", &format!("{a}:{b}")]),
        [b.as_str(), a.as_str()]
    );
    assert_eq!(history(&["-r", &format!("{b}:")]), [c.as_str(), b.as_str()]);
    assert_eq!(history(&["-r", ":-1"]), [b.as_str(), a.as_str()]);
    assert_eq!(
        history(&["--rev-range", "base:head"]),
        [c.as_str(), b.as_str(), a.as_str()]
    );

    p.run(Models::None, &["upgrade", &b]).expect(0);
    let run = p
        .run(Models::None, &["history", "--indicate-current"])
        .expect(0);
    assert!(
        run.stdout.contains(&format!("-> {b} (current), create b")),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("(current)").count(), 1, "{}", run.stdout);
    assert_eq!(history(&["-r", "current:"]), [c.as_str(), b.as_str()]);

    let run = p.run(Models::None, &["current", "-v"]).expect(0);
    assert!(
        run.stdout.starts_with(&format!(
            "Rev:      {b}\nParents:  {a}\nMessage:  create b\n"
        )),
        "{}",
        run.stdout
    );
    let run = p.run(Models::None, &["heads", "--verbose"]).expect(0);
    assert!(
        run.stdout
            .starts_with(&format!("Rev:      {c} (head)\nParents:  {b}\n")),
        "{}",
        run.stdout
    );
    let (d, _) = generate(&p, &["revision", "-m", "branch d", "--head", &a]);
    let run = p.run(Models::None, &["branches", "-v"]).expect(0);
    assert!(
        run.stdout
            .starts_with(&format!("Rev:      {a} (branchpoint)\n")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("  Branch from {a}:\nRev:      {b}\n")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("Rev:      {d} (head)\nParents:  {a}\n")),
        "{}",
        run.stdout
    );
}

#[test]
fn rev_id_chooses_the_id_and_refuses_a_bad_or_taken_one() {
    let p = Project::new();
    let (a, dir) = generate(&p, &["revision", "-m", "first", "--rev-id", "0123456789ab"]);
    assert_eq!(a, "0123456789ab");
    assert!(dir.to_str().unwrap().ends_with("-0123456789ab_first"));
    let run = p
        .run(
            Models::V1,
            &[
                "revision",
                "-m",
                "again",
                "--rev-id",
                "0123456789ab",
                "--head",
                "base",
            ],
        )
        .expect(2);
    assert!(
        run.stderr
            .contains("cannot use revision id `0123456789ab`: revision 0123456789ab exists"),
        "{}",
        run.stderr
    );
    for bad in ["0123456789AB", "0123", "0123456789abc", "0123456789ag"] {
        let run = p
            .run(Models::V1, &["revision", "-m", "bad", "--rev-id", bad])
            .expect(2);
        assert!(
            run.stderr.contains("12 lowercase hexadecimal digits"),
            "{bad}: {}",
            run.stderr
        );
    }
    generate(
        &p,
        &[
            "revision",
            "-m",
            "second root",
            "--head",
            "base",
            "--rev-id",
            "bbbbbbbbbbbb",
        ],
    );
    let run = p
        .run(
            Models::V1,
            &["merge", "-m", "join", "--rev-id", "cccccccccccc"],
        )
        .expect(0);
    assert!(
        run.stdout.contains("-cccccccccccc_join merging"),
        "{}",
        run.stdout
    );
    let run = p
        .run(
            Models::V1,
            &[
                "merge",
                "-m",
                "join",
                "0123",
                "bbbb",
                "--rev-id",
                "cccccccccccc",
            ],
        )
        .expect(2);
    assert!(run.stderr.contains("exists"), "{}", run.stderr);
    assert_eq!(p.revision_dirs().len(), 3);
}

on_both_backends!(stamp_purge_clears_unknown_versions_and_stamp_sql_prints_the_bookkeeping);

fn stamp_purge_clears_unknown_versions_and_stamp_sql_prints_the_bookkeeping(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    let [a, _b, c] = linear(&p);
    p.run(Models::None, &["upgrade", "head"]).expect(0);
    p.execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('19990101000000')");
    let run = p.run(Models::None, &["current"]).expect(2);
    assert!(run.stderr.contains("19990101000000"), "{}", run.stderr);
    let run = p.run(Models::None, &["stamp", "--purge", &a]).expect(0);
    assert!(
        run.stdout.starts_with("Purged 4 record(s): "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("19990101000000"), "{}", run.stdout);
    let run = p.run(Models::None, &["current"]).expect(0);
    assert!(run.stdout.starts_with(&a), "{}", run.stdout);

    let sql = p
        .run(Models::None, &["stamp", "--sql", "head"])
        .expect(0)
        .stdout;
    let (name, begins) = match backend {
        Backend::Sqlite => ("SQLite", 1),
        Backend::Postgres => ("PostgreSQL", 3),
    };
    assert!(
        sql.starts_with(&format!(
            "-- Retort offline stamp from base to head ({name}): 3 revision(s); no revision's SQL runs."
        )),
        "{sql}"
    );
    // The backend's transactions: one for the whole script on SQLite, one per revision on
    // PostgreSQL.
    assert_eq!(sql.matches("BEGIN").count(), begins, "{sql}");
    assert_eq!(sql.matches("COMMIT;").count(), begins, "{sql}");
    assert!(
        sql.contains("INSERT INTO __diesel_schema_migrations (version) VALUES ("),
        "{sql}"
    );
    assert!(!sql.contains("CREATE TABLE t_"), "no revision's SQL: {sql}");
    assert!(sql.trim_end().ends_with("COMMIT;"), "{sql}");
    let sql = p
        .run(Models::None, &["stamp", "--sql", &format!("{c}:{a}")])
        .expect(0)
        .stdout;
    assert_eq!(
        sql.matches("DELETE FROM __diesel_schema_migrations WHERE version")
            .count(),
        2,
        "{sql}"
    );
    assert!(!sql.contains("INSERT"), "{sql}");
    let sql = p
        .run(Models::None, &["stamp", "--sql", "--purge", &a])
        .expect(0)
        .stdout;
    assert!(
        sql.contains("DELETE FROM __diesel_schema_migrations;\nDELETE FROM __retort_checksums;"),
        "{sql}"
    );
    // The printed script is what a DBA runs: applied by hand, it stamps.
    p.execute(&sql);
    let run = p.run(Models::None, &["current"]).expect(0);
    assert!(run.stdout.starts_with(&a), "{}", run.stdout);
}

#[test]
fn edit_opens_the_editor_on_an_unapplied_revision_only() {
    let p = Project::new();
    let [a, b, _c] = linear(&p);
    let editor = p.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nfor f in \"$@\"; do echo '-- edited' >> \"$f\"; done\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let edit = |rev: &str| {
        let mut command = p.command(Models::None, &["edit", rev]);
        command.env("EDITOR", &editor).env_remove("VISUAL");
        crate::support::Run::from(command.output().unwrap())
    };
    // No database yet: nothing is applied.
    edit(&b).expect(0);
    let dir = p.revision_dirs()[1].clone();
    for file in ["up.sql", "down.sql"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(text.ends_with("-- edited\n"), "{file}: {text}");
    }
    p.run(Models::None, &["upgrade", &a]).expect(0);
    let run = edit(&a).expect(2);
    assert!(
        run.stderr.contains(&format!("revision {a} is applied")),
        "{}",
        run.stderr
    );
    edit("head").expect(0);
}

const ESC: char = '\u{1b}';

/// Runs with extra environment variables.
fn run_env(p: &Project, models: Models, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = p.command(models, args);
    command.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    for (k, v) in env {
        command.env(k, v);
    }
    Run::from(command.output().unwrap())
}

#[test]
fn colour_with_color_always_and_plain_when_piped() {
    let p = Project::new();
    // Piped, by default: plain.
    let run = run_env(&p, Models::V1, &["autogenerate", "-m", "one"], &[]).expect(0);
    assert!(!run.stdout.contains(ESC), "{}", run.stdout);
    let run = run_env(&p, Models::V1, &["upgrade", "--color", "always"], &[]).expect(0);
    assert!(
        run.stdout.starts_with(&format!("{ESC}[32mApplied ")),
        "{:?}",
        run.stdout
    );
    // V2 alters and drops: drops red, warnings yellow.
    let run = run_env(&p, Models::V2, &["--color", "always", "check"], &[]).expect(1);
    assert!(
        run.stdout.contains(&format!("{ESC}[31mremoved table ")),
        "{:?}",
        run.stdout
    );
    for (env, colour) in [
        (&[][..], false),
        (&[("CLICOLOR_FORCE", "1")][..], true),
        (&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")][..], false),
    ] {
        let run = run_env(&p, Models::V2, &["check"], env).expect(1);
        assert_eq!(
            run.stdout.contains(ESC),
            colour,
            "{env:?}: {:?}",
            run.stdout
        );
    }
    let run = run_env(
        &p,
        Models::V2,
        &["check", "--color", "never"],
        &[("CLICOLOR_FORCE", "1")],
    );
    assert!(!run.expect(1).stdout.contains(ESC));
    let run = run_env(
        &p,
        Models::V2,
        &[
            &["autogenerate", "-m", "two", "--color=always"][..],
            &V2_SAFETY,
        ]
        .concat(),
        &[],
    )
    .expect(0);
    assert!(
        run.stderr.contains(&format!("{ESC}[1m{ESC}[33mwarning:")),
        "{:?}",
        run.stderr
    );
    // clap's help follows --color too.
    let run = run_env(&p, Models::None, &["--color", "always", "--help"], &[]).expect(0);
    assert!(run.stdout.contains(ESC), "{:?}", run.stdout);
    let run = run_env(&p, Models::None, &["--help"], &[]).expect(0);
    assert!(!run.stdout.contains(ESC), "{:?}", run.stdout);
    assert!(run.stdout.contains("--color <WHEN>"), "{}", run.stdout);
}
