//! Counting text the way each platform does: small pure functions, one per counting unit or
//! token, so each platform's rules say which unit they use and the tests pin each unit down.
//!
//! - [`chars`]: Unicode code points ("characters" in most docs).
//! - [`utf16_units`]: UTF-16 code units (TikTok, platform-rules §2.3): an emoji outside the Basic
//!   Multilingual Plane counts 2.
//! - [`threads_length`]: Threads' rule (§4): characters, with every emoji code point counted as
//!   its UTF-8 byte length.
//! - [`hashtags`], [`mentions`], [`links`] and [`unique_links`]: the tokens platforms cap.

/// Unicode code points.
pub fn chars(text: &str) -> usize {
    text.chars().count()
}

/// UTF-16 code units, as JavaScript's `length` counts: 1 per BMP character, 2 per character
/// outside it (most emoji).
pub fn utf16_units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Threads' length (TH-POSTS: "emoji counted as their UTF-8 byte length"): 1 per character,
/// except that each code point of an emoji counts its UTF-8 length. A whole emoji sequence
/// therefore counts its UTF-8 length: 👋 = 4, ❤️ (U+2764 U+FE0F) = 6, 👍🏽 = 8, 🇫🇷 = 8,
/// 1️⃣ = 7, 👨‍👩‍👧 = 18.
///
/// What is an emoji code point:
/// - every code point of U+1F000–U+1FAFF (all emoji blocks outside the BMP, regional
///   indicators and skin-tone modifiers included; the few non-emoji symbols there, such as
///   mahjong tiles, are 4 bytes anyway and rare);
/// - BMP code points with the Unicode `Emoji` property ([`BMP_EMOJI`], from emoji-data.txt):
///   these are 2–3 bytes and otherwise count 1, so they are listed exactly rather than by
///   block, to avoid counting text symbols such as ✓ or ♪ as emoji;
/// - any character followed by U+FE0F (emoji presentation) or U+20E3 (keycap), since the
///   selector makes it an emoji (©️, #️⃣);
/// - emoji components that continue an emoji: ZWJ U+200D, variation selectors U+FE0E/U+FE0F,
///   the keycap U+20E3 and tag characters U+E0020–U+E007F (subdivision flags). A ZWJ outside an
///   emoji (Indic scripts use it) counts 1.
pub fn threads_length(text: &str) -> usize {
    let chars: Vec<char> = text.chars().collect();
    let mut total = 0;
    let mut in_emoji = false;
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let emoji = if is_emoji_component(c) {
            in_emoji
        } else {
            is_emoji(c) || matches!(next, Some('\u{FE0F}' | '\u{20E3}'))
        };
        total += if emoji { c.len_utf8() } else { 1 };
        in_emoji = emoji;
    }
    total
}

