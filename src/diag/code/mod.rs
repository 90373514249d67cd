//! The registry of diagnostic codes: every code postcal can report, with what it means and an
//! example fix, generated from one list (`table.rs`) into the [`Code`] enum.
//!
//! Rules name a code as a variant (`Code::InstagramCaptionTooLong`), never as a string, so a
//! code cannot be misspelt, and everything that needs the whole set iterates [`Code::ALL`]:
//! `postcal explain` prints an entry, and the coverage test requires a failing fixture for each.
//!
//! # Guarantees
//! - A code's text ([`Code::as_str`], `area::what` in kebab-case) is what every rendering
//!   shows; it is stable, since tools match on it (the JSON format's contract).
//! - Codes order by their text, so sorting diagnostics by code is sorting by what users read.
//!
//! # Adding a code
//! Add a line to `table.rs` (variant, text, what it means, an example fix), emit it from a rule,
//! and add a failing fixture under `tests/fixtures/` (the coverage test says which is missing).

use std::fmt;

/// Generates [`Code`] and its lookups from the list in `table.rs`: one entry per code,
/// `Variant "area::what" "what it means" "an example fix";`. A fix's first line says what to
/// do; any further lines are shown verbatim (a snippet of YAML, a command).
macro_rules! codes {
    ($($variant:ident $code:literal $what:literal $fix:literal;)+) => {
        /// A diagnostic code: see [`crate::diag::code`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $(
                #[doc = concat!("`", $code, "`: ", $what)]
                $variant,
            )+
        }

        impl Code {
            /// Every code, in the order of the list.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The code as users read it: `instagram::caption-too-long`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)+
                }
            }

            /// What the code means: the rule, its figures, and why it exists.
            pub const fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => $what,)+
                }
            }

            /// An example fix: a first line saying what to do, then any snippet verbatim.
            pub const fn example_fix(self) -> &'static str {
                match self {
                    $(Code::$variant => $fix,)+
                }
            }
        }
    };
}

mod explain;
mod table;

pub use explain::{explain, list};
pub use table::Code;

impl Code {
    /// The code written as `area::what`, if it is one.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == text)
    }

    /// The part before `::`: `instagram`, `calendar`, `manifest`...
    pub fn area(self) -> &'static str {
        self.as_str()
            .split_once("::")
            .map_or(self.as_str(), |(area, _)| area)
    }

    /// The part after `::`: `caption-too-long`.
    pub fn what(self) -> &'static str {
        self.as_str()
            .split_once("::")
            .map_or(self.as_str(), |(_, what)| what)
    }

    /// The codes a mistyped `text` may have meant: the closest code, or every code whose
    /// part after `::` is `text` (`caption-too-long` is Instagram's and TikTok's).
    pub fn suggest(text: &str) -> Vec<Code> {
        let same_what: Vec<Code> = Code::ALL
            .iter()
            .copied()
            .filter(|c| c.what() == text)
            .collect();
        if !same_what.is_empty() {
            return same_what;
        }
        super::suggest::closest(text, Code::ALL.iter().map(|c| c.as_str()))
            .and_then(Code::parse)
            .into_iter()
            .collect()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Code {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = UnknownCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Code::parse(s).ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// A text that is no diagnostic code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a postcal diagnostic code")]
pub struct UnknownCode(pub String);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_kebab_case_area_and_what() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            let (area, what) = text.split_once("::").expect("area::what");
            let kebab = |s: &str| {
                !s.is_empty()
                    && !s.starts_with('-')
                    && !s.ends_with('-')
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            };
            assert!(kebab(area) && !area.contains('-') && kebab(what), "{text}");
            assert_eq!(Code::parse(text), Some(*code));
        }
    }

    #[test]
    fn every_code_says_what_it_means_and_how_to_fix_it() {
        for code in Code::ALL {
            let what = code.description();
            assert!(
                what.len() > 40 && what.ends_with('.') && !what.contains('\n'),
                "{code}: {what:?}"
            );
            let fix = code.example_fix();
            let first = fix.lines().next().unwrap_or_default();
            assert!(first.len() > 10, "{code}: {fix:?}");
        }
    }

    #[test]
    fn codes_sort_by_their_text() {
        let mut codes = Code::ALL.to_vec();
        codes.sort();
        let texts: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
        let mut sorted = texts.clone();
        sorted.sort_unstable();
        assert_eq!(texts, sorted);
    }

    #[test]
    fn a_mistyped_code_gets_a_suggestion() {
        assert_eq!(
            Code::suggest("instagram::caption-to-long"),
            [Code::InstagramCaptionTooLong]
        );
        assert_eq!(
            Code::suggest("caption-too-long"),
            [Code::InstagramCaptionTooLong, Code::TiktokCaptionTooLong]
        );
        assert!(Code::suggest("nothing-like-it").is_empty());
        assert_eq!("yaml::syntax".parse::<Code>(), Ok(Code::YamlSyntax));
        assert!("yaml::nope".parse::<Code>().is_err());
    }
}
