//! Text from outside (revision messages, paths, directory names, URLs, targets) as shown in
//! messages and listings: control characters are escaped, so a name cannot move the cursor,
//! retitle the window, clear the screen, reverse the text or start a line of its own that
//! looks like Retort's output. Bytes that are not UTF-8 (in a file name) show as `\xNN`.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::path::Path;

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
pub fn line(text: &str) -> Cow<'_, str> {
    escape_where(text, hostile)
}

/// A script shown as it is: line breaks (`\n`, `\r\n`) and tabs kept, every other control
/// character escaped.
pub fn block(text: &str) -> Cow<'_, str> {
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

/// A file name or other OS string: control characters escaped, and each byte that is not part
/// of valid UTF-8 written `\xNN`.
pub fn os_str(text: &OsStr) -> String {
    let mut out = String::new();
    for chunk in text.as_encoded_bytes().utf8_chunks() {
        out.push_str(&line(chunk.valid()));
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out
}

/// A path, as [`os_str`] shows it.
pub fn path(path: &Path) -> String {
    os_str(path.as_os_str())
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

    #[test]
    #[cfg(unix)]
    fn shows_bytes_that_are_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        assert_eq!(
            os_str(OsStr::from_bytes(b"2026-a\xff\xfeb\x1b[2J")),
            "2026-a\\xff\\xfeb\\u{1b}[2J"
        );
        assert_eq!(path(Path::new("migrations/x")), "migrations/x");
    }
}
