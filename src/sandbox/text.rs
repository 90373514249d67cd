//! Counting text the way the platforms count it: hashtags, @-mentions, links, and Threads'
//! length unit (emoji count as their UTF-8 byte length, docs/platform-rules.md §4 "Text").
//!
//! # Assumptions
//! - Instagram's caption unit is unstated (docs/platform-rules.md §1.2 note); the sandbox counts
//!   Unicode scalar values.
//! - "Emoji" means a scalar in the usual emoji blocks (pictographs, symbols, dingbats, regional
//!   indicators, variation selector 16, ZWJ); a heuristic, not the full Unicode emoji data.

/// `#tag` occurrences: `#` followed by at least one letter, digit or underscore.
pub(crate) fn hashtags(text: &str) -> usize {
    prefixed(text, '#', |c| c.is_alphanumeric() || c == '_')
}

/// `@name` occurrences.
pub(crate) fn mentions(text: &str) -> usize {
    prefixed(text, '@', |c| {
        c.is_ascii_alphanumeric() || c == '_' || c == '.'
    })
}

fn prefixed(text: &str, sigil: char, body: impl Fn(char) -> bool) -> usize {
    let chars: Vec<char> = text.chars().collect();
    let mut n = 0;
    for (i, c) in chars.iter().enumerate() {
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if *c == sigil && starts_word && chars.get(i + 1).is_some_and(|c| body(*c)) {
            n += 1;
        }
    }
    n
}

/// `http://` and `https://` links in the text, deduplicated, in order.
pub(crate) fn links(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if let Some(start) = lower.find("http://").or_else(|| lower.find("https://")) {
            let link =
                word[start..].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '"', '\'']);
            if !out.iter().any(|l| l == link) {
                out.push(link.to_owned());
            }
        }
    }
    out
}

fn is_emoji(c: char) -> bool {
    matches!(u32::from(c),
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2300..=0x23FF | 0x2B00..=0x2BFF | 0xFE0F | 0x200D | 0xE0020..=0xE007F)
}

/// Threads' length: 1 per character, emoji counted as their UTF-8 byte length.
pub(crate) fn threads_length(text: &str) -> usize {
    text.chars()
        .map(|c| if is_emoji(c) { c.len_utf8() } else { 1 })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashtags_and_mentions() {
        for (text, tags, ats) in [
            ("#a #b #c", 3, 0),
            ("x#notatag # alone ##double", 1, 0),
            ("@acme and @b.c, mail me@example.com", 0, 2),
            ("#café @x_y", 1, 1),
        ] {
            assert_eq!((hashtags(text), mentions(text)), (tags, ats), "{text}");
        }
    }

    #[test]
    fn links_are_found_and_deduplicated() {
        assert_eq!(
            links("see https://a.example/x, and http://b.example. again https://a.example/x"),
            ["https://a.example/x", "http://b.example"]
        );
    }

    #[test]
    fn threads_counts_emoji_as_utf8_bytes() {
        assert_eq!(threads_length("hello"), 5);
        assert_eq!(threads_length("é"), 1);
        assert_eq!(threads_length("😀"), 4);
        assert_eq!(threads_length("❤\u{FE0F}"), 3 + 3);
    }
}
