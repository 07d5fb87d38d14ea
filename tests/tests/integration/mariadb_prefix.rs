//! Indexes keyed by a prefix of a column on MariaDB (`KEY (body(100))`): read from
//! `information_schema.STATISTICS.SUB_PART`, kept exactly by `init --baseline` and written by
//! `inspect` as `prefix(...)`. The autogenerate round trips are `mariadb::*` cases
//! (`cases_mariadb.rs`).

use crate::mariadb_support::MyProject;
use crate::support::Models;

/// A database made by hand with prefix indexes (one MariaDB chose itself) is baselined, the
/// baseline re-creates exactly those indexes, and `inspect` declares their prefixes.
#[test]
fn a_baseline_and_inspect_keep_index_prefixes() {
    let Some(p) = MyProject::new() else {
        return;
    };
    let none = Models::None.exe();
    p.execute(
        "CREATE TABLE posts (id BIGINT PRIMARY KEY, title VARCHAR(200) NOT NULL, body TEXT, \
         data BLOB, KEY ix_title_body (title(20), body(100)), UNIQUE KEY uq_data (data(16)));
         CREATE INDEX ix_body ON posts (body);
         INSERT INTO posts VALUES (1, 't', 'b', 'd');",
    );
    let before = p.schema();
    let posts = &before.tables["posts"];
    let index = |name: &str| posts.indexes.iter().find(|i| i.name == name).unwrap();
    assert_eq!(index("ix_title_body").prefixes, [Some(20), Some(100)]);
    assert_eq!(index("uq_data").prefixes, [Some(16)]);
    // MariaDB keys a TEXT indexed without a length by its first 768 characters (utf8mb4).
    assert_eq!(index("ix_body").prefixes, [Some(768)]);

    p.run(none, &["init", "--baseline"]).expect(0);
    let up = std::fs::read_to_string(p.revision_dirs()[0].join("up.sql")).unwrap();
    for line in [
        "CREATE INDEX `ix_title_body` ON `posts` (`title`(20), `body`(100));",
        "CREATE UNIQUE INDEX `uq_data` ON `posts` (`data`(16));",
        "CREATE INDEX `ix_body` ON `posts` (`body`(768));",
    ] {
        assert!(up.contains(line), "{line} not in:\n{up}");
    }
    let inspected = p.run(none, &["inspect"]).expect(0);
    for line in [
        "name = \"ix_title_body\",\n        prefix(\"title\" = 20, \"body\" = 100)",
        "index(columns(\"data\"), name = \"uq_data\", unique, prefix(\"data\" = 16))",
        "index(columns(\"body\"), name = \"ix_body\", prefix(\"body\" = 768))",
    ] {
        assert!(
            inspected.stdout.contains(line),
            "{line} not in:\n{}",
            inspected.stdout
        );
    }

    // The baseline replayed on an empty database gives the same indexes.
    p.execute("DROP TABLE posts; DELETE FROM __diesel_schema_migrations");
    p.run(none, &["upgrade", "head"]).expect(0);
    assert_eq!(p.schema().tables["posts"], before.tables["posts"]);
}
