//! `retort lint` on MariaDB: the dialect's own rules (`require-lock-none`, `ban-algorithm-copy`,
//! `fulltext-index-creation`, and the drop and rename rules), not PostgreSQL's.

use crate::mariadb_support::MyProject;
use crate::support::Models;

#[test]
fn lint_applies_mariadb_rules_to_a_mariadb_revision() {
    let Some(p) = MyProject::new() else {
        return;
    };
    let none = Models::None.exe();
    p.run(none, &["revision", "-m", "posts"]).expect(0);
    let first = p.revision_dirs()[0].clone();
    std::fs::write(
        first.join("up.sql"),
        "CREATE TABLE posts (id BIGINT PRIMARY KEY, title VARCHAR(200), body TEXT, n INT);\n\
         CREATE INDEX ix_posts_title ON posts (title);\n",
    )
    .unwrap();
    std::fs::write(first.join("down.sql"), "DROP TABLE posts;\n").unwrap();
    p.run(none, &["upgrade", "head"]).expect(0);
    p.run(none, &["revision", "-m", "by hand"]).expect(0);
    let second = p.revision_dirs()[1].clone();
    std::fs::write(
        second.join("up.sql"),
        "CREATE INDEX `ix_posts_n` ON `posts` (`n`);\n\
         CREATE INDEX ix_posts_n2 ON posts (n) ALGORITHM=INPLACE LOCK=NONE;\n\
         ALTER TABLE posts ADD FULLTEXT ft_posts_body (body);\n\
         ALTER TABLE posts MODIFY COLUMN n BIGINT NULL, ALGORITHM=COPY;\n\
         ALTER TABLE posts ADD COLUMN extra INT NULL, ALGORITHM=INSTANT;\n\
         ALTER TABLE posts DROP INDEX ix_posts_title;\n\
         ALTER TABLE posts DROP COLUMN title, ALGORITHM=INPLACE, LOCK=NONE;\n",
    )
    .unwrap();
    let name = second.file_name().unwrap().to_str().unwrap().to_owned();
    let up = format!("migrations/{name}/up.sql");
    let run = p.run(none, &["lint"]).expect(1);
    for (line, rule, fix) in [
        (1, "require-lock-none", "ALGORITHM=INPLACE LOCK=NONE"),
        (3, "fulltext-index-creation", "quiet hour"),
        (4, "ban-algorithm-copy", "copies every row of `posts`"),
        (7, "ban-drop-column", "stop using it in the code first"),
    ] {
        let head = format!("{up}:{line}: {rule}: ");
        let at = run
            .stdout
            .find(&head)
            .unwrap_or_else(|| panic!("{head}\n{}", run.stdout));
        let finding = &run.stdout[at..];
        let end = finding.find('\n').unwrap();
        assert!(finding[..end].contains(fix), "{rule}: {}", &finding[..end]);
    }
    // The online forms and an index drop break no rule; no PostgreSQL rule applies.
    for line in [2, 5, 6] {
        assert!(
            !run.stdout.contains(&format!(":{line}: ")),
            "{}",
            run.stdout
        );
    }
    assert!(!run.stdout.contains("CONCURRENTLY"), "{}", run.stdout);
    assert!(
        run.stdout.contains("4 finding(s) in 1 revision"),
        "{}",
        run.stdout
    );
}
