//! Completion: what can be typed at the cursor, read from the text before it so it works on
//! a half-typed file.
//!
//! Inside `${…}` it offers `schema`, resource ids, iterators and CEL functions, then
//! `schema.spec.…` fields and fields written in a resource's template; in the YAML it offers the RGD's field names by
//! position, SimpleSchema types and markers, and the few values with a fixed set of choices.

mod expression;
mod yaml;

use super::position::{self, YamlPosition};
use super::{Analysis, TextEdit};
use crate::syntax::ScalarOffsets;
use crate::text::{TextRange, floor_char_boundary};

/// One thing that can be inserted at the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionItem {
    /// What the menu shows (and what the editor filters on).
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// A short note beside the label (a type, a kind).
    pub detail: Option<String>,
    /// Longer documentation, in Markdown.
    pub documentation: Option<String>,
    /// The edit that inserts it, replacing the word at the cursor.
    pub edit: TextEdit,
}

/// What a completion item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompletionKind {
    /// A field name (of the RGD, of the instance spec, of a template).
    Field,
    /// A resource id.
    Resource,
    /// A variable other than a resource: `schema`, an iterator, `each`, `runtime`.
    Variable,
    /// A SimpleSchema type.
    Type,
    /// A SimpleSchema marker.
    Marker,
    /// A value from a fixed set.
    Value,
    /// A CEL function or macro.
    Function,
}

impl Analysis {
    /// What can be typed at `offset`, in the order to show it.
    pub fn completions(&self, offset: usize) -> Vec<CompletionItem> {
        if !self.is_rgd_file() {
            return Vec::new();
        }
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let cx = Context {
            analysis: self,
            rgd: self.rgd_at(offset),
            position: position::at(&self.text, offset),
            offset,
        };
        match cx.expression_prefix() {
            Some(prefix) => expression::complete(&cx, &prefix),
            None => yaml::complete(&cx),
        }
    }
}

/// Everything a completion provider looks at.
struct Context<'a> {
    analysis: &'a Analysis,
    rgd: Option<super::Rgd<'a>>,
    position: YamlPosition,
    offset: usize,
}

impl Context<'_> {
    fn text(&self) -> &str {
        &self.analysis.text
    }

    /// The text of the unclosed `${…}` the cursor is in, up to the cursor, decoded from the
    /// YAML scalar when the tree has it, else read from the line.
    fn expression_prefix(&self) -> Option<String> {
        let before = self
            .scalar_prefix()
            .unwrap_or_else(|| self.line_value_prefix());
        let last = super::scan::expressions(&before).pop()?;
        (!last.closed).then(|| before[last.body].to_owned())
    }

    /// The decoded text of the string scalar holding the cursor, up to the cursor.
    fn scalar_prefix(&self) -> Option<String> {
        let parsed = &self.analysis.file.parsed;
        let document = parsed
            .documents
            .iter()
            .rfind(|d| d.range.start <= self.offset)?;
        let (_, node) = document.root.as_ref()?.node_at(self.offset)?;
        let decoded = node.as_str()?;
        if self.offset <= node.range.start {
            return None;
        }
        let offsets = ScalarOffsets::of(self.text(), node).filter(ScalarOffsets::is_exact)?;
        let at = offsets.to_decoded(self.offset)?;
        let at = floor_char_boundary(decoded, at.min(decoded.len()));
        Some(decoded[..at].to_owned())
    }

    /// The value's text on the cursor's line, up to the cursor (after an opening quote).
    fn line_value_prefix(&self) -> String {
        let start = match self.position.slot {
            position::Slot::Value { start, .. } => start,
            position::Slot::Key { word, .. } => word.start,
        };
        let raw = &self.text()[start.min(self.offset)..self.offset];
        raw.strip_prefix(['"', '\'']).unwrap_or(raw).to_owned()
    }

    /// The range to replace for a word of `len` bytes ending at the cursor, stretched over
    /// the rest of the word after it.
    fn word_range(&self, len: usize) -> TextRange {
        let start = self.offset.saturating_sub(len);
        let rest = &self.text()[self.offset..];
        let end = self.offset
            + rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
        TextRange::new(start, end)
    }
}

/// An item replacing `range` with `insert`.
fn item(
    label: impl Into<String>,
    kind: CompletionKind,
    detail: Option<String>,
    documentation: Option<String>,
    range: TextRange,
    insert: impl Into<String>,
) -> CompletionItem {
    CompletionItem {
        label: label.into(),
        kind,
        detail,
        documentation,
        edit: TextEdit {
            range,
            new_text: insert.into(),
        },
    }
}

#[cfg(test)]
mod tests;
