//! `retort squash` over squashes, with branch labels and relative ends, and the ranges it
//! refuses (a merge point inside, a label inside); see squash.rs for the basics.

use crate::squash::{history, moved, recorded, same_schema};
use crate::support::{generate, on_both_backends, Backend, Models, Project};

on_both_backends!(
    a_squash_over_a_squash_keeps_every_database_working,
    labels_and_relative_ends
);

/// Owned ids, to compare with [`moved`].
fn v(ids: &[&String]) -> Vec<String> {
    ids.iter().map(|id| (*id).clone()).collect()
}

/// The database URL of `q`, for `--database-url` with `p`'s migrations.
fn url_of(q: &Project) -> String {
    match q.backend {
        Backend::Sqlite => format!("sqlite://{}", q.db_path().display()),
        Backend::Postgres => q.url.clone(),
    }
}

fn a_squash_over_a_squash_keeps_every_database_working(backend: Backend) {
    let (Some(p), Some(q), Some(w)) = (
        Project::on(backend),
        Project::on(backend),
        Project::on(backend),
    ) else {
        return;
    };
    let ids = history(&p);
    let [r1, r2, r3, r4, r5, r6] = &ids[..] else {
        unreachable!()
    };
    let on = |db: &Project, args: &[&str]| {
        p.run(
            Models::V1,
            &[&["--database-url", &url_of(db)][..], args].concat(),
        )
    };
    p.run(Models::V1, &["upgrade", r3]).expect(0); // will be at the end of the inner squash
    on(&q, &["upgrade", r2]).expect(0); // will be inside the inner squash

    let (s1, _) = generate(
        &p,
        Models::V1,
        &["squash", &format!("{r2}:{r3}"), "-m", "inner"],
    );
    // w is new: it runs the inner squash, then the rest.
    let run = on(&w, &["upgrade"]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Applied"),
        v(&[r1, &s1, r4, r5, r6]),
        "{}",
        run.stdout
    );

    // The outer squash starts at the inner one.
    let (s2, dir) = generate(
        &p,
        Models::V1,
        &["squash", &format!("{s1}:{r5}"), "-m", "outer"],
    );
    let meta = std::fs::read_to_string(dir.join("metadata.toml")).unwrap();
    assert!(
        meta.contains(&format!("replaces = [\"{s1}\", \"{r4}\", \"{r5}\"]"))
            && meta.contains("[nested_replaces]")
            && meta.contains(&format!("{s1} = [\"{r2}\", \"{r3}\"]")),
        "{meta}"
    );
    let shown = p.run(Models::V1, &["history"]).expect(0).stdout;
    assert!(
        shown.contains(&s2) && !shown.contains(s1.as_str()) && !shown.contains(r4.as_str()),
        "{shown}"
    );
    // A replaced revision, inner or outer, is refused as a target, naming the outer squash.
    let run = p.run(Models::V1, &["show", r2]).expect(2);
    assert!(
        run.stderr
            .contains(&format!("revision {r2} is replaced by squash {s2}")),
        "{}",
        run.stderr
    );

    // p recorded r2 and r3: at the inner squash, inside the outer one.
    let run = p.run(Models::V1, &["current"]).expect(0);
    assert!(run.stdout.starts_with(s1.as_str()), "{}", run.stdout);
    let run = p.run(Models::V1, &["upgrade"]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Applied"),
        v(&[r4, r5, r6]),
        "{}",
        run.stdout
    );
    p.run(Models::V1, &["check"]).expect(0);
    let through_range = p.schema();
    // q is inside both: it runs the rest of the inner range, then the outer one's rest.
    let run = on(&q, &["upgrade"]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Applied"),
        v(&[r3, r4, r5, r6]),
        "{}",
        run.stdout
    );
    on(&q, &["check"]).expect(0);
    // w ran the inner squash itself: it is past the outer range.
    assert!(on(&w, &["current"])
        .expect(0)
        .stdout
        .starts_with(&format!("{r6} (head)")));
    on(&w, &["check"]).expect(0);
    // A new database runs the outer squash alone.
    let fresh = Project::on(backend).unwrap();
    let run = on(&fresh, &["upgrade"]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Applied"),
        v(&[r1, &s2, r6]),
        "{}",
        run.stdout
    );
    same_schema(&fresh, &through_range);
    let run = p.run(Models::V1, &["check", "--shadow"]).expect(0);
    assert!(
        run.stdout.contains("replaying 3 revision(s)"),
        "{}",
        run.stdout
    );

    // Every database is past both ranges: finalize removes the inner squash and all ranges.
    let run = p.run(Models::V1, &["squash", "--finalize"]).expect(0);
    assert_eq!(run.stdout.matches("Removed ").count(), 5, "{}", run.stdout);
    assert_eq!(p.revision_dirs().len(), 3);
    for db in [&p, &q, &w, &fresh] {
        let run = on(db, &["current"]).expect(0);
        assert!(
            run.stdout.starts_with(&format!("{r6} (head)")),
            "{}",
            run.stdout
        );
        on(db, &["check"]).expect(0);
    }
    // Reverting the outer squash removes the records of everything it stood for.
    for db in [&p, &w] {
        let run = on(db, &["downgrade", r1, "-y"]).expect(0);
        assert_eq!(moved(&run.stdout, "Reverted"), v(&[r6, &s2]));
        assert_eq!(recorded(db, "__diesel_schema_migrations").len(), 1);
        let run = on(db, &["upgrade"]).expect(0);
        assert_eq!(moved(&run.stdout, "Applied"), v(&[&s2, r6]));
        same_schema(db, &through_range);
    }
}

