//! Where the cursor is in YAML terms — the keys leading to it and whether a key or a value is
//! being typed — read from the lines and their indentation rather than from the tree, so it
//! works on half-typed text the parser gave up on.

use crate::text::TextRange;

/// One step of the path to the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A mapping key.
    Key(String),
    /// An item of a block sequence.
    Item,
}

/// What is being typed at the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// A key of the mapping at [`YamlPosition::path`].
    Key {
        /// The word under the cursor (to be replaced).
        word: TextRange,
        /// Keys the mapping already has.
        siblings: Vec<String>,
    },
    /// The value of `key` (or of a sequence item when `key` is `None`), from `start` to the
    /// cursor; inside a block scalar `start` is the cursor's line start.
    Value {
        /// The key whose value this is.
        key: Option<String>,
        /// Where the value's text starts.
        start: usize,
    },
}

/// The cursor's place in a YAML document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct YamlPosition {
    /// The path from the document root to the mapping or sequence holding the slot.
    pub(crate) path: Vec<Segment>,
    /// What is being typed.
    pub(crate) slot: Slot,
}

impl YamlPosition {
    /// The path's keys, with `[]` for sequence items: `spec.resources.[].template`.
    #[cfg(test)]
    pub(crate) fn render(&self) -> String {
        self.path
            .iter()
            .map(|s| match s {
                Segment::Key(k) => k.as_str(),
                Segment::Item => "[]",
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// Whether the path is exactly `pattern` (`"*"` matches any key, `"[]"` an item).
    pub(crate) fn path_is(&self, pattern: &[&str]) -> bool {
        self.path.len() == pattern.len() && self.path_starts_with(pattern)
    }

    /// Whether the path starts with `pattern` (`"*"` matches any key, `"[]"` an item).
    pub(crate) fn path_starts_with(&self, pattern: &[&str]) -> bool {
        self.path.len() >= pattern.len()
            && self.path.iter().zip(pattern).all(|(s, p)| match s {
                Segment::Key(k) => *p == "*" || k == p,
                Segment::Item => *p == "[]",
            })
    }
}

/// The cursor's place at `offset` of `text`.
pub(crate) fn at(text: &str, offset: usize) -> YamlPosition {
    let offset = crate::text::floor_char_boundary(text, offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let before = &text[line_start..offset];
    let above = Lines::above(text, line_start);

    let parsed = Line::parse(before);
    // Inside a block scalar, the whole line is value text of the key that opened it.
    if let Some((key, path)) = block_scalar_owner(above.clone(), parsed.content_col) {
        return YamlPosition {
            path,
            slot: Slot::Value {
                key: Some(key),
                start: line_start + before.len() - before.trim_start().len(),
            },
        };
    }
    let column = parsed.dashes.first().copied().unwrap_or(parsed.content_col);
    let mut path = parents(above.clone(), column, !parsed.dashes.is_empty());
    path.extend(parsed.dashes.iter().map(|_| Segment::Item));
    let slot = match &parsed.content {
        Content::Empty | Content::Word => {
            let word_start = line_start + parsed.content_col;
            let rest = &text[offset..line_end];
            let word_end = offset
                + rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                    .unwrap_or(rest.len());
            let mut siblings = Vec::new();
            if parsed.dashes.is_empty() {
                siblings.extend(sibling_keys(above, parsed.content_col));
            }
            siblings.extend(sibling_keys(
                Lines::below(text, line_end),
                parsed.content_col,
            ));
            Slot::Key {
                word: TextRange::new(word_start, word_end),
                siblings,
            }
        }
        Content::Key { name, value_col } => Slot::Value {
            key: Some(name.clone()),
            start: line_start + value_col.unwrap_or(before.len()),
        },
        Content::Scalar | Content::Comment => Slot::Value {
            key: None,
            start: line_start + parsed.content_col,
        },
    };
    YamlPosition { path, slot }
}

/// What a line holds after its indentation and sequence dashes.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Content {
    Empty,
    Comment,
    /// Something that can still become a key (no `:` yet).
    Word,
    /// `key:` and, when present, where its inline value starts.
    Key {
        name: String,
        value_col: Option<usize>,
    },
    /// A scalar or flow collection.
    Scalar,
}

#[derive(Clone, Debug)]
struct Line {
    /// Columns of the `- ` indicators.
    dashes: Vec<usize>,
    /// Column where the content starts.
    content_col: usize,
    content: Content,
    /// The key's value is a block scalar (`|`, `>`).
    block: bool,
    /// The key has an inline value.
    inline_value: bool,
}

impl Line {
    fn parse(line: &str) -> Line {
        let mut col = 0;
        let mut dashes = Vec::new();
        let bytes = line.as_bytes();
        loop {
            while col < bytes.len() && bytes[col] == b' ' {
                col += 1;
            }
            if bytes.get(col) == Some(&b'-')
                && matches!(bytes.get(col + 1), None | Some(b' ' | b'\t'))
            {
                dashes.push(col);
                col += 1;
                continue;
            }
            break;
        }
        let rest = &line[col..];
        let mut block = false;
        let mut inline_value = false;
        let content = if rest.trim().is_empty() {
            Content::Empty
        } else if rest.starts_with('#') {
            Content::Comment
        } else if let Some((name, after)) = split_key(rest) {
            let value = strip_comment(&line[col + after..]);
            let trimmed = value.trim_start();
            block = trimmed.starts_with('|') || trimmed.starts_with('>');
            inline_value = !trimmed.trim_end().is_empty();
            let value_col = if value.is_empty() {
                None
            } else {
                Some(col + after + (value.len() - trimmed.len()))
            };
            Content::Key { name, value_col }
        } else if rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        {
            Content::Word
        } else {
            Content::Scalar
        };
        Line {
            dashes,
            content_col: col,
            content,
            block,
            inline_value,
        }
    }

    fn is_blank(&self) -> bool {
        matches!(self.content, Content::Empty | Content::Comment) && self.dashes.is_empty()
    }

    /// Where the line's innermost structure starts: its first dash, or its content.
    fn start_col(&self) -> usize {
        self.dashes.first().copied().unwrap_or(self.content_col)
    }
}

/// `key: …` → the key and the byte just after the `:`.
fn split_key(rest: &str) -> Option<(String, usize)> {
    let bytes = rest.as_bytes();
    let (name, colon) = match bytes.first()? {
        q @ (b'"' | b'\'') => {
            let close = rest[1..].find(*q as char)? + 1;
            (rest[1..close].to_owned(), close + 1)
        }
        b'{' | b'[' | b'|' | b'>' | b'&' | b'*' | b'!' | b'%' | b'@' | b'`' => return None,
        _ => {
            let mut i = 0;
            loop {
                let at = rest[i..].find(':')? + i;
                if rest[..at].contains(" #") {
                    return None;
                }
                if matches!(bytes.get(at + 1), None | Some(b' ' | b'\t')) {
                    break (rest[..at].trim_end().to_owned(), at);
                }
                i = at + 1;
            }
        }
    };
    if bytes.get(colon) != Some(&b':') || !matches!(bytes.get(colon + 1), None | Some(b' ' | b'\t'))
    {
        return None;
    }
    Some((name, colon + 1))
}

/// The text before a ` #` comment.
fn strip_comment(value: &str) -> &str {
    // Quotes may hold `#`; only strip a comment outside them (good enough for a key's value).
    let mut quote = None;
    for (i, c) in value.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if i == 0 || value[..i].ends_with([' ', '\t']) => return &value[..i],
            _ => {}
        }
    }
    value
}

/// The lines of one document above or below a point, nearest first, blank lines skipped.
#[derive(Clone)]
struct Lines<'t> {
    text: &'t str,
    /// Next line boundary to read from.
    at: usize,
    up: bool,
}

