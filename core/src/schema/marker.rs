//! The markers after a SimpleSchema type: `required=true default="x" enum="a,b"`.
//!
//! Markers are separated by whitespace; a value may be double-quoted (`\"` and `\\` are the
//! only escapes; any other backslash is kept) or a JSON array/object whose brackets balance, and
//! then it may contain spaces. Reading never stops at the first problem: every marker that can
//! be read is returned along with the problems, each with the byte range (in the text handed
//! in, shifted by `base`) it concerns.

use crate::text::TextRange;

/// A marker name SimpleSchema knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MarkerKind {
    /// `required=true`: the field is listed in its parent's `required`.
    Required,
    /// `default=<value>`: the value the API server fills in.
    Default,
    /// `description="..."`.
    Description,
    /// `minimum=<number>`.
    Minimum,
    /// `maximum=<number>`.
    Maximum,
    /// `validation="<CEL>"`: an `x-kubernetes-validations` rule.
    Validation,
    /// `enum="a,b"`.
    Enum,
    /// `immutable=true`: the rule `self == oldSelf`.
    Immutable,
    /// `pattern="<regex>"`.
    Pattern,
    /// `uniqueItems=true`: `x-kubernetes-list-type: set`.
    UniqueItems,
    /// `minLength=<n>`.
    MinLength,
    /// `maxLength=<n>`.
    MaxLength,
    /// `minItems=<n>`.
    MinItems,
    /// `maxItems=<n>`.
    MaxItems,
    /// `listType=atomic|set|map`.
    ListType,
    /// `listMapKey=<field>` (repeatable).
    ListMapKey,
}

impl MarkerKind {
    /// Every marker, in documentation order.
    pub const ALL: &'static [MarkerKind] = &[
        MarkerKind::Required,
        MarkerKind::Default,
        MarkerKind::Description,
        MarkerKind::Minimum,
        MarkerKind::Maximum,
        MarkerKind::Validation,
        MarkerKind::Enum,
        MarkerKind::Immutable,
        MarkerKind::Pattern,
        MarkerKind::UniqueItems,
        MarkerKind::MinLength,
        MarkerKind::MaxLength,
        MarkerKind::MinItems,
        MarkerKind::MaxItems,
        MarkerKind::ListType,
        MarkerKind::ListMapKey,
    ];

    /// The name as written (`minLength`).
    pub fn name(self) -> &'static str {
        match self {
            MarkerKind::Required => "required",
            MarkerKind::Default => "default",
            MarkerKind::Description => "description",
            MarkerKind::Minimum => "minimum",
            MarkerKind::Maximum => "maximum",
            MarkerKind::Validation => "validation",
            MarkerKind::Enum => "enum",
            MarkerKind::Immutable => "immutable",
            MarkerKind::Pattern => "pattern",
            MarkerKind::UniqueItems => "uniqueItems",
            MarkerKind::MinLength => "minLength",
            MarkerKind::MaxLength => "maxLength",
            MarkerKind::MinItems => "minItems",
            MarkerKind::MaxItems => "maxItems",
            MarkerKind::ListType => "listType",
            MarkerKind::ListMapKey => "listMapKey",
        }
    }

    /// The marker with this exact (case-sensitive) name.
    pub fn from_name(name: &str) -> Option<MarkerKind> {
        MarkerKind::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// One line on what the marker does, for completion and hover.
    pub fn doc(self) -> &'static str {
        match self {
            MarkerKind::Required => "`required=true` lists the field in its parent's `required`",
            MarkerKind::Default => {
                "`default=<value>`: the value the API server fills in; JSON for lists and objects"
            }
            MarkerKind::Description => {
                "`description=\"...\"`: documentation shown by kubectl explain"
            }
            MarkerKind::Minimum => "`minimum=<number>`: smallest allowed number (inclusive)",
            MarkerKind::Maximum => "`maximum=<number>`: largest allowed number (inclusive)",
            MarkerKind::Validation => {
                "`validation=\"<CEL>\"`: a CEL rule the value must satisfy (`self` is the value)"
            }
            MarkerKind::Enum => "`enum=\"a,b\"`: the allowed values of a string or integer",
            MarkerKind::Immutable => "`immutable=true`: the value cannot change once set",
            MarkerKind::Pattern => "`pattern=\"<regex>\"`: a regular expression strings must match",
            MarkerKind::UniqueItems => "`uniqueItems=true`: list items are a set",
            MarkerKind::MinLength => "`minLength=<n>`: shortest allowed string",
            MarkerKind::MaxLength => "`maxLength=<n>`: longest allowed string",
            MarkerKind::MinItems => "`minItems=<n>`: fewest list items",
            MarkerKind::MaxItems => "`maxItems=<n>`: most list items",
            MarkerKind::ListType => {
                "`listType=atomic|set|map`: how server-side apply merges the list"
            }
            MarkerKind::ListMapKey => {
                "`listMapKey=<field>`: a key field of a `listType=map` list (repeatable)"
            }
        }
    }

    /// Whether giving the marker twice is meaningful (rules and keys accumulate).
    pub fn is_repeatable(self) -> bool {
        matches!(self, MarkerKind::Validation | MarkerKind::ListMapKey)
    }
}

