//! `${…}` expressions inside strings: where they are, what kind of string holds them, and the
//! CEL form of a template string.
//!
//! The rules follow kro: an expression starts at `${` and ends at the matching `}`; braces
//! inside CEL string literals (single, double or triple quoted, raw or not) do not count; a
//! `${` inside an expression (outside a string literal) is an error; an unclosed `${` is
//! literal text. A string that is exactly one `${expr}` is *standalone* and keeps the
//! expression's type; any other string with expressions is *interpolated* and becomes
//! `"lit" + (e1) + "lit"`.
//!
//! Every range here is a byte range into the string that was scanned, so callers map it to the
//! file with [`crate::syntax::ScalarOffsets`].

use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::{Node, PathSegment, ScalarOffsets, Value};
use crate::text::TextRange;

/// The expressions found in one string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extracted {
    /// Literal text and expressions in string order; empty when the string is invalid.
    pub segments: Vec<Segment>,
    /// Problems found (a nested `${`), ranges relative to the string.
    pub diagnostics: Vec<Diagnostic>,
}

/// A piece of a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Text taken as it is.
    Literal(Literal),
    /// A `${…}` expression.
    Expr(ExprSegment),
}

/// Literal text between expressions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    /// The text.
    pub text: String,
    /// Where it is in the string.
    pub range: TextRange,
}

/// One `${…}` expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprSegment {
    /// The CEL text between `${` and `}`.
    pub text: String,
    /// Where the CEL text is in the string (without `${` and `}`).
    pub range: TextRange,
    /// Where the whole `${…}` is in the string.
    pub outer: TextRange,
}

/// What kind of string a scan found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// No expressions: plain data.
    Literal,
    /// The whole string is one `${expr}`; the value keeps the expression's type.
    Standalone,
    /// Literal text and expressions; the value is a string.
    Interpolated,
}

impl Extracted {
    /// Whether the string is plain data, a standalone expression or a template.
    pub fn kind(&self) -> Kind {
        match self.segments.as_slice() {
            [Segment::Expr(_)] => Kind::Standalone,
            segments if segments.iter().any(|s| matches!(s, Segment::Expr(_))) => {
                Kind::Interpolated
            }
            _ => Kind::Literal,
        }
    }

    /// The expressions, in string order.
    pub fn expressions(&self) -> impl Iterator<Item = &ExprSegment> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Expr(e) => Some(e),
            Segment::Literal(_) => None,
        })
    }

    /// The expression when the string is standalone.
    pub fn standalone(&self) -> Option<&ExprSegment> {
        match self.segments.as_slice() {
            [Segment::Expr(e)] => Some(e),
            _ => None,
        }
    }

    /// Whether the string holds at least one expression.
    pub fn has_expressions(&self) -> bool {
        self.expressions().next().is_some()
    }

    /// The CEL source the string evaluates as: the expression itself when standalone,
    /// `"lit" + (e1) + "lit"` when interpolated, `None` for plain data.
    pub fn cel_source(&self) -> Option<String> {
        match self.kind() {
            Kind::Literal => None,
            Kind::Standalone => self.standalone().map(|e| e.text.clone()),
            Kind::Interpolated => {
                let parts: Vec<String> = self
                    .segments
                    .iter()
                    .map(|s| match s {
                        Segment::Literal(l) => quote(&l.text),
                        Segment::Expr(e) => format!("({})", e.text),
                    })
                    .collect();
                Some(parts.join(" + "))
            }
        }
    }
}

/// Scans `s` for `${…}` expressions.
pub fn extract(s: &str) -> Extracted {
    let bytes = s.as_bytes();
    let mut segments = Vec::new();
    let mut literal_start = 0;
    let mut search = 0;
    while let Some(found) = s.get(search..).and_then(|rest| rest.find("${")) {
        let open = search + found;
        match scan_expression(bytes, open + 2) {
            Scan::Closed(close) => {
                if open > literal_start {
                    segments.push(Segment::Literal(Literal {
                        text: s[literal_start..open].to_owned(),
                        range: TextRange::new(literal_start, open),
                    }));
                }
                segments.push(Segment::Expr(ExprSegment {
                    text: s[open + 2..close].to_owned(),
                    range: TextRange::new(open + 2, close),
                    outer: TextRange::new(open, close + 1),
                }));
                literal_start = close + 1;
                search = close + 1;
            }
            // Like kro: an unclosed `${` is literal text, and the scan resumes just after its
            // `$`, so a complete `${…}` later in the string is still found.
            Scan::Unclosed => search = open + 1,
            Scan::Nested(at) => {
                let diagnostic = Diagnostic::new(
                    Code::CelNestedExpression,
                    TextRange::new(at, at + 2),
                    "`${` inside an expression: expressions cannot be nested (put a literal `${` \
                     inside a string literal)",
                );
                return Extracted {
                    segments: Vec::new(),
                    diagnostics: vec![diagnostic],
                };
            }
        }
    }
    if literal_start < s.len() {
        segments.push(Segment::Literal(Literal {
            text: s[literal_start..].to_owned(),
            range: TextRange::new(literal_start, s.len()),
        }));
    }
    Extracted {
        segments,
        diagnostics: Vec::new(),
    }
}

