//! `print-schema`: diesel's schema.rs from the models. The files in `print_schema/` are what
//! `print-schema` writes for each backend over the `diesel_blog` models of `retort_cases`; this
//! test binary compiles them, and diesel inserts and selects rows through them on databases
//! upgraded by Retort.

use diesel::prelude::*;

use crate::support::{on_both_backends, Backend, Models, Project, Run};

/// Runs the CLI over the `diesel_blog` models.
fn blog(p: &Project, args: &[&str]) -> Run {
    Run::from(
        p.command(Models::Cases, args)
            .env("RETORT_CASE", "diesel_blog/models")
            .output()
            .expect("retort_cases runs"),
    )
}

#[path = "print_schema/postgres.rs"]
mod pg_schema;
#[path = "print_schema/sqlite.rs"]
mod sqlite_schema;

on_both_backends!(diesel_writes_and_reads_through_the_generated_schema);

/// The committed files are exactly what print-schema writes today (`RETORT_BLESS=1` rewrites
/// them: review the diff).
#[test]
fn the_generated_files_are_current() {
    let p = Project::new();
    for (url, file, committed) in [
        (
            "sqlite://retort.db",
            "sqlite.rs",
            include_str!("print_schema/sqlite.rs"),
        ),
        (
            "postgres://nobody@localhost/app",
            "postgres.rs",
            include_str!("print_schema/postgres.rs"),
        ),
    ] {
        let run = blog(&p, &["--database-url", url, "print-schema"]).expect(0);
        // Keys both ways between teams and members: no joinable! either way (E0119).
        assert!(run.stdout.contains("    teams (id) {"), "{}", run.stdout);
        assert!(!run.stdout.contains("joinable!(teams"), "{}", run.stdout);
        assert!(!run.stdout.contains("joinable!(members"), "{}", run.stdout);
        // The view: a table! keyed by its `key`, saying so.
        assert!(
            run.stdout.contains(
                "// The view `author_stats`: diesel's table! needs a primary key, so its key here \
                 is\n// (author_id), from #[view(key = \"...\")]."
            ),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("    author_stats (author_id) {"),
            "{}",
            run.stdout
        );
        if run.stdout != committed {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/integration/print_schema")
                .join(file);
            if std::env::var_os("RETORT_BLESS").is_some() {
                std::fs::write(&path, &run.stdout).unwrap();
            } else {
                panic!(
                    "{} is stale; rerun with RETORT_BLESS=1 and review the diff. Now:\n{}",
                    path.display(),
                    run.stdout
                );
            }
        }
    }
}