/// One `name=value` marker as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// The name as written.
    pub name: String,
    /// The marker, when the name is known.
    pub kind: Option<MarkerKind>,
    /// Where the name is.
    pub name_range: TextRange,
    /// The value: unquoted and unescaped when it was double-quoted, else trimmed.
    pub value: String,
    /// Where the value is, quotes included.
    pub value_range: TextRange,
    /// Whether the value was double-quoted.
    pub quoted: bool,
}

impl Marker {
    /// The whole `name=value` text.
    pub fn range(&self) -> TextRange {
        self.name_range.cover(self.value_range)
    }
}

/// A problem reading the marker list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkerSyntaxError {
    /// Where.
    pub range: TextRange,
    /// What is wrong.
    pub message: String,
}

/// Reads the markers of `text`, whose first byte is at offset `base`.
pub fn parse_markers(text: &str, base: usize) -> (Vec<Marker>, Vec<MarkerSyntaxError>) {
    let mut reader = Reader {
        base,
        text,
        markers: Vec::new(),
        errors: Vec::new(),
        key: None,
        start: None,
        in_quotes: false,
        quote_start: 0,
        escaped: false,
        brackets: Vec::new(),
    };
    for (pos, c) in text.char_indices() {
        reader.step(pos, c);
    }
    reader.finish();
    (reader.markers, reader.errors)
}

struct Reader<'a> {
    base: usize,
    text: &'a str,
    markers: Vec<Marker>,
    errors: Vec<MarkerSyntaxError>,
    /// The name and its range once `=` was read; `None` while reading a name.
    key: Option<(String, TextRange)>,
    /// Where the pending name or value starts.
    start: Option<usize>,
    in_quotes: bool,
    quote_start: usize,
    escaped: bool,
    /// Positions of the open brackets.
    brackets: Vec<usize>,
}

impl Reader<'_> {
    fn range(&self, start: usize, end: usize) -> TextRange {
        TextRange::new(self.base + start, self.base + end)
    }

    fn error(&mut self, start: usize, end: usize, message: impl Into<String>) {
        self.errors.push(MarkerSyntaxError {
            range: self.range(start, end),
            message: message.into(),
        });
    }

    fn step(&mut self, pos: usize, c: char) {
        if self.escaped {
            self.escaped = false;
            return;
        }
        let outside = !self.in_quotes && self.brackets.is_empty();
        if c.is_whitespace() && outside {
            self.end_token(pos);
            return;
        }
        if self.start.is_none() {
            self.start = Some(pos);
        }
        match c {
            '=' if outside && self.key.is_none() => {
                let start = self.start.take().unwrap_or(pos);
                let name = self.text[start..pos].to_owned();
                if name.is_empty() {
                    self.error(pos, pos + 1, "a marker name is missing before `=`");
                }
                self.key = Some((name, self.range(start, pos)));
                // The value starts after the `=`, possibly empty.
                self.start = Some(pos + 1);
            }
            '"' => {
                self.in_quotes = !self.in_quotes;
                if self.in_quotes {
                    self.quote_start = pos;
                }
            }
            '\\' if self.in_quotes => self.escaped = true,
            '{' | '[' if !self.in_quotes => self.brackets.push(pos),
            '}' | ']' if !self.in_quotes && self.brackets.pop().is_none() => {
                self.error(pos, pos + c.len_utf8(), format!("`{c}` closes nothing"));
            }
            _ => {}
        }
    }

    /// Whitespace outside quotes and brackets, or the end: closes the pending name or value.
    fn end_token(&mut self, end: usize) {
        match self.key.take() {
            Some((name, name_range)) => {
                let start = self.start.take().unwrap_or(end).min(end);
                let raw = &self.text[start..end];
                let (value, quoted) = process_value(raw);
                self.markers.push(Marker {
                    kind: MarkerKind::from_name(&name),
                    name,
                    name_range,
                    value,
                    value_range: self.range(start, end),
                    quoted,
                });
            }
            None => {
                if let Some(start) = self.start.take() {
                    let name = &self.text[start..end];
                    self.error(
                        start,
                        end,
                        format!("marker `{name}` has no value; write `{name}=<value>`"),
                    );
                }
            }
        }
    }

    fn finish(&mut self) {
        let end = self.text.len();
        let unclosed_quote = self.in_quotes;
        let unclosed_bracket = self.brackets.first().copied();
        let had_key = self.key.is_some();
        self.end_token(end);
        if unclosed_quote {
            self.error(self.quote_start, end, "this `\"` is never closed");
        }
        if let Some(open) = unclosed_bracket {
            let c = self.text[open..].chars().next().unwrap_or('[');
            self.error(open, end, format!("this `{c}` is never closed"));
        }
        // A value cut short by an unclosed quote or bracket is not trusted.
        if had_key && (unclosed_quote || unclosed_bracket.is_some()) {
            self.markers.pop();
        }
    }
}

