//! `retort squash`: one revision for a range, computed from the schemas; databases before,
//! inside and past the range keep working; `--finalize` removes the replaced revisions.

use crate::support::{generate, on_both_backends, revision, Backend, Models, Project};

on_both_backends!(every_database_keeps_working_across_a_squash);

/// Revisions (ids) named in the lines of `stdout` that start with `verb`, in order.
pub(crate) fn moved(stdout: &str, verb: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(verb))
        .map(|l| l.trim_start()[..12].to_owned())
        .collect()
}

pub(crate) fn recorded(p: &Project, table: &str) -> Vec<String> {
    let mut v = p.strings(&format!(
        "SELECT version AS v FROM {table} ORDER BY version"
    ));
    v.sort();
    v
}

fn versions_of(ids: &[&String], p: &Project) -> Vec<String> {
    let mut out: Vec<String> = p
        .revision_dirs()
        .iter()
        .map(|d| d.file_name().unwrap().to_str().unwrap().to_owned())
        .filter(|n| ids.iter().any(|id| n[18..30] == ***id))
        .map(|n| n.split('_').next().unwrap().replace('-', ""))
        .collect();
    out.sort();
    out
}

/// `p`'s schema is `want`, table by table (the first table that differs is shown).
#[track_caller]
pub(crate) fn same_schema(p: &Project, want: &retort::schema::Schema) {
    let got = p.schema();
    assert_eq!(
        got.tables.keys().collect::<Vec<_>>(),
        want.tables.keys().collect::<Vec<_>>()
    );
    for (name, table) in &got.tables {
        assert_eq!(table, &want.tables[name], "table {name}");
    }
    assert_eq!(&got, want);
}

/// models -> items -> author -> index -> tags -> label, squashing items..tags.
pub(crate) fn history(p: &Project) -> Vec<String> {
    let toml = std::fs::read_to_string(p.path().join("Retort.toml")).unwrap();
    std::fs::write(
        p.path().join("Retort.toml"),
        format!("{toml}ignore = [\"sq_*\"]\n"),
    )
    .unwrap();
    let (r1, _) = generate(p, Models::V1, &["autogenerate", "-m", "models"]);
    let r2 = revision(
        p,
        "items",
        "CREATE TABLE sq_items (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n",
        "DROP TABLE sq_items;\n",
    );
    let r3 = revision(
        p,
        "author",
        "ALTER TABLE sq_items ADD COLUMN author TEXT;\n",
        "ALTER TABLE sq_items DROP COLUMN author;\n",
    );
    let r4 = revision(
        p,
        "index",
        "CREATE INDEX ix_sq_items_author ON sq_items (author);\n",
        "DROP INDEX ix_sq_items_author;\n",
    );
    let r5 = revision(
        p,
        "tags",
        "CREATE TABLE sq_tags (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES sq_items (id));\n",
        "DROP TABLE sq_tags;\n",
    );
    let r6 = revision(
        p,
        "label",
        "ALTER TABLE sq_tags ADD COLUMN label TEXT;\n",
        "ALTER TABLE sq_tags DROP COLUMN label;\n",
    );
    vec![r1, r2, r3, r4, r5, r6]
}

