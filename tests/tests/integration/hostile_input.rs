//! Faults and hostile input, round two (issue 23): ambiguous database URLs that would leak a
//! password, the default PostgreSQL schema, zero steps, revision directories that are not
//! UTF-8 or not regular files, control characters in names shown in messages.

use crate::support::{Backend, Models, Project};

/// Both output streams of a run, for asserting that something never appears.
fn all_output(run: &crate::support::Run) -> String {
    format!("{}\n{}", run.stdout, run.stderr)
}

#[test]
fn a_url_libpq_would_split_elsewhere_is_refused_without_its_password() {
    let p = Project::new();
    // An unencoded `@` in the password: libpq ends the user info at the first `@` and would
    // take `bS3cr3tPw@127.0.0.1` for the host (and print it).
    let run = p
        .run(
            Models::V1,
            &[
                "--database-url",
                "postgres://postgres:a@bS3cr3tPw@127.0.0.1:1/db",
                "current",
            ],
        )
        .expect(2);
    assert!(!all_output(&run).contains("S3cr3tPw"), "{run:?}");
    assert!(run.stderr.contains("%40"), "{}", run.stderr);
    // No `USER@`: libpq reads `postgres` as the host and the password as the port.
    let run = p
        .run(
            Models::V1,
            &[
                "--database-url",
                "postgres://postgres:S3cr3tPw/db",
                "current",
            ],
        )
        .expect(2);
    assert!(!all_output(&run).contains("S3cr3tPw"), "{run:?}");
    assert!(run.stderr.contains("not a port number"), "{}", run.stderr);
    // A `/` in the password: libpq would end the host at it.
    let run = p
        .run(
            Models::V1,
            &[
                "--database-url",
                "postgres://me:S3cr/3tPw@127.0.0.1:1/db",
                "current",
            ],
        )
        .expect(2);
    assert!(!all_output(&run).contains("3tPw"), "{run:?}");
    assert!(run.stderr.contains("%2F"), "{}", run.stderr);
    // Percent-encoded, the same password is accepted (and the server is merely unreachable).
    let run = p
        .run(
            Models::V1,
            &[
                "--database-url",
                "postgres://postgres:a%40bS3cr3tPw@127.0.0.1:1/db",
                "current",
            ],
        )
        .expect(2);
    assert!(!all_output(&run).contains("S3cr3tPw"), "{run:?}");
    assert!(run.stderr.contains("cannot connect to"), "{}", run.stderr);
}

/// `url` with `password` added to its user info.
fn with_password(url: &str, password: &str) -> String {
    let start = url.find("://").unwrap() + 3;
    let at = start + url[start..].find('@').expect("the test URL names a user");
    format!("{}:{password}{}", &url[..at], &url[at..])
}

#[test]
fn a_server_message_quoting_the_password_is_scrubbed() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    // The server quotes the database name, which here holds the password.
    let url = retort::backend::postgres::replace_database(
        &with_password(&p.url, "S3cr3tPw"),
        "S3cr3tPw_missing",
    );
    let run = p
        .run(Models::V1, &["--database-url", &url, "current"])
        .expect(2);
    assert!(!all_output(&run).contains("S3cr3tPw"), "{run:?}");
    assert!(run.stderr.contains("***_missing"), "{}", run.stderr);
}

/// A PostgreSQL project whose database puts `other` first on its `search_path`, with one
/// revision creating the V1 models.
fn project_preferring_other() -> Option<Project> {
    let p = Project::on(Backend::Postgres)?;
    p.execute(
        "CREATE SCHEMA other; DO $$ BEGIN EXECUTE format(\
         'ALTER DATABASE %I SET search_path = other, public', current_database()); END $$;",
    );
    p.run(Models::V1, &["autogenerate", "-m", "init"]).expect(0);
    Some(p)
}

/// The tables of PostgreSQL schema `schema`.
fn tables_in(p: &Project, schema: &str) -> Vec<String> {
    p.strings(&format!(
        "SELECT tablename::text AS v FROM pg_tables WHERE schemaname = '{schema}' ORDER BY 1"
    ))
}

