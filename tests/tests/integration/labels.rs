//! Branch labels (`revision --branch-label`, targets `LABEL`, `LABEL@head`, `LABEL@base`) and
//! dependencies (`revision --depends-on`) through the real CLI, on SQLite and PostgreSQL.

use std::path::{Path, PathBuf};

use crate::support::{on_both_backends, Backend, Models, Project};

on_both_backends!(labelled_branches_and_dependencies_upgrade_and_downgrade_alone);

/// Runs a command of the version 1 models that writes a revision; returns its id and directory.
fn generate(p: &Project, args: &[&str]) -> (String, PathBuf) {
    crate::support::generate(p, Models::V1, args)
}

/// A revision inserting row `id` into `obsoletes` (a V1 table), written with `args`.
fn data_revision(p: &Project, id: u32, args: &[&str]) -> (String, PathBuf) {
    let message = format!("insert {id}");
    let mut all = vec!["revision", "-m", &message];
    all.extend_from_slice(args);
    let (rev, dir) = generate(p, &all);
    write_sql(
        &dir,
        &format!("INSERT INTO obsoletes (id, label) VALUES ({id}, 'r{id}');\n"),
        &format!("DELETE FROM obsoletes WHERE id = {id};\n"),
    );
    (rev, dir)
}

fn write_sql(dir: &Path, up: &str, down: &str) {
    std::fs::write(dir.join("up.sql"), up).unwrap();
    std::fs::write(dir.join("down.sql"), down).unwrap();
}

fn rows(p: &Project) -> Vec<String> {
    p.strings("SELECT label AS v FROM obsoletes ORDER BY id")
}

/// The revision ids of the `Applied`/`Reverted` lines, in order.
fn moved<'a>(stdout: &'a str, verb: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(verb))
        .map(|l| l.trim_start().split(' ').next().unwrap())
        .collect()
}

fn labelled_branches_and_dependencies_upgrade_and_downgrade_alone(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    let (root, _) = generate(&p, &["autogenerate", "-m", "initial"]);
    let (s1, s1_dir) = data_revision(&p, 1, &["--head", &root, "--branch-label", "shop"]);
    let meta = std::fs::read_to_string(s1_dir.join("metadata.toml")).unwrap();
    assert!(meta.contains("branch_labels = [\"shop\"]"), "{meta}");
    let (s2, _) = data_revision(&p, 2, &["--head", "shop@head"]);
    let (a1, a1_dir) = data_revision(
        &p,
        3,
        &[
            "--head",
            &root,
            "--branch-label",
            "acct",
            "--depends-on",
            "shop",
        ],
    );
    let meta = std::fs::read_to_string(a1_dir.join("metadata.toml")).unwrap();
    assert!(meta.contains(&format!("depends_on = [\"{s1}\"]")), "{meta}");
    let (s3, _) = data_revision(&p, 4, &["--head", "shop@head"]);

    // A dependency is not a parent: two heads, one branch point (the root).
    let heads = p.run(Models::V1, &["heads"]).expect(0).stdout;
    assert!(
        heads.contains(&format!("{s3} (shop) (head) insert 4")),
        "{heads}"
    );
    assert!(
        heads.contains(&format!("{a1} (acct) (head) insert 3")),
        "{heads}"
    );
    let branches = p.run(Models::V1, &["branches"]).expect(0).stdout;
    assert_eq!(branches.matches("(branchpoint)").count(), 1, "{branches}");
    let history = p.run(Models::V1, &["history"]).expect(0).stdout;
    assert!(
        history.contains(&format!("{s1} -> {s2} (shop), insert 2")),
        "{history}"
    );
    let show = p.run(Models::V1, &["show", "acct"]).expect(0).stdout;
    assert!(show.starts_with(&format!("Revision: {a1}\n")), "{show}");
    assert!(show.contains(&format!("Depends:  {s1}\n")), "{show}");
    assert!(show.contains("Labels:   acct\n"), "{show}");
    let show = p.run(Models::V1, &["show", "shop@head-1"]).expect(0).stdout;
    assert!(show.starts_with(&format!("Revision: {s2}\n")), "{show}");
    let verbose = p.run(Models::V1, &["heads", "-v"]).expect(0).stdout;
    assert!(
        verbose.contains(&format!("Rev:      {a1} (acct) (head)\n")),
        "{verbose}"
    );

    // Offline SQL orders like a run: the dependency first, the other branch left out.
    let sql = p
        .run(Models::V1, &["upgrade", "--sql", "base:acct@head"])
        .expect(0)
        .stdout;
    let (one, three) = (
        sql.find("VALUES (1,").unwrap(),
        sql.find("VALUES (3,").unwrap(),
    );
    assert!(one < three, "{sql}");
    assert!(
        !sql.contains("VALUES (2,") && !sql.contains("VALUES (4,"),
        "{sql}"
    );

    // upgrade LABEL@head applies that branch and what it depends on, nothing else.
    let run = p.run(Models::V1, &["upgrade", "acct@head"]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Applied"),
        [&root, &s1, &a1].map(String::as_str)
    );
    assert_eq!(rows(&p), ["r1", "r3"]);
    let run = p.run(Models::V1, &["upgrade", "shop@head"]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Applied"),
        [&s2, &s3].map(String::as_str)
    );

    // Downgrading to s1 keeps it, and a1 that depends on it; downgrading below the branch
    // first reverts what depends on it, and leaves the root.
    let run = p.run(Models::V1, &["downgrade", &s1, "--yes"]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Reverted"),
        [&s3, &s2].map(String::as_str)
    );
    assert_eq!(rows(&p), ["r1", "r3"]);
    let run = p
        .run(Models::V1, &["downgrade", "shop@base", "--yes"])
        .expect(0);
    assert_eq!(
        moved(&run.stdout, "Reverted"),
        [&a1, &s1].map(String::as_str)
    );
    assert!(rows(&p).is_empty());
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(current.starts_with(&root), "{current}");

    // stamp records the dependency too.
    p.run(Models::V1, &["stamp", "acct@head"]).expect(0);
    let history = p.run(Models::V1, &["history", "-i"]).expect(0).stdout;
    assert!(
        history.contains(&format!("{a1} (acct) (head) (current)")),
        "{history}"
    );
    let run = p.run(Models::V1, &["upgrade", "heads"]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Applied"),
        [&s2, &s3].map(String::as_str)
    );
}

