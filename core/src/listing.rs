//! Long lists in messages: the first few items and how many more, so an error about 285
//! unknown versions stays one readable line.

use std::fmt::Display;

/// How many items a message lists before "and N more".
pub const SHOWN: usize = 5;

/// `items` joined by `, `: all of them when there are at most `shown`, else the first `shown`
/// followed by `and N more` (`a, b, c and 282 more`).
pub fn first_few<T: Display>(items: &[T], shown: usize) -> String {
    let listed: Vec<String> = items.iter().take(shown).map(ToString::to_string).collect();
    match items.len().saturating_sub(shown) {
        0 => listed.join(", "),
        more => format!("{} and {more} more", listed.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_the_first_few_and_counts_the_rest() {
        assert_eq!(first_few::<&str>(&[], 3), "");
        assert_eq!(first_few(&["a", "b", "c"], 3), "a, b, c");
        assert_eq!(
            first_few(&["a", "b", "c", "d", "e"], 3),
            "a, b, c and 2 more"
        );
        let many: Vec<u32> = (1..=285).collect();
        assert_eq!(first_few(&many, SHOWN), "1, 2, 3, 4, 5 and 280 more");
    }
}
