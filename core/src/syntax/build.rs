//! Builds the spanned tree from the YAML parser's event stream.

use std::collections::HashMap;

use saphyr_parser::{Event, Input, Parser, ScalarStyle as ParserStyle, Span};

use super::{Document, Entry, Limits, Node, Parsed, ScalarStyle, Str, Value, resolve};
use crate::diagnostic::{Code, Diagnostic};
use crate::text::TextRange;

pub(super) fn build(text: &str, limits: Limits) -> Parsed {
    let mut parsed = Parsed {
        documents: Vec::new(),
        diagnostics: Vec::new(),
    };
    if text.len() > limits.max_bytes {
        parsed.diagnostics.push(Diagnostic::new(
            Code::YamlTooLarge,
            TextRange::empty(0),
            format!(
                "the file is {} bytes; at most {} are accepted — split it into several files",
                text.len(),
                limits.max_bytes
            ),
        ));
        return parsed;
    }
    Builder::new(text, limits, &mut parsed).run();
    parsed
}

/// A collection being built.
enum Frame {
    Sequence {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Mapping {
        start: usize,
        anchor: usize,
        entries: Vec<Entry>,
        /// Entries brought in by merge keys (`<<`); explicit keys win over them.
        merged: Vec<Entry>,
        key: Option<Node>,
    },
}

struct Builder<'a> {
    text: &'a str,
    limits: Limits,
    out: &'a mut Parsed,
    offsets: CharOffsets,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    document: Option<(usize, Option<Node>)>,
}

/// Why building a document stopped early.
struct Stop;

impl<'a> Builder<'a> {
    fn new(text: &'a str, limits: Limits, out: &'a mut Parsed) -> Self {
        Builder {
            text,
            limits,
            out,
            offsets: CharOffsets::new(text),
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            document: None,
        }
    }

    fn run(self) {
        let text = self.text;
        // saphyr-parser's string input counts the name and parameters of a directive (`%FOO`)
        // in bytes where every other position is in characters, which shifts every range after
        // a non-ASCII directive; its character input counts right, so such files take it.
        if text
            .lines()
            .any(|line| line.starts_with('%') && !line.is_ascii())
        {
            self.run_with(Parser::new_from_iter(text.chars()));
        } else {
            self.run_with(Parser::new_from_str(text));
        }
    }

