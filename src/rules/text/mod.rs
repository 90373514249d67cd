//! Counting text the way each platform does: small pure functions, one per counting unit or
//! token, so each platform's rules say which unit they use and the tests pin each unit down.
//!
//! - [`chars`]: Unicode code points ("characters" in most docs).
//! - [`utf16_units`]: UTF-16 code units (TikTok, docs/platform-rules.md §2.3): an emoji outside the
//!   Basic Multilingual Plane counts 2.
//! - [`threads_length`]: Threads' rule (§4): characters, with every emoji code point counted as
//!   its UTF-8 byte length.
//! - [`hashtags`], [`mentions`], [`links`] and [`unique_links`]: the tokens platforms cap.
//!
//! The tokenisers live in [`tokens`].

mod tokens;

pub use tokens::{hashtags, is_http_url, links, mentions, unique_links};

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
    let mut total = 0;
    let mut in_emoji = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let emoji = if c.is_ascii() {
            // Plain ASCII is never an emoji by itself; a keycap (`1️⃣`) starts with one.
            matches!(next, Some('\u{FE0F}' | '\u{20E3}'))
        } else if is_emoji_component(c) {
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
}
