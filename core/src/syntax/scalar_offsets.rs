//! Maps offsets inside a decoded scalar back to the source text, and back again.
//!
//! A CEL expression lives in the decoded value of a scalar, but diagnostics must point at the
//! file. Quotes, escapes, folded lines and block indentation sit between the two; this module
//! aligns them so a position inside `${…}` lands on the right byte of any scalar style.

use super::{Node, ScalarStyle, Value};
use crate::text::TextRange;

/// For each byte of a decoded scalar, the source byte it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalarOffsets {
    /// `offsets[i]` is the source offset of decoded byte `i`; one extra entry maps the end.
    offsets: Vec<usize>,
    exact: bool,
}

impl ScalarOffsets {
    /// The offsets of a string node of `source`, or `None` when the node is not a string.
    pub fn of(source: &str, node: &Node) -> Option<ScalarOffsets> {
        match &node.value {
            Value::String(s) => Some(ScalarOffsets::align(source, node.range, &s.text, s.style)),
            _ => None,
        }
    }

    /// Aligns `decoded`, the value of the scalar written at `range` of `source` in `style`.
    pub fn align(
        source: &str,
        range: TextRange,
        decoded: &str,
        style: ScalarStyle,
    ) -> ScalarOffsets {
        let raw = source.get(range.start..range.end).unwrap_or("");
        match align(raw, decoded, style) {
            Some(relative) => ScalarOffsets {
                offsets: relative.into_iter().map(|o| o + range.start).collect(),
                exact: true,
            },
            // Unreachable for text the parser produced, but never wrong by much: everything
            // points at the scalar's start.
            None => ScalarOffsets {
                offsets: vec![range.start; decoded.len() + 1],
                exact: false,
            },
        }
    }

    /// Whether every decoded byte was matched to its source byte.
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// The source offset of decoded offset `offset` (clamped to the end).
    pub fn to_source(&self, offset: usize) -> usize {
        self.offsets[offset.min(self.offsets.len() - 1)]
    }

    /// The source range of a decoded range.
    pub fn range_to_source(&self, range: TextRange) -> TextRange {
        let start = self.to_source(range.start);
        // The end maps from the last byte inside the range, so a range ending before a
        // folded line break does not stretch over the indentation that follows.
        let end = if range.end > range.start {
            self.to_source(range.end - 1) + 1
        } else {
            start
        };
        TextRange::new(start, end)
    }

    /// The decoded offset of source offset `offset`, when it falls inside the scalar.
    pub fn to_decoded(&self, offset: usize) -> Option<usize> {
        let first = *self.offsets.first()?;
        let last = *self.offsets.last()?;
        if offset < first || offset > last {
            return None;
        }
        Some(self.offsets.partition_point(|&o| o < offset))
    }
}

/// Walks the raw text and the decoded text together. Every decoded character is a copy of a
/// raw one, an escape sequence (double quotes), or a line break folded into a space or newline;
/// anything else in the raw text (quotes, indentation, trailing blanks) is skipped.
fn align(raw: &str, decoded: &str, style: ScalarStyle) -> Option<Vec<usize>> {
    let double_quoted = style == ScalarStyle::DoubleQuoted;
    let quote = match style {
        ScalarStyle::SingleQuoted => Some('\''),
        ScalarStyle::DoubleQuoted => Some('"'),
        _ => None,
    };
    let mut offsets = Vec::with_capacity(decoded.len() + 1);
    // Past the opening quote, so a decoded quote character is never matched to it.
    let mut p = quote.map_or(0, |q| usize::from(raw.starts_with(q)));
    let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
    for (i, c) in decoded.char_indices() {
        loop {
            let Some(sc) = raw[p..].chars().next() else {
                // A block scalar at the end of the file ends with a line break the file lacks.
                if block && c == '\n' {
                    push_char(&mut offsets, c, p);
                    break;
                }
                return None;
            };
            // The parser's span of a block scalar starts at its first line of content: the
            // empty lines before it are line breaks the span does not show.
            if block
                && c == '\n'
                && p == 0
                && sc != '\n'
                && decoded[..i].bytes().all(|b| b == b'\n')
            {
                push_char(&mut offsets, c, p);
                break;
            }
            if double_quoted && sc == '\\' {
                let next = raw[p + 1..].chars().next()?;
                if next == '\n' || next == '\r' {
                    // An escaped line break joins lines without producing a character; the
                    // next line's indentation goes too, but an empty line still folds into a
                    // line break, so line breaks are left to match.
                    p += 1 + next.len_utf8();
                    if next == '\r' && raw[p..].starts_with('\n') {
                        p += 1;
                    }
                    while raw[p..].starts_with([' ', '\t']) {
                        p += 1;
                    }
                    continue;
                }
                let escape_len = match next {
                    'x' => 4,
                    'u' => 6,
                    'U' => 10,
                    other => 1 + other.len_utf8(),
                };
                push_char(&mut offsets, c, p);
                p += escape_len.min(raw.len() - p);
                break;
            }
            if sc == c {
                push_char(&mut offsets, c, p);
                p += sc.len_utf8();
                break;
            }
            if (c == ' ' || c == '\n') && (sc == '\n' || sc == '\r') {
                push_char(&mut offsets, c, p);
                p += 1;
                if !block {
                    // The next line's indentation is not content (outside block scalars): skip
                    // it, so a space that follows (an escaped one) is not matched to it.
                    if sc == '\r' && raw[p..].starts_with('\n') {
                        p += 1;
                    }
                    while raw[p..].starts_with([' ', '\t']) {
                        p += 1;
                    }
                }
                break;
            }
            let skippable = matches!(sc, ' ' | '\t' | '\n' | '\r') || Some(sc) == quote;
            if !skippable {
                return None;
            }
            p += sc.len_utf8();
        }
    }
    offsets.push(p);
    Some(offsets)
}

fn push_char(offsets: &mut Vec<usize>, c: char, at: usize) {
    for k in 0..c.len_utf8() {
        offsets.push(at + k);
    }
}
