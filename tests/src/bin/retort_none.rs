//! A Retort CLI that links no models: commands that need models must fail clearly.

fn main() -> std::process::ExitCode {
    retort_cli::run()
}
