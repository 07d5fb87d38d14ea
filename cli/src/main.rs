//! The `retort` binary of this repository: the Retort CLI over the example blog's models
//! (`cargo run -p cli -- <command>`).
//!
//! The blog's models are compiled into this binary as a module, from the example's own source,
//! rather than through a dependency of the `cli` package: a dependency would be compiled by every
//! project that depends on the `retort_cli` library, which never builds this binary. Your own
//! project gets the same CLI over its models with a binary crate of its own (README, "Inside
//! your project"): link the crate that holds your `#[derive(Model)]` structs with
//! `retort::link_models!` and call `retort_cli::run()`.

// The models are only registered here, never used: no dead-code warnings for their fields.
#[allow(dead_code)]
#[path = "../../examples/blog/src/lib.rs"]
mod blog;

fn main() -> std::process::ExitCode {
    retort_cli::run()
}