#[test]
fn labels_and_dependencies_that_cannot_be_are_refused() {
    let p = Project::new();
    let (root, dir) = generate(
        &p,
        &[
            "revision",
            "--autogenerate",
            "-m",
            "initial",
            "--branch-label",
            "core",
        ],
    );
    let meta = std::fs::read_to_string(dir.join("metadata.toml")).unwrap();
    assert!(meta.contains("branch_labels = [\"core\"]"), "{meta}");
    for (label, why) in [
        ("core", "already declares it"),
        ("beef", "looks like a revision id"),
        ("heads", "already a target"),
        ("a-b", "only ASCII letters, digits and `_`"),
    ] {
        let run = p
            .run(
                Models::V1,
                &["revision", "-m", "x", "--branch-label", label],
            )
            .expect(2);
        assert!(
            run.stderr.contains(&format!("branch label `{label}`")),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(why), "{}", run.stderr);
    }
    let run = p
        .run(Models::V1, &["revision", "-m", "x", "--depends-on", "abcd"])
        .expect(2);
    assert!(
        run.stderr.contains("unknown revision `abcd`"),
        "{}",
        run.stderr
    );
    let run = p
        .run(Models::V1, &["revision", "-m", "x", "--depends-on", "core"])
        .expect(2);
    assert!(run.stderr.contains("already a parent"), "{}", run.stderr);
    assert_eq!(p.revision_dirs().len(), 1);
    let run = p.run(Models::V1, &["upgrade", "nope@head"]).expect(2);
    assert!(
        run.stderr.contains("unknown branch label `nope`"),
        "{}",
        run.stderr
    );

    // Hand-edited metadata: a duplicate label and an unknown dependency, each naming its file.
    let (_, second) = generate(&p, &["revision", "-m", "second"]);
    let meta = second.join("metadata.toml");
    let text = std::fs::read_to_string(&meta).unwrap();
    std::fs::write(
        &meta,
        format!("{text}branch_labels = [\"core\"]\ndepends_on = [\"0123456789ab\"]\n"),
    )
    .unwrap();
    let run = p.run(Models::V1, &["check"]).expect(2);
    let name = second.file_name().unwrap().to_str().unwrap();
    assert!(
        run.stderr
            .contains("branch label `core` is also declared by"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("dependency 0123456789ab does not exist"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(name), "{}", run.stderr);
    assert!(run.stderr.contains(&root), "{}", run.stderr);
}