impl<'t> Lines<'t> {
    fn above(text: &'t str, line_start: usize) -> Self {
        Lines {
            text,
            at: line_start,
            up: true,
        }
    }

    fn below(text: &'t str, line_end: usize) -> Self {
        Lines {
            text,
            at: line_end,
            up: false,
        }
    }
}

impl Iterator for Lines<'_> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        loop {
            let raw = if self.up {
                if self.at == 0 {
                    return None;
                }
                let end = self.at - 1;
                let start = self.text[..end].rfind('\n').map_or(0, |i| i + 1);
                self.at = start;
                &self.text[start..end]
            } else {
                if self.at >= self.text.len() {
                    return None;
                }
                let start = self.at + 1;
                let end = self.text[start..]
                    .find('\n')
                    .map_or(self.text.len(), |i| start + i);
                self.at = end;
                &self.text[start..end]
            };
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.starts_with("---") || raw.starts_with("...") {
                return None; // another document
            }
            let line = Line::parse(raw);
            if !line.is_blank() {
                return Some(line);
            }
        }
    }
}

/// The keys enclosing a node that starts at `column`, from the document root.
/// `item` says the node is a sequence item, whose parent key may sit at the same column.
fn parents(lines: Lines<'_>, column: usize, item: bool) -> Vec<Segment> {
    let mut target = column;
    let mut after_item = item;
    let mut path = Vec::new();
    for line in lines {
        if let Content::Key { name, .. } = &line.content {
            let is_parent = !line.inline_value
                && (line.content_col < target
                    || (after_item && line.content_col == target && line.dashes.is_empty()));
            if is_parent {
                path.push(Segment::Key(name.clone()));
                target = line.content_col;
                after_item = false;
            }
        }
        for &dash in line.dashes.iter().rev() {
            if dash < target {
                path.push(Segment::Item);
                target = dash;
                after_item = true;
            }
        }
        if target == 0 && !after_item {
            break;
        }
    }
    path.reverse();
    path
}

