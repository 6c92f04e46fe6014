//! Parsing CEL text with the engine's parser, behind limits that keep hostile input from
//! exhausting the stack, and with error messages rewritten for people.

use std::sync::OnceLock;

use cel_core::{Expr, SpannedExpr};

use crate::diagnostic::{Code, Diagnostic};
use crate::text::TextRange;

/// Longest expression accepted, in bytes (cel-go's default limit is 100k code points).
pub const MAX_EXPRESSION_BYTES: usize = 100_000;
/// Deepest nesting of brackets, ternaries and unary operators the parser is given.
pub const MAX_NESTING: usize = 64;
/// Deepest syntax tree the checker walks.
pub const MAX_DEPTH: usize = 250;

/// Parses `text`; on failure, the diagnostics say why (ranges relative to `text`).
pub(crate) fn parse(text: &str) -> Result<SpannedExpr, Diagnostic> {
    if text.len() > MAX_EXPRESSION_BYTES {
        return Err(Diagnostic::new(
            Code::CelTooComplex,
            TextRange::new(0, text.len()),
            format!(
                "expression is {} bytes long; at most {MAX_EXPRESSION_BYTES} are accepted",
                text.len()
            ),
        ));
    }
    if text.trim().is_empty() {
        return Err(Diagnostic::new(
            Code::CelSyntax,
            TextRange::new(0, text.len()),
            "empty expression",
        ));
    }
    if let Some(at) = too_nested(text) {
        return Err(Diagnostic::new(
            Code::CelTooComplex,
            TextRange::new(at, (at + 1).min(text.len())),
            format!("expression is nested more than {MAX_NESTING} levels deep"),
        ));
    }
    let options = cel_core::parser::ParseOptions::with_macros(macros().clone());
    let result = cel_core::parser::parse_with_options(text, options);
    if let Some(error) = result.errors.into_iter().next() {
        if let Some(ast) = result.ast {
            dismantle(ast);
        }
        let range = clamp(text, error.span.start, error.span.end);
        return Err(Diagnostic::new(
            Code::CelSyntax,
            range,
            humanize(text, &error.message, range),
        ));
    }
    let Some(ast) = result.ast else {
        return Err(Diagnostic::new(
            Code::CelSyntax,
            TextRange::new(0, text.len()),
            "empty expression",
        ));
    };
    if depth_exceeds(&ast, MAX_DEPTH) {
        dismantle(ast);
        return Err(Diagnostic::new(
            Code::CelTooComplex,
            TextRange::new(0, text.len()),
            format!("expression nests more than {MAX_DEPTH} operations deep; split it up"),
        ));
    }
    Ok(ast)
}

/// The macros of CEL as kro enables it (the standard ones, two-variable comprehensions,
/// `cel.bind` and the optional macros), built once: building the engine's registry costs more
/// than parsing a typical expression.
fn macros() -> &'static cel_core::parser::MacroRegistry {
    static MACROS: OnceLock<cel_core::parser::MacroRegistry> = OnceLock::new();
    MACROS.get_or_init(|| {
        const KRO: &[&str] = &[
            "has",
            "all",
            "exists",
            "exists_one",
            "existsOne",
            "map",
            "filter",
            "transformList",
            "transformMap",
            "cel.bind",
            "optMap",
            "optFlatMap",
        ];
        let mut registry = cel_core::parser::MacroRegistry::new();
        for m in cel_core::parser::macros::STANDARD_MACROS {
            if KRO.contains(&m.name) {
                registry.register(m.clone());
            }
        }
        registry
    })
}

fn clamp(text: &str, start: usize, end: usize) -> TextRange {
    let start = start.min(text.len());
    let end = end.clamp(start, text.len());
    TextRange::new(start, end)
}

/// Rewrites the engine's parse messages (which print token names) in terms of the text.
fn humanize(text: &str, message: &str, range: TextRange) -> String {
    let found = || {
        let s = text.get(range.start..range.end).unwrap_or("").trim();
        if s.is_empty() {
            "the end of the expression".to_owned()
        } else {
            format!("`{s}`")
        }
    };
    if let Some(rest) = message.strip_prefix("expected '")
        && let Some((expected, _)) = rest.split_once("', found")
    {
        return format!("expected `{expected}`, found {}", found());
    }
    if message.starts_with("unexpected token") || message == "unexpected end of input" {
        let s = text.get(range.start..range.end).unwrap_or("").trim();
        if s.is_empty() {
            return "unexpected end of the expression".to_owned();
        }
        return format!("unexpected `{s}`");
    }
    if message.starts_with("expected identifier after '.'") {
        return format!("expected a field name after `.`, found {}", found());
    }
    if message.starts_with("expected field name") {
        return format!("expected a field name, found {}", found());
    }
    if message == "unexpected tokens after expression" {
        return format!("unexpected {} after the end of the expression", found());
    }
    if let Some(c) = message.strip_prefix("unexpected character '") {
        if c.starts_with(['"', '\'']) {
            return "unterminated string literal".to_owned();
        }
        return format!("unexpected character {}", found());
    }
    message.replace('\'', "`")
}

/// The offset where bracket, ternary or unary nesting first exceeds [`MAX_NESTING`] (outside
/// string literals), if it does.
fn too_nested(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut ternaries = 0usize;
    let mut unary_run = 0usize;
    let mut previous = b'(';
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' | b'\'' => {
                i = skip_string(bytes, i);
                previous = b'"';
                unary_run = 0;
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'?' if !matches!(previous, b'.' | b'[' | b'{' | b',' | b'(') => ternaries += 1,
            _ => {}
        }
        if (b == b'!' && bytes.get(i + 1) != Some(&b'=')) || b == b'-' {
            unary_run += 1;
        } else if !b.is_ascii_whitespace() {
            unary_run = 0;
        }
        if depth + ternaries + unary_run > MAX_NESTING {
            return Some(i);
        }
        if !b.is_ascii_whitespace() {
            previous = b;
        }
        i += 1;
    }
    None
}

