//! What `postcal explain` prints: one code's description and example fix, or the list of every
//! code with the first clause of its description.

use super::Code;

/// Width the prose is wrapped to (snippets are printed as written).
const WIDTH: usize = 80;

/// The explanation of `code`: the code, what it means, and an example fix.
pub fn explain(code: Code) -> String {
    let mut out = format!("{code}\n\n{}\n\n", wrap(code.description(), ""));
    let mut fix = code.example_fix().lines();
    let first = fix.next().unwrap_or_default();
    out.push_str(&wrap(&format!("Example fix: {first}"), ""));
    out.push('\n');
    let snippet: Vec<&str> = fix.collect();
    if !snippet.is_empty() {
        out.push('\n');
        for line in snippet {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out
}

/// Every code, one per line, with the first clause of what it means.
pub fn list() -> String {
    let mut codes = Code::ALL.to_vec();
    codes.sort();
    let width = codes.iter().map(|c| c.as_str().len()).max().unwrap_or(0);
    let mut out = String::new();
    for code in codes {
        out.push_str(&format!(
            "{:width$}  {}\n",
            code.as_str(),
            first_clause(code.description())
        ));
    }
    out.push_str("\n`postcal explain CODE` says what a code means and how to fix it.\n");
    out
}

/// The text up to its first `. `, `: ` or `; `.
fn first_clause(text: &str) -> &str {
    [". ", ": ", "; "]
        .iter()
        .filter_map(|end| text.find(end))
        .min()
        .map_or(text.trim_end_matches('.'), |i| &text[..i])
}

/// `text` wrapped at [`WIDTH`] on spaces, each line after the first starting with `indent`.
fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = indent.to_owned();
        } else if !line.is_empty() && line != indent {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explanation_has_the_code_the_description_and_the_fix_with_its_snippet() {
        let text = explain(Code::InstagramCaptionTooLong);
        assert!(text.starts_with("instagram::caption-too-long\n\nAn Instagram caption"));
        assert!(text.contains("Example fix: Shorten it"));
        assert!(
            text.contains("\n    instagram/acme: { text: "),
            "the snippet is indented as written:\n{text}"
        );
        assert!(
            text.lines()
                .all(|l| l.chars().count() <= WIDTH || l.starts_with("    "))
        );
    }

    #[test]
    fn the_list_names_every_code_once() {
        let text = list();
        for code in Code::ALL {
            let lines = text
                .lines()
                .filter(|l| l.split(' ').next() == Some(code.as_str()))
                .count();
            assert_eq!(lines, 1, "{code}");
        }
    }

    #[test]
    fn first_clauses() {
        assert_eq!(first_clause("A b: c. d"), "A b");
        assert_eq!(first_clause("A (x.md) b. c"), "A (x.md) b");
        assert_eq!(first_clause("Only one."), "Only one");
    }

    #[test]
    fn wraps_on_spaces() {
        let long = "word ".repeat(40);
        let wrapped = wrap(long.trim(), "");
        assert!(wrapped.lines().count() > 1);
        assert!(wrapped.lines().all(|l| l.len() <= WIDTH));
    }
}