#[test]
fn without_schema_the_default_is_public_whatever_the_search_path() {
    let Some(p) = project_preferring_other() else {
        return;
    };
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    let in_schema = |schema: &str| tables_in(&p, schema);
    assert_eq!(in_schema("other"), Vec::<String>::new());
    assert!(
        in_schema("public").contains(&"__retort_checksums".to_owned()),
        "{:?}",
        in_schema("public")
    );
    // The same database named explicitly: nothing to apply a second time.
    let run = p
        .run(Models::V1, &["--schema", "public", "upgrade", "head"])
        .expect(0);
    assert!(run.stdout.starts_with("Nothing to apply"), "{}", run.stdout);
    assert_eq!(in_schema("other"), Vec::<String>::new());
    p.run(Models::V1, &["check"]).expect(0);
}

#[test]
fn an_offline_script_without_schema_uses_public_too() {
    let Some(p) = project_preferring_other() else {
        return;
    };
    let script = p
        .run(Models::V1, &["upgrade", "--sql", "head"])
        .expect(0)
        .stdout;
    assert!(
        script.contains("SET search_path TO \"public\";"),
        "{script}"
    );
    p.execute(&script);
    assert_eq!(tables_in(&p, "other"), Vec::<String>::new());
    let run = p.run(Models::V1, &["upgrade", "head"]).expect(0);
    assert!(run.stdout.starts_with("Nothing to apply"), "{}", run.stdout);
}

