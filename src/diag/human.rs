//! Human rendering through miette: code, message, the YAML snippet with the value underlined,
//! and help. Colour only when asked (the caller decides from the terminal and `NO_COLOR`).

use std::fmt::{self, Write as _};
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use super::{Diagnostic, Label, Location, Severity, SourceMap, Summary};

/// Width diagnostics are wrapped at; fixed so output is the same on every terminal and in tests.
const WIDTH: usize = 100;

/// Renders every diagnostic, then the summary line.
pub fn render(
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    color: bool,
) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let view = View::new(diagnostic, sources);
        let _ = handler.render_report(&mut out, &view);
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary.line());
    out
}

/// A diagnostic seen through miette's `Diagnostic` trait.
#[derive(Debug)]
struct View {
    code: &'static str,
    severity: Severity,
    message: String,
    help: Option<String>,
    source: Option<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
    /// Labels in other files than the primary one, shown as separate advice entries.
    related: Vec<View>,
}

impl View {
    fn new(d: &Diagnostic, sources: &SourceMap) -> Self {
        let mut view = Self {
            code: d.code,
            severity: d.severity,
            message: d.message.clone(),
            help: d.help.clone(),
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
        };
        match &d.location {
            Location::Span(label) => {
                view.source = Some(named_source(sources, label));
                view.labels.push(labeled(label, true));
                for related in &d.related {
                    if related.span.source == label.span.source {
                        view.labels.push(labeled(related, false));
                    } else {
                        view.related.push(Self::advice(related, sources));
                    }
                }
            }
            Location::File(path) => view.message = format!("{}: {}", path.display(), d.message),
            Location::None => {}
        }
        view
    }

    fn advice(label: &Label, sources: &SourceMap) -> Self {
        Self {
            code: "",
            severity: Severity::Warning,
            message: label.text.clone().unwrap_or_default(),
            help: None,
            source: Some(named_source(sources, label)),
            labels: vec![labeled(label, true)],
            related: Vec::new(),
        }
    }
}

fn named_source(sources: &SourceMap, label: &Label) -> NamedSource<Arc<str>> {
    let file = sources.get(label.span.source);
    NamedSource::new(file.display_path.display().to_string(), file.text.clone())
        .with_language("yaml")
}

fn labeled(label: &Label, primary: bool) -> LabeledSpan {
    let span = SourceSpan::new(label.span.start.into(), label.span.len);
    if primary {
        LabeledSpan::new_primary_with_span(label.text.clone(), span)
    } else {
        LabeledSpan::new_with_span(label.text.clone(), span)
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for View {}

impl miette::Diagnostic for View {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning if self.code.is_empty() => miette::Severity::Advice,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = _>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic))
                as Box<dyn Iterator<Item = &'a dyn miette::Diagnostic>>
        })
    }
}
