//! Text from migrations (messages, dates, paths, scripts) printed to a terminal: control
//! characters are escaped, so a message cannot move the cursor, retitle the window, clear the
//! screen, reverse the text or start a line of its own that looks like Retort's output.

use std::borrow::Cow;

/// Whether `c` could change what the terminal shows beyond printing a glyph: C0/C1 controls
/// (escape sequences, newlines, bells) and invisible formatting (bidirectional overrides,
/// zero-width characters).
fn hostile(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

fn escape_where(text: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escape(c) {
            // `\n`, `\r`, `\t`, or `\u{1b}`: how Rust writes the character.
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line of text (a message, a date, a path): every control character escaped.
pub(crate) fn line(text: &str) -> Cow<'_, str> {
    escape_where(text, hostile)
}

/// A script shown as it is: line breaks (`\n`, `\r\n`) and tabs kept, every other control
/// character escaped.
pub(crate) fn block(text: &str) -> Cow<'_, str> {
    let kept = |c: char| c == '\n' || c == '\t';
    if !text.chars().any(|c| hostile(c) && !kept(c)) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<String> = text
        .split('\n')
        .map(|l| {
            let (body, cr) = l.strip_suffix('\r').map_or((l, ""), |b| (b, "\r"));
            format!("{}{cr}", escape_where(body, |c| hostile(c) && !kept(c)))
        })
        .collect();
    Cow::Owned(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_act_on() {
        assert!(matches!(line("add users"), Cow::Borrowed("add users")));
        assert_eq!(line("caf\u{e9} \\ \"q\""), "caf\u{e9} \\ \"q\"");
        assert_eq!(
            line("a\u{1b}[2Jb\nApplied x\r\u{7}\u{202e}\u{200b}\u{9b}"),
            "a\\u{1b}[2Jb\\nApplied x\\r\\u{7}\\u{202e}\\u{200b}\\u{9b}"
        );
        assert_eq!(
            block("SELECT 1;\r\n\tSELECT '\u{1b}';\rX\n"),
            "SELECT 1;\r\n\tSELECT '\\u{1b}';\\rX\n"
        );
    }
}
