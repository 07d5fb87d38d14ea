//! A run ended by SIGINT or SIGTERM while its output waits for a slow reader (a pipe that is
//! full): it still prints the `Reverted` line of every revision that stays reverted before it
//! ends, on both backends (the CLI sets `RunOptions::end_on_signal`).

#![cfg(unix)]

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{on_both_backends, revision, Backend, Models, Project};

on_both_backends!(a_signal_waits_for_the_lines_of_committed_revisions);

/// How many revisions the database records as applied, once it can be read.
fn applied(p: &Project) -> Option<usize> {
    p.try_strings("SELECT CAST(count(*) AS TEXT) AS v FROM __diesel_schema_migrations")
        .ok()
        .map(|rows| rows[0].parse().unwrap())
}

fn a_signal_waits_for_the_lines_of_committed_revisions(backend: Backend) {
    for signal in [("INT", 2), ("TERM", 15)] {
        let p = Project::on(backend).expect("backend available");
        revision(
            &p,
            "table 1",
            "CREATE TABLE t1 (id INTEGER);\n",
            "DROP TABLE t1;\n",
        );
        let second = revision(
            &p,
            "table 2",
            "CREATE TABLE t2 (id INTEGER);\n",
            "DROP TABLE t2;\n",
        );
        // A message longer than a pipe holds: its `Reverted` line waits for the reader.
        let meta = p.revision_dirs().last().unwrap().join("metadata.toml");
        let long = format!("table 2 {}", "x".repeat(200_000));
        let text = std::fs::read_to_string(&meta).unwrap();
        std::fs::write(&meta, text.replace("\"table 2\"", &format!("\"{long}\""))).unwrap();
        p.run(Models::V1, &["upgrade"]).expect(0);
        assert_eq!(applied(&p), Some(2));

        let mut child = p
            .command(Models::V1, &["downgrade", "base"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // PostgreSQL commits each revision on its own: the run stops in the second revision's
        // line, with the first still applied. SQLite commits the whole run, then prints.
        let left = match backend {
            Backend::Sqlite => 0,
            Backend::Postgres => 1,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while applied(&p) != Some(left) {
            assert!(
                Instant::now() < deadline,
                "the downgrade reverted its revisions"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // The run is now writing the line of what it reverted into the full pipe.
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            child.try_wait().unwrap().is_none(),
            "still writing its line"
        );
        let status = std::process::Command::new("kill")
            .args([&format!("-{}", signal.0), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        // Let the signal arrive before the reader frees the pipe.
        std::thread::sleep(Duration::from_millis(200));
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        // What to do next, since a revision was running.
        assert!(err.contains("interrupted: "), "{err}");
        let ended = child.wait().unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&ended),
            Some(signal.1),
            "ended as SIG{} ends a process: {ended:?}",
            signal.0
        );
        let reverted = 2 - applied(&p).unwrap();
        let lines: Vec<&str> = out
            .split_inclusive('\n')
            .filter(|l| l.ends_with('\n'))
            .map(|l| l.trim_end())
            .collect();
        assert_eq!(
            lines.len(),
            reverted,
            "SIG{}: one complete line per reverted revision; got {} bytes: {:.100}",
            signal.0,
            out.len(),
            out
        );
        assert_eq!(lines[0], format!("Reverted {second} {long}"));
        // What the lines say is what the database kept.
        let current = p.run(Models::V1, &["current"]).expect(0).stdout;
        match backend {
            Backend::Sqlite => assert!(current.starts_with("base"), "{current}"),
            Backend::Postgres => assert!(current.contains("table 1"), "{current}"),
        }
    }
}
