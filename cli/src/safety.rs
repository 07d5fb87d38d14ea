//! The data-safety contract of `autogenerate` and `revision --autogenerate`: refuse a plan that
//! loses data without `--allow-destructive`, or makes a column NOT NULL with nothing to fill its
//! rows without `--backfill`; write every warning and destructive operation into up.sql as a
//! comment, and what down.sql cannot bring back into down.sql. `check` only reports: it takes
//! none of these flags. The classification itself is in [`retort::safety`].

use std::io::Write;

use clap::Args;
use retort::autogen::Plan;
use retort::convert::Using;
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
    /// Convert the rows of a column whose type the migration changes with an SQL expression
    /// over the column (repeatable; PostgreSQL's `ALTER COLUMN ... TYPE ... USING`, SQLite's
    /// rebuild copies through it), e.g. `--using 'orders.qty=CAST(qty AS INTEGER)'`
    #[arg(long = "using", value_name = "TABLE.COLUMN=EXPR", value_parser = parse_using)]
    pub usings: Vec<Using>,
    /// The same for down.sql: converts the column's rows back to its old type (repeatable)
    #[arg(long = "using-down", value_name = "TABLE.COLUMN=EXPR", value_parser = parse_using_down)]
    pub usings_down: Vec<Using>,
    /// PostgreSQL: write the plain, blocking forms on existing tables (a plain CREATE INDEX,
    /// constraints checked as they are added, SET NOT NULL scanning the table) in one
    /// transaction, for a small or offline database; by default the online forms (README,
    /// "Online migrations")
    #[arg(long)]
    pub blocking: bool,
    /// PostgreSQL: write statements that rewrite (or read) every row of an existing table
    /// under a lock that stops its writers (most type changes, a column added with a volatile
    /// default, a new primary key), which the online forms refuse by default
    #[arg(long)]
    pub allow_rewrite: bool,
}

impl SafetyArgs {
    /// True when a flag is given.
    pub(crate) fn any(&self) -> bool {
        self.allow_destructive
            || !self.backfills.is_empty()
            || !self.usings.is_empty()
            || !self.usings_down.is_empty()
            || self.blocking
            || self.allow_rewrite
    }

    /// Every `--using` and `--using-down`.
    pub(crate) fn conversions(&self) -> Vec<Using> {
        self.usings
            .iter()
            .chain(&self.usings_down)
            .cloned()
            .collect()
    }
}

fn parse_backfill(s: &str) -> Result<Backfill, String> {
    s.parse().map_err(|e: safety::SafetyError| e.to_string())
}

fn parse_using(s: &str) -> Result<Using, String> {
    Using::parse(s, false).map_err(|e| e.to_string())
}

fn parse_using_down(s: &str) -> Result<Using, String> {
    Using::parse(s, true).map_err(|e| e.to_string())
}

