//! Team workflow through the real CLI, on SQLite and PostgreSQL: branches (`revision --head`),
//! several heads, `merge`, `upgrade heads`, downgrading to a branch point, `branches` and
//! `history` markers, ambiguous targets, `stamp`, offline SQL and checksums of applied
//! migrations.

use std::path::{Path, PathBuf};

use crate::support::{on_both_backends, Backend, Models, Project};

on_both_backends!(
    branches_merge_and_upgrade_heads,
    ambiguous_targets_name_the_candidates,
    stamp_adopts_a_database_made_by_hand,
    offline_sql_equals_what_is_executed,
    edited_applied_migrations_are_caught,
);

fn project(backend: Backend) -> Project {
    Project::on(backend).expect("backend available")
}

use crate::support::generate;

fn write_sql(dir: &Path, up: &str, down: &str) {
    std::fs::write(dir.join("up.sql"), up).unwrap();
    std::fs::write(dir.join("down.sql"), down).unwrap();
}

/// A data-only revision on `head`: inserts row `id` into `obsoletes` (a V1 table), so the
/// models still match the database.
fn data_revision(p: &Project, head: &str, id: u32, label: &str) -> (String, PathBuf) {
    let message = format!("insert {label}");
    let (rev, dir) = generate(p, Models::V1, &["revision", "-m", &message, "--head", head]);
    write_sql(
        &dir,
        &format!("INSERT INTO obsoletes (id, label) VALUES ({id}, '{label}');\n"),
        &format!("DELETE FROM obsoletes WHERE id = {id};\n"),
    );
    (rev, dir)
}

fn labels(p: &Project) -> Vec<String> {
    p.strings("SELECT label AS v FROM obsoletes ORDER BY id")
}

