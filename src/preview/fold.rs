//! How each platform cuts a text on screen: where Instagram folds a caption behind "… more",
//! and where a text passes a platform's limit. Pure functions, table-tested.
//!
//! Instagram's feed shows the start of a caption and folds the rest behind "… more": about
//! 125 characters, or two lines when the caption breaks its lines earlier, whichever comes
//! first (Meta's own advice is to put what matters in the first 125 characters; on a phone
//! two lines of the app hold about that much). The preview folds by that rule, in code points
//! (Instagram's counting unit is undocumented, platform-rules §1.2 and §9.18), and says which of the two
//! cut it.

/// The characters Instagram's feed shows before "… more".
pub const INSTAGRAM_FOLD_CHARS: usize = 125;

/// The lines Instagram's feed shows before "… more".
pub const INSTAGRAM_FOLD_LINES: usize = 2;

/// Why a caption is folded where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoldReason {
    /// It fits: nothing is folded.
    Fits,
    /// Cut after [`INSTAGRAM_FOLD_CHARS`] characters.
    Characters,
    /// Cut at the end of the second line (a line break comes before 125 characters).
    Lines,
}

/// A caption split where the feed folds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold<'a> {
    /// What the feed shows.
    pub shown: &'a str,
    /// What "… more" reveals (empty when it fits).
    pub rest: &'a str,
    pub reason: FoldReason,
}

impl FoldReason {
    /// The sentence the preview shows under a folded caption.
    pub fn explain(self) -> &'static str {
        match self {
            Self::Fits => "Shown whole: the caption fits in two lines and 125 characters.",
            Self::Characters => {
                "Folded after 125 characters: Instagram's feed shows about 125 characters, or two \
                 lines if the caption breaks its lines sooner, then \"… more\"."
            }
            Self::Lines => {
                "Folded after the second line: the caption breaks its lines before 125 \
                 characters, and Instagram's feed shows two lines, then \"… more\"."
            }
        }
    }
}

/// Where Instagram's feed folds `caption`.
pub fn instagram(caption: &str) -> Fold<'_> {
    let mut lines = 1;
    for (count, (at, c)) in caption.char_indices().enumerate() {
        if count == INSTAGRAM_FOLD_CHARS {
            return split(caption, at, FoldReason::Characters);
        }
        if c == '\n' {
            if lines == INSTAGRAM_FOLD_LINES {
                return split(caption, at, FoldReason::Lines);
            }
            lines += 1;
        }
    }
    Fold {
        shown: caption,
        rest: "",
        reason: FoldReason::Fits,
    }
}

fn split(caption: &str, at: usize, reason: FoldReason) -> Fold<'_> {
    let (shown, rest) = caption.split_at(at);
    if rest.trim().is_empty() {
        return Fold {
            shown: caption,
            rest: "",
            reason: FoldReason::Fits,
        };
    }
    Fold {
        shown: shown.trim_end(),
        rest: rest.strip_prefix('\n').unwrap_or(rest),
        reason,
    }
}

/// `text` split where `count` of its prefix first passes `limit`: the part within the limit
/// and the part beyond it (empty when the text is within). `count` must grow with the prefix
/// (every platform's counting unit does), so the split point is found by bisection.
pub fn at_limit(text: &str, limit: usize, count: impl Fn(&str) -> usize) -> (&str, &str) {
    if count(text) <= limit {
        return (text, "");
    }
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    // The largest prefix (ending at a char boundary) whose count is within the limit.
    let (mut lo, mut hi) = (0usize, bounds.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let end = bounds.get(mid).copied().unwrap_or(text.len());
        if count(&text[..end]) <= limit {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let end = bounds.get(lo).copied().unwrap_or(text.len());
    text.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::text::{chars, threads_length, utf16_units};

    #[test]
    fn instagram_folds_at_125_characters_or_two_lines() {
        let long = "a".repeat(300);
        let f = instagram(&long);
        assert_eq!((f.shown.len(), f.reason), (125, FoldReason::Characters));
        assert_eq!(f.rest.len(), 175);

        let lines = "First line\nSecond line\nThird line";
        let f = instagram(lines);
        assert_eq!(f.shown, "First line\nSecond line");
        assert_eq!((f.rest, f.reason), ("Third line", FoldReason::Lines));

        let short = "Short caption\nwith two lines";
        assert_eq!(instagram(short).reason, FoldReason::Fits);
        assert_eq!(instagram(short).shown, short);

        // Exactly 125 characters, or a trailing newline, is not folded.
        assert_eq!(instagram(&"é".repeat(125)).reason, FoldReason::Fits);
        assert_eq!(instagram("a\nb\n").reason, FoldReason::Fits);
        // Characters are code points, not bytes.
        let accented = "é".repeat(200);
        let f = instagram(&accented);
        assert_eq!(f.shown.chars().count(), 125);
        // A third line starting after 125 characters: the characters rule cuts first.
        let late = format!("{}\n{}\nend", "b".repeat(130), "c".repeat(5));
        assert_eq!(instagram(&late).reason, FoldReason::Characters);
    }

    #[test]
    fn limits_split_in_each_platforms_unit() {
        let long = "x".repeat(520);
        let (within, beyond) = at_limit(&long, 500, chars);
        assert_eq!((within.len(), beyond.len()), (500, 20));
        assert_eq!(at_limit("short", 500, chars), ("short", ""));
        // Threads counts an emoji as its UTF-8 length: 👋 is 4.
        let text = format!("{}👋👋", "x".repeat(495));
        let (within, beyond) = at_limit(&text, 500, threads_length);
        assert_eq!((threads_length(within), beyond), (499, "👋"));
        // TikTok counts UTF-16 units: 😀 is 2.
        let (within, beyond) = at_limit("ab😀", 3, utf16_units);
        assert_eq!((within, beyond), ("ab", "😀"));
        assert_eq!(at_limit("", 0, chars), ("", ""));
    }
}