/// Writes `labels` into revision `id`'s metadata.toml (before anything is applied).
fn label(p: &Project, id: &str, labels: &str) {
    let dir = p
        .revision_dirs()
        .into_iter()
        .find(|d| d.to_str().unwrap().contains(id))
        .unwrap();
    let path = dir.join("metadata.toml");
    let meta = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("branch_labels = [{labels}]\n{meta}")).unwrap();
}

fn labels_and_relative_ends(backend: Backend) {
    let Some(p) = Project::on(backend) else {
        return;
    };
    let ids = history(&p);
    let [r1, r2, r3, r4, r5, r6] = &ids[..] else {
        unreachable!()
    };
    label(&p, r2, "\"shop\"");
    label(&p, r5, "\"extra\"");
    let squash = |range: &str| p.run(Models::V1, &["squash", range, "-m", "s"]);

    // A label inside the range names the revisions after it only.
    let run = squash("shop:head").expect(2);
    assert!(
        run.stderr.contains(&format!(
            "revision {r5}, inside the range {r2}:{r6}, declares branch label(s) extra"
        )) && run.stderr.contains(&format!("start the range at {r5}")),
        "{}",
        run.stderr
    );
    // Ends as `show` reads them: a relative end that goes nowhere is named.
    let run = squash("shop:-9").expect(2);
    assert!(
        run.stderr.contains("the range's end `-9`"),
        "{}",
        run.stderr
    );
    // `-2` is two below the head: r2..r4, the squash carrying the first one's label.
    let (s, dir) = generate(&p, Models::V1, &["squash", "shop:-2", "-m", "shop"]);
    let meta = std::fs::read_to_string(dir.join("metadata.toml")).unwrap();
    assert!(
        meta.contains("branch_labels = [\"shop\"]")
            && meta.contains(&format!("replaces = [\"{r2}\", \"{r3}\", \"{r4}\"]")),
        "{meta}"
    );
    let run = p.run(Models::V1, &["show", "shop"]).expect(0);
    assert!(run.stdout.contains(&s), "{}", run.stdout);
    let shown = p.run(Models::V1, &["history"]).expect(0).stdout;
    assert!(
        shown.contains(&format!("{s} (shop)")) || shown.contains(&format!("{s} (shop,")),
        "{shown}"
    );
    // The labels work for a new database and for one inside the range.
    let run = p.run(Models::V1, &["upgrade", "shop@head"]).expect(0);
    assert_eq!(moved(&run.stdout, "Applied"), v(&[r1, &s, r5, r6]));
    p.run(Models::V1, &["check"]).expect(0);
    let run = p
        .run(Models::V1, &["downgrade", "shop@base", "-y"])
        .expect(0);
    assert_eq!(moved(&run.stdout, "Reverted"), v(&[r6, r5, &s]));
    // `+2` is the second revision from base; squashing the rest of the history again would
    // take in the label of r5.
    let run = squash("+2:head").expect(2);
    assert!(
        run.stderr.contains("declares branch label(s) extra"),
        "{}",
        run.stderr
    );
    // `+2:-2` is the squash alone.
    let run = squash("+2:-2").expect(2);
    assert!(run.stderr.contains("holds one revision"), "{}", run.stderr);
}