    fn run_with<'i, T: Input>(mut self, parser: Parser<'i, T>) {
        let mut parser = parser.keep_tags(true);
        loop {
            match parser.next_event() {
                None => break,
                Some(Ok((event, span))) => {
                    if matches!(event, Event::StreamEnd) {
                        break;
                    }
                    if self.event(event, span).is_err() {
                        self.finish_document(self.text.len(), false);
                        return;
                    }
                }
                Some(Err(error)) => {
                    let at = self.offsets.byte(error.marker().index());
                    let width = self.text[at..].chars().next().map_or(0, char::len_utf8);
                    self.out.diagnostics.push(Diagnostic::new(
                        Code::YamlSyntax,
                        TextRange::new(at, at + width),
                        error.info().to_owned(),
                    ));
                    self.finish_document(at, false);
                    return;
                }
            }
        }
        if self.document.is_some() {
            self.finish_document(self.text.len(), true);
        }
    }

    fn range(&self, span: Span) -> TextRange {
        TextRange::new(
            self.offsets.byte(span.start.index()),
            self.offsets.byte(span.end.index()),
        )
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Stop> {
        let range = self.range(span);
        match event {
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.nodes = 0;
                self.document = Some((range.start, None));
            }
            Event::DocumentEnd => self.finish_document(range.end, true),
            Event::Scalar(text, style, anchor, tag) => {
                let style = convert_style(style);
                let range = if anchor != 0 || tag.is_some() {
                    skip_properties(self.text, range, style)
                } else {
                    range
                };
                let value = match tag.as_deref() {
                    Some(tag) if tag.is_yaml_core_schema() => {
                        resolve::tagged(&tag.suffix, &text, style)
                    }
                    _ => None,
                };
                let value = value.unwrap_or_else(|| match style {
                    ScalarStyle::Plain => resolve::plain(&text),
                    _ => Value::String(Str {
                        text: text.into_owned(),
                        style,
                    }),
                });
                self.count(1, range)?;
                self.push(Node::new(range, value), anchor)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.open(range)?;
                self.stack.push(Frame::Sequence {
                    start: range.start,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                self.open(range)?;
                self.stack.push(Frame::Mapping {
                    start: range.start,
                    anchor,
                    entries: Vec::new(),
                    merged: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = self.stack.pop() {
                    let (node, anchor) = close(frame, range);
                    self.count(1, range)?;
                    self.push(node, anchor)?;
                }
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(mut node) => {
                    self.count(node_count(&node), range)?;
                    node.range = range;
                    self.push(node, 0)?;
                }
                None => {
                    self.out.diagnostics.push(Diagnostic::new(
                        Code::YamlUnknownAlias,
                        range,
                        "this alias names no anchor defined before it",
                    ));
                    self.push(Node::new(range, Value::Null), 0)?;
                }
            },
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn open(&mut self, range: TextRange) -> Result<(), Stop> {
        if self.stack.len() >= self.limits.max_depth {
            self.out.diagnostics.push(Diagnostic::new(
                Code::YamlTooDeep,
                range,
                format!(
                    "collections are nested more than {} deep here",
                    self.limits.max_depth
                ),
            ));
            return Err(Stop);
        }
        Ok(())
    }

    fn count(&mut self, nodes: usize, range: TextRange) -> Result<(), Stop> {
        self.nodes += nodes;
        if self.nodes > self.limits.max_nodes {
            self.out.diagnostics.push(Diagnostic::new(
                Code::YamlAliasLimit,
                range,
                format!(
                    "the document expands to more than {} nodes; aliases may be multiplying it",
                    self.limits.max_nodes
                ),
            ));
            return Err(Stop);
        }
        Ok(())
    }

    /// Adds a finished node to the collection being built, or makes it the document's root.
    fn push(&mut self, node: Node, anchor: usize) -> Result<(), Stop> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(Frame::Sequence { items, .. }) => items.push(node),
            Some(Frame::Mapping {
                entries,
                merged,
                key,
                ..
            }) => match key.take() {
                None => *key = Some(node),
                Some(k) => add_entry(entries, merged, k, node, &mut self.out.diagnostics),
            },
            None => {
                if let Some((_, root)) = &mut self.document {
                    *root = Some(node);
                }
            }
        }
        Ok(())
    }

    /// Closes the current document, folding any open collections into a partial tree.
    fn finish_document(&mut self, end: usize, complete: bool) {
        while let Some(frame) = self.stack.pop() {
            let (node, _) = close(frame, TextRange::empty(end));
            let _ = self.push(node, 0);
        }
        if let Some((start, root)) = self.document.take() {
            self.out.documents.push(Document {
                root,
                range: TextRange::new(start, end),
                complete,
            });
        }
    }
}

/// Turns a finished frame into its node; the end event's range ends flow collections, the last
/// child ends block ones (whose end event sits at the next token).
fn close(frame: Frame, end: TextRange) -> (Node, usize) {
    match frame {
        Frame::Sequence {
            start,
            anchor,
            items,
        } => {
            let last = items.last().map_or(start, |n| n.range.end);
            let end = if end.is_empty() { last } else { end.end };
            (
                Node::new(TextRange::new(start, end), Value::Sequence(items)),
                anchor,
            )
        }
        Frame::Mapping {
            start,
            anchor,
            mut entries,
            merged,
            key,
        } => {
            if let Some(key) = key {
                // A key with no value yet (mid-edit): keep it with a null value.
                let at = TextRange::empty(key.range.end);
                entries.push(Entry {
                    key,
                    value: Node::new(at, Value::Null),
                });
            }
            let last = entries
                .iter()
                .map(|e| e.value.range.end.max(e.key.range.end))
                .max()
                .unwrap_or(start);
            for entry in merged {
                let name = entry.key_text();
                if !entries.iter().any(|e| e.key_text() == name) {
                    entries.push(entry);
                }
            }
            let end = if end.is_empty() { last } else { end.end };
            (
                Node::new(TextRange::new(start, end), Value::Mapping(entries)),
                anchor,
            )
        }
    }
}

/// Adds `key: value`, applying YAML merge keys (`<<`) and reporting duplicate keys.
fn add_entry(
    entries: &mut Vec<Entry>,
    merged: &mut Vec<Entry>,
    key: Node,
    value: Node,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let is_merge =
        matches!(&key.value, Value::String(s) if s.text == "<<" && s.style == ScalarStyle::Plain);
    if is_merge {
        let sources: Vec<&Node> = match &value.value {
            Value::Mapping(_) => vec![&value],
            Value::Sequence(items) => items.iter().collect(),
            _ => Vec::new(),
        };
        // Earlier sources win over later ones, as YAML's merge key specifies.
        for source in sources {
            for entry in source.as_mapping().unwrap_or_default() {
                let name = entry.key_text();
                if !merged.iter().any(|e| e.key_text() == name) {
                    merged.push(entry.clone());
                }
            }
        }
        return;
    }
    let name = key.key_text();
    if let Some(first) = entries.iter().find(|e| e.key_text() == name) {
        diagnostics.push(
            Diagnostic::new(
                Code::YamlDuplicateKey,
                key.range,
                format!("`{name}` is already a key of this mapping"),
            )
            .with_related(first.key.range, "first defined here"),
        );
        return;
    }
    entries.push(Entry { key, value });
}

fn node_count(node: &Node) -> usize {
    1 + match &node.value {
        Value::Sequence(items) => items.iter().map(node_count).sum(),
        Value::Mapping(entries) => entries
            .iter()
            .map(|e| node_count(&e.key) + node_count(&e.value))
            .sum(),
        _ => 0,
    }
}

/// The parser's span of a scalar starts at its anchor or tag (`&a`, `!!str`); the node's range
/// starts at the value itself (for a block scalar, past its `|` or `>` line, as without
/// properties), so offsets inside the value map back to the source.
fn skip_properties(text: &str, range: TextRange, style: ScalarStyle) -> TextRange {
    let bytes = text.as_bytes();
    let mut at = range.start;
    while at < range.end {
        match bytes[at] {
            b'&' | b'!' => {
                while at < range.end && !bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' => at += 1,
            b'#' if at > range.start && bytes[at - 1].is_ascii_whitespace() => {
                while at < range.end && bytes[at] != b'\n' {
                    at += 1;
                }
            }
            b'|' | b'>' if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) => {
                while at < range.end && bytes[at] != b'\n' {
                    at += 1;
                }
                at = (at + 1).min(range.end);
                break;
            }
            _ => break,
        }
    }
    TextRange::new(at, range.end)
}

fn convert_style(style: ParserStyle) -> ScalarStyle {
    match style {
        ParserStyle::Plain => ScalarStyle::Plain,
        ParserStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        ParserStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        ParserStyle::Literal => ScalarStyle::Literal,
        ParserStyle::Folded => ScalarStyle::Folded,
    }
}

/// The parser counts positions in characters; this turns them into byte offsets.
struct CharOffsets {
    /// Byte offset of each character, or empty when the text is ASCII (they are equal).
    bytes: Vec<usize>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        let bytes = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i).collect()
        };
        CharOffsets {
            bytes,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.bytes.is_empty() {
            char_index.min(self.len)
        } else {
            self.bytes.get(char_index).copied().unwrap_or(self.len)
        }
    }
}
