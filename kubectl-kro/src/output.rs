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
