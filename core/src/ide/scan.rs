//! A small, forgiving scan of `${…}` expressions and the identifiers they name.
//!
//! This is the editor's stand-in until the compiler keeps what `core::cel` resolves: inside an
//! expression it finds the root identifiers with the member path that follows
//! (`schema.spec.ports[0].name`) and the function called at a position, skipping CEL string
//! literals and numbers. It works on half-typed text (an unclosed `${`, an open string), which
//! is what completion needs.

use std::ops::Range;

/// One `${…}` in a string: the byte range of its body (between `${` and `}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Expression {
    /// The body, without `${` and `}`.
    pub(crate) body: Range<usize>,
    /// False when the text ended before the closing `}`.
    pub(crate) closed: bool,
}

/// The `${…}` expressions of `text`, in order, up to and including the first unclosed one
/// (the one being typed). Braces inside CEL string literals do not count, as in
/// [`cel::extract`](crate::cel::extract), which the compiler uses on complete text.
pub(crate) fn expressions(text: &str) -> Vec<Expression> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if !(bytes[i] == b'$' && bytes[i + 1] == b'{') {
            i += 1;
            continue;
        }
        let start = i + 2;
        let mut depth = 1;
        let mut j = start;
        while j < bytes.len() && depth > 0 {
            match bytes[j] {
                b'"' | b'\'' => {
                    let raw = j > 0 && matches!(bytes[j - 1], b'r' | b'R');
                    match skip_string(bytes, j, raw) {
                        Some(end) => j = end,
                        None => j = bytes.len(),
                    }
                    continue;
                }
                b'{' => depth += 1,
                b'}' => depth -= 1,
                _ => {}
            }
            j += 1;
        }
        if depth == 0 {
            out.push(Expression {
                body: start..j - 1,
                closed: true,
            });
            i = j;
        } else {
            out.push(Expression {
                body: start..bytes.len(),
                closed: false,
            });
            break;
        }
    }
    out
}

/// One step after a root identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// `.name` (or `.?name`), with the name's range.
    Field(String, Range<usize>),
    /// `[…]` (the index itself is not looked at).
    Index,
}

/// A root identifier and the member path that follows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reference {
    /// The identifier.
    pub(crate) name: String,
    /// Its byte range in the scanned text.
    pub(crate) range: Range<usize>,
    /// Fields and indexes that follow, up to a function call or anything else.
    pub(crate) steps: Vec<Step>,
}

/// The root identifiers of one expression body: identifiers not preceded by `.` and not called
/// as functions. Offsets are relative to `body`'s text plus `base`.
pub(crate) fn references(body: &str, base: usize) -> Vec<Reference> {
    let tokens = tokenize(body).tokens;
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let Token::Ident(range) = &tokens[i] else {
            i += 1;
            continue;
        };
        let after_dot = i > 0 && is_member_access(&tokens, i);
        let called = matches!(tokens.get(i + 1), Some(Token::Punct(b'(')));
        if after_dot || called {
            i += 1;
            continue;
        }
        let name = body[range.clone()].to_owned();
        let mut steps = Vec::new();
        let mut k = i + 1;
        loop {
            match tokens.get(k) {
                Some(Token::Punct(b'.')) => {
                    let mut n = k + 1;
                    if matches!(tokens.get(n), Some(Token::Punct(b'?'))) {
                        n += 1;
                    }
                    let Some(Token::Ident(field)) = tokens.get(n) else {
                        break;
                    };
                    if matches!(tokens.get(n + 1), Some(Token::Punct(b'('))) {
                        break; // a method call ends the path
                    }
                    steps.push(Step::Field(
                        body[field.clone()].to_owned(),
                        field.start + base..field.end + base,
                    ));
                    k = n + 1;
                }
                Some(Token::Punct(b'[')) => match matching_bracket(&tokens, k) {
                    Some(close) => {
                        steps.push(Step::Index);
                        k = close + 1;
                    }
                    None => break,
                },
                _ => break,
            }
        }
        out.push(Reference {
            name,
            range: range.start + base..range.end + base,
            steps,
        });
        i += 1;
    }
    out
}