/// Unquotes a double-quoted value (unescaping `\"` and `\\`), or trims a plain one.
fn process_value(raw: &str) -> (String, bool) {
    if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
        (unescape(&raw[1..raw.len() - 1]), true)
    } else {
        (raw.trim().to_owned(), false)
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            if c != '"' && c != '\\' {
                out.push('\\');
            }
            out.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(String, String)> {
        let (markers, errors) = parse_markers(text, 0);
        assert!(errors.is_empty(), "{errors:?}");
        markers.into_iter().map(|m| (m.name, m.value)).collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn plain_quoted_and_json_values() {
        assert_eq!(
            values(r#"required=true description="This has spaces" default=5"#),
            pairs(&[
                ("required", "true"),
                ("description", "This has spaces"),
                ("default", "5")
            ])
        );
        assert_eq!(
            values(r#"default={"key": "value"} description="A complex \"description\"""#),
            pairs(&[
                ("default", r#"{"key": "value"}"#),
                ("description", r#"A complex "description""#)
            ])
        );
        assert_eq!(
            values(r#"default=["a", "b c"] required=true"#),
            pairs(&[("default", r#"["a", "b c"]"#), ("required", "true")])
        );
    }

    #[test]
    fn only_quote_and_backslash_are_unescaped() {
        assert_eq!(
            values(r#"description="has \"quotes\" and a \n newline" pattern="^\\d+$""#),
            pairs(&[
                ("description", r#"has "quotes" and a \n newline"#),
                ("pattern", r"^\d+$")
            ])
        );
    }

    #[test]
    fn ranges_point_at_name_and_value() {
        let text = r#"minLenght=3 description="a b""#;
        let (markers, _) = parse_markers(text, 10);
        assert_eq!(markers[0].name_range, TextRange::new(10, 19));
        assert_eq!(markers[0].value_range, TextRange::new(20, 21));
        assert_eq!(markers[0].kind, None);
        assert_eq!(markers[1].value_range, TextRange::new(34, 39));
        assert!(markers[1].quoted);
    }

    #[test]
    fn trailing_and_repeated_whitespace_is_harmless() {
        assert_eq!(
            values("  required=true    default=1  "),
            pairs(&[("required", "true"), ("default", "1")])
        );
    }

    #[test]
    fn syntax_errors_are_all_reported() {
        let (markers, errors) = parse_markers("optional default=5 =x", 0);
        let messages: Vec<_> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "marker `optional` has no value; write `optional=<value>`",
                "a marker name is missing before `=`"
            ]
        );
        assert_eq!(markers.len(), 2);
        assert_eq!(errors[0].range, TextRange::new(0, 8));

        let (markers, errors) = parse_markers(r#"description="unclosed"#, 0);
        assert!(markers.is_empty());
        assert_eq!(errors[0].message, "this `\"` is never closed");
        assert_eq!(errors[0].range, TextRange::new(12, 21));

        let (_, errors) = parse_markers(r#"default={"a": 1"#, 0);
        assert_eq!(errors[0].message, "this `{` is never closed");

        let (_, errors) = parse_markers("default=}", 0);
        assert_eq!(errors[0].message, "`}` closes nothing");
    }

    #[test]
    fn empty_value_is_a_value() {
        assert_eq!(
            values("default= required=true"),
            pairs(&[("default", ""), ("required", "true")])
        );
        assert_eq!(values(r#"default="""#), pairs(&[("default", "")]));
    }
}
