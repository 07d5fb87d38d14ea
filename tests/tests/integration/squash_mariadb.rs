//! `retort squash` on MariaDB (`TEST_MYSQL_URL`): the squash computed from schemas replayed on
//! MariaDB scratch databases, databases inside, at the end of and below the range, a squash
//! over a squash, and `--finalize`.

use crate::mariadb_support::MyProject;
use crate::support::Run;

const CLI: &str = env!("CARGO_BIN_EXE_retort_custom");

/// Revision ids named in the lines of `stdout` that start with `verb`, in order.
fn moved(stdout: &str, verb: &str) -> Vec<String> {
    crate::squash::moved(stdout, verb)
}

/// The id of the revision a `squash` run wrote (`Generated <dir> replacing ...`).
pub(crate) fn generated(run: &Run) -> String {
    let line = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Generated "))
        .unwrap_or_else(|| panic!("no `Generated` line in {}", run.stdout));
    let dir = line.split(' ').next().unwrap();
    let name = std::path::Path::new(dir)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    name[18..30].to_owned()
}

/// A new revision (child of the head) with these scripts; its id.
pub(crate) fn revision(p: &MyProject, message: &str, up: &str, down: &str) -> String {
    p.run(CLI, &["revision", "-m", message]).expect(0);
    let dir = p.revision_dirs().last().unwrap().clone();
    std::fs::write(dir.join("up.sql"), up).unwrap();
    std::fs::write(dir.join("down.sql"), down).unwrap();
    dir.file_name().unwrap().to_str().unwrap()[18..30].to_owned()
}

/// The blog models' revision, then items -> author -> index -> tags -> label -> note in MariaDB's
/// SQL.
fn history(p: &MyProject) -> Vec<String> {
    p.configure("ignore = [\"sq_*\"]");
    p.run(CLI, &["autogenerate", "-m", "models"]).expect(0);
    let models = p.revision_dirs()[0].file_name().unwrap().to_str().unwrap()[18..30].to_owned();
    vec![
        models,
        revision(
            p,
            "items",
            "CREATE TABLE sq_items (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n",
            "DROP TABLE sq_items;\n",
        ),
        revision(
            p,
            "author",
            "ALTER TABLE sq_items ADD COLUMN author VARCHAR(100);\n",
            "ALTER TABLE sq_items DROP COLUMN author;\n",
        ),
        revision(
            p,
            "index",
            "CREATE INDEX ix_sq_items_author ON sq_items (author);\n",
            "DROP INDEX ix_sq_items_author ON sq_items;\n",
        ),
        revision(
            p,
            "tags",
            "CREATE TABLE sq_tags (id INTEGER PRIMARY KEY, item_id INTEGER, \
             CONSTRAINT fk_sq_tags_item FOREIGN KEY (item_id) REFERENCES sq_items (id));\n",
            "DROP TABLE sq_tags;\n",
        ),
        revision(
            p,
            "label",
            "ALTER TABLE sq_tags ADD COLUMN label VARCHAR(50);\n",
            "ALTER TABLE sq_tags DROP COLUMN label;\n",
        ),
        revision(
            p,
            "note",
            "ALTER TABLE sq_items ADD COLUMN note TEXT;\n",
            "ALTER TABLE sq_items DROP COLUMN note;\n",
        ),
    ]
}

/// `p`'s schema equals `want`, table by table.
#[track_caller]
fn same_schema(p: &MyProject, want: &retort::schema::Schema) {
    let got = p.schema();
    for (name, table) in &want.tables {
        assert_eq!(Some(table), got.tables.get(name), "table {name}");
    }
    assert_eq!(&got, want);
}

