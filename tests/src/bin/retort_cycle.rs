//! Test models whose foreign keys form a cycle between two tables (`alphas.beta_id -> betas`,
//! `betas.alpha_id -> alphas`), plus a self-reference (`alphas.parent_id -> alphas`).

use retort::Model;

#[derive(Debug, Model)]
pub struct Alpha {
    pub id: i64,
    pub label: String,
    #[model(references = "betas.id")]
    pub beta_id: Option<i64>,
    #[model(references = "alphas.id", on_delete = "set null")]
    pub parent_id: Option<i64>,
}

#[derive(Debug, Model)]
pub struct Beta {
    pub id: i64,
    #[model(references = "alphas.id", on_delete = "cascade")]
    pub alpha_id: Option<i64>,
}

fn main() -> std::process::ExitCode {
    retort_cli::run()
}
