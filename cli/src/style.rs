//! Colour for Retort's own lines: additions green, drops red, warnings yellow, errors red.
//! Plain unless `run` decided the stream takes colour: `--color always` forces it, `--color
//! never` refuses it, and `auto` (the default) asks anstream, which says no when the stream is
//! not a terminal or `NO_COLOR` is set (and yes under `CLICOLOR_FORCE`). [`crate::execute`]
//! called as a library writes plain text.

use std::sync::atomic::{AtomicBool, Ordering};

use anstream::{AutoStream, ColorChoice};
use anstyle::{AnsiColor, Style};
use clap::ValueEnum;
use retort::ops::Op;

/// When to colour the output (`--color`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set
    #[default]
    Auto,
    /// Always, even when piped
    Always,
    /// Never
    Never,
}

impl ColorWhen {
    /// The `--color` of `args`, read before clap parses them so its help and errors follow it.
    pub(crate) fn scan(args: &[std::ffi::OsString]) -> ColorWhen {
        let mut when = ColorWhen::Auto;
        let mut iter = args.iter().skip(1).map(|a| a.to_string_lossy());
        while let Some(arg) = iter.next() {
            let value = match arg.strip_prefix("--color") {
                Some("") => iter.next().map(|v| v.into_owned()),
                Some(rest) => rest.strip_prefix('=').map(str::to_owned),
                None => None,
            };
            if let Some(w) = value.and_then(|v| ColorWhen::from_str(&v, false).ok()) {
                when = w;
            }
        }
        when
    }

    /// clap's own setting for its help and errors.
    pub(crate) fn for_clap(self) -> clap::ColorChoice {
        match self {
            ColorWhen::Auto => clap::ColorChoice::Auto,
            ColorWhen::Always => clap::ColorChoice::Always,
            ColorWhen::Never => clap::ColorChoice::Never,
        }
    }
}

static STDOUT: AtomicBool = AtomicBool::new(false);
static STDERR: AtomicBool = AtomicBool::new(false);

/// Decides, once per run, whether standard output and standard error take colour.
pub(crate) fn choose(when: ColorWhen) {
    let auto = |choice: ColorChoice| choice != ColorChoice::Never;
    let (out, err) = match when {
        ColorWhen::Always => (true, true),
        ColorWhen::Never => (false, false),
        ColorWhen::Auto => (
            auto(AutoStream::choice(&std::io::stdout())),
            auto(AutoStream::choice(&std::io::stderr())),
        ),
    };
    STDOUT.store(out, Ordering::Relaxed);
    STDERR.store(err, Ordering::Relaxed);
}

const GREEN: Style = AnsiColor::Green.on_default();
const RED: Style = AnsiColor::Red.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();

fn paint(style: Style, text: &str, on: &AtomicBool) -> String {
    if on.load(Ordering::Relaxed) {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

/// A line of standard output that adds something (`Applied ...`).
pub(crate) fn added(text: &str) -> String {
    paint(GREEN, text, &STDOUT)
}

/// A line of standard output that drops or reverts something.
pub(crate) fn dropped(text: &str) -> String {
    paint(RED, text, &STDOUT)
}

/// An operation of a plan, coloured by what it does to the schema.
pub(crate) fn op(op: &Op) -> String {
    let text = op.to_string();
    match op {
        Op::CreateTable(_)
        | Op::AddColumn { .. }
        | Op::CreateIndex { .. }
        | Op::AddForeignKey { .. }
        | Op::CreateDefinition { .. }
        | Op::AddTableConstraint { .. } => added(&text),
        Op::DropTable(_)
        | Op::DropColumn { .. }
        | Op::DropIndex { .. }
        | Op::DropForeignKey { .. }
        | Op::DropDefinition { .. }
        | Op::DropTableConstraint { .. } => dropped(&text),
        _ => text,
    }
}

/// `warning: TEXT` on standard error.
pub(crate) fn warning(text: &str) -> String {
    format!("{} {text}", paint(YELLOW.bold(), "warning:", &STDERR))
}

/// `error: TEXT` on standard error.
pub(crate) fn error(text: &str) -> String {
    format!("{} {text}", paint(RED.bold(), "error:", &STDERR))
}

/// clap's help and error styles.
pub(crate) const CLAP_STYLES: clap::builder::Styles = clap::builder::Styles::styled()
    .header(AnsiColor::Yellow.on_default().bold())
    .usage(AnsiColor::Yellow.on_default().bold())
    .literal(AnsiColor::Green.on_default().bold())
    .placeholder(AnsiColor::Cyan.on_default())
    .error(AnsiColor::Red.on_default().bold())
    .valid(AnsiColor::Green.on_default())
    .invalid(AnsiColor::Yellow.on_default());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_is_read_before_parsing() {
        let args = |a: &[&str]| {
            a.iter()
                .map(Into::into)
                .collect::<Vec<std::ffi::OsString>>()
        };
        assert_eq!(ColorWhen::scan(&args(&["r", "current"])), ColorWhen::Auto);
        assert_eq!(
            ColorWhen::scan(&args(&["r", "--color", "always", "current"])),
            ColorWhen::Always
        );
        assert_eq!(
            ColorWhen::scan(&args(&["r", "current", "--color=never"])),
            ColorWhen::Never
        );
    }
}
