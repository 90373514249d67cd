//! GitHub Actions workflow commands: one `::error` / `::warning` annotation per diagnostic, so
//! problems show inline on the pull request's diff.
//!
//! Escaping follows the runner's rules: in the message, `%`, `\r` and `\n` are percent-encoded;
//! in property values (`file`, `title`, ...) `:` and `,` are encoded as well.

use std::fmt::Write as _;

use super::json::path_string;
use super::{Diagnostic, Location, Severity, SourceMap, Summary};

pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap, summary: &Summary) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = Vec::new();
        match &d.location {
            Location::Span(label) => {
                let pos = sources.position(label.span);
                props.push(format!("file={}", escape_property(&path_string(&pos.path))));
                props.push(format!("line={}", pos.line));
                props.push(format!("col={}", pos.column));
                props.push(format!("endLine={}", pos.end_line));
                if pos.end_line == pos.line {
                    props.push(format!("endColumn={}", pos.end_column));
                }
            }
            Location::File(path) => {
                props.push(format!("file={}", escape_property(&path_string(path))))
            }
            Location::None => {}
        }
        props.push(format!("title={}", escape_property(d.code.as_str())));
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let _ = writeln!(
            out,
            "::{kind} {}::{}",
            props.join(","),
            escape_data(&message)
        );
    }
    let _ = writeln!(out, "{}", summary.line());
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Diagnostic};

    #[test]
    fn escapes_message_and_properties() {
        assert_eq!(escape_data("50% off\r\nnow"), "50%25 off%0D%0Anow");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn annotation_points_at_file_line_and_column() {
        let mut sources = SourceMap::new();
        let id = sources.add("posts/a,b.yaml", "id: x\ntext: héllo\n");
        let d = Diagnostic::error(
            Code::InstagramCaptionTooLong,
            "caption has 5 characters; 1: 2",
        )
        .at(crate::diag::Span::new(id, 12, 6), "here")
        .help("shorten it");
        let out = render(&[d], &sources, &Summary::default());
        let first = out.lines().next().unwrap();
        assert_eq!(
            first,
            "::error file=posts/a%2Cb.yaml,line=2,col=7,endLine=2,endColumn=12,\
             title=instagram%3A%3Acaption-too-long::caption has 5 characters; 1: 2%0Ahelp: shorten it"
        );
    }
}
