//! Printing: diagnostics as `path:line:col: error[code]: message`, YAML and JSON documents,
//! and colour only on a terminal (`NO_COLOR` honoured).

use std::io::IsTerminal;

use kro_core::diagnostic::{Diagnostic, Severity};
use kro_core::text::LineIndex;
use serde::Serialize;

/// Whether standard output may carry colour.
pub fn color_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// Renders one diagnostic and its related notes as terminal lines.
pub fn diagnostic_lines(
    d: &Diagnostic,
    path: &str,
    text: &str,
    index: &LineIndex,
    color: bool,
) -> String {
    let mut line = d.render(path, text, index);
    if color {
        let (code, paint) = match d.severity() {
            Severity::Error => ("error", "\x1b[1;31m"),
            Severity::Warning => ("warning", "\x1b[1;33m"),
            Severity::Info => ("info", "\x1b[1;36m"),
        };
        line = line.replacen(
            &format!(": {code}["),
            &format!(": {paint}{code}\x1b[0m["),
            1,
        );
    }
    for related in &d.related {
        let at = index.line_col(text, related.range.start);
        line.push_str(&format!(
            "\n{path}:{}:{}: note: {}",
            at.line + 1,
            at.col + 1,
            related.message
        ));
    }
    line
}

/// A diagnostic as JSON for tools.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonDiagnostic {
    path: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    severity: &'static str,
    code: &'static str,
    message: String,
    related: Vec<JsonRelated>,
}

/// A related location as JSON.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonRelated {
    line: u32,
    column: u32,
    message: String,
}

impl JsonDiagnostic {
    /// Converts a diagnostic with 1-based positions.
    pub fn new(d: &Diagnostic, path: &str, text: &str, index: &LineIndex) -> Self {
        let start = index.line_col(text, d.range.start);
        let end = index.line_col(text, d.range.end);
        JsonDiagnostic {
            path: path.to_owned(),
            line: start.line + 1,
            column: start.col + 1,
            end_line: end.line + 1,
            end_column: end.col + 1,
            severity: d.severity().as_str(),
            code: d.code.as_str(),
            message: d.message.clone(),
            related: d
                .related
                .iter()
                .map(|r| {
                    let at = index.line_col(text, r.range.start);
                    JsonRelated {
                        line: at.line + 1,
                        column: at.col + 1,
                        message: r.message.clone(),
                    }
                })
                .collect(),
        }
    }
}

/// Output formats for documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DocumentFormat {
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}

/// Prints a document as YAML or pretty JSON.
pub fn print_document(value: &serde_json::Value, format: DocumentFormat) -> anyhow::Result<()> {
    match format {
        DocumentFormat::Json => println!("{}", serde_json::to_string_pretty(value)?),
        DocumentFormat::Yaml => print!("{}", to_yaml(value)?),
    }
    Ok(())
}

/// A value as a YAML document.
pub fn to_yaml(value: &serde_json::Value) -> anyhow::Result<String> {
    Ok(serde_saphyr::to_string(value)?)
}

/// How a table cell is painted when colour is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paint {
    /// As is.
    Plain,
    /// Good news (ready, active).
    Good,
    /// Not there yet (in progress, waiting).
    Waiting,
    /// Bad news (not ready, failed, error).
    Bad,
    /// Beside the point (excluded, not applicable).
    Dim,
    /// A heading.
    Bold,
}

impl Paint {
    fn code(self) -> Option<&'static str> {
        match self {
            Paint::Plain => None,
            Paint::Good => Some("\x1b[32m"),
            Paint::Waiting => Some("\x1b[33m"),
            Paint::Bad => Some("\x1b[31m"),
            Paint::Dim => Some("\x1b[2m"),
            Paint::Bold => Some("\x1b[1m"),
        }
    }
}

/// Text in `paint`, or plain text when colour is off.
pub fn painted(text: &str, paint: Paint, color: bool) -> String {
    match paint.code() {
        Some(code) if color && !text.is_empty() => format!("{code}{text}\x1b[0m"),
        _ => text.to_owned(),
    }
}

/// A table printed as kubectl prints them: an upper-case header, columns padded to their
/// widest cell and separated by three spaces, the last column not padded.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<(String, Paint)>>,
}

impl Table {
    /// A table with these column headings.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are empty).
    pub fn row(&mut self, cells: Vec<(String, Paint)>) {
        self.rows.push(cells);
    }

    /// The table as lines of text.
    pub fn render(&self, color: bool) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, (text, _)) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(text.chars().count());
            }
        }
        let mut out = String::new();
        let header: Vec<(String, Paint)> = self
            .header
            .iter()
            .map(|h| (h.clone(), Paint::Bold))
            .collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let (text, paint) = row.get(i).cloned().unwrap_or((String::new(), Paint::Plain));
                line.push_str(&painted(&text, paint, color));
                if i + 1 < columns {
                    let pad = width - text.chars().count() + 3;
                    line.push_str(&" ".repeat(pad));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_every_column_but_the_last() {
        let mut table = Table::new(&["NAME", "READY", "STATUS"]);
        table.row(vec![
            ("a-long-name".into(), Paint::Plain),
            ("True".into(), Paint::Good),
            ("Ready".into(), Paint::Plain),
        ]);
        table.row(vec![("b".into(), Paint::Plain)]);
        assert_eq!(
            table.render(false),
            "NAME          READY   STATUS\n\
             a-long-name   True    Ready\n\
             b\n"
        );
        let colored = table.render(true);
        assert!(
            colored.contains("\x1b[32mTrue\x1b[0m    Ready"),
            "{colored:?}"
        );
    }
}
