//! Fixtures for the IDE tests: RGD text with a `$0` cursor, and a readable rendering of ranges.

use super::Analysis;
use crate::text::TextRange;

/// The analysis of `fixture` without its `$0`, and the cursor's offset.
pub(crate) fn cursor(fixture: &str) -> (Analysis, usize) {
    let offset = fixture.find("$0").expect("the fixture has a $0 cursor");
    (Analysis::new(fixture.replacen("$0", "", 1)), offset)
}

/// Each line holding one of `ranges`, trimmed, with every range wrapped in `«…»`.
pub(crate) fn lines_with(text: &str, ranges: &[TextRange]) -> String {
    let mut ranges = ranges.to_vec();
    ranges.sort();
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let line_end = line_start + line.len();
        let inside: Vec<&TextRange> = ranges
            .iter()
            .filter(|r| r.start >= line_start && r.start < line_end)
            .collect();
        if !inside.is_empty() {
            let mut rendered = String::new();
            let mut at = line_start;
            for r in inside {
                rendered.push_str(&text[at..r.start]);
                rendered.push('«');
                rendered.push_str(&text[r.start..r.end.min(line_end)]);
                rendered.push('»');
                at = r.end.min(line_end);
            }
            rendered.push_str(&text[at..line_end]);
            out.push(rendered.trim().to_owned());
        }
        line_start = line_end;
    }
    out.join("\n")
}
