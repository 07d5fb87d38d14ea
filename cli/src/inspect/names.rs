//! Rust names for what `inspect` writes: a struct per table (singular, CamelCase), a variant per
//! enum label, numbered when two would collide.

use std::collections::BTreeSet;

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
}
