//! Tokens platforms cap: hashtags, @-mentions and links, found the way the apps find them.

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
