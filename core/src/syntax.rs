//! The YAML front end: every document of a file as a tree whose nodes know their byte ranges.
//!
//! Parsing never fails: a syntax error yields a diagnostic and the partial tree built so far,
//! so the editor can still answer questions about a half-typed file. Plain scalars are resolved
//! with the YAML 1.1 rules Kubernetes uses (`yes`, `on`, `off` are booleans, `0755` is octal),
//! in this one place, so the CLI, the editor and the controller agree on what a value is.

mod build;
mod resolve;
mod scalar_offsets;

use crate::diagnostic::Diagnostic;
use crate::text::TextRange;

pub use scalar_offsets::ScalarOffsets;

/// Bounds that keep hostile or accidental input from exhausting memory.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest input accepted, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of collections.
    pub max_depth: usize,
    /// Most nodes one document may expand to, counting every alias expansion.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Kubernetes refuses objects over ~1.5 MiB; a file may hold several.
            max_bytes: 16 * 1024 * 1024,
            max_depth: 100,
            max_nodes: 1_000_000,
        }
    }
}

/// The documents of one file and the problems found reading them.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The documents in file order (`---` separated).
    pub documents: Vec<Document>,
    /// Syntax problems, in text order.
    pub diagnostics: Vec<Diagnostic>,
}

/// One YAML document.
#[derive(Clone, Debug)]
pub struct Document {
    /// The document's content; `None` for an empty document.
    pub root: Option<Node>,
    /// The text the document spans.
    pub range: TextRange,
    /// False when a syntax error cut the document short.
    pub complete: bool,
}

/// A value with the bytes it was written in.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// For a scalar, its text including quotes; for a collection, from its first to its last
    /// byte.
    pub range: TextRange,
    /// What the node holds.
    pub value: Value,
}

/// The value of a node.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// A boolean (YAML 1.1 spellings accepted).
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A floating point number (or an integer too large for 64 bits).
    Float(f64),
    /// A string.
    String(Str),
    /// A sequence.
    Sequence(Vec<Node>),
    /// A mapping, in source order.
    Mapping(Vec<Entry>),
}

/// A string scalar and how it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Str {
    /// The decoded text (escapes applied, lines folded).
    pub text: String,
    /// The scalar style, which decides how decoded offsets map back to the source.
    pub style: ScalarStyle,
}

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    /// Unquoted.
    Plain,
    /// `'…'`.
    SingleQuoted,
    /// `"…"`.
    DoubleQuoted,
    /// A `|` block.
    Literal,
    /// A `>` block.
    Folded,
}

/// One `key: value` pair of a mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key node.
    pub key: Node,
    /// The value node.
    pub value: Node,
}

impl Entry {
    /// The key as text (scalar keys of any type render as they would in JSON).
    pub fn key_text(&self) -> String {
        self.key.key_text()
    }
}

/// Parses every document of `text` with the default limits.
pub fn parse(text: &str) -> Parsed {
    parse_with_limits(text, Limits::default())
}

/// Parses every document of `text`.
pub fn parse_with_limits(text: &str, limits: Limits) -> Parsed {
    build::build(text, limits)
}

impl Node {
    /// A node holding `value` at `range`.
    pub fn new(range: TextRange, value: Value) -> Self {
        Node { range, value }
    }

    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry under `key` when this node is a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_mapping()?
            .iter()
            .find(|e| matches!(&e.key.value, Value::String(s) if s.text == key))
    }

    /// The entries, when this node is a mapping.
    pub fn as_mapping(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items, when this node is a sequence.
    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// The text, when this node is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(&s.text),
            _ => None,
        }
    }

    /// The string scalar, when this node is one.
    pub fn as_string(&self) -> Option<&Str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the node is `null` (or empty).
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The name of the node's type as a user would say it ("a string", "a mapping").
    pub fn describe(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
        }
    }

    /// The node as a map key: strings as they are, other scalars as their JSON text.
    pub fn key_text(&self) -> String {
        match &self.value {
            Value::String(s) => s.text.clone(),
            Value::Null => "null".to_owned(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Sequence(_) | Value::Mapping(_) => String::new(),
        }
    }

    /// The node as JSON, the shape Kubernetes sees after decoding the YAML.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::String(s) => J::String(s.text.clone()),
            Value::Sequence(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Mapping(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key_text(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// The innermost node whose range contains `offset`, with the path of keys and indices
    /// leading to it from this node.
    pub fn node_at(&self, offset: usize) -> Option<(Vec<PathSegment>, &Node)> {
        if !self.range.contains_inclusive(offset) {
            return None;
        }
        let mut path = Vec::new();
        let mut node = self;
        'descend: loop {
            match &node.value {
                Value::Mapping(entries) => {
                    for entry in entries {
                        if entry.key.range.contains_inclusive(offset) {
                            path.push(PathSegment::Key(entry.key_text()));
                            return Some((path, &entry.key));
                        }
                        if entry.value.range.contains_inclusive(offset) {
                            path.push(PathSegment::Key(entry.key_text()));
                            node = &entry.value;
                            continue 'descend;
                        }
                    }
                }
                Value::Sequence(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if item.range.contains_inclusive(offset) {
                            path.push(PathSegment::Index(i));
                            node = item;
                            continue 'descend;
                        }
                    }
                }
                _ => {}
            }
            return Some((path, node));
        }
    }
}

/// One step of a path into a tree.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// Renders a path the way Kubernetes field paths read: `spec.template.containers[0].image`.
pub fn render_path(path: &[PathSegment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            PathSegment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            PathSegment::Index(i) => {
                out.push_str(&format!("[{i}]"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