#[test]
fn a_step_of_zero_is_refused() {
    let p = Project::new();
    p.run(Models::V1, &["autogenerate", "-m", "init"]).expect(0);
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    for args in [
        &["upgrade", "+0"][..],
        &["downgrade", "-0"],
        &["downgrade", "-00"],
        &["downgrade", "+0"],
        &["upgrade", "--sql", "+0"],
    ] {
        let run = p.run(Models::V1, args).expect(2);
        assert!(
            run.stderr.contains("a step of 0 moves nothing"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            !run.stdout.contains("already at"),
            "{args:?}: {}",
            run.stdout
        );
    }
    // Still at head.
    let run = p.run(Models::V1, &["current"]).expect(0);
    assert!(run.stdout.contains("(head)"), "{}", run.stdout);
}

#[test]
fn a_revision_directory_name_that_is_not_utf8_is_named_so() {
    use std::os::unix::ffi::OsStrExt;
    let p = Project::new();
    p.run(Models::V1, &["revision", "-m", "one"]).expect(0);
    let good = p.revision_dirs()[0].clone();
    let mut bytes = good.file_name().unwrap().as_bytes().to_vec();
    bytes.extend_from_slice(b"_caf\xe9");
    let bad = p.migrations().join(std::ffi::OsStr::from_bytes(&bytes));
    std::fs::rename(&good, &bad).unwrap();
    for args in [&["history"][..], &["check"]] {
        let run = p.run(Models::V1, args).expect(2);
        assert!(run.stderr.contains("is not UTF-8"), "{}", run.stderr);
        assert!(run.stderr.contains("_caf\\xe9"), "{}", run.stderr);
        assert!(!run.stderr.contains("missing"), "{}", run.stderr);
    }
}

/// Runs the CLI, failing the test when it has not exited within 20 s (it is then killed).
fn run_within_20s(p: &Project, args: &[&str]) -> crate::support::Run {
    let mut child = p
        .command(Models::V1, args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the CLI binary runs");
    for _ in 0..200 {
        if child.try_wait().unwrap().is_some() {
            return crate::support::Run::from(child.wait_with_output().unwrap());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.kill().unwrap();
    let _ = child.wait();
    panic!("`{}` still runs after 20 s", args.join(" "));
}

#[test]
fn a_script_that_is_not_a_regular_file_is_refused_not_waited_on() {
    let p = Project::new();
    p.run(Models::V1, &["revision", "-m", "one"]).expect(0);
    let up = p.revision_dirs()[0].join("up.sql");
    std::fs::remove_file(&up).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&up)
        .status()
        .unwrap();
    assert!(made.success());
    for args in [&["history"][..], &["upgrade", "head"], &["check"]] {
        let run = run_within_20s(&p, args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains("up.sql") && run.stderr.contains("not a regular file"),
            "{args:?}: {}",
            run.stderr
        );
    }
    // A FIFO as the config file.
    let fifo = p.path().join("fifo.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let run = run_within_20s(&p, &["--config", "fifo.toml", "history"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("fifo.toml is not a regular file"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_script_over_the_size_limit_is_refused_saying_so() {
    let p = Project::new();
    p.run(Models::V1, &["revision", "-m", "one"]).expect(0);
    // Sparse: no disk space used, and Retort must not read it to refuse it.
    let down = std::fs::OpenOptions::new()
        .write(true)
        .open(p.revision_dirs()[0].join("down.sql"))
        .unwrap();
    down.set_len(300 << 20).unwrap();
    let run = run_within_20s(&p, &["history"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("down.sql") && run.stderr.contains("over the 256 MiB"),
        "{}",
        run.stderr
    );
}

/// Asserts that an error reached stderr as one line, with no control character but its
/// final line break, and shows `escaped`.
#[track_caller]
fn assert_escaped(run: &crate::support::Run, escaped: &str) {
    let stderr = run.stderr.strip_suffix('\n').unwrap_or(&run.stderr);
    assert!(
        !stderr.chars().any(char::is_control),
        "a raw control character: {stderr:?}"
    );
    assert!(stderr.starts_with("error: "), "{stderr:?}");
    assert!(stderr.contains(escaped), "{escaped:?} not in {stderr:?}");
}

#[test]
fn control_characters_in_names_are_escaped_in_error_lines() {
    let p = Project::new();
    p.run(Models::V1, &["revision", "-m", "one"]).expect(0);
    let hostile = "\u{1b}[2J\nApplied x\r\u{7}";
    let shown = "\\u{1b}[2J\\nApplied x\\r\\u{7}";
    // A target.
    let target = format!("head{hostile}");
    let run = p.run(Models::V1, &["upgrade", &target]).expect(2);
    assert_escaped(&run, &format!("head{shown}"));
    // --migrations-dir, --config and --database-url.
    let dir = format!("m{hostile}");
    let run = p
        .run(Models::V1, &["--migrations-dir", &dir, "history"])
        .expect(2);
    assert_escaped(&run, &format!("m{shown}"));
    let config = format!("c{hostile}.toml");
    let run = p
        .run(Models::V1, &["--config", &config, "history"])
        .expect(2);
    assert_escaped(&run, &format!("c{shown}.toml"));
    let url = format!("sqlite://d{hostile}.db");
    let run = p
        .run(Models::V1, &["--database-url", &url, "current"])
        .expect(2);
    assert_escaped(&run, &format!("d{shown}.db"));
    let url = format!("x{hostile}://d");
    let run = p
        .run(Models::V1, &["--database-url", &url, "current"])
        .expect(2);
    assert_escaped(&run, &format!("x{shown}://d"));
    // A revision directory's name.
    let good = p.revision_dirs()[0].clone();
    let bad = good.with_file_name(format!(
        "{}{hostile}",
        good.file_name().unwrap().to_str().unwrap()
    ));
    std::fs::rename(&good, &bad).unwrap();
    // Such a name is valid: shown in a failing SQL's error...
    std::fs::write(bad.join("up.sql"), "SELECT * FROM no_such_table;\n").unwrap();
    let run = p.run(Models::V1, &["upgrade", "head"]).expect(2);
    assert_escaped(&run, &format!("_one{shown}/up.sql"));
    // ... and in a broken directory's.
    std::fs::remove_file(bad.join("down.sql")).unwrap();
    let run = p.run(Models::V1, &["history"]).expect(2);
    assert_escaped(&run, &format!("_one{shown}/down.sql"));
}