/// Prints the plan (`Detected ...` on `out`, warnings on stderr), then refuses it, listing
/// why, when it loses data without `--allow-destructive` or leaves a NOT NULL column without a
/// value. Returns the warnings, by op index, for [`annotate`].
pub(crate) fn report_and_vet(
    plan: &Plan,
    dialect: &dyn Dialect,
    args: &SafetyArgs,
    online: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Vec<(usize, String)>> {
    let mut warnings = warnings(&plan.ops, dialect);
    let rewrites = if online && dialect.has_online_forms() {
        rewrites(plan)
    } else {
        Vec::new()
    };
    if args.allow_rewrite {
        // Accepted: said on the terminal and in up.sql, as every other risk is.
        warnings.extend(rewrites.iter().cloned());
        warnings.sort_by_key(|(at, _)| *at);
    }
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
    // A type change refused for want of a conversion is not written at all: its statement
    // (with a cast Retort does not write by itself) is no blocking statement to show.
    let rewrites: Vec<&(usize, String)> = rewrites
        .iter()
        .filter(|(at, _)| {
            !plan
                .ops
                .get(*at)
                .is_some_and(|op| lacks_conversion(op, plan))
        })
        .collect();
    if !args.allow_rewrite && !rewrites.is_empty() {
        problems.extend(rewrites.iter().map(|(_, r)| format!("  blocking: {r}")));
        problems.push(
            "  online alternative: add a column of the new type (or without the volatile \
             default), fill it in batches (`--backfill`), move the application to it, then drop \
             the old one; or accept the rewrite with --allow-rewrite (a small table, a \
             maintenance window), or write the plain forms with --blocking"
                .to_owned(),
        );
    }
    problems.extend(plan.needs_backfill.iter().map(|n| format!("  {n}")));
    problems.extend(plan.needs_using.iter().map(|n| format!("  {n}")));
    if !problems.is_empty() {
        anyhow::bail!(
            "the migration was not written, nothing changed:\n{}",
            problems.join("\n")
        );
    }
    Ok(warnings)
}

/// Whether `op` is a type change that [`Plan::needs_using`] refuses (up.sql's direction).
fn lacks_conversion(op: &Op, plan: &Plan) -> bool {
    let Op::AlterColumn { table, to, .. } = op else {
        return false;
    };
    plan.needs_using
        .iter()
        .any(|n| !n.down && n.table == *table && n.column == to.name)
}

/// One line per statement of up.sql that rewrites or reads every row of an existing table
/// under a lock that stops its writers, with the position of its op.
fn rewrites(plan: &Plan) -> Vec<(usize, String)> {
    use retort::dialect::Hazard;
    // A table (or materialized view) the migration creates has no other session yet.
    let new: std::collections::BTreeSet<&str> = plan
        .ops
        .iter()
        .filter_map(|op| match op {
            Op::CreateTable(t) => Some(t.name.as_str()),
            Op::CreateView(v) => Some(v.name.as_str()),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for step in &plan.up.steps {
        for (i, statement) in step.statements.iter().enumerate() {
            let what = if statement.hazards.contains(&Hazard::Rewrite) {
                "rewrites"
            } else if statement.hazards.contains(&Hazard::Scan)
                && !proven_by_a_validated_check(&step.statements[..i], &statement.sql)
            {
                "reads"
            } else {
                continue;
            };
            let Some(lock) = statement
                .locks
                .iter()
                .find(|l| l.mode.blocks_writes() && !new.contains(l.table.as_str()))
            else {
                continue;
            };
            let op = step.headers.first().map_or("", |h| h.op.as_str());
            let sql = statement
                .sql
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            out.push((
                step.ops.start,
                format!(
                    "{op}: `{}` {what} every row of '{}' under {} (its writers{} wait until it \
                     ends)",
                    crate::terminal::line(&sql),
                    lock.table,
                    lock.mode,
                    if lock.mode.blocks_reads() {
                        " and readers"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    out
}

/// A `SET NOT NULL` after the `VALIDATE CONSTRAINT` of the online form's check: PostgreSQL reads
/// the valid check instead of the rows.
fn proven_by_a_validated_check(before: &[retort::dialect::Statement], sql: &str) -> bool {
    sql.contains(" SET NOT NULL")
        && before
            .iter()
            .any(|s| s.sql.contains(" VALIDATE CONSTRAINT "))
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
                Op::AlterColumn {
                    table, from, to, ..
                },
            )
            | (
                Some(Op::AlterSerial {
                    table: t,
                    column: c,
                    to: Some(_),
                    fill: true,
                    ..
                }),
                Op::AlterColumn {
                    table, from, to, ..
                },
            ) if t == table && *c == to.name => Some(Op::AlterColumn {
                table: table.clone(),
                from: retort::schema::Column {
                    nullable: false,
                    ..from.clone()
                },
                to: to.clone(),
                conversion: Default::default(),
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
        if let Some(w) = warning_for(filled.as_ref().unwrap_or(op), ops, dialect) {
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

/// What a reviewer must know about an op of `ops` before applying it.
fn warning_for(op: &Op, ops: &[Op], dialect: &dyn Dialect) -> Option<String> {
    let owned = |how: &str| {
        format!(
            "{op}: the models do not declare it, and they own every view, function and trigger \
             (Retort.toml objects = \"owned\"); the downgrade re-creates it exactly. To keep it, \
             declare it ({how}), name it in an `ignore` glob, or edit it out of this revision"
        )
    };
    match op {
        // A declared trigger dropped to be created again: no loss.
        Op::DropDefinition { table, definition } if definition.trigger_name().is_some() => {
            let again = ops.iter().any(|o| {
                matches!(o, Op::CreateDefinition { table: t, definition: d }
                    if t == table && d.trigger_name() == definition.trigger_name())
            });
            (!again).then(|| owned("retort::trigger!"))
        }
        Op::DropView(v) => (!ops
            .iter()
            .any(|o| matches!(o, Op::CreateView(w) if w.name == v.name)))
        .then(|| owned("#[derive(View)]")),
        Op::DropFunction(f) => (!ops
            .iter()
            .any(|o| matches!(o, Op::CreateFunction(g) if g.key() == f.key())))
        .then(|| owned("retort::function!")),
        Op::DropDefinition { .. } | Op::DropTableConstraint { .. } => Some(format!(
            "{op}: the models do not declare it, and they own their tables' indexes and \
             constraints; the downgrade re-creates it exactly. To keep it, declare it with its \
             name (#[model(index(...))], #[model(unique(...))], #[model(check(name = ...))]), \
             name it in an `ignore` glob, or edit it out of this revision (an unnamed SQLite \
             constraint is declared without a name: #[model(check(expr = ...))], \
             #[model(unique(columns(...)))])"
        )),
        Op::DropIndex { table, index } if index.unique => Some(format!(
            "{op}: '{table}' no longer refuses duplicate ({}); the downgrade re-creates the \
             index (and fails if duplicates were written meanwhile). To keep it, declare it \
             (#[model(unique)] or #[model(unique(columns(...)))])",
            index.columns.join(", ")
        )),
        Op::AlterAutoincrement { table, to: false } => Some(format!(
            "{op}: new rows of '{table}' can be given the ids of deleted rows again; the \
             downgrade restores AUTOINCREMENT and the largest id given. To keep it, declare \
             #[model(primary_key, autoincrement)]"
        )),
        Op::DropTable(t) => {
            let referencing = referencing_tables(&t.name, ops);
            Some(format!(
                "dropping table '{}' deletes its rows; the downgrade re-creates it without them{}",
                t.name,
                if referencing.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (and fails while rows of {} still reference it through the foreign key \
                         it re-creates)",
                        referencing
                            .iter()
                            .map(|r| format!("'{r}'"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            ))
        }
        // A generated column's values are computed: the downgrade computes them again.
        Op::DropColumn { column, .. } if column.generated.is_some() => None,
        Op::DropColumn { table, column } => Some(format!(
            "dropping column '{table}.{}' deletes its data; the downgrade re-creates the column without it{}",
            column.name,
            if !column.nullable && column.default.is_none() {
                " (and fails while the table has rows, as the column is NOT NULL without a default)"
            } else {
                ""
            }
        )),
        Op::AddColumn { table, column }
            if !column.nullable && column.default.is_none() && column.generated.is_none() =>
        {
            Some(format!(
            "column '{table}.{}' is NOT NULL without a default: the upgrade fails if '{table}' has rows; add #[model(default = \"...\")] or make it Option<_>",
            column.name
        ))
        }
        Op::AlterColumn {
            table,
            from,
            to,
            conversion,
        } => {
            let mut risks = Vec::new();
            if from.generated.is_none() && to.generated.is_some() {
                risks.push(
                    "it becomes generated: its values are replaced by the computed ones, and the \
                     downgrade keeps those"
                        .to_owned(),
                );
            }
            if from.nullable && !to.nullable {
                risks.push("it becomes NOT NULL: the upgrade fails if it holds NULLs".to_owned());
            }
            // A column's own UNIQUE or CHECK clause that goes loosens the table.
            for clause in from
                .extra
                .iter()
                .filter(|x| x.is_constraint() && !to.extra.contains(x))
                // A clause that holds an enum's labels (SQLite's CHECK): a label change, said
                // with the labels.
                .filter(|x| dialect.enum_labels_in(&to.name, x.sql()).is_none())
            {
                let clause = clause.sql();
                risks.push(format!(
                    "its constraint `{clause}` is removed, so the table accepts rows it refused \
                     (the downgrade puts it back, and fails if such rows were written \
                     meanwhile); to keep it, declare it (#[model(unique)], \
                     #[model(check = \"...\")])"
                ));
            }
            if let Some(why) = dialect.type_change_risk(&from.ty, &to.ty) {
                // Rows the change refuses fail the upgrade: say how to convert them instead.
                let fix = if conversion.using.is_none() && why.ends_with("the upgrade fails") {
                    format!(
                        "; to convert such rows, regenerate this revision with --using \
                         '{table}.{col}=EXPR' (and --using-down '{table}.{col}=EXPR' for \
                         down.sql), or clean them first",
                        col = to.name
                    )
                } else {
                    String::new()
                };
                let why = retort::ops::conversion_effect(conversion.using.as_deref(), why);
                risks.push(format!(
                    "its type changes from {} to {}: on {}, {why}{fix}",
                    from.ty,
                    to.ty,
                    dialect.name()
                ));
            }
            (!risks.is_empty())
                .then(|| format!("column '{table}.{}': {}", to.name, risks.join("; ")))
        }
        _ => None,
    }
}

/// The tables that keep their rows while a plan drops `table` and their foreign keys to it:
/// the downgrade re-creates those keys, which their rows then break. (A table dropped with it
/// comes back empty; a key to a dropped table can only be dropped with it.)
fn referencing_tables<'o>(table: &str, ops: &'o [Op]) -> Vec<&'o str> {
    let mut found: Vec<&str> = ops
        .iter()
        .filter_map(|op| match op {
            Op::DropForeignKey { table: from, fk } if fk.ref_table == table && from != table => {
                Some(from.as_str())
            }
            _ => None,
        })
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}