fn is_emoji(c: char) -> bool {
    let cp = u32::from(c);
    (0x1F000..=0x1FAFF).contains(&cp)
        || BMP_EMOJI
            .binary_search_by(|&(lo, hi)| {
                if hi < cp {
                    std::cmp::Ordering::Less
                } else if lo > cp {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
}

fn is_emoji_component(c: char) -> bool {
    matches!(
        c,
        '\u{200D}' | '\u{FE0E}' | '\u{FE0F}' | '\u{20E3}' | '\u{E0020}'..='\u{E007F}'
    )
}

/// BMP code points with `Emoji=Yes` (Unicode emoji-data.txt), without `#`, `*` and the digits
/// (emoji only inside keycap sequences, where the keycap marks them). Sorted, for binary search.
pub const BMP_EMOJI: &[(u32, u32)] = &[
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2194, 0x2199),
    (0x21A9, 0x21AA),
    (0x231A, 0x231B),
    (0x2328, 0x2328),
    (0x23CF, 0x23CF),
    (0x23E9, 0x23F3),
    (0x23F8, 0x23FA),
    (0x24C2, 0x24C2),
    (0x25AA, 0x25AB),
    (0x25B6, 0x25B6),
    (0x25C0, 0x25C0),
    (0x25FB, 0x25FE),
    (0x2600, 0x2604),
    (0x260E, 0x260E),
    (0x2611, 0x2611),
    (0x2614, 0x2615),
    (0x2618, 0x2618),
    (0x261D, 0x261D),
    (0x2620, 0x2620),
    (0x2622, 0x2623),
    (0x2626, 0x2626),
    (0x262A, 0x262A),
    (0x262E, 0x262F),
    (0x2638, 0x263A),
    (0x2640, 0x2640),
    (0x2642, 0x2642),
    (0x2648, 0x2653),
    (0x265F, 0x2660),
    (0x2663, 0x2663),
    (0x2665, 0x2666),
    (0x2668, 0x2668),
    (0x267B, 0x267B),
    (0x267E, 0x267F),
    (0x2692, 0x2697),
    (0x2699, 0x2699),
    (0x269B, 0x269C),
    (0x26A0, 0x26A1),
    (0x26A7, 0x26A7),
    (0x26AA, 0x26AB),
    (0x26B0, 0x26B1),
    (0x26BD, 0x26BE),
    (0x26C4, 0x26C5),
    (0x26C8, 0x26C8),
    (0x26CE, 0x26CF),
    (0x26D1, 0x26D1),
    (0x26D3, 0x26D4),
    (0x26E9, 0x26EA),
    (0x26F0, 0x26F5),
    (0x26F7, 0x26FA),
    (0x26FD, 0x26FD),
    (0x2702, 0x2702),
    (0x2705, 0x2705),
    (0x2708, 0x270D),
    (0x270F, 0x270F),
    (0x2712, 0x2712),
    (0x2714, 0x2714),
    (0x2716, 0x2716),
    (0x271D, 0x271D),
    (0x2721, 0x2721),
    (0x2728, 0x2728),
    (0x2733, 0x2734),
    (0x2744, 0x2744),
    (0x2747, 0x2747),
    (0x274C, 0x274C),
    (0x274E, 0x274E),
    (0x2753, 0x2755),
    (0x2757, 0x2757),
    (0x2763, 0x2764),
    (0x2795, 0x2797),
    (0x27A1, 0x27A1),
    (0x27B0, 0x27B0),
    (0x27BF, 0x27BF),
    (0x2934, 0x2935),
    (0x2B05, 0x2B07),
    (0x2B1B, 0x2B1C),
    (0x2B50, 0x2B50),
    (0x2B55, 0x2B55),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3297),
    (0x3299, 0x3299),
];

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `#word` hashtags, in order, repeats included (the platforms' caps count tags written). A
/// `#` counts only at the start or after a non-word character (`C#` and URL fragments are not
/// tags), and a tag of digits only (`#1`) is not one, as in the apps. Tags inside links are
/// skipped.
pub fn hashtags(text: &str) -> Vec<&str> {
    tokens(text, '#', is_word)
        .into_iter()
        .filter(|tag| tag.chars().skip(1).any(|c| !c.is_ascii_digit()))
        .collect()
}

/// `@name` mentions, in order, repeats included. Names are Instagram/Threads/TikTok usernames:
/// letters, digits, `.` and `_`, not ending in `.`. An `@` after a word character (an e-mail
/// address) or inside a link is not a mention.
pub fn mentions(text: &str) -> Vec<&str> {
    tokens(text, '@', |c| {
        c.is_ascii_alphanumeric() || c == '.' || c == '_'
    })
    .into_iter()
    .map(|m| m.trim_end_matches('.'))
    .filter(|m| m.len() > 1)
    .collect()
}

/// Finds `sigil` + a run of `part` characters, outside links, where the sigil does not follow
/// a word character.
fn tokens(text: &str, sigil: char, part: fn(char) -> bool) -> Vec<&str> {
    let link_ranges = link_ranges(text);
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let after_word = prev.is_some_and(is_word);
        prev = Some(c);
        if c != sigil || after_word || link_ranges.iter().any(|r| r.contains(&i)) {
            continue;
        }
        let rest = &text[i + c.len_utf8()..];
        let len: usize = rest
            .chars()
            .take_while(|&c| part(c))
            .map(char::len_utf8)
            .sum();
        if len > 0 {
            out.push(&text[i..i + c.len_utf8() + len]);
        }
    }
    out
}

/// `http://` and `https://` URLs, in order, as written (trailing punctuation such as a full
/// stop or a closing bracket that is not part of the URL is left out).
pub fn links(text: &str) -> Vec<&str> {
    link_ranges(text).into_iter().map(|r| &text[r]).collect()
}

fn link_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = lower[from..].find("http") {
        let start = from + found;
        from = start + 4;
        let scheme = ["https://", "http://"]
            .into_iter()
            .find(|s| lower[start..].starts_with(s));
        let (Some(scheme), true) = (
            scheme,
            !text[..start].chars().next_back().is_some_and(is_word),
        ) else {
            continue;
        };
        let body_start = start + scheme.len();
        let body_len: usize = text[body_start..]
            .chars()
            .take_while(|&c| !c.is_whitespace() && !matches!(c, '<' | '>' | '"'))
            .map(char::len_utf8)
            .sum();
        let url = trim_url(&text[start..body_start + body_len]);
        if url.len() > scheme.len() {
            out.push(start..start + url.len());
            from = start + url.len();
        }
    }
    out
}

/// Drops trailing punctuation and closing brackets that the URL does not open.
fn trim_url(mut url: &str) -> &str {
    loop {
        let Some(last) = url.chars().next_back() else {
            return url;
        };
        let unbalanced = |open: char, close: char| {
            last == close && url.matches(open).count() < url.matches(close).count()
        };
        let trailing_punct = matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*');
        if trailing_punct || unbalanced('(', ')') || unbalanced('[', ']') || unbalanced('{', '}') {
            url = &url[..url.len() - last.len_utf8()];
        } else {
            return url;
        }
    }
}

/// Whether a whole value is one `http://` or `https://` URL (an option such as a link to share).
pub fn is_http_url(value: &str) -> bool {
    let lower = value.trim().to_ascii_lowercase();
    ["https://", "http://"].iter().any(|scheme| {
        lower
            .strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
    })
}

