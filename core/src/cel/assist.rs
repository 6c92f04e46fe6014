//! Editor help inside an expression that is still being typed: what can follow the cursor,
//! and the type of the selection under it.
//!
//! Both read only the text before (or around) the cursor, so they work when the expression
//! does not parse yet. The chain before the cursor (`schema.spec.ports[0].`) is typed by
//! checking it in the scope; variables of enclosing macros (`ports.map(p, p.`) and
//! `cel.bind` are typed by checking their receivers the same way.

use super::check::{Expected, check};
use super::env::{Scope, VariableKind};
use super::library::{FunctionKind, functions, parse_type};
use super::types::Type;
use crate::text::TextRange;

/// What a completion item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    /// `schema`, a resource id, an iterator, `each`, `runtime`, or a macro variable.
    Variable,
    /// A field of an object.
    Field,
    /// A function called as `name(…)`.
    Function,
    /// A function called as `value.name(…)`.
    Method,
    /// A macro (`has`, `map`, `all`, …).
    Macro,
}

/// One thing that can be typed at the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The text to insert (a name; no parentheses).
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// A type or a signature.
    pub detail: String,
    /// Documentation, when there is some.
    pub doc: Option<String>,
}

/// What can follow the text before the cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completions {
    /// The candidates, unfiltered (editors filter by the partial word).
    pub items: Vec<Completion>,
    /// The partial word the items replace, relative to the text.
    pub replace: TextRange,
}

/// The candidates at the end of `before_cursor` (the expression text up to the cursor).
pub fn complete(before_cursor: &str, scope: &Scope<'_, '_>) -> Completions {
    let word_start = before_cursor
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        .last()
        .map_or(before_cursor.len(), |(i, _)| i);
    let replace = TextRange::new(word_start, before_cursor.len());
    let head = &before_cursor[..word_start];
    let frames = frames(head);
    let mut items = Vec::new();
    let member_of = head.strip_suffix(".?").or_else(|| head.strip_suffix('.'));
    match member_of {
        Some(receiver_end) => {
            let chain = chain_before(receiver_end);
            if chain.is_empty() {
                return Completions { items, replace };
            }
            if let Some(namespace) = namespace_functions(chain, scope, &frames) {
                items = namespace;
            } else if let Some(ty) = type_in_frames(chain, scope, &frames) {
                items = members(&ty, scope);
            }
        }
        None => items = roots(scope, &frames),
    }
    Completions { items, replace }
}

/// The type of the selection that ends with the word at `offset` of `text` (hover).
pub fn type_at(text: &str, offset: usize, scope: &Scope<'_, '_>) -> Option<(TextRange, Type)> {
    let offset = crate::text::floor_char_boundary(text, offset.min(text.len()));
    let word_end = text[offset..]
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(text.len(), |(i, _)| offset + i);
    let head = &text[..word_end];
    let chain = chain_before(head);
    if chain.is_empty() {
        return None;
    }
    let start = word_end - chain.len();
    let ty = type_in_frames(chain, scope, &frames(&text[..start]))?;
    Some((TextRange::new(start, word_end), ty))
}

/// An enclosing macro or binding whose variables are in scope at the cursor.
#[derive(Clone, Debug)]
enum Frame {
    /// `receiver.macro(x, …` or `receiver.macro(i, v, …`.
    Comprehension { receiver: String, vars: Vec<String> },
    /// `cel.bind(x, init, …`.
    Bind { var: String, init: String },
}

const COMPREHENSIONS: &[&str] = &[
    "all",
    "exists",
    "exists_one",
    "existsOne",
    "map",
    "filter",
    "transformList",
    "transformMap",
    "transformMapEntry",
    "sortBy",
    "optMap",
    "optFlatMap",
];

/// The macros and bindings still open at the end of `text`, outermost first.
fn frames(text: &str) -> Vec<Frame> {
    let bytes = text.as_bytes();
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'(' | b'[' | b'{' => open.push(i),
            b')' | b']' | b'}' => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    let mut out = Vec::new();
    for &paren in &open {
        if bytes[paren] != b'(' {
            continue;
        }
        let before = &text[..paren];
        let args = top_level_args(&text[paren + 1..]);
        if let Some(rest) = before.strip_suffix("cel.bind") {
            let name_ok = rest.is_empty() || !rest.ends_with(is_ident_char);
            if let ([var, init, _, ..], true) = (args.as_slice(), name_ok)
                && is_ident(var)
            {
                out.push(Frame::Bind {
                    var: var.to_string(),
                    init: init.to_string(),
                });
            }
            continue;
        }
        let Some(name) = COMPREHENSIONS
            .iter()
            .find(|m| before.ends_with(&format!(".{m}")))
        else {
            continue;
        };
        let receiver = chain_before(&before[..before.len() - name.len() - 1]);
        if receiver.is_empty() {
            continue;
        }
        // Variables are in scope once their comma is typed.
        let vars: Vec<String> = args[..args.len().saturating_sub(1)]
            .iter()
            .take(2)
            .take_while(|a| is_ident(a))
            .map(|a| a.to_string())
            .collect();
        if !vars.is_empty() {
            out.push(Frame::Comprehension {
                receiver: receiver.to_owned(),
                vars,
            });
        }
    }
    out
}