/// What is being typed at the end of an expression's text: a member path and the partial
/// identifier after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Typing {
    /// The root identifier and the complete steps before the partial name; empty when the
    /// partial name is itself a root identifier.
    pub(crate) path: Vec<PathStep>,
    /// The identifier characters right before the end (possibly empty).
    pub(crate) partial: Range<usize>,
}

/// A step of [`Typing::path`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PathStep {
    /// A name (the root identifier or a field).
    Name(String),
    /// `[…]`.
    Index,
}

/// What is typed at the end of `prefix` (the text of an unclosed expression up to the cursor),
/// or `None` where nothing can be completed (inside a string literal or a number, or after
/// a member access on something that is not a plain path).
pub(crate) fn typing_at_end(prefix: &str) -> Option<Typing> {
    let scanned = tokenize(prefix);
    if scanned.open_string {
        return None;
    }
    let tokens = scanned.tokens;
    let mut end = tokens.len();
    let partial = match tokens.last() {
        Some(Token::Ident(range)) if range.end == prefix.len() => {
            end -= 1;
            range.clone()
        }
        Some(Token::Number(range)) if range.end == prefix.len() => return None,
        _ => prefix.len()..prefix.len(),
    };
    // Walk back over `.name`, `.?name` and `[…]` steps to the root identifier.
    let mut path = Vec::new();
    let mut k = end;
    let mut expect_member = false;
    loop {
        if k >= 1 && matches!(tokens[k - 1], Token::Punct(b'?')) && k >= 2 {
            if matches!(tokens[k - 2], Token::Punct(b'.')) {
                k -= 1;
            } else {
                break;
            }
        }
        if k >= 1 && matches!(tokens[k - 1], Token::Punct(b'.')) {
            k -= 1;
            expect_member = true;
            // Before the dot: a name, or `]`.
            loop {
                match tokens.get(k.wrapping_sub(1)) {
                    Some(Token::Punct(b']')) if k >= 1 => {
                        let open = matching_open_bracket(&tokens, k - 1)?;
                        path.push(PathStep::Index);
                        k = open;
                    }
                    _ => break,
                }
            }
            match tokens.get(k.wrapping_sub(1)) {
                Some(Token::Ident(range)) if k >= 1 => {
                    path.push(PathStep::Name(prefix[range.clone()].to_owned()));
                    k -= 1;
                    if k >= 1 && is_member_access(&tokens, k) {
                        continue;
                    }
                    expect_member = false;
                    break;
                }
                _ => return None, // a member of a call result, a literal, …
            }
        }
        break;
    }
    if expect_member {
        return None;
    }
    path.reverse();
    Some(Typing { path, partial })
}

/// A function or method called at some offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Call {
    /// The called name (`string`, `encode`, `lowerAscii`).
    pub(crate) name: String,
    /// The bare identifier before `.name`, which may be a namespace (`base64` of
    /// `base64.encode`) or a receiver.
    pub(crate) qualifier: Option<String>,
    /// Whether something precedes `.name` (a receiver, or a namespace).
    pub(crate) dotted: bool,
    /// Where the identifier under the offset is written.
    pub(crate) range: Range<usize>,
}

/// The call whose name (or namespace) covers `offset` in `body`, an expression.
pub(crate) fn call_at(body: &str, offset: usize) -> Option<Call> {
    let tokens = tokenize(body).tokens;
    let i = tokens
        .iter()
        .position(|t| matches!(t, Token::Ident(r) if r.start <= offset && offset <= r.end))?;
    let Token::Ident(range) = tokens[i].clone() else {
        return None;
    };
    let text = |r: Range<usize>| body[r].to_owned();
    let is = |k: usize, p: u8| matches!(tokens.get(k), Some(Token::Punct(c)) if *c == p);
    let ident = |k: usize| match tokens.get(k) {
        Some(Token::Ident(r)) => Some(r.clone()),
        _ => None,
    };
    // The offset on `ns` of `ns.name(`.
    if is(i + 1, b'.') && is(i + 3, b'(') && !is_member_access(&tokens, i) {
        return Some(Call {
            name: text(ident(i + 2)?),
            qualifier: Some(text(range.clone())),
            dotted: true,
            range,
        });
    }
    if !is(i + 1, b'(') {
        return None;
    }
    let dotted = is_member_access(&tokens, i);
    let qualifier = (dotted && i >= 2 && !is_member_access(&tokens, i - 2))
        .then(|| ident(i - 2))
        .flatten()
        .map(text);
    Some(Call {
        name: text(range.clone()),
        qualifier,
        dotted,
        range,
    })
}