#[test]
fn a_merge_point_inside_the_range_is_refused_naming_it() {
    let p = Project::new();
    let ids = history(&p);
    let (side, _) = generate(
        &p,
        Models::V1,
        &["revision", "-m", "side", "--head", &ids[3]],
    );
    let (merge, _) = generate(&p, Models::V1, &["merge", "-m", "merge heads"]);
    let (after, _) = generate(&p, Models::V1, &["revision", "-m", "after"]);
    let run = p
        .run(
            Models::V1,
            &["squash", &format!("{}:{after}", ids[1]), "-m", "s"],
        )
        .expect(2);
    assert!(
        run.stderr.contains(&format!(
            "crosses merge point {merge} (parents {}, {side})",
            ids[5]
        )) || run.stderr.contains(&format!(
            "crosses merge point {merge} (parents {side}, {}",
            ids[5]
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("squash the part after the merge"));
    // Starting at the merge point: a squash starts after it.
    let run = p
        .run(
            Models::V1,
            &["squash", &format!("{merge}:{after}"), "-m", "s"],
        )
        .expect(2);
    assert!(
        run.stderr.contains(&format!("{merge} is a merge point")),
        "{}",
        run.stderr
    );
}

/// SQLite rebuilds a table by copying it (`INSERT INTO "_retort_new_..." SELECT ...`, as
/// autogenerate writes it): that is schema, not a data statement, so such revisions squash.
#[test]
fn a_sqlite_rebuild_squashes() {
    let p = Project::new();
    let ids = history(&p);
    let rebuild = crate::support::revision(
        &p,
        "rebuild",
        "CREATE TABLE \"_retort_new_sq_items\" (id INTEGER PRIMARY KEY, body VARCHAR(200) NOT NULL, author TEXT);\n\
         INSERT INTO \"_retort_new_sq_items\" (\"id\", \"body\", \"author\") SELECT \"id\", \"body\", \"author\" FROM \"sq_items\";\n\
         DROP TABLE \"sq_items\";\n\
         ALTER TABLE \"_retort_new_sq_items\" RENAME TO \"sq_items\";\n\
         CREATE INDEX ix_sq_items_author ON sq_items (author);\n",
        "CREATE TABLE \"_retort_new_sq_items\" (id INTEGER PRIMARY KEY, body TEXT NOT NULL, author TEXT);\n\
         INSERT INTO \"_retort_new_sq_items\" (\"id\", \"body\", \"author\") SELECT \"id\", \"body\", \"author\" FROM \"sq_items\";\n\
         DROP TABLE \"sq_items\";\n\
         ALTER TABLE \"_retort_new_sq_items\" RENAME TO \"sq_items\";\n\
         CREATE INDEX ix_sq_items_author ON sq_items (author);\n",
    );
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.execute("INSERT INTO sq_items (id, body) VALUES (1, 'kept')");
    let through_range = p.schema();
    let (s, dir) = generate(
        &p,
        Models::V1,
        &["squash", &format!("{}:{rebuild}", ids[5]), "-m", "both"],
    );
    let up = std::fs::read_to_string(dir.join("up.sql")).unwrap();
    assert!(up.contains("sq_items") && up.contains("label"), "{up}");
    let run = p.run(Models::V1, &["current"]).expect(0);
    assert!(
        run.stdout.starts_with(&format!("{s} (head)")),
        "{}",
        run.stdout
    );
    // Below the range: the squash runs instead, on the rows there.
    let run = p.run(Models::V1, &["downgrade", &ids[4], "-y"]).expect(0);
    assert_eq!(moved(&run.stdout, "Reverted"), v(&[&s]));
    let run = p.run(Models::V1, &["upgrade"]).expect(0);
    assert_eq!(moved(&run.stdout, "Applied"), [s]);
    same_schema(&p, &through_range);
    assert_eq!(p.strings("SELECT body AS v FROM sq_items"), ["kept"]);
}
