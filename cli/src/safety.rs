//! The data-safety contract of `autogenerate` and `revision --autogenerate`: refuse a plan that
//! loses data without `--allow-destructive`, or makes a column NOT NULL with nothing to fill its
//! rows without `--backfill`; write every warning and destructive operation into up.sql as a
//! comment, and what down.sql cannot bring back into down.sql. `check` only reports: it takes
//! none of these flags. The classification itself is in [`retort::safety`].

use std::io::Write;

use clap::Args;
use retort::autogen::Plan;
use retort::dialect::Dialect;
use retort::ops::Op;
use retort::safety::{self, Backfill};

/// The data-safety flags of `autogenerate` and `revision --autogenerate`.
#[derive(Debug, Args, Default)]
pub struct SafetyArgs {
    /// Write the migration even though it loses data (drops a table or column, changes a type
    /// in a way that can change values); up.sql marks each such statement `-- destructive:`
    #[arg(long)]
    pub allow_destructive: bool,
    /// Fill the NULL rows of a column the migration makes NOT NULL with an SQL expression
    /// (repeatable), e.g. `--backfill users.age=0`
    #[arg(long = "backfill", value_name = "TABLE.COLUMN=EXPR", value_parser = parse_backfill)]
    pub backfills: Vec<Backfill>,
}

impl SafetyArgs {
    /// True when a flag is given.
    pub(crate) fn any(&self) -> bool {
        self.allow_destructive || !self.backfills.is_empty()
    }
}

fn parse_backfill(s: &str) -> Result<Backfill, String> {
    s.parse().map_err(|e: safety::SafetyError| e.to_string())
}

/// Prints the plan (`Detected ...` on `out`, warnings on stderr), then refuses it, listing
/// why, when it loses data without `--allow-destructive` or leaves a NOT NULL column without a
/// value. Returns the warnings, by op index, for [`annotate`].
pub(crate) fn report_and_vet(
    plan: &Plan,
    dialect: &dyn Dialect,
    args: &SafetyArgs,
    out: &mut dyn Write,
) -> anyhow::Result<Vec<(usize, String)>> {
    let warnings = warnings(&plan.ops, dialect);
    for line in &plan.invalid {
        writeln!(out, "Detected {line}")?;
    }
    for (i, op) in plan.ops.iter().enumerate() {
        writeln!(out, "Detected {}", crate::style::op(op))?;
        for (_, warning) in warnings.iter().filter(|(at, _)| *at == i) {
            eprintln!("{}", crate::style::warning(warning));
        }
    }
    // `renamed_from` hints: a drop and an add that may be a rename (and then lose nothing).
    for hint in &plan.hints {
        eprintln!("{hint}");
    }
    let mut problems = Vec::new();
    if !args.allow_destructive {
        let destructive: Vec<String> = plan
            .ops
            .iter()
            .filter_map(|op| safety::destructive(op, dialect))
            .map(|d| format!("  destructive: {}", d.what))
            .collect();
        if !destructive.is_empty() {
            problems.extend(destructive);
            problems.push(
                "  review the destructive operations above, then pass --allow-destructive to write them \
                 (each is marked `-- destructive:` in up.sql)"
                    .to_owned(),
            );
        }
    }
    problems.extend(plan.needs_backfill.iter().map(|n| format!("  {n}")));
    if !problems.is_empty() {
        anyhow::bail!(
            "the migration was not written, nothing changed:\n{}",
            problems.join("\n")
        );
    }
    Ok(warnings)
}

/// Every warning of the plan, by op index, in order. An `AlterColumn` right after the
/// [`Op::Backfill`] of its column, or the [`Op::AlterSerial`] that fills it, has no NULLs left
/// to fail on.
fn warnings(ops: &[Op], dialect: &dyn Dialect) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let filled = match (i.checked_sub(1).map(|p| &ops[p]), op) {
            (
                Some(Op::Backfill {
                    table: t,
                    column: c,
                    ..
                }),
                Op::AlterColumn { table, from, to },
            )
            | (
                Some(Op::AlterSerial {
                    table: t,
                    column: c,
                    to: Some(_),
                    fill: true,
                    ..
                }),
                Op::AlterColumn { table, from, to },
            ) if t == table && *c == to.name => Some(Op::AlterColumn {
                table: table.clone(),
                from: retort::schema::Column {
                    nullable: false,
                    ..from.clone()
                },
                to: to.clone(),
            }),
            _ => None,
        };
        // A declaration that changed is dropped and created again: nothing to warn about.
        if op.is_replaced_in(ops) {
            continue;
        }
        // A new column the database fills (an identity, SQLite's rowid) has values.
        if let Op::AddColumn { table, column } = op {
            let filled = ops[i..].iter().any(|o| {
                matches!(o, Op::AlterIdentity { table: t, to: Some(c), .. }
                    if t == table && c.column == column.name)
                    || matches!(o, Op::AlterSerial { table: t, column: c, to: Some(_), .. }
                    if t == table && *c == column.name)
            });
            if filled {
                continue;
            }
        }
        if let Some(w) = crate::authoring::warning_for(filled.as_ref().unwrap_or(op), ops, dialect)
        {
            out.push((i, w));
        }
    }
    out
}

/// up.sql with `-- warning:` and `-- destructive:` comments under the ops they concern, and
/// down.sql with `-- cannot restore:` comments.
pub(crate) fn annotate(
    plan: &Plan,
    dialect: &dyn Dialect,
    warnings: &[(usize, String)],
) -> (String, String) {
    let mut up = plan.up.clone();
    for i in 0..plan.ops.len() {
        for (_, w) in warnings.iter().filter(|(at, _)| *at == i) {
            up.note(i, safety::comment("warning", w));
        }
        if let Some(loss) = up.header(i).and_then(|h| h.data_loss.clone()) {
            up.note(i, safety::comment("destructive", &loss));
        }
    }
    let mut down = plan.down.clone();
    for (i, text) in safety::cannot_restore(&plan.ops, dialect) {
        down.note(i, safety::comment("cannot restore", &text));
    }
    (up.to_sql(), down.to_sql())
}
