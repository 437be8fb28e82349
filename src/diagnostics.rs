//! Diagnostics: errors and warnings that point at a file, a line and a column.
//!
//! Everything that judges an incident (the loader, validation, the blameless lint)
//! reports through [`Diagnostic`], and [`Report`] renders them the way cargo does:
//! the location, the offending snippet and a caret under it, then a hint.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The incident cannot be used as written.
    Error,
    /// The incident works, but a reader or the team would want it fixed.
    Warning,
}

/// One finding about one place in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable, machine-readable name such as `unknown-key` or `blameless/counterfactual`.
    pub code: &'static str,
    pub message: String,
    pub file: PathBuf,
    /// Byte range in the file; `None` for findings about the file as a whole.
    pub span: Option<Range<usize>>,
    /// Short text printed beside the caret.
    pub label: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, file: &Path, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, file, message)
    }

    pub fn warning(code: &'static str, file: &Path, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, file, message)
    }

    fn new(
        severity: Severity,
        code: &'static str,
        file: &Path,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            file: file.to_path_buf(),
            span: None,
            label: None,
            help: None,
        }
    }

    pub fn at(mut self, span: Option<Range<usize>>) -> Self {
        self.span = span;
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Output styles for a [`Report`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Colored,
}

/// The diagnostics of one run, together with the text of every file they point into.
#[derive(Debug, Default)]
pub struct Report {
    files: Vec<(PathBuf, String)>,
    /// Where each file is in `files`; an archive has thousands.
    index: HashMap<PathBuf, usize>,
    diagnostics: Vec<Diagnostic>,
}

/// A diagnostic in the stable JSON shape printed by `check --format json`.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    pub severity: Severity,
    pub code: &'a str,
    pub message: &'a str,
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub help: Option<&'a str>,
}

impl Report {
    /// Remembers a file's text so diagnostics can quote it. Invalid UTF-8 is shown replaced.
    pub fn add_file(&mut self, path: &Path, text: impl Into<String>) {
        if !self.index.contains_key(path) {
            self.index.insert(path.to_path_buf(), self.files.len());
            self.files.push((path.to_path_buf(), text.into()));
        }
    }

    fn file(&self, path: &Path) -> Option<usize> {
        self.index.get(path).copied()
    }

    /// Forgets the text of files that no diagnostic quotes: a report kept per incident of an
    /// archive would otherwise hold every file of it.
    pub fn drop_unquoted(&mut self) {
        let diagnostics = &self.diagnostics;
        self.files
            .retain(|(path, _)| diagnostics.iter().any(|d| &d.file == path));
        self.index = self
            .files
            .iter()
            .enumerate()
            .map(|(i, (path, _))| (path.clone(), i))
            .collect();
    }

