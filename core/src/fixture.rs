//! Fixture tests: RGD text whose YAML comments mark the expected diagnostics.
//!
//! A comment line such as `#     ^^^^ code-name` (optionally `: message`) expects a diagnostic
//! with that code whose range starts and ends at the carets' columns on the nearest line above
//! that is not itself an annotation. Comments are ignored by YAML, so the text is analysed as
//! written (annotations must not sit inside block scalars, where `#` lines are content).

use crate::diagnostic::Diagnostic;
use crate::text::LineIndex;

/// One expected or actual diagnostic, in the comparable form `code@line:start-end: message`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Mark {
    line: usize,
    start: usize,
    end: usize,
    code: String,
    message: Option<String>,
}

impl std::fmt::Display for Mark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}@{}:{}-{}",
            self.code,
            self.line + 1,
            self.start + 1,
            self.end + 1
        )?;
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

fn expected_marks(text: &str) -> Vec<Mark> {
    let mut marks = Vec::new();
    let mut target_line = None;
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let is_annotation = trimmed.starts_with('#') && trimmed[1..].trim_start().starts_with('^');
        if !is_annotation {
            target_line = Some(number);
            continue;
        }
        let Some(target) = target_line else { continue };
        let start = line.find('^').unwrap();
        let end = start + line[start..].chars().take_while(|c| *c == '^').count();
        let rest = line[end..].trim();
        let (code, message) = match rest.split_once(": ") {
            Some((code, message)) => (code.to_owned(), Some(message.to_owned())),
            None => (rest.to_owned(), None),
        };
        marks.push(Mark {
            line: target,
            start,
            end,
            code,
            message,
        });
    }
    marks.sort();
    marks
}

/// Asserts that `diagnostics` of `text` are exactly the ones its annotations mark (messages
/// are compared only where the annotation gives one).
#[track_caller]
pub(crate) fn assert_marks(text: &str, diagnostics: &[Diagnostic]) {
    let index = LineIndex::new(text);
    let expected = expected_marks(text);
    let mut actual: Vec<Mark> = diagnostics
        .iter()
        .map(|d| {
            let start = index.line_col(text, d.range.start);
            let end = index.line_col(text, d.range.end);
            let end_col = if end.line == start.line {
                end.col
            } else {
                start.col + 1
            };
            Mark {
                line: start.line as usize,
                start: start.col as usize,
                end: end_col as usize,
                code: d.code.as_str().to_owned(),
                message: Some(d.message.clone()),
            }
        })
        .collect();
    actual.sort();
    let matches = |e: &Mark, a: &Mark| {
        e.line == a.line
            && e.start == a.start
            && e.end == a.end
            && e.code == a.code
            && e.message
                .as_ref()
                .is_none_or(|m| Some(m) == a.message.as_ref())
    };
    let ok =
        expected.len() == actual.len() && expected.iter().zip(&actual).all(|(e, a)| matches(e, a));
    if !ok {
        let show = |marks: &[Mark]| marks.iter().map(|m| format!("  {m}\n")).collect::<String>();
        panic!(
            "diagnostics differ\nexpected:\n{}actual:\n{}",
            show(&expected),
            show(&actual)
        );
    }
}
