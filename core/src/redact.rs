//! Hiding passwords in database URLs before they are shown.
//!
//! A password can sit in three places, and all three are masked as `***`:
//!
//! - the user info of a URL: `postgres://user:PASSWORD@host/db`;
//! - a query parameter whose name contains `password`, in any case and percent-encoded or not:
//!   `postgres://user@host/db?password=PASSWORD` (and `sslpassword=`);
//! - a key/value connection string, which libpq accepts: `host=db password=PASSWORD` or
//!   `password = 'PASS WORD'`. Retort itself takes only `postgres://` URLs, but such a string
//!   can reach a message (an invalid `--database-url`), so it is masked there too.
//!
//! Everything that shows a URL goes through [`url`]; `init` and `hook install` use
//! [`has_password`] to keep such a URL out of the files they write, and the CLI removes every
//! [`passwords`] value from an error before printing it, in case a driver echoes one.

use std::ops::Range;

/// `text` (a URL or a key/value connection string) with every password replaced by `***`, and
/// control characters escaped ([`crate::shown::line`]): ready to be shown.
pub fn url(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for span in secret_spans(text) {
        out.push_str(&text[last..span.start]);
        out.push_str("***");
        last = span.end;
    }
    out.push_str(&text[last..]);
    crate::shown::line(&out).into_owned()
}

/// Whether `text` (a URL or a key/value connection string) holds a non-empty password.
pub fn has_password(text: &str) -> bool {
    !secret_spans(text).is_empty()
}

/// The passwords in `text`, as written and percent-decoded, for removing them from messages
/// that quote them.
pub fn passwords(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for span in secret_spans(text) {
        let raw = &text[span];
        let decoded = percent_decode(raw);
        if decoded != raw {
            found.push(decoded);
        }
        found.push(raw.to_owned());
    }
    found
}

/// `message` with every occurrence of a password of `url` replaced by `***`. Passwords
/// shorter than four characters are left alone: replacing them would garble the message
/// without protecting much.
pub fn scrub(message: &str, url: &str) -> String {
    let mut message = message.to_owned();
    let mut secrets = passwords(url);
    // Longest first, so a password containing another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in secrets.iter().filter(|s| s.chars().count() >= 4) {
        message = message.replace(secret.as_str(), "***");
    }
    message
}

/// Why libpq would read the user info of URL `text` differently from what it seems to say, so
/// that part of a password would end up as a host, a port or a database name (and be printed
/// in libpq's messages), or `None`. The reason never quotes the URL.
pub fn ambiguous_user_info(text: &str) -> Option<&'static str> {
    let start = text.find("://")? + 3;
    let rest = &text[start..];
    let before_query = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    let slash = before_query.find('/');
    match before_query.matches('@').count() {
        0 => {}
        1 if slash.is_some_and(|s| s < before_query.find('@').unwrap_or(0)) => {
            return Some(
                "a `/` comes before its `@`, so libpq would end the host there; percent-encode `/` as %2F in a user name or password",
            )
        }
        1 => return None,
        _ => {
            return Some(
                "it holds more than one `@` before its query, and libpq ends the user name and password at the first; percent-encode `@` as %40 in a user name or password",
            )
        }
    }
    let host_port = &before_query[..slash.unwrap_or(before_query.len())];
    (!bad_port_spans(host_port, start).is_empty()).then_some(
        "the part after `:` in its host is not a port number; write a password as postgres://USER:PASSWORD@HOST/DB",
    )
}

/// The ports of `host_port` (`HOST[:PORT][,HOST[:PORT]...]`, no user info, starting at byte
/// `offset` of its URL) that are not numbers: libpq would take `USER:PASSWORD` without `@HOST`
/// for a host and a port, so such a "port" is masked as a password.
fn bad_port_spans(host_port: &str, offset: usize) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut pos = offset;
    for piece in host_port.split(',') {
        // An IPv6 address in brackets holds colons of its own.
        let after_host = piece.rfind(']').map_or(0, |i| i + 1);
        if let Some(colon) = piece[after_host..].find(':').map(|i| after_host + i) {
            let port = &piece[colon + 1..];
            if !port.bytes().all(|b| b.is_ascii_digit()) {
                spans.push(pos + colon + 1..pos + piece.len());
            }
        }
        pos += piece.len() + 1;
    }
    spans
}