/// The arguments typed so far (split on top-level commas, trimmed); the last may be partial.
fn top_level_args(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut start = 0;
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                out.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(text[start..].trim());
    out
}

fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_ident(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(is_ident_char)
}

/// The selection chain that ends `text`: identifiers joined by `.`/`.?`, with balanced
/// `[…]` and `(…)` groups (`schema.spec.ports[0]`, `x.orValue('a')`).
fn chain_before(text: &str) -> &str {
    let bytes = text.as_bytes();
    let mut i = bytes.len();
    loop {
        let end = i;
        while i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
            i -= 1;
        }
        while i > 0 && matches!(bytes[i - 1], b']' | b')') {
            let Some(open) = matching_open(bytes, i - 1) else {
                return &text[end..];
            };
            i = open;
            while i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
                i -= 1;
            }
        }
        if i == end {
            return &text[i..];
        }
        if i >= 2 && &bytes[i - 2..i] == b".?" {
            i -= 2;
        } else if i >= 1 && bytes[i - 1] == b'.' {
            i -= 1;
        } else {
            return &text[i..];
        }
    }
}

/// The `(` or `[` matching the closer at `close`.
fn matching_open(bytes: &[u8], close: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = close + 1;
    while i > 0 {
        i -= 1;
        match bytes[i] {
            b')' | b']' => depth += 1,
            b'(' | b'[' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The type of `chain` with the variables of `frames` in scope.
fn type_in_frames(chain: &str, scope: &Scope<'_, '_>, frames: &[Frame]) -> Option<Type> {
    let mut expr = chain.to_owned();
    let mut lists_to_peel = 0;
    for frame in frames.iter().rev() {
        match frame {
            Frame::Comprehension { receiver, vars } => {
                expr = match vars.as_slice() {
                    [x] => format!("({receiver}).map({x}, {expr})"),
                    [i, v, ..] => format!("({receiver}).transformList({i}, {v}, {expr})"),
                    [] => continue,
                };
                lists_to_peel += 1;
            }
            Frame::Bind { var, init } => {
                expr = format!("cel.bind({var}, {init}, {expr})");
            }
        }
    }
    let checked = check(&expr, scope, &Expected::Any);
    let mut ty = checked.ty;
    for _ in 0..lists_to_peel {
        ty = match ty {
            Type::List(elem) => (*elem).clone(),
            Type::Optional(inner) => (*inner).clone(),
            _ => return None,
        };
    }
    (ty != Type::Error).then_some(ty)
}

/// Functions of a namespace (`base64.`), when the chain is one rather than a variable.
fn namespace_functions(
    chain: &str,
    scope: &Scope<'_, '_>,
    frames: &[Frame],
) -> Option<Vec<Completion>> {
    if !is_ident(chain) || scope.visible().iter().any(|v| v.name == chain) {
        return None;
    }
    let bound = frames.iter().any(|f| match f {
        Frame::Comprehension { vars, .. } => vars.iter().any(|v| v == chain),
        Frame::Bind { var, .. } => var == chain,
    });
    if bound {
        return None;
    }
    let prefix = format!("{chain}.");
    let mut items: Vec<Completion> = Vec::new();
    for f in functions() {
        if let Some(rest) = f.name.strip_prefix(&prefix)
            && f.kind != FunctionKind::Method
            && !items.iter().any(|i| i.label == rest)
        {
            items.push(Completion {
                label: rest.to_owned(),
                kind: if f.kind == FunctionKind::Macro {
                    CompletionKind::Macro
                } else {
                    CompletionKind::Function
                },
                detail: f.signature.to_owned(),
                doc: Some(f.doc.to_owned()),
            });
        }
    }
    (!items.is_empty()).then_some(items)
}

/// Fields, methods and receiver macros of a value of type `ty`.
fn members(ty: &Type, scope: &Scope<'_, '_>) -> Vec<Completion> {
    let object = match ty {
        Type::Optional(inner) => inner,
        t => t,
    };
    let mut items: Vec<Completion> = scope
        .env
        .fields(object)
        .into_iter()
        .map(|f| Completion {
            detail: f.ty.to_string(),
            label: f.name,
            kind: CompletionKind::Field,
            doc: f.description,
        })
        .collect();
    for f in functions() {
        if !matches!(f.kind, FunctionKind::Method | FunctionKind::Macro)
            || items.iter().any(|i| i.label == f.name)
        {
            continue;
        }
        let Some(receiver) = receiver_type(f.signature) else {
            continue;
        };
        // The comprehension macros iterate maps (over their keys) as well as lists.
        let over_map = matches!(ty, Type::Map(..))
            && matches!(
                f.name,
                "all" | "exists" | "exists_one" | "existsOne" | "map" | "filter"
            );
        if receiver_fits(&receiver, ty) || over_map {
            items.push(Completion {
                label: f.name.to_owned(),
                kind: if f.kind == FunctionKind::Macro {
                    CompletionKind::Macro
                } else {
                    CompletionKind::Method
                },
                detail: f.signature.to_owned(),
                doc: Some(f.doc.to_owned()),
            });
        }
    }
    items
}

/// The receiver type of a `<receiver>.name(…)` signature.
fn receiver_type(signature: &str) -> Option<Type> {
    let rest = signature.strip_prefix('<')?;
    parse_type(&rest[..rest.find(">.")?])
}

/// Whether a method declared on `declared` can be called on a value of type `actual`
/// (type parameters match anything; `dyn` offers every method).
fn receiver_fits(declared: &Type, actual: &Type) -> bool {
    match (declared, actual) {
        (_, Type::Dyn | Type::Unresolved) => true,
        (Type::Param(_) | Type::Dyn, a) => !matches!(a, Type::Opaque(_)),
        (Type::List(d), Type::List(a)) | (Type::Optional(d), Type::Optional(a)) => {
            receiver_fits(d, a)
        }
        (Type::Map(dk, dv), Type::Map(ak, av)) => receiver_fits(dk, ak) && receiver_fits(dv, av),
        (d, a) => d == a,
    }
}

/// Variables, macro variables, global functions and macros.
fn roots(scope: &Scope<'_, '_>, frames: &[Frame]) -> Vec<Completion> {
    let mut items: Vec<Completion> = scope
        .visible()
        .into_iter()
        .map(|v| Completion {
            detail: v.ty.to_string(),
            doc: Some(
                match v.kind {
                    VariableKind::Schema => "The instance (without status).",
                    VariableKind::Resource => "The observed object of this resource.",
                    VariableKind::Iterator => "The current item of this forEach dimension.",
                    VariableKind::Each => "The collection item being checked.",
                    VariableKind::Runtime => "Condition helpers for status conditions.",
                }
                .to_owned(),
            ),
            label: v.name,
            kind: CompletionKind::Variable,
        })
        .collect();
    for frame in frames {
        let vars = match frame {
            Frame::Comprehension { vars, .. } => vars.clone(),
            Frame::Bind { var, .. } => vec![var.clone()],
        };
        for var in vars {
            if !items.iter().any(|i| i.label == var) {
                let ty = type_in_frames(&var, scope, frames).unwrap_or(Type::Dyn);
                items.push(Completion {
                    label: var,
                    kind: CompletionKind::Variable,
                    detail: ty.to_string(),
                    doc: None,
                });
            }
        }
    }
    for f in functions() {
        let kind = match f.kind {
            FunctionKind::Function => CompletionKind::Function,
            FunctionKind::Macro if !f.signature.starts_with('<') => CompletionKind::Macro,
            _ => continue,
        };
        if items.iter().any(|i| i.label == f.name) {
            continue;
        }
        if f.name == "omit" && !scope.allows_omit() {
            continue;
        }
        items.push(Completion {
            label: f.name.to_owned(),
            kind,
            detail: f.signature.to_owned(),
            doc: Some(f.doc.to_owned()),
        });
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cel::Context;
    use crate::cel::fixture;

    fn labels(before: &str, context: Context<'_>) -> Vec<String> {
        let source = fixture::components();
        let env = fixture::env(&source);
        complete(before, &env.scope(context))
            .items
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    fn template(before: &str) -> Vec<String> {
        labels(before, Context::Template("deployment"))
    }

    #[test]
    fn completes_fields_from_schemas() {
        let spec = template("schema.spec.");
        assert!(spec.contains(&"name".to_owned()));
        assert!(spec.contains(&"ports".to_owned()));
        let status = template("deployment.status.avail");
        assert!(status.contains(&"availableReplicas".to_owned()));
        let through_index = template("deployment.spec.template.spec.containers[0].");
        assert!(through_index.contains(&"image".to_owned()));
        let optional = template("schema.spec.?tree.?");
        assert!(optional.contains(&"children".to_owned()));
        let source = fixture::components();
        let env = fixture::env(&source);
        let c = complete(
            "1 + schema.spec.na",
            &env.scope(Context::Template("deployment")),
        );
        assert_eq!(c.replace, TextRange::new(16, 18));
    }

    #[test]
    fn completes_methods_by_receiver_type() {
        let string = template("schema.spec.name.");
        assert!(string.contains(&"lowerAscii".to_owned()));
        assert!(string.contains(&"startsWith".to_owned()));
        assert!(!string.contains(&"sum".to_owned()));
        let list = template("schema.spec.regions.");
        for m in ["map", "filter", "all", "join", "first", "size"] {
            assert!(list.contains(&m.to_owned()), "{m} missing from {list:?}");
        }
        let ints = template("[1, 2].");
        assert!(ints.contains(&"sum".to_owned()));
        assert!(!ints.contains(&"join".to_owned()));
        let opt = template("schema.spec.?image.");
        assert!(opt.contains(&"orValue".to_owned()));
    }

    #[test]
    fn completes_through_macro_variables_and_bindings() {
        let ports = template("schema.spec.ports.map(p, p.");
        assert_eq!(ports[..2], ["name", "port"]);
        let keys = template("schema.spec.labels.");
        assert!(keys.contains(&"exists".to_owned()) && keys.contains(&"merge".to_owned()));
        let nested =
            template("schema.spec.regions.map(r, schema.spec.ports.filter(p, p.port > 1 && p.");
        assert!(nested.contains(&"name".to_owned()));
        let conditions = template("deployment.status.conditions.exists(c, c.type == 'Ready' && c.");
        assert!(conditions.contains(&"status".to_owned()));
        let bound = template("cel.bind(d, deployment.spec, d.");
        assert!(bound.contains(&"replicas".to_owned()));
        let roots = template("schema.spec.ports.map(p, ");
        assert!(roots.contains(&"p".to_owned()));
    }

    #[test]
    fn completes_roots_by_scope() {
        let roots = template("");
        for name in [
            "schema",
            "deployment",
            "workers",
            "size",
            "has",
            "base64.encode",
            "omit",
        ] {
            assert!(roots.contains(&name.to_owned()), "{name} missing");
        }
        assert!(!roots.contains(&"each".to_owned()));
        let ready = labels("", Context::ReadyWhen("workers"));
        assert!(ready.contains(&"each".to_owned()));
        assert!(!ready.contains(&"schema".to_owned()));
        assert!(!ready.contains(&"omit".to_owned()));
        let iterators = labels("", Context::Template("workers"));
        assert!(iterators.contains(&"region".to_owned()));
        let conditions = labels("runtime.", Context::StatusConditions);
        assert_eq!(conditions, ["newCondition", "condition"]);
    }

    #[test]
    fn completes_namespaced_functions() {
        let b = template("base64.");
        assert_eq!(b, ["encode", "decode"]);
        let lists = template("lists.");
        assert!(lists.contains(&"range".to_owned()));
        assert!(lists.contains(&"setAtIndex".to_owned()));
    }

    #[test]
    fn hover_types_the_selection_under_the_cursor() {
        let source = fixture::components();
        let env = fixture::env(&source);
        let scope = env.scope(Context::Template("deployment"));
        let text = "schema.spec.ports.map(p, p.port + 1)";
        let (range, ty) = type_at(text, text.find("port +").unwrap() + 1, &scope).unwrap();
        assert_eq!(&text[range.start..range.end], "p.port");
        assert_eq!(ty, Type::Int);
        let (range, ty) = type_at(text, 8, &scope).unwrap();
        assert_eq!(&text[range.start..range.end], "schema.spec");
        assert_eq!(ty.to_string(), "WebApp.spec");
        assert!(type_at("1 + ", 3, &scope).is_none());
    }

    #[test]
    fn half_typed_text_never_panics() {
        let source = fixture::components();
        let env = fixture::env(&source);
        let scope = env.scope(Context::Template("deployment"));
        let text = "a.map(x, x[0]]).b(c, 'é\\'.?[ ) cel.bind(";
        for i in 0..=text.len() {
            if text.is_char_boundary(i) {
                let _ = complete(&text[..i], &scope);
                let _ = type_at(text, i, &scope);
            }
        }
    }
}