fn diesel_writes_and_reads_through_the_generated_schema(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    blog(&p, &["autogenerate", "-m", "blog"]).expect(0);
    blog(&p, &["upgrade", "head"]).expect(0);
    macro_rules! exercise {
        ($schema:ident, $conn:expr) => {{
            use $schema::{author_stats, members, post_tags, posts, reviews, teams, users};
            let conn = &mut $conn;
            diesel::insert_into(users::table)
                .values((
                    users::id.eq(7_i64),
                    users::email.eq("ada@example.com"),
                    users::score.eq(1.5),
                    users::avatar.eq(Some(vec![1_u8, 2])),
                ))
                .execute(conn)
                .unwrap();
            diesel::insert_into(posts::table)
                .values((
                    posts::id.eq(1_i64),
                    posts::author_id.eq(7_i64),
                    posts::title.eq("hi"),
                ))
                .execute(conn)
                .unwrap();
            diesel::insert_into(reviews::table)
                .values((
                    reviews::id.eq(1_i64),
                    reviews::reviewer_id.eq(7_i64),
                    reviews::reviewee_id.eq(7_i64),
                    reviews::stars.eq(5_i16),
                ))
                .execute(conn)
                .unwrap();
            // The key is (tag, post_id): `find` takes its values in that order.
            diesel::insert_into(post_tags::table)
                .values(&[
                    (
                        post_tags::post_id.eq(1_i64),
                        post_tags::tag.eq("rust"),
                        post_tags::weight.eq(3),
                    ),
                    (
                        post_tags::post_id.eq(1_i64),
                        post_tags::tag.eq("sql"),
                        post_tags::weight.eq(5),
                    ),
                ])
                .execute(conn)
                .unwrap();
            let weight = post_tags::table
                .find(("sql", 1_i64))
                .select(post_tags::weight)
                .first::<i32>(conn)
                .unwrap();
            assert_eq!(weight, 5);
            let joined = posts::table
                .inner_join(users::table)
                .select((
                    posts::title,
                    posts::published,
                    users::email,
                    users::type_,
                    users::avatar,
                ))
                .load::<(String, bool, String, String, Option<Vec<u8>>)>(conn)
                .unwrap();
            let stars = reviews::table
                .inner_join(users::table.on(users::id.eq(reviews::reviewer_id)))
                .select((reviews::stars, users::score))
                .load::<(i16, f64)>(conn)
                .unwrap();
            // Keys both ways, so no joinable!: an explicit ON joins them.
            diesel::insert_into(teams::table)
                .values((teams::id.eq(3_i64), teams::captain_id.eq(None::<i64>)))
                .execute(conn)
                .unwrap();
            diesel::insert_into(members::table)
                .values((members::id.eq(4_i64), members::team_id.eq(3_i64)))
                .execute(conn)
                .unwrap();
            diesel::update(teams::table)
                .set(teams::captain_id.eq(Some(4_i64)))
                .execute(conn)
                .unwrap();
            let captains = teams::table
                .inner_join(members::table.on(teams::captain_id.eq(members::id.nullable())))
                .select((teams::id, members::team_id))
                .load::<(i64, i64)>(conn)
                .unwrap();
            assert_eq!(captains, [(3, 3)]);
            // The managed view, typed through its table! (keyed by `#[view(key)]`), and joined
            // with a table: allow_tables_to_appear_in_same_query! lists it.
            let stats = author_stats::table
                .find(7_i64)
                .select((author_stats::email, author_stats::posts))
                .first::<(String, i64)>(conn)
                .unwrap();
            assert_eq!(stats, ("ada@example.com".to_owned(), 1));
            let scores = author_stats::table
                .inner_join(users::table.on(users::id.eq(author_stats::author_id)))
                .select((users::score, author_stats::posts))
                .load::<(f64, i64)>(conn)
                .unwrap();
            assert_eq!(scores, [(1.5, 1)]);
            (joined, stars)
        }};
    }
    let (joined, stars) = match backend {
        Backend::Sqlite => exercise!(sqlite_schema, p.connect()),
        Backend::Postgres => exercise!(pg_schema, diesel::PgConnection::establish(&p.url).unwrap()),
    };
    assert_eq!(
        joined,
        [(
            "hi".to_owned(),
            false,
            "ada@example.com".to_owned(),
            "person".to_owned(),
            Some(vec![1, 2])
        )]
    );
    assert_eq!(stars, [(5, 1.5)]);
}

/// Retort.toml's `diesel_schema`: autogenerate writes it, `check` fails while it is stale,
/// `print-schema --check` says whether it is current.
#[test]
fn retort_toml_keeps_the_diesel_schema_in_step() {
    let p = Project::new();
    let config = p.path().join("Retort.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("diesel_schema = \"src/schema.rs\"\n");
    std::fs::write(&config, text).unwrap();
    let file = p.path().join("src/schema.rs");

    let run = p.run(Models::V1, &["autogenerate", "-m", "v1"]).expect(0);
    assert!(run.stdout.contains("Wrote diesel schema"), "{}", run.stdout);
    let v1 = std::fs::read_to_string(&file).unwrap();
    assert!(v1.contains("legacy -> Nullable<Text>,"), "{v1}");
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    p.run(Models::V1, &["check"]).expect(0);
    p.run(Models::V1, &["print-schema", "--check"]).expect(0);

    // Edited by hand: stale.
    std::fs::write(&file, "// mine\n").unwrap();
    let run = p.run(Models::V1, &["check"]).expect(1);
    assert!(
        run.stdout.contains(
            "src/schema.rs is not up to date with the models; run `retort_v1 print-schema`"
        ),
        "{}",
        run.stdout
    );
    p.run(Models::V1, &["print-schema", "--check"]).expect(1);
    let run = p.run(Models::V1, &["print-schema"]).expect(0);
    assert!(run.stdout.contains("Wrote diesel schema"), "{}", run.stdout);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), v1);
    p.run(Models::V1, &["check"]).expect(0);

    // A file that is not there is said to be missing, with the command that writes it.
    let run = p
        .run(
            Models::V1,
            &["print-schema", "--check", "--output", "gone.rs"],
        )
        .expect(1);
    assert!(
        run.stdout.contains("diesel schema gone.rs does not exist; write it with `retort_v1 print-schema --output gone.rs`"),
        "{}",
        run.stdout
    );

    // --output wins over Retort.toml; without either, standard output.
    p.run(Models::V1, &["print-schema", "--output", "other.rs"])
        .expect(0);
    assert_eq!(
        std::fs::read_to_string(p.path().join("other.rs")).unwrap(),
        v1
    );
}
