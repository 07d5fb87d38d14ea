//! A user's own Retort binary: models from a separate crate (the example blog), linked with
//! `retort::link_models!`, and built-in defaults for the database and migrations directory.
//! (`retort_none`, which depends on the same crate without linking it, shows what happens
//! without the macro.)

retort::link_models!(retort_example_blog);

fn main() -> std::process::ExitCode {
    retort_cli::run_with(retort_cli::Defaults {
        database_url: Some("sqlite://custom.db".into()),
        migrations_dir: Some("db/migrations".into()),
        ..Default::default()
    })
}
