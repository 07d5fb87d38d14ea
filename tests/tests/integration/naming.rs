//! The naming convention through the real CLI: Retort.toml's `[naming]` is checked when the
//! CLI starts, and the conventional names of the shared models' over-long identifiers are the
//! same on both backends (the round-trip cases in `tests/src/bin/retort_cases/naming.rs` cover
//! custom conventions, a changed convention and the refusal of over-long given names).

use crate::support::{postgres_url, Backend, Models, Project};

/// Retort.toml with the project's settings followed by `extra`.
fn configure(p: &Project, extra: &str) {
    std::fs::write(
        p.path().join("Retort.toml"),
        format!(
            "database_url = \"{}\"\nmigrations_dir = \"migrations\"\n{extra}\n",
            p.url
        ),
    )
    .expect("write Retort.toml");
}

#[test]
fn a_bad_naming_template_is_an_error_naming_the_key_and_the_placeholders() {
    let p = Project::new();
    configure(&p, "[naming]\nix = \"ix_{tabel}_{columns}\"\n");
    let run = p
        .run(Models::V1, &["autogenerate", "-m", "initial"])
        .expect(2);
    assert!(
        run.stderr.contains(
            "config file Retort.toml is invalid: [naming] ix = \"ix_{tabel}_{columns}\" uses the \
             unknown placeholder `{tabel}`; ix accepts {table}, {columns}, {column_0}"
        ),
        "{}",
        run.stderr
    );
    assert!(p.revision_dirs().is_empty());

    configure(&p, "[naming]\nindex = \"ix_{table}\"\n");
    let run = p.run(Models::V1, &["check"]).expect(2);
    assert!(
        run.stderr.contains("unknown field `index`")
            && run.stderr.contains("[naming] with ix, uq, fk, ck, pk"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_convention_that_gives_two_indexes_one_name_is_refused() {
    let p = Project::new();
    // The shared `Unusual` model has an index and a unique: these templates name them alike.
    configure(&p, "[naming]\nix = \"ix_{table}\"\nuq = \"ix_{table}\"\n");
    let run = p
        .run(Models::V1, &["autogenerate", "-m", "initial"])
        .expect(2);
    assert!(
        run.stderr.contains("are both named 'ix_")
            && run
                .stderr
                .contains("[naming] templates of Retort.toml must tell them apart"),
        "{}",
        run.stderr
    );
    assert!(p.revision_dirs().is_empty());
}

/// The shared models' `Unusual` table has a name longer than 63 bytes, which PostgreSQL cuts;
/// its conventional index and foreign key names are longer still, and are shortened with a hash
/// of the whole name: the same names on both backends, all within 63 bytes.
#[test]
fn long_conventional_names_are_identical_on_both_backends() {
    if postgres_url().is_none() {
        return;
    }
    let names = |backend: Backend| {
        let p = Project::on(backend).expect("backend available");
        p.run(Models::V1, &["autogenerate", "-m", "initial"])
            .expect(0);
        p.run(Models::V1, &["upgrade", "head"]).expect(0);
        p.run(Models::V1, &["check"]).expect(0);
        let schema = p.schema();
        let table = schema
            .tables
            .values()
            .find(|t| t.name.starts_with("unusual_spellings"))
            .expect("the Unusual table")
            .clone();
        let mut names: Vec<String> = table.indexes.iter().map(|i| i.name.clone()).collect();
        if backend == Backend::Postgres {
            // SQLite does not report foreign key names.
            let up = std::fs::read_to_string(p.revision_dirs()[0].join("up.sql")).unwrap();
            assert!(
                up.contains(&format!("CONSTRAINT \"{}\"", table.foreign_keys[0].name)),
                "{up}"
            );
        }
        names.sort();
        names
    };
    let sqlite = names(Backend::Sqlite);
    let postgres = names(Backend::Postgres);
    assert_eq!(sqlite, postgres);
    assert_eq!(sqlite.len(), 2, "{sqlite:?}");
    for name in &sqlite {
        assert_eq!(name.len(), 63, "{name}");
        let hash = name.rsplit('_').next().unwrap();
        assert!(
            hash.len() == 8 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{name}"
        );
    }
}
