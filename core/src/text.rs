//! Positions in source text: byte ranges and the line/column index that renders them.

use std::fmt;

/// A half-open byte range `[start, end)` into a source text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TextRange {
    /// First byte of the range.
    pub start: usize,
    /// One past the last byte of the range.
    pub end: usize,
}

impl TextRange {
    /// The range `[start, end)`; `end` is clamped so the range is never inverted.
    pub fn new(start: usize, end: usize) -> Self {
        TextRange {
            start,
            end: end.max(start),
        }
    }

    /// An empty range at `offset`.
    pub fn empty(offset: usize) -> Self {
        TextRange::new(offset, offset)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the range covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Whether `offset` lies inside the range; the end counts, so a cursor just after a token is
    /// still "on" it.
    pub fn contains_inclusive(&self, offset: usize) -> bool {
        self.start <= offset && offset <= self.end
    }

    /// The smallest range covering both.
    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl fmt::Debug for TextRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A 0-based line and a 0-based column counted in Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// 0-based line.
    pub line: u32,
    /// 0-based column, in characters.
    pub col: u32,
}

/// Converts byte offsets of one text into lines and columns.
///
/// Columns are counted in characters here; the language server converts to UTF-16 itself
/// because only the protocol needs that unit.
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { line_starts }
    }

    /// Number of lines (a text ending in a newline has an empty last line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte offset at which 0-based `line` starts, if the line exists.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line).copied()
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    /// Line and character column of `offset` in `text` (the text this index was built from).
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let col = text[self.line_starts[line]..offset].chars().count();
        LineCol {
            line: line as u32,
            col: col as u32,
        }
    }

    /// The byte offset of a line and character column, clamped to the line's end.
    pub fn offset(&self, text: &str, at: LineCol) -> usize {
        let Some(start) = self.line_start(at.line as usize) else {
            return text.len();
        };
        let end = self
            .line_start(at.line as usize + 1)
            .map_or(text.len(), |next| next - 1);
        text[start..end]
            .char_indices()
            .nth(at.col as usize)
            .map_or(end, |(i, _)| start + i)
    }
}

/// The largest char boundary at or before `offset`.
pub(crate) fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "a: é\nb: ${x}\n";
        let index = LineIndex::new(text);
        let x = text.find("${").unwrap();
        assert_eq!(index.line_col(text, x), LineCol { line: 1, col: 3 });
        let after_e = text.find('\n').unwrap();
        assert_eq!(index.line_col(text, after_e), LineCol { line: 0, col: 4 });
        assert_eq!(index.offset(text, LineCol { line: 1, col: 3 }), x);
    }

    #[test]
    fn offsets_past_the_end_clamp() {
        let text = "ab";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 99), LineCol { line: 0, col: 2 });
        assert_eq!(index.offset(text, LineCol { line: 5, col: 0 }), 2);
        assert_eq!(index.offset(text, LineCol { line: 0, col: 9 }), 2);
    }
}
