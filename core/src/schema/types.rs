//! SimpleSchema type expressions: `string`, `[]Port`, `map[string][]string`, custom names.

use crate::text::TextRange;

/// How deep `[]` and `map[string]` may nest inside one type expression.
pub const MAX_TYPE_DEPTH: usize = 16;

/// The built-in type names, for completion and suggestions.
pub const BUILTIN_TYPES: &[&str] = &["string", "integer", "boolean", "float", "object"];

/// A parsed type expression with the range of every part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeRef {
    /// What the type is.
    pub expr: TypeExpr,
    /// Where it is written (trimmed).
    pub range: TextRange,
}

/// The shape of a type expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeExpr {
    /// `string`.
    String,
    /// `integer`.
    Integer,
    /// `boolean`.
    Boolean,
    /// `float` (OpenAPI `number`).
    Float,
    /// `object`: any object, unknown fields kept.
    Object,
    /// `[]T`.
    List(Box<TypeRef>),
    /// `map[string]T`.
    Map(Box<TypeRef>),
    /// A name from `types`.
    Named(String),
}

/// Why a type expression could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeSyntaxError {
    /// Where.
    pub range: TextRange,
    /// What is wrong.
    pub message: String,
    /// Whether the problem is nesting deeper than [`MAX_TYPE_DEPTH`].
    pub too_deep: bool,
}

/// Reads the type expression `text`, whose first byte is at offset `base`.
pub fn parse_type(text: &str, base: usize) -> Result<TypeRef, TypeSyntaxError> {
    parse_at(text, base, 0)
}

fn parse_at(text: &str, base: usize, depth: usize) -> Result<TypeRef, TypeSyntaxError> {
    let leading = text.len() - text.trim_start().len();
    let s = text.trim();
    let start = base + leading;
    let range = TextRange::new(start, start + s.len());
    let error = |range: TextRange, message: String| TypeSyntaxError {
        range,
        message,
        too_deep: false,
    };
    if depth > MAX_TYPE_DEPTH {
        return Err(TypeSyntaxError {
            range,
            message: format!("types may nest `[]` and `map[string]` at most {MAX_TYPE_DEPTH} deep"),
            too_deep: true,
        });
    }
    let expr = match s {
        "" => return Err(error(range, "the type is missing".to_owned())),
        "string" => TypeExpr::String,
        "integer" => TypeExpr::Integer,
        "boolean" => TypeExpr::Boolean,
        "float" => TypeExpr::Float,
        "object" => TypeExpr::Object,
        _ => {
            if let Some(element) = s.strip_prefix("[]") {
                if element.trim().is_empty() {
                    return Err(error(
                        range,
                        "`[]` needs an element type, such as `[]string`".to_owned(),
                    ));
                }
                TypeExpr::List(Box::new(parse_at(element, start + 2, depth + 1)?))
            } else if let Some(rest) = s.strip_prefix("map[") {
                let Some(value) = rest.strip_prefix("string]") else {
                    let key_end = rest.find(']').unwrap_or(rest.len());
                    let key = &rest[..key_end];
                    let key_range = TextRange::new(start + 4, start + 4 + key_end);
                    return Err(error(
                        if key.is_empty() { range } else { key_range },
                        format!("map keys must be `string`, not `{key}`"),
                    ));
                };
                if value.trim().is_empty() {
                    return Err(error(
                        range,
                        "`map[string]` needs a value type, such as `map[string]string`".to_owned(),
                    ));
                }
                let offset = start + "map[string]".len();
                TypeExpr::Map(Box::new(parse_at(value, offset, depth + 1)?))
            } else {
                TypeExpr::Named(s.to_owned())
            }
        }
    };
    Ok(TypeRef { expr, range })
}

impl TypeRef {
    /// The names from `types` this expression uses, with where each is written.
    pub fn named(&self) -> Vec<(&str, TextRange)> {
        let mut out = Vec::new();
        let mut node = self;
        loop {
            match &node.expr {
                TypeExpr::List(inner) | TypeExpr::Map(inner) => node = inner,
                TypeExpr::Named(name) => {
                    out.push((name.as_str(), node.range));
                    return out;
                }
                _ => return out,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> String {
        fn render(t: &TypeRef) -> String {
            match &t.expr {
                TypeExpr::List(inner) => format!("list({})", render(inner)),
                TypeExpr::Map(inner) => format!("map({})", render(inner)),
                TypeExpr::Named(n) => format!("named({n})@{}..{}", t.range.start, t.range.end),
                other => format!("{other:?}").to_lowercase(),
            }
        }
        match parse_type(text, 0) {
            Ok(t) => render(&t),
            Err(e) => format!("error {}..{}: {}", e.range.start, e.range.end, e.message),
        }
    }

    #[test]
    fn builtins_lists_maps_and_names() {
        assert_eq!(shape("string"), "string");
        assert_eq!(shape(" float "), "float");
        assert_eq!(shape("[][]string"), "list(list(string))");
        assert_eq!(shape("map[string][]Port"), "map(list(named(Port)@13..17))");
        assert_eq!(shape("[] Port"), "list(named(Port)@3..7)");
        assert_eq!(shape("map[string] integer"), "map(integer)");
        assert_eq!(shape("object"), "object");
    }

    #[test]
    fn malformed_types() {
        assert_eq!(shape(""), "error 0..0: the type is missing");
        assert_eq!(
            shape("[]"),
            "error 0..2: `[]` needs an element type, such as `[]string`"
        );
        assert_eq!(
            shape("map[int]string"),
            "error 4..7: map keys must be `string`, not `int`"
        );
        assert_eq!(
            shape("map[string]"),
            "error 0..11: `map[string]` needs a value type, such as `map[string]string`"
        );
    }

    #[test]
    fn depth_limit() {
        let ok = format!("{}string", "[]".repeat(MAX_TYPE_DEPTH));
        assert!(parse_type(&ok, 0).is_ok());
        let deep = format!("{}string", "[]".repeat(MAX_TYPE_DEPTH + 1));
        let err = parse_type(&deep, 0).unwrap_err();
        assert!(err.too_deep);
    }
}
