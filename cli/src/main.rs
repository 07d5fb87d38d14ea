fn main() -> std::process::ExitCode { retort_cli::run() }