/// Distinct links, in order of first appearance. Two links are the same when they differ only
/// in the case of the scheme and host or in a trailing `/` (`https://Example.com/` and
/// `https://example.com` are one link).
pub fn unique_links<'a>(links: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = std::collections::HashSet::new();
    links
        .into_iter()
        .filter(|link| seen.insert(link_key(link)))
        .collect()
}

fn link_key(link: &str) -> String {
    let (scheme, rest) = link.split_once("://").unwrap_or(("", link));
    let (host, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    format!(
        "{}://{}{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase(),
        path.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_units() {
        // (text, code points, UTF-16 units, Threads length)
        let cases = [
            ("", 0, 0, 0),
            ("hello", 5, 5, 5),
            ("café", 4, 4, 4),
            ("日本語", 3, 3, 3),
            ("👋", 1, 2, 4),
            ("❤️", 2, 2, 6),  // U+2764 U+FE0F
            ("❤", 1, 1, 3),   // U+2764 alone is still an emoji
            ("👍🏽", 2, 4, 8),  // skin-tone modifier
            ("👨‍👩‍👧", 5, 8, 18), // ZWJ sequence
            ("🇫🇷", 2, 4, 8),  // regional indicators
            ("1️⃣", 3, 3, 7),  // keycap: '1' U+FE0F U+20E3
            ("#⃣", 2, 2, 4),   // keycap without the selector
            ("©", 1, 1, 2),   // Emoji=Yes, 2 bytes
            ("©️", 2, 2, 5),
            ("✓ ♪", 3, 3, 3), // text symbols, not emoji
            (
                "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
                7,
                14,
                28,
            ), // Scotland
            ("क्\u{200D}ष", 4, 4, 4), // ZWJ in Devanagari counts 1
            ("Hi 👋 there", 10, 11, 13),
        ];
        for (text, cps, utf16, threads) in cases {
            assert_eq!(chars(text), cps, "chars({text:?})");
            assert_eq!(utf16_units(text), utf16, "utf16_units({text:?})");
            assert_eq!(threads_length(text), threads, "threads_length({text:?})");
        }
    }

    #[test]
    fn emoji_table_is_sorted_for_binary_search() {
        assert!(BMP_EMOJI.windows(2).all(|w| w[0].1 < w[1].0));
        assert!(BMP_EMOJI.iter().all(|(lo, hi)| lo <= hi));
    }

    #[test]
    fn finds_hashtags() {
        let cases: [(&str, &[&str]); 8] = [
            ("#launch day #new_in", &["#launch", "#new_in"]),
            ("#été #日本", &["#été", "#日本"]),
            ("C# and F#", &[]),
            ("we're #1 #2026goals", &["#2026goals"]),
            ("a#b", &[]),
            ("#a #a #a", &["#a", "#a", "#a"]),
            ("see https://x.com/#section #real", &["#real"]),
            ("(#tag).", &["#tag"]),
        ];
        for (text, want) in cases {
            assert_eq!(hashtags(text), want, "{text:?}");
        }
    }

    #[test]
    fn finds_mentions() {
        let cases: [(&str, &[&str]); 6] = [
            (
                "thanks @acme.studio and @bob_1!",
                &["@acme.studio", "@bob_1"],
            ),
            ("mail me at hi@acme.com", &[]),
            ("ends with @acme.", &["@acme"]),
            ("@ alone", &[]),
            ("https://medium.com/@acme/post", &[]),
            ("@a@b", &["@a"]),
        ];
        for (text, want) in cases {
            assert_eq!(mentions(text), want, "{text:?}");
        }
    }

    #[test]
    fn finds_links() {
        let cases: [(&str, &[&str]); 7] = [
            ("see https://acme.com.", &["https://acme.com"]),
            (
                "(https://en.wikipedia.org/wiki/Foo_(bar)) ok",
                &["https://en.wikipedia.org/wiki/Foo_(bar)"],
            ),
            (
                "HTTP://ACME.COM/x, http://b.io",
                &["HTTP://ACME.COM/x", "http://b.io"],
            ),
            ("no scheme: acme.com, ftp://x", &[]),
            ("https:// alone", &[]),
            ("xhttps://not.a.link", &[]),
            (
                "two:https://a.io/1\nhttps://a.io/2",
                &["https://a.io/1", "https://a.io/2"],
            ),
        ];
        for (text, want) in cases {
            assert_eq!(links(text), want, "{text:?}");
        }
    }

    #[test]
    fn recognises_a_url_value() {
        assert!(is_http_url("https://acme.com/launch"));
        assert!(is_http_url(" HTTP://acme.com "));
        for not in ["acme.com", "https://", "ftp://acme.com", "https://a b"] {
            assert!(!is_http_url(not), "{not}");
        }
    }

    #[test]
    fn dedupes_links() {
        let links = [
            "https://Acme.com/",
            "https://acme.com",
            "https://acme.com/Shop",
            "https://acme.com/shop",
        ];
        assert_eq!(
            unique_links(links),
            [
                "https://Acme.com/",
                "https://acme.com/Shop",
                "https://acme.com/shop"
            ]
        );
    }
}