/// When the line at `column` lies inside a block scalar, its key and that key's path.
fn block_scalar_owner(mut lines: Lines<'_>, column: usize) -> Option<(String, Vec<Segment>)> {
    let mut lowest = column;
    let rest = lines.clone();
    for (i, line) in lines.by_ref().enumerate() {
        if line.start_col() < lowest {
            if let (Content::Key { name, .. }, true) = (&line.content, line.block) {
                let mut path = parents(
                    rest.clone().skip_n(i + 1),
                    line.start_col(),
                    !line.dashes.is_empty(),
                );
                path.extend(line.dashes.iter().map(|_| Segment::Item));
                return Some((name.clone(), path));
            }
            lowest = line.start_col();
            if !matches!(line.content, Content::Scalar | Content::Word) {
                return None;
            }
        }
    }
    None
}

impl Lines<'_> {
    fn skip_n(mut self, n: usize) -> Self {
        for _ in 0..n {
            if self.next().is_none() {
                break;
            }
        }
        self
    }
}

/// Keys at exactly `column` in the mapping the lines run through, up to its end or, going
/// up, the `- ` that starts it.
fn sibling_keys(lines: Lines<'_>, column: usize) -> Vec<String> {
    let up = lines.up;
    let mut keys = Vec::new();
    for line in lines {
        let starts_item = line.dashes.iter().any(|&d| d < column);
        if line.start_col() < column && !starts_item {
            break;
        }
        if starts_item && !(up && line.content_col == column) {
            break;
        }
        if line.content_col == column
            && let Content::Key { name, .. } = &line.content
        {
            keys.push(name.clone());
        }
        if starts_item {
            break; // the item's first key: what is above belongs to another item
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(fixture: &str, expected: &str) {
        let offset = fixture.find("$0").expect("a $0 cursor");
        let text = fixture.replace("$0", "");
        let position = at(&text, offset);
        let slot = match &position.slot {
            Slot::Key { word, siblings } => format!(
                "key {:?} siblings {:?}",
                &text[word.start..word.end],
                siblings
            ),
            Slot::Value { key, start } => {
                format!("value of {key:?}: {:?}", &text[*start..offset])
            }
        };
        assert_eq!(format!("{} | {slot}", position.render()), expected);
    }

    const RGD: &str = "apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
spec:
  schema:
    kind: App
    spec:
      name: string
      $0
";

    #[test]
    fn a_key_in_a_nested_mapping() {
        check(RGD, "spec.schema.spec | key \"\" siblings [\"name\"]");
        check(
            "spec:\n  sch$0\n  resources: []\n",
            "spec | key \"sch\" siblings [\"resources\"]",
        );
        check("api$0Version: x\n", " | key \"apiVersion\" siblings []");
    }

    #[test]
    fn keys_in_sequence_items() {
        let fixture = "spec:
  resources:
    - id: web
      template:
        kind: Pod
    - id: db
      $0
      readyWhen: []
";
        check(
            fixture,
            "spec.resources.[] | key \"\" siblings [\"id\", \"readyWhen\"]",
        );
        check(
            "spec:\n  resources:\n  - id: a\n  - $0\n",
            "spec.resources.[] | key \"\" siblings []",
        );
        check(
            "spec:\n  resources:\n    - id: web\n      template:\n        $0\n",
            "spec.resources.[].template | key \"\" siblings []",
        );
    }

    #[test]
    fn values() {
        check(
            "spec:\n  schema:\n    spec:\n      name: string | req$0\n",
            "spec.schema.spec | value of Some(\"name\"): \"string | req\"",
        );
        check(
            "spec:\n  resources:\n    - id: a\n      readyWhen:\n        - ${a.$0\n",
            "spec.resources.[].readyWhen.[] | value of None: \"${a.\"",
        );
        check(
            "a:\n  script: |\n    line one\n    ${x.$0\n",
            "a | value of Some(\"script\"): \"${x.\"",
        );
    }

    #[test]
    fn stops_at_document_boundaries() {
        check(
            "spec:\n  resources: []\n---\nspec:\n  $0\n",
            "spec | key \"\" siblings []",
        );
    }
}