fn every_database_keeps_working_across_a_squash(backend: Backend) {
    let (Some(p), Some(q)) = (Project::on(backend), Project::on(backend)) else {
        return;
    };
    let ids = history(&p);
    let [r1, r2, r3, r4, r5, r6] = &ids[..] else {
        unreachable!()
    };
    // q's database, driven by p's migrations.
    let q_url = match backend {
        Backend::Sqlite => format!("sqlite://{}", q.db_path().display()),
        Backend::Postgres => q.url.clone(),
    };
    let on_q = |args: &[&str]| {
        p.run(
            Models::V1,
            &[&["--database-url", &q_url][..], args].concat(),
        )
    };
    p.run(Models::V1, &["upgrade", r3]).expect(0); // inside the range
    on_q(&["upgrade", r5]).expect(0); // at its end
    let replaced_versions = versions_of(&[r2, r3, r4, r5], &p);

    let (s, dir) = generate(
        &p,
        Models::V1,
        &["squash", &format!("{r2}:{r5}"), "-m", "items"],
    );
    let meta = std::fs::read_to_string(dir.join("metadata.toml")).unwrap();
    assert!(
        meta.contains(&format!(
            "replaces = [\"{r2}\", \"{r3}\", \"{r4}\", \"{r5}\"]"
        )),
        "{meta}"
    );
    assert!(meta.contains(&format!("parents = [\"{r1}\"]")), "{meta}");
    let up = std::fs::read_to_string(dir.join("up.sql")).unwrap();
    assert!(up.contains("sq_items") && up.contains("sq_tags"), "{up}");

    // `history` shows the squash in the range's place.
    let shown = p.run(Models::V1, &["history"]).expect(0).stdout;
    assert!(
        shown.contains(&s) && !shown.contains(r3.as_str()),
        "{shown}"
    );

    // At the range's end: the squash counts as applied; only r6 runs.
    assert!(on_q(&["current"]).expect(0).stdout.contains(&s));
    let run = on_q(&["upgrade"]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Applied"),
        [r6.as_str()],
        "{}",
        run.stdout
    );
    on_q(&["check"]).expect(0);

    // Inside the range: its own revisions, reverting and applying them, then past the squash.
    let run = p.run(Models::V1, &["current"]).expect(0);
    assert!(run.stdout.starts_with(r3.as_str()), "{}", run.stdout);
    let run = p.run(Models::V1, &["downgrade", "-1", "-y"]).expect(0);
    assert_eq!(moved(&run.stdout, "Reverted"), [r3.as_str()]);
    let run = p.run(Models::V1, &["upgrade"]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Applied"),
        [r3.clone(), r4.clone(), r5.clone(), r6.clone()],
        "{}",
        run.stdout
    );
    let run = p.run(Models::V1, &["current"]).expect(0);
    assert!(
        run.stdout.starts_with(&format!("{r6} (head)")),
        "{}",
        run.stdout
    );
    p.run(Models::V1, &["check"]).expect(0);
    let through_range = p.schema();

    // Below the range: reverting the squash reverts the range (its records go too); a new
    // database runs the squash alone and gets the same schema.
    let run = on_q(&["downgrade", "base", "-y"]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Reverted"),
        [r6.clone(), s.clone(), r1.clone()]
    );
    assert!(recorded(&q, "__diesel_schema_migrations").is_empty());
    assert!(recorded(&q, "__retort_checksums").is_empty());
    let run = on_q(&["upgrade"]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Applied"),
        [r1.clone(), s.clone(), r6.clone()]
    );
    same_schema(&q, &through_range);
    on_q(&["check"]).expect(0);
    let run = on_q(&["check", "--shadow"]).expect(0);
    assert!(
        run.stdout.contains("replaying 3 revision(s)"),
        "{}",
        run.stdout
    );
    let run = on_q(&["downgrade", r1, "-y"]).expect(0);
    assert_eq!(moved(&run.stdout, "Reverted"), [r6.clone(), s.clone()]);
    on_q(&["upgrade"]).expect(0);

    // Every database is past the range: finalize. p recorded the replaced revisions.
    let run = p.run(Models::V1, &["squash", "--finalize"]).expect(0);
    assert_eq!(run.stdout.matches("Removed ").count(), 4, "{}", run.stdout);
    assert_eq!(p.revision_dirs().len(), 3);
    p.run(Models::V1, &["check"]).expect(0);
    p.run(Models::V1, &["check", "--shadow"]).expect(0);
    let run = p.run(Models::V1, &["current"]).expect(0);
    assert!(
        run.stdout.starts_with(&format!("{r6} (head)")),
        "{}",
        run.stdout
    );
    let run = p.run(Models::V1, &["downgrade", r1, "-y"]).expect(0);
    assert_eq!(moved(&run.stdout, "Reverted"), [r6.clone(), s.clone()]);
    assert_eq!(recorded(&p, "__diesel_schema_migrations").len(), 1);
    assert_eq!(recorded(&p, "__retort_checksums").len(), 1);
    let run = p.run(Models::V1, &["upgrade"]).expect(0);
    assert_eq!(moved(&run.stdout, "Applied"), [s.clone(), r6.clone()]);
    same_schema(&p, &through_range);

    // A database recorded inside the range after the finalize cannot go on: it says so.
    on_q(&["downgrade", r1, "-y"]).expect(0);
    q.execute(&format!(
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('{}')",
        replaced_versions[0]
    ));
    let run = on_q(&["current"]).expect(2);
    assert!(
        run.stderr.contains(&format!("squash {s}")) && run.stderr.contains("too early"),
        "{}",
        run.stderr
    );
}

#[test]
fn ranges_a_squash_cannot_stand_for_are_refused() {
    let p = Project::new();
    let ids = history(&p);
    let squash = |range: String| p.run(Models::V1, &["squash", &range, "-m", "s"]).expect(2);
    // A data statement inside the range.
    let dir = p.revision_dirs()[2].clone();
    std::fs::write(
        dir.join("up.sql"),
        "ALTER TABLE sq_items ADD COLUMN author TEXT;\nUPDATE sq_items SET author = 'x';\n",
    )
    .unwrap();
    let run = squash(format!("{}:{}", ids[1], ids[4]));
    assert!(
        run.stderr.contains(&format!("revision {} (", ids[2]))
            && run
                .stderr
                .contains(":2) holds a data statement, `UPDATE sq_items"),
        "{}",
        run.stderr
    );
    // One revision; the wrong order.
    let run = squash(format!("{}:{}", ids[1], ids[1]));
    assert!(run.stderr.contains("holds one revision"), "{}", run.stderr);
    let run = squash(format!("{}:{}", ids[4], ids[3]));
    assert!(
        run.stderr.contains("is not an ancestor of"),
        "{}",
        run.stderr
    );
    // A branch point inside the range.
    p.run(Models::V1, &["revision", "-m", "side", "--head", &ids[3]])
        .expect(0);
    let run = squash(format!("{}:{}", ids[3], ids[5]));
    assert!(
        run.stderr
            .contains(&format!("crosses branch point {}", ids[3])),
        "{}",
        run.stderr
    );
    assert_eq!(p.revision_dirs().len(), 7, "nothing written");
}
