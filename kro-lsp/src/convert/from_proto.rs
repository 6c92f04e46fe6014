//! Protocol values → core values.

use kro_core::text::TextRange;
use ropey::Rope;
use tower_lsp_server::ls_types::{Position, Range};

use crate::documents::Snapshot;

/// The byte offset of a position in the snapshot's text.
pub(crate) fn offset(snapshot: &Snapshot, position: Position) -> usize {
    snapshot.line_index.offset(&snapshot.text, position)
}

/// The byte range of a protocol range.
pub(crate) fn text_range(snapshot: &Snapshot, range: Range) -> TextRange {
    TextRange::new(offset(snapshot, range.start), offset(snapshot, range.end))
}

/// The char index of a position in a rope (for applying edits), clamped like
/// [`LineIndex::offset`](super::LineIndex::offset).
pub(crate) fn rope_char(rope: &Rope, position: Position) -> usize {
    let line = position.line as usize;
    if line >= rope.len_lines() {
        return rope.len_chars();
    }
    let line_start = rope.line_to_char(line);
    let line_text = rope.line(line);
    let mut line_len = line_text.len_chars();
    for ending in ['\n', '\r'] {
        if line_len > 0 && line_text.char(line_len - 1) == ending {
            line_len -= 1;
        }
    }
    let start_units = rope.char_to_utf16_cu(line_start);
    let end_units = rope.char_to_utf16_cu(line_start + line_len);
    let target = (start_units + position.character as usize).min(end_units);
    rope.utf16_cu_to_char(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rope_positions_count_utf16() {
        let rope = Rope::from_str("é😀x\r\nb");
        assert_eq!(rope_char(&rope, Position::new(0, 3)), 2);
        assert_eq!(rope_char(&rope, Position::new(0, 99)), 3);
        assert_eq!(rope_char(&rope, Position::new(1, 1)), 6);
        assert_eq!(rope_char(&rope, Position::new(7, 0)), 6);
    }
}
