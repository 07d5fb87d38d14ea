//! `retort`'s documented modules are the user's surface, and nothing else: a module the CLI
//! shares with the library is `#[doc(hidden)]` (public only so `retort_cli` and the tests can
//! reach it), so making one public is a decision this test makes visible. Each documented
//! module is listed in lib.rs's "Where things are".

use std::path::Path;

/// The modules `retort` documents: what a user's code calls.
const SURFACE: &[&str] = &[
    "autogen", "backend", "checksum", "data", "db", "dialect", "diff", "embed", "lint", "model",
    "offline", "ops", "registry", "runner", "schema", "script", "shadow", "testing",
];

#[test]
fn retort_documents_only_the_users_surface() {
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src/lib.rs");
    let text = std::fs::read_to_string(&lib).expect("core/src/lib.rs");
    let mut documented = Vec::new();
    let mut hidden = Vec::new();
    let mut attrs: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with("#[") {
            attrs.push(line);
            continue;
        }
        if let Some(name) = line
            .strip_prefix("pub mod ")
            .and_then(|r| r.strip_suffix(';'))
        {
            if attrs.contains(&"#[doc(hidden)]") {
                hidden.push(name);
            } else {
                documented.push(name);
            }
        }
        if !line.starts_with("//") {
            attrs.clear();
        }
    }
    documented.sort_unstable();
    assert_eq!(
        documented, SURFACE,
        "retort's documented modules changed: a module for the CLI or the tests only gets \
         #[doc(hidden)] (not a stable API); a new part of the user's surface goes into SURFACE \
         and lib.rs's \"Where things are\""
    );
    for module in SURFACE {
        assert!(
            text.contains(&format!("[`{module}`]")),
            "lib.rs's \"Where things are\" does not mention [`{module}`]"
        );
    }
    eprintln!("hidden modules: {hidden:?}");
    assert!(hidden.contains(&"sql") && hidden.contains(&"invocation"));
}