/// Skips a string literal starting at `start`; returns the offset after it (or the end).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let triple = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut i = if triple { start + 3 } else { start + 1 };
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            if !triple {
                return i + 1;
            }
            if bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
                return i + 3;
            }
        }
        i += 1;
    }
    bytes.len()
}

/// The children of a node.
pub(crate) fn children(e: &SpannedExpr) -> Vec<&SpannedExpr> {
    match &e.node {
        Expr::List(items) => items.iter().map(|i| &i.expr).collect(),
        Expr::Map(entries) => entries.iter().flat_map(|e| [&e.key, &e.value]).collect(),
        Expr::Unary { expr, .. }
        | Expr::Member { expr, .. }
        | Expr::MemberTestOnly { expr, .. } => {
            vec![expr]
        }
        Expr::Binary { left, right, .. } => vec![left, right],
        Expr::Ternary {
            cond,
            then_expr,
            else_expr,
        } => vec![cond, then_expr, else_expr],
        Expr::Index { expr, index, .. } => vec![expr, index],
        Expr::Call { expr, args } => std::iter::once(&**expr).chain(args.iter()).collect(),
        Expr::Struct { type_name, fields } => std::iter::once(&**type_name)
            .chain(fields.iter().map(|f| &f.value))
            .collect(),
        Expr::Comprehension(c) => vec![
            &c.iter_range,
            &c.accu_init,
            &c.loop_condition,
            &c.loop_step,
            &c.result,
        ],
        Expr::Bind { init, body, .. } => vec![init, body],
        Expr::Null
        | Expr::Bool(_)
        | Expr::Int(_)
        | Expr::UInt(_)
        | Expr::Float(_)
        | Expr::String(_)
        | Expr::Bytes(_)
        | Expr::Ident(_)
        | Expr::RootIdent(_)
        | Expr::Error => Vec::new(),
    }
}

/// Whether the tree is deeper than `limit`, measured without recursion.
fn depth_exceeds(root: &SpannedExpr, limit: usize) -> bool {
    let mut stack = vec![(root, 1usize)];
    while let Some((e, depth)) = stack.pop() {
        if depth > limit {
            return true;
        }
        stack.extend(children(e).into_iter().map(|c| (c, depth + 1)));
    }
    false
}

/// Drops a tree without recursion, so a pathologically deep one cannot overflow the stack.
fn dismantle(root: SpannedExpr) {
    let mut stack = vec![root];
    while let Some(e) = stack.pop() {
        match e.node {
            Expr::List(items) => stack.extend(items.into_iter().map(|i| i.expr)),
            Expr::Map(entries) => {
                for entry in entries {
                    stack.push(entry.key);
                    stack.push(entry.value);
                }
            }
            Expr::Unary { expr, .. }
            | Expr::Member { expr, .. }
            | Expr::MemberTestOnly { expr, .. } => stack.push(*expr),
            Expr::Binary { left, right, .. } => {
                stack.push(*left);
                stack.push(*right);
            }
            Expr::Ternary {
                cond,
                then_expr,
                else_expr,
            } => stack.extend([*cond, *then_expr, *else_expr]),
            Expr::Index { expr, index, .. } => stack.extend([*expr, *index]),
            Expr::Call { expr, args } => {
                stack.push(*expr);
                stack.extend(args);
            }
            Expr::Struct { type_name, fields } => {
                stack.push(*type_name);
                stack.extend(fields.into_iter().map(|f| f.value));
            }
            Expr::Comprehension(c) => stack.extend([
                *c.iter_range,
                *c.accu_init,
                *c.loop_condition,
                *c.loop_step,
                *c.result,
            ]),
            Expr::Bind { init, body, .. } => stack.extend([*init, *body]),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> Diagnostic {
        parse(text).expect_err("expected a parse error")
    }

    #[test]
    fn syntax_errors_point_at_the_token() {
        let d = error("schema.spec.name +");
        assert_eq!(d.code, Code::CelSyntax);
        assert_eq!(d.message, "unexpected end of the expression");
        let d = error("f(a, b");
        assert_eq!(d.message, "expected `)`, found the end of the expression");
        let d = error("a.b)");
        assert_eq!(d.message, "unexpected `)`");
        assert_eq!(d.range, TextRange::new(3, 4));
        let d = error("'abc");
        assert_eq!(d.message, "unterminated string literal");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(error(&deep).code, Code::CelTooComplex);
        let bangs = format!("{}true", "!".repeat(10_000));
        assert_eq!(error(&bangs).code, Code::CelTooComplex);
        let long_chain = vec!["a"; 5_000].join(" + ");
        assert_eq!(error(&long_chain).code, Code::CelTooComplex);
        let members = format!("a{}", ".b".repeat(5_000));
        assert_eq!(error(&members).code, Code::CelTooComplex);
        let huge = "1".repeat(MAX_EXPRESSION_BYTES + 1);
        assert_eq!(error(&huge).code, Code::CelTooComplex);
    }

    #[test]
    fn nesting_at_the_limit_parses() {
        let text = format!(
            "{}1{}",
            "[".repeat(MAX_NESTING - 1),
            "]".repeat(MAX_NESTING - 1)
        );
        assert!(parse(&text).is_ok());
        let optionals = format!("a{}", ".?b".repeat(100));
        assert!(parse(&optionals).is_ok());
    }
}