/// Whether the identifier at token `i` is reached by `.` or `.?`.
pub(crate) fn is_member_access(tokens: &[Token], i: usize) -> bool {
    match tokens.get(i.wrapping_sub(1)) {
        Some(Token::Punct(b'.')) => true,
        Some(Token::Punct(b'?')) => {
            matches!(tokens.get(i.wrapping_sub(2)), Some(Token::Punct(b'.')))
        }
        _ => false,
    }
}

fn matching_bracket(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0;
    for (k, token) in tokens.iter().enumerate().skip(open) {
        match token {
            Token::Punct(b'[') => depth += 1,
            Token::Punct(b']') => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

fn matching_open_bracket(tokens: &[Token], close: usize) -> Option<usize> {
    let mut depth = 0;
    for k in (0..=close).rev() {
        match tokens[k] {
            Token::Punct(b']') => depth += 1,
            Token::Punct(b'[') => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// One CEL token: identifiers and numbers with their range, string literals, and every other
/// character on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Ident(Range<usize>),
    Number(Range<usize>),
    String,
    Punct(u8),
}

struct Scanned {
    tokens: Vec<Token>,
    /// Where each token is written (a string literal with its prefix and quotes).
    ranges: Vec<Range<usize>>,
    /// The text ended inside a string literal.
    open_string: bool,
}

/// The tokens of `text` with where each is written; a string literal left open at the end is
/// one last `String` token running to the end.
pub(crate) fn lex(text: &str) -> Vec<(Token, Range<usize>)> {
    let scanned = tokenize(text);
    let end = scanned.ranges.last().map_or(0, |r| r.end);
    let mut out: Vec<(Token, Range<usize>)> =
        scanned.tokens.into_iter().zip(scanned.ranges).collect();
    if scanned.open_string {
        let start = text[end..]
            .find(|c: char| !c.is_whitespace())
            .map_or(text.len(), |i| end + i);
        out.push((Token::String, start..text.len()));
    }
    out
}

/// CEL tokens, enough to tell identifiers from everything else.
fn tokenize(text: &str) -> Scanned {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        if b.is_ascii_whitespace() {
            i += 1;
        } else if b == b'"' || b == b'\'' {
            match skip_string(bytes, i, false) {
                Some(end) => {
                    tokens.push(Token::String);
                    ranges.push(start..end);
                    i = end;
                }
                None => {
                    return Scanned {
                        tokens,
                        ranges,
                        open_string: true,
                    };
                }
            }
        } else if b.is_ascii_alphabetic() || b == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            // String prefixes: r"…", b'…', rb"…", br'…'.
            let word = &text[start..i];
            let is_prefix = matches!(word, "r" | "R" | "b" | "B" | "rb" | "rB" | "Rb" | "RB")
                || matches!(word, "br" | "bR" | "Br" | "BR");
            if is_prefix && i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let raw = word.contains(['r', 'R']);
                match skip_string(bytes, i, raw) {
                    Some(end) => {
                        tokens.push(Token::String);
                        ranges.push(start..end);
                        i = end;
                        continue;
                    }
                    None => {
                        return Scanned {
                            tokens,
                            ranges,
                            open_string: true,
                        };
                    }
                }
            }
            tokens.push(Token::Ident(start..i));
            ranges.push(start..i);
        } else if b.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                // `1.0e-3`: an exponent sign belongs to the number.
                if (bytes[i] == b'e' || bytes[i] == b'E')
                    && matches!(bytes.get(i + 1), Some(b'-' | b'+'))
                {
                    i += 1;
                }
                i += 1;
            }
            tokens.push(Token::Number(start..i));
            ranges.push(start..i);
        } else {
            tokens.push(Token::Punct(b));
            // Skip the rest of a multi-byte character.
            i += 1;
            while i < bytes.len() && !text.is_char_boundary(i) {
                i += 1;
            }
            ranges.push(start..i);
        }
    }
    Scanned {
        tokens,
        ranges,
        open_string: false,
    }
}

