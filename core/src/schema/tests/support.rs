//! Helpers: compile a `spec:`/`types:` YAML snippet and render what came out.

use serde_json::Value as Json;

use crate::diagnostic::Diagnostic;
use crate::schema::{SimpleSchema, compile};
use crate::syntax::parse;
use crate::text::LineIndex;

/// Compiles a document holding `spec:` and optionally `types:` (as under `spec.schema`).
pub(super) fn simple(text: &str) -> SimpleSchema {
    let parsed = parse(text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let root = parsed.documents[0].root.clone().expect("a document");
    compile(text, root.get("spec"), root.get("types"))
}

/// The spec schema as JSON, asserting nothing was reported.
pub(super) fn spec_json(text: &str) -> Json {
    let out = simple(text);
    assert!(
        out.diagnostics.is_empty(),
        "unexpected diagnostics:\n{}",
        render(text, &out.diagnostics)
    );
    out.schema.to_json()
}

/// The diagnostics as `code@line:col: message` lines (1-based), each followed by the text it
/// points at in brackets.
pub(super) fn render(text: &str, diagnostics: &[Diagnostic]) -> String {
    let index = LineIndex::new(text);
    diagnostics
        .iter()
        .map(|d| {
            let at = index.line_col(text, d.range.start);
            format!(
                "{}@{}:{}: {} [{}]",
                d.code,
                at.line + 1,
                at.col + 1,
                d.message,
                &text[d.range.start..d.range.end]
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The diagnostics of compiling `text`, rendered.
pub(super) fn errors(text: &str) -> String {
    render(text, &simple(text).diagnostics)
}