fn branches_merge_and_upgrade_heads(backend: Backend) {
    let p = project(backend);
    let (root, _) = generate(&p, Models::V1, &["autogenerate", "-m", "initial"]);
    let (a, _) = data_revision(&p, &root, 1, "a");
    // `--head` builds on the chosen parent, whatever the head is.
    let (b, _) = data_revision(&p, &root[..6], 2, "b");

    let heads = p.run(Models::V1, &["heads"]).expect(0).stdout;
    assert_eq!(heads.lines().count(), 2, "{heads}");
    assert!(heads.contains(&format!("{a} (head) insert a")), "{heads}");
    assert!(heads.contains(&format!("{b} (head) insert b")), "{heads}");
    // heads lists them in topological order; merge joins them in that order.
    let ordered: Vec<String> = heads
        .lines()
        .map(|l| l.split(' ').next().unwrap().to_owned())
        .collect();

    // Several heads: new revisions refuse and say to merge; `--head` still works.
    for args in [
        &["autogenerate", "-m", "refused"][..],
        &["revision", "-m", "refused"][..],
    ] {
        let run = p.run(Models::V1, args).expect(2);
        assert!(run.stderr.contains("several heads"), "{}", run.stderr);
        assert!(
            run.stderr.contains("`retort_v1 merge -m \"merge heads\"`"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(p.revision_dirs().len(), 3);

    let branches = p.run(Models::V1, &["branches"]).expect(0).stdout;
    assert!(
        branches.starts_with(&format!("{root} (branchpoint), initial\n")),
        "{branches}"
    );
    assert!(
        branches.contains(&format!("  -> {a} (head), insert a\n")),
        "{branches}"
    );
    assert!(
        branches.contains(&format!("  -> {b} (head), insert b\n")),
        "{branches}"
    );

    // `upgrade head` is ambiguous; `upgrade heads` applies every branch.
    let run = p.run(Models::V1, &["upgrade", "head"]).expect(2);
    assert!(run.stderr.contains("several heads"), "{}", run.stderr);
    let run = p.run(Models::V1, &["upgrade", "heads"]).expect(0);
    assert_eq!(run.stdout.matches("Applied ").count(), 3, "{}", run.stdout);
    assert!(run.stdout.starts_with(&format!("Applied {root} ")));
    assert_eq!(labels(&p), ["a", "b"]);
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(current.contains(&format!("{a} (head)")), "{current}");
    assert!(current.contains(&format!("{b} (head)")), "{current}");
    // Unmerged heads are not ready: check says so (both modes), so CI and the hook catch it.
    for args in [&["check"][..], &["check", "--shadow"][..]] {
        let run = p.run(Models::V1, args).expect(1);
        assert!(run.stdout.contains("have 2 heads"), "{}", run.stdout);
        assert!(
            run.stdout.contains("`retort_v1 merge -m \"merge heads\"`"),
            "{}",
            run.stdout
        );
    }

    // Merge: one head again.
    let (merge, merge_dir) = generate(&p, Models::V1, &["merge", "-m", "join branches"]);
    let up = std::fs::read_to_string(merge_dir.join("up.sql")).unwrap();
    assert!(up.starts_with("-- Merge revision"), "{up}");
    let heads = p.run(Models::V1, &["heads"]).expect(0).stdout;
    assert_eq!(heads, format!("{merge} (head) join branches\n"));
    // The merge's timestamp is later than both parents'.
    let dirs = p.revision_dirs();
    assert_eq!(dirs.last().unwrap(), &merge_dir);

    let history = p.run(Models::V1, &["history"]).expect(0).stdout;
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "{} -> {merge} (head) (mergepoint), join branches",
            ordered.join(", ")
        )
    );
    assert!(lines.contains(&format!("{root} -> {a}, insert a").as_str()));
    assert!(lines.contains(&format!("{root} -> {b}, insert b").as_str()));
    assert_eq!(lines[3], format!("<base> -> {root} (branchpoint), initial"));
    let verbose = p
        .run(Models::V1, &["history", "--verbose"])
        .expect(0)
        .stdout;
    assert!(
        verbose.starts_with(&format!(
            "Rev:      {merge} (head) (mergepoint)\nParents:  {}\nMessage:  join branches\nCreated:  ",
            ordered.join(", ")
        )),
        "{verbose}"
    );
    assert!(
        verbose.contains(&format!("Path:     {}", merge_dir.display()))
            || verbose.contains(merge_dir.file_name().unwrap().to_str().unwrap()),
        "{verbose}"
    );
    assert!(
        verbose.contains(&format!(
            "Rev:      {root} (branchpoint)\nParents:  <base>\nMessage:  initial\n"
        )),
        "{verbose}"
    );

    // Merge needs two distinct revisions.
    let run = p.run(Models::V1, &["merge", "-m", "again"]).expect(2);
    assert!(
        run.stderr.contains("at least two distinct revisions"),
        "{}",
        run.stderr
    );
    let run = p
        .run(Models::V1, &["merge", &a, &a[..8], "-m", "again"])
        .expect(2);
    assert!(
        run.stderr.contains("at least two distinct revisions"),
        "{}",
        run.stderr
    );
    let run = p
        .run(Models::V1, &["merge", &root, &a, "-m", "again"])
        .expect(2);
    assert!(
        run.stderr.contains("is already an ancestor"),
        "{}",
        run.stderr
    );

    let run = p.run(Models::V1, &["upgrade"]).expect(0);
    assert_eq!(run.stdout, format!("Applied {merge} join branches\n"));
    p.run(Models::V1, &["check"]).expect(0);

    // Down to the branch point: both branches (and the merge) are reverted.
    let run = p.run(Models::V1, &["downgrade", &root[..7]]).expect(0);
    assert_eq!(run.stdout.matches("Reverted ").count(), 3, "{}", run.stdout);
    assert!(run.stdout.starts_with(&format!("Reverted {merge} ")));
    assert!(labels(&p).is_empty());
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert_eq!(current, format!("{root} initial\n"));

    // One branch only, then the rest.
    let run = p.run(Models::V1, &["upgrade", &b]).expect(0);
    assert_eq!(run.stdout, format!("Applied {b} insert b\n"));
    assert_eq!(labels(&p), ["b"]);
    let run = p.run(Models::V1, &["upgrade", "head"]).expect(0);
    assert_eq!(run.stdout.matches("Applied ").count(), 2, "{}", run.stdout);
    assert_eq!(labels(&p), ["a", "b"]);
    p.run(Models::V1, &["check"]).expect(0);

    // Relative targets across the merge.
    let run = p.run(Models::V1, &["downgrade", "-1"]).expect(0);
    assert_eq!(run.stdout, format!("Reverted {merge} join branches\n"));
    let run = p
        .run(Models::V1, &["upgrade", &format!("{merge}-1")])
        .expect(2);
    assert!(run.stderr.contains("has several parents"), "{}", run.stderr);
    p.run(Models::V1, &["upgrade", "+1"]).expect(0);
    let run = p.run(Models::V1, &["downgrade", "base"]).expect(0);
    assert_eq!(run.stdout.matches("Reverted ").count(), 4, "{}", run.stdout);
}

/// Renames a fresh (not yet applied, childless) revision to `new_id`.
fn rename(p: &Project, id: &str, new_id: &str) {
    let dir = p
        .revision_dirs()
        .into_iter()
        .find(|d| d.file_name().unwrap().to_str().unwrap().contains(id))
        .unwrap();
    let name = dir
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .replace(id, new_id);
    let meta = std::fs::read_to_string(dir.join("metadata.toml"))
        .unwrap()
        .replace(id, new_id);
    std::fs::write(dir.join("metadata.toml"), meta).unwrap();
    std::fs::rename(&dir, p.migrations().join(name)).unwrap();
}

fn ambiguous_targets_name_the_candidates(backend: Backend) {
    let p = project(backend);
    let (root, _) = generate(&p, Models::V1, &["autogenerate", "-m", "initial"]);
    let (a, _) = data_revision(&p, &root, 1, "a");
    let (b, _) = data_revision(&p, &root, 2, "b");
    rename(&p, &a, "abcabc000001");
    rename(&p, &b, "abcabc000002");
    for args in [
        &["upgrade", "abcabc"][..],
        &["upgrade", "abcabc+1"][..],
        &["downgrade", "abcabc"][..],
        &["stamp", "abcabc"][..],
        &["show", "abcabc"][..],
        &["revision", "--head", "abcabc", "-m", "x"][..],
        &["merge", "abcabc", "abcabc000001", "-m", "x"][..],
        &["upgrade", "--sql", "abcabc"][..],
    ] {
        let run = p.run(Models::V1, args).expect(2);
        assert!(
            run.stderr.contains(
                "revision prefix `abcabc` is ambiguous: it matches abcabc000001, abcabc000002"
            ),
            "{args:?}: {}",
            run.stderr
        );
    }
    let run = p.run(Models::V1, &["upgrade", "nosuchrev"]).expect(2);
    assert!(
        run.stderr.contains("unknown revision `nosuchrev`"),
        "{}",
        run.stderr
    );
    // Unique prefixes still work on both branches.
    p.run(Models::V1, &["upgrade", "abcabc000002"]).expect(0);
    assert_eq!(labels(&p), ["b"]);
    p.run(Models::V1, &["upgrade", "heads"]).expect(0);
    assert_eq!(labels(&p), ["a", "b"]);
    let run = p
        .run(Models::V1, &["downgrade", "abcabc000001-1"])
        .expect(0);
    assert_eq!(run.stdout.matches("Reverted ").count(), 2, "{}", run.stdout);
}

fn stamp_adopts_a_database_made_by_hand(backend: Backend) {
    let p = project(backend);
    let (root, root_dir) = generate(&p, Models::V1, &["autogenerate", "-m", "initial"]);
    let (data, data_dir) = data_revision(&p, "head", 1, "a");
    // The database exists but was built by hand, without Retort.
    p.execute(&std::fs::read_to_string(root_dir.join("up.sql")).unwrap());
    p.execute(&std::fs::read_to_string(data_dir.join("up.sql")).unwrap());
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(current.starts_with("base"), "{current}");
    p.run(Models::V1, &["check"]).expect(1);

    let run = p.run(Models::V1, &["stamp", "head"]).expect(0);
    assert_eq!(
        run.stdout,
        format!("Stamped {root} initial (no SQL run)\nStamped {data} insert a (no SQL run)\n")
    );
    // No SQL ran: the row inserted by hand is there once.
    assert_eq!(labels(&p), ["a"]);
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert_eq!(current, format!("{data} (head) insert a\n"));
    p.run(Models::V1, &["check"]).expect(0);
    let run = p.run(Models::V1, &["stamp", "head"]).expect(0);
    assert!(run.stdout.starts_with("Nothing to stamp"), "{}", run.stdout);

    // Exactly the ancestors of the target are recorded.
    let run = p.run(Models::V1, &["stamp", &root[..5]]).expect(0);
    assert_eq!(
        run.stdout,
        format!("Unstamped {data} insert a (no SQL run)\n")
    );
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert_eq!(current, format!("{root} initial\n"));
    assert_eq!(labels(&p), ["a"]);

    let run = p.run(Models::V1, &["stamp", "base"]).expect(0);
    assert_eq!(
        run.stdout,
        format!("Unstamped {root} initial (no SQL run)\n")
    );
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(current.starts_with("base"), "{current}");
    assert!(p.schema().tables.contains_key("accounts"));
    assert_eq!(
        p.strings("SELECT CAST(count(*) AS TEXT) AS v FROM __retort_checksums"),
        ["0"]
    );

    // Stamped records are ordinary: the downgrade runs the down SQL.
    p.run(Models::V1, &["stamp", "+2"]).expect(0);
    p.run(Models::V1, &["check"]).expect(0);
    p.run(Models::V1, &["downgrade", "base"]).expect(0);
    assert!(p.schema().is_empty(), "{:?}", p.schema().tables.keys());
}

fn offline_sql_equals_what_is_executed(backend: Backend) {
    let p = project(backend);
    let (root, _) = generate(&p, Models::V1, &["autogenerate", "-m", "initial"]);
    let (data, _) = data_revision(&p, "head", 1, "a");
    // autogenerate read the (empty) database; start without one.
    if backend == Backend::Sqlite {
        std::fs::remove_file(p.db_path()).unwrap();
    }

    let up = p.run(Models::V1, &["upgrade", "--sql"]).expect(0).stdout;
    // Nothing touched the database.
    match backend {
        Backend::Sqlite => assert!(!p.db_path().exists(), "the SQLite file was created"),
        Backend::Postgres => {
            let tables =
                p.strings("SELECT tablename::text AS v FROM pg_tables WHERE schemaname = 'public'");
            assert!(tables.is_empty(), "{tables:?}");
        }
    }
    // The URL only picks the dialect: an unreachable server gives the same script.
    let elsewhere = match backend {
        Backend::Sqlite => "sqlite://elsewhere/nothing.db",
        Backend::Postgres => "postgres://nobody@127.0.0.1:1/unreachable",
    };
    let same = p
        .run(
            Models::V1,
            &["upgrade", "--sql", "base:head", "--database-url", elsewhere],
        )
        .expect(0)
        .stdout;
    assert_eq!(same, up);
    assert!(!p.path().join("elsewhere").exists());

    assert!(
        up.contains(
            "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (\n       version VARCHAR(50) PRIMARY KEY NOT NULL,\n       run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n);"
        ),
        "{up}"
    );
    assert!(
        up.contains("CREATE TABLE IF NOT EXISTS __retort_checksums ("),
        "{up}"
    );
    assert!(
        up.contains(&format!("-- Apply revision {root}: initial")),
        "{up}"
    );
    assert!(
        up.contains("INSERT INTO obsoletes (id, label) VALUES (1, 'a');"),
        "{up}"
    );
    match backend {
        Backend::Sqlite => {
            assert!(
                up.contains("PRAGMA foreign_keys = OFF;\nBEGIN IMMEDIATE;\n"),
                "{up}"
            );
            assert_eq!(up.matches("COMMIT;").count(), 1, "{up}");
        }
        Backend::Postgres => {
            assert!(!up.contains("PRAGMA"), "{up}");
            assert_eq!(up.matches("BEGIN;").count(), 2, "{up}");
            assert_eq!(up.matches("COMMIT;").count(), 2, "{up}");
        }
    }
    let partial = p
        .run(Models::V1, &["upgrade", "--sql", &format!("{root}:head")])
        .expect(0)
        .stdout;
    assert!(!partial.contains(&format!("revision {root}")), "{partial}");
    assert!(
        partial.contains(&format!("-- Apply revision {data}")),
        "{partial}"
    );

    // Run the printed script by hand: Retort sees the database at head, matching the models.
    p.execute(&up);
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert_eq!(current, format!("{data} (head) insert a\n"));
    p.run(Models::V1, &["check"]).expect(0);
    assert_eq!(labels(&p), ["a"]);
    let run = p.run(Models::V1, &["upgrade"]).expect(0);
    assert!(run.stdout.starts_with("Nothing to apply"), "{}", run.stdout);

    // And back to base.
    let run = p.run(Models::V1, &["downgrade", "--sql", "head"]).expect(2);
    assert!(run.stderr.contains("FROM:TARGET"), "{}", run.stderr);
    let down = p
        .run(Models::V1, &["downgrade", "--sql", "head:base"])
        .expect(0)
        .stdout;
    let pos_data = down.find(&format!("-- Revert revision {data}")).unwrap();
    let pos_root = down.find(&format!("-- Revert revision {root}")).unwrap();
    assert!(pos_data < pos_root, "{down}");
    p.execute(&down);
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(current.starts_with("base"), "{current}");
    assert!(p.schema().is_empty(), "{:?}", p.schema().tables.keys());
    assert_eq!(
        p.strings("SELECT CAST(count(*) AS TEXT) AS v FROM __retort_checksums"),
        ["0"]
    );
    // The real runner agrees with the hand-run scripts.
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    p.run(Models::V1, &["check"]).expect(0);
    let down_one = p
        .run(Models::V1, &["downgrade", "--sql", "head:-1"])
        .expect(0)
        .stdout;
    assert!(
        down_one.contains(&format!("-- Revert revision {data}")),
        "{down_one}"
    );
    assert!(
        !down_one.contains(&format!("revision {root}")),
        "{down_one}"
    );
}

fn edited_applied_migrations_are_caught(backend: Backend) {
    let p = project(backend);
    let (root, root_dir) = generate(&p, Models::V1, &["autogenerate", "-m", "initial"]);
    let (data, data_dir) = data_revision(&p, "head", 1, "a");
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    let recorded = p.strings("SELECT checksum AS v FROM __retort_checksums ORDER BY version");
    assert_eq!(recorded.len(), 2);
    assert!(recorded.iter().all(|c| c.len() == 64), "{recorded:?}");
    assert!(!p.schema().tables.contains_key("__retort_checksums"));

    // Edit an applied migration.
    std::fs::write(
        data_dir.join("up.sql"),
        "INSERT INTO obsoletes (id, label) VALUES (1, 'edited');\n",
    )
    .unwrap();
    for args in [&["upgrade", "head"][..], &["downgrade", "-1"][..]] {
        let run = p.run(Models::V1, args).expect(2);
        assert!(
            run.stderr.contains(&format!("revision {data} (")),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("up.sql changed since it was applied"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("--allow-edited"), "{}", run.stderr);
    }
    assert_eq!(labels(&p), ["a"], "nothing ran");
    let run = p.run(Models::V1, &["check"]).expect(1);
    assert!(
        run.stdout.contains(&format!("revision {data} (")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("up.sql changed"), "{}", run.stdout);
    p.run(Models::V1, &["check", "--allow-edited"]).expect(0);

    // Both files of another revision.
    let up = std::fs::read_to_string(root_dir.join("up.sql")).unwrap();
    let down = std::fs::read_to_string(root_dir.join("down.sql")).unwrap();
    write_sql(
        &root_dir,
        &format!("{up}\n-- edited\n"),
        &format!("{down}\n-- edited\n"),
    );
    let run = p.run(Models::V1, &["check"]).expect(1);
    assert!(
        run.stdout.contains(&format!("revision {root} (")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("up.sql and down.sql changed"),
        "{}",
        run.stdout
    );
    write_sql(&root_dir, &up, &down);

    // --allow-edited overrides; the revision reverted, its (edited) files may run again.
    let run = p
        .run(Models::V1, &["downgrade", "-1", "--allow-edited"])
        .expect(0);
    assert_eq!(run.stdout, format!("Reverted {data} insert a\n"));
    let run = p.run(Models::V1, &["upgrade", "head"]).expect(0);
    assert_eq!(run.stdout, format!("Applied {data} insert a\n"));
    assert_eq!(labels(&p), ["edited"]);
    p.run(Models::V1, &["check"]).expect(0);

    // A migration applied by plain diesel (no checksum row) has nothing to compare.
    p.execute("DELETE FROM __retort_checksums;");
    std::fs::write(data_dir.join("down.sql"), "DELETE FROM obsoletes;\n").unwrap();
    p.run(Models::V1, &["check"]).expect(0);
    p.run(Models::V1, &["downgrade", "-1"]).expect(0);
    assert!(labels(&p).is_empty());
}

/// A history that uses what it never created (a table left to an `ignore` glob, say): `check
/// --shadow` fails saying the replay ran in an empty scratch database and nothing in the
/// database changed, not as a failed upgrade of the database would.
#[test]
fn a_shadow_replay_that_fails_says_where_it_ran() {
    let p = Project::new();
    crate::support::revision(
        &p,
        "reads legacy",
        "INSERT INTO legacy (id) VALUES (1);\n",
        "DELETE FROM legacy WHERE id = 1;\n",
    );
    let run = p.run(Models::V1, &["check", "--shadow"]);
    assert_ne!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains(
            "replayed from an empty scratch database (nothing in the database itself changed)"
        ) && run.stderr.contains("no such table: legacy")
            && !run.stderr.contains("cannot be rolled back"),
        "{}",
        run.stderr
    );
}