enum Scan {
    /// The matching `}` is at this offset.
    Closed(usize),
    /// The string ended first.
    Unclosed,
    /// A `${` outside a string literal starts at this offset.
    Nested(usize),
}

/// Finds the `}` matching an expression that starts at `from` (just after `${`).
fn scan_expression(bytes: &[u8], from: usize) -> Scan {
    let mut depth = 1usize;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => match skip_string(bytes, i) {
                Some(end) => {
                    i = end;
                    continue;
                }
                None => return Scan::Unclosed,
            },
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Scan::Closed(i);
                }
            }
            b'$' if bytes.get(i + 1) == Some(&b'{') => return Scan::Nested(i),
            _ => {}
        }
        i += 1;
    }
    Scan::Unclosed
}

/// Skips the CEL string literal whose opening quote is at `start`; returns the offset just past
/// its closing quote, or `None` when it never closes.
fn skip_string(bytes: &[u8], start: usize) -> Option<usize> {
    let quote = bytes[start];
    let raw = is_raw_prefix(bytes, start);
    let triple = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut i = if triple { start + 3 } else { start + 1 };
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\\' && !raw {
            i += 2;
            continue;
        }
        if b == quote {
            if !triple {
                return Some(i + 1);
            }
            if bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

/// Whether the quote at `quote_at` opens a raw string (`r"…"`, `R'…'`, `br"…"`, `rb"…"`).
fn is_raw_prefix(bytes: &[u8], quote_at: usize) -> bool {
    let prefix_start = {
        let mut p = quote_at;
        while p > 0 && quote_at - p < 2 && matches!(bytes[p - 1], b'r' | b'R' | b'b' | b'B') {
            p -= 1;
        }
        p
    };
    let prefix = &bytes[prefix_start..quote_at];
    let starts_token = prefix_start == 0 || !is_ident_byte(bytes[prefix_start - 1]);
    starts_token && prefix.iter().any(|b| matches!(b, b'r' | b'R'))
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `text` as a double-quoted CEL string literal.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A string of a template that holds expressions (or a problem), with where it came from.
#[derive(Clone, Debug)]
pub struct TemplateString<'n> {
    /// The path of keys and indices from the walked node to this string.
    pub path: Vec<PathSegment>,
    /// The scalar node.
    pub node: &'n Node,
    /// What the scan found.
    pub extracted: Extracted,
    /// Maps offsets inside the decoded string to the file.
    pub offsets: ScalarOffsets,
}

impl TemplateString<'_> {
    /// The file range of a range of the decoded string.
    pub fn to_source(&self, range: TextRange) -> TextRange {
        self.offsets.range_to_source(range)
    }

    /// The file range of a range inside one expression's text.
    pub fn expr_to_source(&self, expr: &ExprSegment, range: TextRange) -> TextRange {
        let start = (expr.range.start + range.start).min(expr.range.end);
        let end = (expr.range.start + range.end).min(expr.range.end);
        self.offsets.range_to_source(TextRange::new(start, end))
    }
}

/// Every expression-bearing string under a node.
#[derive(Clone, Debug, Default)]
pub struct TemplateStrings<'n> {
    /// Strings holding expressions, in document order.
    pub strings: Vec<TemplateString<'n>>,
    /// Problems (nested `${`, expressions in map keys), with file ranges.
    pub diagnostics: Vec<Diagnostic>,
}

/// Walks `root` (a template subtree of a document of `source`) and collects every string value
/// that holds `${…}`. Map keys are never evaluated; a key that looks like an expression gets a
/// warning.
pub fn template_strings<'n>(source: &str, root: &'n Node) -> TemplateStrings<'n> {
    let mut out = TemplateStrings::default();
    let mut path = Vec::new();
    walk(source, root, &mut path, &mut out);
    out
}

fn walk<'n>(
    source: &str,
    node: &'n Node,
    path: &mut Vec<PathSegment>,
    out: &mut TemplateStrings<'n>,
) {
    match &node.value {
        Value::String(s) => {
            if !s.text.contains("${") {
                return;
            }
            let extracted = extract(&s.text);
            if !extracted.has_expressions() && extracted.diagnostics.is_empty() {
                return;
            }
            let offsets = ScalarOffsets::align(source, node.range, &s.text, s.style);
            for d in &extracted.diagnostics {
                let mut d = d.clone();
                d.range = offsets.range_to_source(d.range);
                out.diagnostics.push(d);
            }
            out.strings.push(TemplateString {
                path: path.clone(),
                node,
                extracted,
                offsets,
            });
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathSegment::Index(i));
                walk(source, item, path, out);
                path.pop();
            }
        }
        Value::Mapping(entries) => {
            for entry in entries {
                if let Some(key) = entry.key.as_str()
                    && key.contains("${")
                    && extract(key).has_expressions()
                {
                    out.diagnostics.push(Diagnostic::new(
                        Code::CelExpressionInKey,
                        entry.key.range,
                        "map keys are never evaluated: this `${…}` stays literal text",
                    ));
                }
                path.push(PathSegment::Key(entry.key_text()));
                walk(source, &entry.value, path, out);
                path.pop();
            }
        }
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
    }
}

#[cfg(test)]
mod tests;