/// Byte ranges of the non-empty password values in `text`, in order, not overlapping.
fn secret_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans = match text.find("://") {
        Some(scheme_end) => url_spans(text, scheme_end + 3),
        None => key_value_spans(text),
    };
    spans.retain(|s| !s.is_empty());
    spans.sort_by_key(|s| s.start);
    spans.dedup_by(|later, earlier| later.start < earlier.end);
    spans
}

/// The user info's password and the password parameters of a URL whose authority starts at
/// `start`.
fn url_spans(text: &str, start: usize) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    // The user info ends at the last `@` before the query, or (a password holding an
    // unencoded `?`) before the first `/`. Masking too much beats showing part of a password.
    let rest = &text[start..];
    let before = |c: char| &rest[..rest.find(c).unwrap_or(rest.len())];
    let at = before('?').rfind('@').or_else(|| before('/').rfind('@'));
    let mut query_from = start;
    if let Some(at) = at.map(|i| start + i) {
        if let Some(colon) = text[start..at].find(':') {
            spans.push(start + colon + 1..at);
        }
        query_from = at + 1;
    } else {
        let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        spans.extend(bad_port_spans(&rest[..host_end], start));
    }
    let Some(question) = text[query_from..].find('?').map(|i| query_from + i) else {
        return spans;
    };
    let query_end = text[question..]
        .find('#')
        .map_or(text.len(), |i| question + i);
    let mut pos = question + 1;
    for pair in text[question + 1..query_end].split('&') {
        if let Some((key, _)) = pair.split_once('=') {
            if is_password_key(&percent_decode(key)) {
                spans.push(pos + key.len() + 1..pos + pair.len());
            }
        }
        pos += pair.len() + 1;
    }
    spans
}

/// Password values of a key/value connection string (`key = value` pairs separated by
/// whitespace, values optionally in single quotes with backslash escapes). Unparsable text is
/// masked from the first password key on.
fn key_value_spans(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    let skip_spaces = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    loop {
        i = skip_spaces(i);
        if i >= bytes.len() {
            return spans;
        }
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &text[key_start..i];
        i = skip_spaces(i);
        if i >= bytes.len() || bytes[i] != b'=' {
            // Not a connection string after all: hide whatever follows a password key.
            if let Some(from) = text.to_ascii_lowercase()[key_start..].find("password") {
                spans.push(key_start + from + "password".len()..text.len());
            }
            return spans;
        }
        i = skip_spaces(i + 1);
        let value = if bytes.get(i) == Some(&b'\'') {
            let start = i + 1;
            i = start;
            while i < bytes.len() && bytes[i] != b'\'' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            let value = start..i.min(bytes.len());
            i += 1;
            value
        } else {
            let start = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = i.min(bytes.len());
            start..i
        };
        if is_password_key(key) {
            spans.push(value);
        }
    }
}

fn is_password_key(key: &str) -> bool {
    key.to_ascii_lowercase().contains("password")
}

