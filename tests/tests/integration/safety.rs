//! Safety in daily use: revision prefixes of at least 4 characters, a downgrade that drops data
//! asks first on a terminal (driven through a pseudo-terminal), and `check` on migrations
//! written for the other dialect says so.

use std::process::Command;

use crate::support::{on_both_backends, two_applied, Backend, Models, Project, Run};

on_both_backends!(
    a_downgrade_that_drops_data_asks_on_a_terminal,
    check_on_migrations_for_the_other_dialect_says_so,
);

#[test]
fn prefixes_shorter_than_four_characters_are_refused() {
    let p = Project::new();
    let (first, second) = two_applied(&p);
    for args in [
        vec!["downgrade", &first[..1]],
        vec!["downgrade", &first[..3]],
        vec!["upgrade", &second[..2]],
        vec!["show", &second[..3]],
        vec!["stamp", &first[..3]],
    ] {
        let run = p.run(Models::V2, &args).expect(2);
        assert!(
            run.stderr.contains("at least 4 characters"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let short = format!("{}+1", &first[..3]);
    let run = p.run(Models::V2, &["upgrade", &short]).expect(2);
    assert!(
        run.stderr.contains("at least 4 characters"),
        "{}",
        run.stderr
    );
    // Nothing was reverted.
    let current = p.run(Models::V2, &["current"]).expect(0).stdout;
    assert!(current.starts_with(&second), "{current}");
    // Four characters, full ids and relative targets still work.
    p.run(Models::V2, &["show", &second[..4]]).expect(0);
    p.run(Models::V2, &["downgrade", &first[..4]]).expect(0);
    p.run(Models::V2, &["upgrade", &format!("{}+1", &first[..4])])
        .expect(0);
    p.run(Models::V2, &["downgrade", "-1"]).expect(0);
    p.run(Models::V2, &["upgrade", "+1"]).expect(0);
    p.run(Models::V2, &["downgrade", &first]).expect(0);
}

/// Runs the CLI with a pseudo-terminal as its stdin, stdout and stderr (python3's `pty`),
/// answering `answer` when it asks `[y/N]`. The output is the terminal's (answer echoed).
fn on_terminal(p: &Project, models: Models, args: &[&str], answer: &str) -> Run {
    const DRIVER: &str = r#"
import os, pty, select, signal, sys
answer = sys.argv[1].encode()
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
out, sent = b"", False
while True:
    ready, _, _ = select.select([fd], [], [], 60)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        out += b"\n[driver: timed out waiting for output]"
        break
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not sent and b"[y/N]" in out:
        os.write(fd, answer + b"\n")
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out.replace(b"\r\n", b"\n"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let mut command = Command::new("python3");
    command
        .arg("-c")
        .arg(DRIVER)
        .arg(answer)
        .arg(models.exe())
        .args(args)
        .current_dir(p.path())
        .env_remove("DATABASE_URL");
    Run::from(command.output().expect("python3 runs"))
}

fn a_downgrade_that_drops_data_asks_on_a_terminal(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    let (first, second) = two_applied(&p);

    // `n`: the list of what would be lost, nothing reverted, exit 2.
    let run = on_terminal(&p, Models::V2, &["downgrade", "base"], "n");
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout.contains("drops data that cannot come back"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("table tags (revision {second})")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("table accounts (revision {first})")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Revert them? [y/N]"), "{}", run.stdout);
    // The TEMP table a SQLite rebuild of the referenced `accounts` uses as a guard holds no
    // data: it is not listed.
    if backend == Backend::Sqlite {
        let down = std::fs::read_to_string(p.revision_dirs()[1].join("down.sql")).unwrap();
        assert!(down.contains("DROP TABLE \"_retort_guard\""), "{down}");
    }
    assert!(!run.stdout.contains("_retort_guard"), "{}", run.stdout);
    assert!(
        run.stdout.contains("nothing was reverted"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Reverted"), "{}", run.stdout);
    let current = p.run(Models::V2, &["current"]).expect(0).stdout;
    assert!(current.starts_with(&second), "{current}");

    // `y`: reverted.
    let run = on_terminal(&p, Models::V2, &["downgrade", "-1"], "y");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("Reverted {second} two")),
        "{}",
        run.stdout
    );

    // `--yes`: no question.
    let run = on_terminal(&p, Models::V2, &["downgrade", "base", "--yes"], "n");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(!run.stdout.contains("[y/N]"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("Reverted {first} one")),
        "{}",
        run.stdout
    );

    // `--sql` runs nothing and never asks.
    p.run(Models::V2, &["upgrade"]).expect(0);
    let run = on_terminal(&p, Models::V2, &["downgrade", "--sql", "head:base"], "n");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(!run.stdout.contains("[y/N]"), "{}", run.stdout);

    // Without a terminal (scripts, CI): no question, the downgrade runs.
    let run = p.run(Models::V2, &["downgrade", "base"]).expect(0);
    assert!(
        run.stdout.contains(&format!("Reverted {first} one")),
        "{}",
        run.stdout
    );
}

fn check_on_migrations_for_the_other_dialect_says_so(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    // The directory as if it had been generated against the other backend.
    let (ours, other, other_name, our_name) = match backend {
        Backend::Sqlite => ("sqlite", "postgresql", "PostgreSQL", "SQLite"),
        Backend::Postgres => ("postgresql", "sqlite", "SQLite", "PostgreSQL"),
    };
    let metadata = p.revision_dirs()[0].join("metadata.toml");
    let text = std::fs::read_to_string(&metadata).unwrap();
    let mine = format!("dialect = \"{ours}\"");
    assert!(text.contains(&mine), "{text}");
    std::fs::write(
        &metadata,
        text.replace(&mine, &format!("dialect = \"{other}\"")),
    )
    .unwrap();

    for args in [&["check"][..], &["check", "--shadow"][..]] {
        let run = p.run(Models::V1, args).expect(2);
        assert!(!run.stdout.contains("upgrade head"), "{}", run.stdout);
        assert!(
            run.stderr
                .contains(&format!("were generated for {other_name}")),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!("names a {our_name} database")),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("Point --database-url"),
            "{}",
            run.stderr
        );
    }
}