/// The end of the string literal opening at `start` (single, double or triple quoted), or
/// `None` when the text ends inside it.
fn skip_string(bytes: &[u8], start: usize, raw: bool) -> Option<usize> {
    let quote = bytes[start];
    let triple = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut i = start + if triple { 3 } else { 1 };
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
        if b == b'\n' && !triple {
            return None;
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(text: &str) -> Vec<(&str, bool)> {
        expressions(text)
            .into_iter()
            .map(|e| (&text[e.body], e.closed))
            .collect()
    }

    fn refs(body: &str) -> Vec<String> {
        references(body, 0)
            .into_iter()
            .map(|r| {
                let mut s = r.name;
                for step in r.steps {
                    match step {
                        Step::Field(name, _) => {
                            s.push('.');
                            s.push_str(&name);
                        }
                        Step::Index => s.push_str("[]"),
                    }
                }
                s
            })
            .collect()
    }

    fn typing(prefix: &str) -> Option<String> {
        let t = typing_at_end(prefix)?;
        let path: Vec<String> = t
            .path
            .iter()
            .map(|s| match s {
                PathStep::Name(n) => n.clone(),
                PathStep::Index => "[]".to_owned(),
            })
            .collect();
        Some(format!("{}|{}", path.join("."), &prefix[t.partial]))
    }

    #[test]
    fn finds_expressions_with_the_extraction_rules() {
        assert_eq!(
            bodies("a ${x.y}-${ {\"k\": \"}\"}.k } ${'}' + open"),
            vec![
                ("x.y", true),
                (" {\"k\": \"}\"}.k ", true),
                ("'}' + open", false)
            ]
        );
        assert_eq!(bodies("no $ {expr} here"), vec![]);
    }

    #[test]
    fn references_skip_strings_members_and_functions() {
        assert_eq!(
            refs(
                "deployment.status.ready == 'web.x' && has(svc.spec) ? string(schema.spec.port) : \"deployment\""
            ),
            vec!["deployment.status.ready", "svc.spec", "schema.spec.port"]
        );
        assert_eq!(
            refs("schema.spec.ports[0].name.lowerAscii() + r'a\\' + cfg.?data.key"),
            vec!["schema.spec.ports[].name", "cfg.data.key"]
        );
        assert_eq!(refs("1.5e-3 + x"), vec!["x"]);
    }

    #[test]
    fn calls_under_the_cursor() {
        let call = |text: &str, at: &str| {
            let offset = text.find(at).unwrap();
            call_at(text, offset).map(|c| {
                let q = c.qualifier.map(|q| format!("{q}.")).unwrap_or_default();
                format!("{q}{}{}", c.name, if c.dotted { " (dotted)" } else { "" })
            })
        };
        let text = "string(x) + base64.encode(y) + n.lowerAscii() + x.y";
        assert_eq!(call(text, "string").as_deref(), Some("string"));
        assert_eq!(
            call(text, "base64").as_deref(),
            Some("base64.encode (dotted)")
        );
        assert_eq!(
            call(text, "encode").as_deref(),
            Some("base64.encode (dotted)")
        );
        assert_eq!(
            call(text, "lowerAscii").as_deref(),
            Some("n.lowerAscii (dotted)")
        );
        assert_eq!(
            call("f(x).size()", "size").as_deref(),
            Some("size (dotted)")
        );
        assert_eq!(call(text, "y"), None);
    }

    #[test]
    fn what_is_being_typed() {
        assert_eq!(typing("schema.spec.").as_deref(), Some("schema.spec|"));
        assert_eq!(typing("schema.spec.na").as_deref(), Some("schema.spec|na"));
        assert_eq!(typing("").as_deref(), Some("|"));
        assert_eq!(typing("a + dep").as_deref(), Some("|dep"));
        assert_eq!(
            typing("schema.spec.ports[0].").as_deref(),
            Some("schema.spec.ports.[]|")
        );
        assert_eq!(typing("x.?y.").as_deref(), Some("x.y|"));
        assert_eq!(typing("'abc."), None);
        assert_eq!(typing("f(x)."), None);
        assert_eq!(typing("1."), None);
    }
}
