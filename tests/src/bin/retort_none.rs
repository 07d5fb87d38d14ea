//! A Retort CLI that links no models: commands that need models must fail clearly. The
//! package depends on the example blog crate, but this binary never names it, so the linker
//! drops it and its models with it.

fn main() -> std::process::ExitCode {
    retort_cli::run()
}
