//! Rust names for what `inspect` writes: a struct per table (singular, CamelCase), a variant per
//! enum label, a field per column (snake case, raw where a keyword), numbered when two would
//! collide; and a table or column name as `references = "..."` takes it.

use std::collections::BTreeSet;

use quote::format_ident;

/// The struct's name: the table's name, singular, in CamelCase (`user_roles` -> `UserRole`,
/// `spatial_ref_sys` -> `SpatialRefSys`).
pub(super) fn struct_name(table: &str) -> String {
    struct_name_of(&singular(table))
}

/// `name` in CamelCase (`in_progress` -> `InProgress`, `so-so` -> `SoSo`).
pub(super) fn struct_name_of(name: &str) -> String {
    let mut out = String::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Table");
    }
    out
}

/// Words that end in `s` and are singular (or the same in both numbers).
const SINGULAR: &[&str] = &["sys", "news", "series", "species", "alias", "canvas", "gas"];

/// The name with its last word singular, by a few fixed English rules (deterministic, no
/// dictionary): a word ending in `ss`, `us` or `is` (`address`, `status`, `analysis`) or one of
/// [`SINGULAR`] stays; `-ies` -> `-y`; `-sses`, `-xes`, `-ches`, `-shes`, and `-uses` after a
/// consonant (`statuses`, `bonuses`) lose `-es`; otherwise a final `s` goes.
pub(super) fn singular(name: &str) -> String {
    let start = name
        .rfind(|c: char| !c.is_ascii_alphanumeric())
        .map_or(0, |i| i + 1);
    let (head, word) = name.split_at(start);
    let lower = word.to_ascii_lowercase();
    let keep = |n: usize| format!("{head}{}", &word[..word.len() - n]);
    if !lower.ends_with('s')
        || SINGULAR.contains(&lower.as_str())
        || ["ss", "us", "is"].iter().any(|end| lower.ends_with(end))
    {
        name.to_owned()
    } else if lower.ends_with("ies") && lower.len() > 4 {
        format!("{}y", keep(3))
    } else if ["sses", "xes", "ches", "shes"]
        .iter()
        .any(|end| lower.ends_with(end))
        || (lower.ends_with("uses")
            && lower[..lower.len() - 4]
                .chars()
                .last()
                .is_some_and(|c| !"aeiou".contains(c)))
    {
        keep(2)
    } else {
        keep(1)
    }
}

/// `name`, or `name2`, `name3`... when taken.
pub(super) fn unique_name(name: String, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{name}{n}");
        n += 1;
    }
    candidate
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "gen", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// The field for a column, and whether it needs `column = "..."` (its name is not a plain
/// Rust identifier). Keywords become raw identifiers, which keep the column's name.
pub(super) fn field_ident(column: &str, taken: &mut BTreeSet<String>) -> (syn::Ident, bool) {
    let plain = !column.is_empty()
        && column
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !column.starts_with(|c: char| c.is_ascii_digit())
        && !matches!(column, "self" | "super" | "crate" | "_" | "Self");
    if plain && taken.insert(column.to_owned()) {
        let ident = if KEYWORDS.contains(&column) {
            syn::Ident::new_raw(column, proc_macro2::Span::call_site())
        } else {
            format_ident!("{}", column)
        };
        return (ident, false);
    }
    // snake_case: `LastName` -> `last_name`, `Last Name` -> `last_name`.
    let mut name = String::new();
    let mut previous_lower = false;
    for c in column.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            name.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        name.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        });
    }
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "column_");
    }
    if KEYWORDS.contains(&name.as_str())
        || matches!(name.as_str(), "self" | "super" | "crate" | "_")
    {
        name.push('_');
    }
    let name = unique_name(name, taken);
    (format_ident!("{}", name), true)
}

/// A name as `references = "..."` takes it: as it is when it is letters, digits and `_` (not
/// starting with a digit), else in double quotes (`""` for a quote inside).
pub(super) fn model_name(name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_names_are_singular_camel_case() {
        for (table, expected) in [
            ("users", "User"),
            ("user_roles", "UserRole"),
            ("categories", "Category"),
            ("addresses", "Address"),
            ("status", "Status"),
            ("statuses", "Status"),
            ("bonuses", "Bonus"),
            ("houses", "House"),
            ("crates_keywords", "CratesKeyword"),
            ("spatial_ref_sys", "SpatialRefSys"),
            ("analysis", "Analysis"),
            ("access", "Access"),
            ("days", "Day"),
            ("boxes", "Box"),
            ("batches", "Batch"),
            ("news", "News"),
            ("data", "Data"),
            ("ties", "Tie"),
            ("9lives", "Table9live"),
        ] {
            assert_eq!(struct_name(table), expected, "{table}");
        }
    }

    #[test]
    fn field_names_keep_or_rename_columns() {
        let mut taken = BTreeSet::new();
        let (id, renamed) = field_ident("type", &mut taken);
        assert_eq!((id.to_string(), renamed), ("r#type".into(), false));
        let (id, renamed) = field_ident("Last Name", &mut taken);
        assert_eq!((id.to_string(), renamed), ("last_name".into(), true));
        let (id, renamed) = field_ident("last_name", &mut taken);
        assert_eq!((id.to_string(), renamed), ("last_name2".into(), true));
        let (id, renamed) = field_ident("CreatedAt", &mut taken);
        assert_eq!((id.to_string(), renamed), ("created_at".into(), true));
        let (id, renamed) = field_ident("self", &mut taken);
        assert_eq!((id.to_string(), renamed), ("self_".into(), true));
    }
}
