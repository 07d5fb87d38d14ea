//! The `retort` binary of this repository: the Retort CLI over the example blog's models.
//!
//! Your own project gets the same CLI over its models with a main.rs like this one: link the
//! crate that holds your `#[derive(Model)]` structs and call `retort_cli::run()`.

retort::link_models!(retort_example_blog);

fn main() -> std::process::ExitCode {
    retort_cli::run()
}