/// `%XX` escapes decoded (invalid ones left as they are; invalid UTF-8 replaced).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = || std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok();
        match hex().and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(b) if bytes[i] == b'%' => {
                out.push(b);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_passwords_are_masked() {
        assert_eq!(
            url("postgres://me:secret@db.example:5432/app"),
            "postgres://me:***@db.example:5432/app"
        );
        // Unencoded `@`, `/` and `?` in a password: still masked whole.
        assert_eq!(url("postgres://me:p@ss@db/app"), "postgres://me:***@db/app");
        assert_eq!(url("postgres://me:p/ss@db/app"), "postgres://me:***@db/app");
        assert_eq!(
            url("postgres://me:p?ss@db/app?password=x"),
            "postgres://me:***@db/app?password=***"
        );
        assert_eq!(
            url("postgres://me@db/app?password=a@b"),
            "postgres://me@db/app?password=***"
        );
        assert_eq!(url("postgres://me@db/app"), "postgres://me@db/app");
        // No `@`: libpq would read `me:secret` as a host and a port; a "port" that is not a
        // number is masked.
        assert_eq!(url("postgres://me:secret/app"), "postgres://me:***/app");
        assert_eq!(
            url("postgres://db:5432,[::1]:x/app"),
            "postgres://db:5432,[::1]:***/app"
        );
        assert_eq!(
            url("postgres://[::1]:5432/app"),
            "postgres://[::1]:5432/app"
        );
        assert_eq!(passwords("postgres://u:S3cr3t?x=1"), ["S3cr3t"]);
        assert_eq!(url("postgres://me:@db/app"), "postgres://me:@db/app");
        assert_eq!(url("sqlite://retort.db"), "sqlite://retort.db");
        assert!(!has_password("postgres://me@db/app"));
        assert!(has_password("postgres://me:secret@db/app"));
    }

    #[test]
    fn urls_libpq_would_split_elsewhere_are_ambiguous() {
        for url in [
            "postgres://u:a@b@host/db",
            "postgres://u:a/b@host/db",
            "postgres://u:secret/db",
            "postgres://u:secret",
        ] {
            assert!(ambiguous_user_info(url).is_some(), "{url}");
        }
        for url in [
            "postgres://u:a%40b@host/db",
            "postgres://u@host:5432/db?password=a@b",
            "postgres://host/db",
            "postgres://[::1]:5432,h2:6543/db",
            "postgresql://",
        ] {
            assert_eq!(ambiguous_user_info(url), None, "{url}");
        }
    }

    #[test]
    fn password_parameters_are_masked_in_any_case_and_encoding() {
        assert_eq!(
            url("postgres://u@host/db?password=secret"),
            "postgres://u@host/db?password=***"
        );
        assert_eq!(
            url("postgres://u@host/db?sslmode=disable&PassWord=se%40cret&application_name=x"),
            "postgres://u@host/db?sslmode=disable&PassWord=***&application_name=x"
        );
        assert_eq!(
            url("postgresql://host?%70assword=secret#frag"),
            "postgresql://host?%70assword=***#frag"
        );
        assert_eq!(
            url("postgres://u:one@host/db?sslpassword=two"),
            "postgres://u:***@host/db?sslpassword=***"
        );
        assert!(has_password("postgres://u@host/db?password=secret"));
        assert!(!has_password("postgres://u@host/db?password="));
        assert_eq!(
            passwords("postgres://u@host/db?password=se%40cret"),
            ["se@cret", "se%40cret"]
        );
    }

    #[test]
    fn key_value_connection_strings_are_masked() {
        assert_eq!(
            url("host=db user=me password=secret dbname=app"),
            "host=db user=me password=*** dbname=app"
        );
        assert_eq!(
            url("host=db PASSWORD = 'se cr\\'et' dbname=app"),
            "host=db PASSWORD = '***' dbname=app"
        );
        assert_eq!(url("password=secret"), "password=***");
        assert_eq!(url("host=db password secret"), "host=db password***");
        assert_eq!(url("host=db password=''"), "host=db password=''");
        assert!(has_password("host=db password=secret"));
        assert!(!has_password("host=db dbname=app"));
    }

    #[test]
    fn messages_lose_the_passwords_of_a_url() {
        let url = "postgres://u:hunter22@host/db?password=se%40cret";
        assert_eq!(
            scrub("bad token \"hunter22\", or se@cret, or se%40cret", url),
            "bad token \"***\", or ***, or ***"
        );
        assert_eq!(
            scrub("a b c", "postgres://u:a@h/db"),
            "a b c",
            "short passwords are left alone"
        );
    }
}
