//! `#[derive(Model)]` compile tests: every `compile_fail` case under `tests/ui/<category>/` has
//! its expected compiler output pinned next to it in a `.stderr` file; `tests/ui/pass/` must
//! compile and run. Regenerate the `.stderr` files with `TRYBUILD=overwrite` and read the diff.

#[test]
fn derive_model_ui() {
    let t = trybuild::TestCases::new();
    // Paths are relative to this package's directory.
    for category in [
        "bad-references",
        "bad-shape",
        "conflicts",
        "data-migration",
        "db-enum",
        "duplicate-attr",
        "malformed",
        "many-errors",
        "no-primary-key",
        "unknown-attr",
        "sql-object",
        "unsupported-type",
        "view",
    ] {
        t.compile_fail(format!("ui/{category}/*.rs"));
    }
    t.pass("ui/pass/*.rs");
}
