//! What a fleet run shows: one progress line per target as it finishes (stderr), then one table
//! of every target in the fleet's order, what failed, and a count (stdout).

use std::io::Write;
use std::time::Duration;

/// How a target's command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The command succeeded (`current`: the position was read).
    Ok,
    /// The canary: upgraded, then checked.
    Canary,
    /// `check` found differences (exit 1).
    Differs,
    /// The command failed (exit 2), or the position could not be read.
    Failed,
    /// Not started: an earlier failure with `--fail-fast`.
    NotRunFailFast,
    /// Not started: the canary failed.
    NotRunCanary,
    /// Not started: the run was interrupted (SIGINT, SIGTERM, SIGHUP).
    NotRunInterrupted,
    /// Skipped: the previous run finished it (`--resume`).
    DoneBefore,
}

impl Outcome {
    pub(crate) fn succeeded(self) -> bool {
        matches!(self, Outcome::Ok | Outcome::Canary | Outcome::DoneBefore)
    }

    fn not_run(self) -> bool {
        matches!(
            self,
            Outcome::NotRunFailFast | Outcome::NotRunCanary | Outcome::NotRunInterrupted
        )
    }
}

/// One line of the summary.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) label: String,
    /// Where the target was before (`current`, `check`: where it is).
    pub(crate) before: String,
    pub(crate) after: String,
    /// Whether it ended at the head(s).
    pub(crate) at_head: bool,
    pub(crate) outcome: Outcome,
    /// Why it failed, one line each, or what `check` found (its report).
    pub(crate) detail: Vec<String>,
    pub(crate) elapsed: Duration,
}

impl Row {
    pub(crate) fn not_run(label: &str, outcome: Outcome) -> Row {
        Row {
            label: label.to_owned(),
            before: "-".into(),
            after: "-".into(),
            at_head: false,
            outcome,
            detail: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }
}

/// Whether the command moves targets (before and after columns) or reads them (one column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Moves,
    Current,
    Check,
}

fn result(row: &Row, shape: Shape) -> &'static str {
    match (row.outcome, shape) {
        (Outcome::Ok, Shape::Current) if row.at_head => "at head",
        (Outcome::Ok, Shape::Current) => "not at head",
        (Outcome::Ok, _) => "ok",
        (Outcome::Canary, _) => "ok (canary, checked)",
        (Outcome::Differs, _) => "differs",
        (Outcome::Failed, _) => "failed",
        (Outcome::NotRunFailFast, _) => "not run (--fail-fast)",
        (Outcome::NotRunCanary, _) => "not run (the canary failed)",
        (Outcome::NotRunInterrupted, _) => "not run (interrupted)",
        (Outcome::DoneBefore, _) => "done before (--resume)",
    }
}

/// The progress line of a target that finished: `[3/200] tenant_003: base -> 3f2a..., ok
/// (0.4s)`, and its first error.
pub(crate) fn progress(done: usize, total: usize, row: &Row, shape: Shape) -> String {
    let width = total.to_string().len();
    let position = match shape {
        Shape::Moves => format!("{} -> {}", row.before, row.after),
        Shape::Current | Shape::Check => row.before.clone(),
    };
    let took = if row.elapsed < Duration::from_secs(1) {
        format!("{}ms", row.elapsed.as_millis())
    } else {
        format!("{:.1}s", row.elapsed.as_secs_f64())
    };
    let mut line = format!(
        "[{done:>width$}/{total}] {}: {position}, {} ({took})",
        row.label,
        result(row, shape),
    );
    if !row.outcome.succeeded() {
        if let Some(first) = row.detail.first() {
            line.push_str(": ");
            line.push_str(first);
        }
    }
    line
}

/// The table, what failed, and the count.
pub(crate) fn table(out: &mut dyn Write, rows: &[Row], shape: Shape) -> std::io::Result<()> {
    let header: Vec<&str> = match shape {
        Shape::Moves => vec!["TARGET", "BEFORE", "AFTER", "RESULT"],
        Shape::Current | Shape::Check => vec!["TARGET", "REVISION", "RESULT"],
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let mut cells = vec![row.label.clone(), row.before.clone()];
            if shape == Shape::Moves {
                cells.push(row.after.clone());
            }
            cells.push(result(row, shape).to_owned());
            cells
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for line in &cells {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let write_line = |out: &mut dyn Write, line: &[String]| -> std::io::Result<()> {
        let last = line.len() - 1;
        let mut text = String::new();
        for (i, cell) in line.iter().enumerate() {
            if i == last {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    write_line(
        out,
        &header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>(),
    )?;
    for line in &cells {
        write_line(out, line)?;
    }
    let with_detail: Vec<&Row> = rows
        .iter()
        .filter(|r| !r.outcome.succeeded() && !r.detail.is_empty())
        .collect();
    if !with_detail.is_empty() {
        writeln!(out)?;
        for row in with_detail {
            writeln!(out, "{}:", row.label)?;
            for line in &row.detail {
                writeln!(out, "  {line}")?;
            }
        }
    }
    let count = |f: &dyn Fn(&Row) -> bool| rows.iter().filter(|r| f(r)).count();
    let mut parts = Vec::new();
    let mut part = |n: usize, what: &str| {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    };
    part(count(&|r| r.at_head), "at head");
    part(
        count(&|r| r.outcome.succeeded() && !r.at_head),
        "not at head",
    );
    part(count(&|r| r.outcome == Outcome::Differs), "differ");
    part(count(&|r| r.outcome == Outcome::Failed), "failed");
    part(count(&|r| r.outcome.not_run()), "not run");
    writeln!(out)?;
    writeln!(
        out,
        "{} target{}: {}",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        parts.join(", ")
    )
}