fn recorded(p: &MyProject) -> usize {
    p.strings("SELECT CAST(COUNT(*) AS CHAR) AS v FROM __diesel_schema_migrations")[0]
        .as_deref()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn squash_on_mariadb_keeps_every_database_working() {
    let (Some(p), Some(q), Some(fresh)) = (MyProject::new(), MyProject::new(), MyProject::new())
    else {
        return;
    };
    let ids = history(&p);
    let [r0, r1, r2, r3, r4, r5, r6] = &ids[..] else {
        unreachable!()
    };
    let on = |db: &MyProject, args: &[&str]| -> Run {
        p.run(CLI, &[&["--database-url", &db.url][..], args].concat())
    };
    p.run(CLI, &["upgrade", r2]).expect(0); // inside both squashes to come
    on(&q, &["upgrade", r4]).expect(0); // at the end of the first one

    // The first squash: r0..r4 (from base), by relative ends.
    let run = p.run(CLI, &["squash", "+1:-2", "-m", "first"]).expect(0);
    assert!(
        run.stdout.contains(&format!(
            "replacing 5 revisions ({r0}, {r1}, {r2}, {r3}, {r4})"
        )),
        "{}",
        run.stdout
    );
    let s1 = generated(&run);
    let squash_dir = p
        .revision_dirs()
        .into_iter()
        .find(|d| d.to_str().unwrap().contains(&s1))
        .unwrap();
    let up = std::fs::read_to_string(squash_dir.join("up.sql")).unwrap();
    assert!(
        up.contains("sq_items") && up.contains("fk_sq_tags_item") && !up.contains("DROP"),
        "{up}"
    );
    // q is at the squash; p inside it.
    assert!(on(&q, &["current"])
        .expect(0)
        .stdout
        .starts_with(s1.as_str()));
    assert!(p
        .run(CLI, &["current"])
        .expect(0)
        .stdout
        .starts_with(r2.as_str()));
    // A new database runs the squash, then the rest.
    let run = on(&fresh, &["upgrade"]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Applied"),
        [s1.clone(), r5.clone(), r6.clone()]
    );

    // A squash over it: the squash and r5.
    let run = p
        .run(CLI, &["squash", &format!("{s1}:{r5}"), "-m", "outer"])
        .expect(0);
    assert!(
        run.stdout.contains("replacing 2 revisions"),
        "{}",
        run.stdout
    );
    let s2 = generated(&run);

    // p, inside both, runs the rest of the revisions; q, at the inner squash, r5 and r6.
    let run = p.run(CLI, &["upgrade"]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Applied"),
        [r3.clone(), r4.clone(), r5.clone(), r6.clone()]
    );
    p.run(CLI, &["check"]).expect(0);
    let through_range = p.schema();
    let run = on(&q, &["upgrade"]).expect(0);
    assert_eq!(moved(&run.stdout, "Applied"), [r5.clone(), r6.clone()]);
    same_schema(&q, &through_range);
    same_schema(&fresh, &through_range);
    // Below everything: the outer squash runs alone.
    let run = on(&q, &["downgrade", "base", "-y"]).expect(0);
    assert_eq!(moved(&run.stdout, "Reverted"), [r6.clone(), s2.clone()]);
    assert_eq!(recorded(&q), 0);
    let run = on(&q, &["upgrade"]).expect(0);
    assert_eq!(moved(&run.stdout, "Applied"), [s2.clone(), r6.clone()]);
    same_schema(&q, &through_range);
    let run = p.run(CLI, &["check", "--shadow"]).expect(0);
    assert!(
        run.stdout.contains("replaying 2 revision(s)"),
        "{}",
        run.stdout
    );

    // Every database is past the ranges: finalize; all three are at the head still.
    let run = p.run(CLI, &["squash", "--finalize"]).expect(0);
    assert_eq!(run.stdout.matches("Removed ").count(), 7, "{}", run.stdout);
    assert_eq!(p.revision_dirs().len(), 2);
    for db in [&p, &q, &fresh] {
        let run = on(db, &["current"]).expect(0);
        assert!(
            run.stdout.starts_with(&format!("{r6} (head)")),
            "{}",
            run.stdout
        );
        on(db, &["check"]).expect(0);
    }
    let run = p.run(CLI, &["downgrade", "base", "-y"]).expect(0);
    assert_eq!(moved(&run.stdout, "Reverted"), [r6.clone(), s2.clone()]);
    assert_eq!(recorded(&p), 0);
}