    /// Takes in another report's diagnostics, and the text of the files they quote.
    pub fn merge(&mut self, mut other: Report) {
        other.drop_unquoted();
        for (path, text) in other.files {
            self.add_file(&path, text);
        }
        self.diagnostics.extend(other.diagnostics);
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Keeps the errors alone, for a command that stops on them and has no use for warnings.
    pub fn keep_errors(&mut self) {
        self.diagnostics.retain(Diagnostic::is_error);
        self.drop_unquoted();
    }

    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.diagnostics.extend(diagnostics);
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    /// Orders findings by file, then position, so output is stable whatever order rules ran in.
    pub fn sort(&mut self) {
        self.diagnostics.sort_by(|a, b| {
            let pos = |d: &Diagnostic| d.span.as_ref().map_or(0, |s| s.start);
            (&a.file, pos(a), a.severity, a.code).cmp(&(&b.file, pos(b), b.severity, b.code))
        });
    }

    /// Renders every diagnostic as cargo-style text.
    pub fn render(&self, style: Style) -> String {
        let mut files = SimpleFiles::new();
        let ids: Vec<usize> = self
            .files
            .iter()
            .map(|(path, text)| files.add(path.display().to_string(), text.as_str()))
            .collect();
        let config = term::Config::default();
        let mut out = String::new();
        for d in &self.diagnostics {
            let found = self.file(&d.file);
            let rendered = match (found, &d.span) {
                (Some(index), Some(span)) => {
                    let span = clamp(span, &self.files[index].1);
                    let mut label = cs::Label::primary(ids[index], span);
                    if let Some(text) = &d.label {
                        label = label.with_message(text);
                    }
                    let diag = to_codespan(d).with_labels(vec![label]);
                    emit(&files, &diag, &config, style)
                }
                _ => {
                    // Nothing to quote: name the file in the header, as cargo does for whole-file issues.
                    let mut diag = to_codespan(d);
                    diag.message = format!("{}: {}", d.file.display(), d.message);
                    emit(&files, &diag, &config, style)
                }
            };
            out.push_str(&rendered);
        }
        out
    }

    /// The diagnostics in the stable JSON shape, with 1-based lines and columns.
    pub fn to_json(&self) -> Vec<JsonDiagnostic<'_>> {
        self.diagnostics
            .iter()
            .map(|d| {
                let text = self
                    .files
                    .iter()
                    .find(|(p, _)| *p == d.file)
                    .map(|(_, t)| t.as_str());
                let (start, end) = match (text, &d.span) {
                    (Some(t), Some(span)) => {
                        let span = clamp(span, t);
                        (Some(line_col(t, span.start)), Some(line_col(t, span.end)))
                    }
                    _ => (None, None),
                };
                JsonDiagnostic {
                    severity: d.severity,
                    code: d.code,
                    message: &d.message,
                    file: d.file.display().to_string(),
                    line: start.map(|p| p.0),
                    column: start.map(|p| p.1),
                    end_line: end.map(|p| p.0),
                    end_column: end.map(|p| p.1),
                    help: d.help.as_deref(),
                }
            })
            .collect()
    }
}

/// Renders a count with its noun: `1 error`, `2 errors`.
/// `n` with its thousands marked, as people count: `40,236`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..offset].chars().count() + 1)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Keeps a span inside the text and on character boundaries, so rendering never panics.
fn clamp(span: &Range<usize>, text: &str) -> Range<usize> {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
    start..end
}

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<usize> {
    let diag = match d.severity {
        Severity::Error => cs::Diagnostic::error(),
        Severity::Warning => cs::Diagnostic::warning(),
    }
    .with_code(d.code)
    .with_message(&d.message);
    match &d.help {
        Some(help) => diag.with_notes(vec![format!("help: {help}")]),
        None => diag,
    }
}

fn emit(
    files: &SimpleFiles<String, &str>,
    diag: &cs::Diagnostic<usize>,
    config: &term::Config,
    style: Style,
) -> String {
    let mut buffer = match style {
        Style::Plain => termcolor::Buffer::no_color(),
        Style::Colored => termcolor::Buffer::ansi(),
    };
    if term::emit(&mut buffer, config, files, diag).is_err() {
        // Only reachable if a span is out of range, which `clamp` prevents; fall back to one line.
        return format!(
            "{}[{}]: {}\n",
            severity_word(diag.severity),
            d_code(diag),
            diag.message
        );
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

fn severity_word(s: cs::Severity) -> &'static str {
    match s {
        cs::Severity::Error | cs::Severity::Bug => "error",
        _ => "warning",
    }
}

fn d_code(diag: &cs::Diagnostic<usize>) -> &str {
    diag.code.as_deref().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1412), "1,412");
        assert_eq!(thousands(12), "12");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "a = 1\nb = \"ünï\" x\n";
        let x = text.find('x').unwrap();
        assert_eq!(line_col(text, x), (2, 11));
        assert_eq!(line_col(text, 0), (1, 1));
        // An offset inside a multi-byte character snaps back to its start.
        let inside = text.find('ü').unwrap() + 1;
        assert_eq!(line_col(text, inside), (2, 6));
    }

    #[test]
    fn out_of_range_spans_render_without_panicking() {
        let mut report = Report::default();
        let path = Path::new("x.toml");
        report.add_file(path, "a = 1\n");
        report.push(Diagnostic::error("test", path, "boom").at(Some(100..200)));
        let out = report.render(Style::Plain);
        assert!(out.contains("error[test]: boom"), "{out}");
    }
}
