//! The type checker: types an expression against the variables of its scope and the schemas
//! behind them, reports what is wrong with exact ranges, and records which variables and
//! fields it reads.
//!
//! The engine's parser (with its macro expansion) supplies the syntax tree; the typing rules
//! are ours, so messages, suggestions and the rules for fields (schemas, `dyn`, optionals)
//! follow kro and the Kubernetes API server rather than a protobuf type system.

use cel_core::{BinaryOp, ComprehensionData, Expr, SpannedExpr, UnaryOp};

use crate::diagnostic::{Code, Diagnostic, Fix, TextEdit, did_you_mean};
use crate::text::TextRange;

use super::env::{Lookup, Scope, VariableKind};
use super::library::{ORDERED_PARAM, Overload, RUNTIME, condition_type, library};
use super::parse;
use super::schemas::{FieldLookup, Registry};
use super::types::Type;

/// What the value of an expression must be.
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    /// Anything (a status field, whose type is inferred).
    Any,
    /// A condition (includeWhen, readyWhen): `bool` or `optional(bool)`.
    Bool,
    /// A forEach dimension: a list.
    List,
    /// An entry of the status `conditions` block: what `runtime.newCondition` returns.
    StatusCondition,
    /// A field of this type (from the field's schema); `optional(T)` fits where `T` does
    /// (the field is omitted when empty).
    Field(Type),
    /// A piece of an interpolated string: a string.
    Interpolated,
}

/// The result of checking one expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// The expression's type (`error` when it does not check).
    pub ty: Type,
    /// Problems, with ranges (and fix edits) relative to the expression text.
    pub diagnostics: Vec<Diagnostic>,
    /// The variables read and the fields selected from them, in text order.
    pub references: Vec<Reference>,
    /// Whether the expression calls `omit()`.
    pub uses_omit: bool,
}

impl Checked {
    /// Whether the expression checked without errors.
    pub fn is_ok(&self) -> bool {
        self.diagnostics
            .iter()
            .all(|d| d.severity() != crate::diagnostic::Severity::Error)
    }

    /// The resource ids the expression reads (each once, in text order).
    pub fn resources(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.references {
            if r.kind == VariableKind::Resource && !out.contains(&r.root.as_str()) {
                out.push(&r.root);
            }
        }
        out
    }
}

/// A variable read by an expression, with the fields selected from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The variable (`schema`, a resource id, an iterator, `each`, `runtime`).
    pub root: String,
    /// What the variable is.
    pub kind: VariableKind,
    /// The selected fields; `[]` stands for the items of a list.
    pub path: Vec<String>,
    /// Where each path element is written (for `[]` through a macro variable, the variable).
    pub path_ranges: Vec<TextRange>,
    /// The whole selection in the expression text.
    pub range: TextRange,
}

impl Reference {
    /// The reference as written in kro docs: `schema.spec.name`, `pods[].status`.
    pub fn dotted(&self) -> String {
        let mut out = self.root.clone();
        for p in &self.path {
            if p != "[]" {
                out.push('.');
            }
            out.push_str(p);
        }
        out
    }
}

/// Checks `text` (a CEL expression) in `scope` against what its value must be.
pub fn check(text: &str, scope: &Scope<'_, '_>, expected: &Expected) -> Checked {
    let ast = match parse::parse(text) {
        Ok(ast) => ast,
        Err(d) => {
            return Checked {
                ty: Type::Error,
                diagnostics: vec![d],
                references: Vec::new(),
                uses_omit: false,
            };
        }
    };
    let mut checker = Checker {
        scope,
        registry: &scope.env.registry,
        text,
        locals: Vec::new(),
        diagnostics: Vec::new(),
        references: Vec::new(),
        uses_omit: false,
    };
    let typed = checker.expr(&ast);
    let ty = checker.finish(typed).resolved();
    checker.expect(&ty, expected);
    let mut references = checker.references;
    references.sort_by_key(|r| (r.range.start, r.range.end));
    // Macro expansions repeat their receiver (`optMap` reads it twice).
    references.dedup();
    Checked {
        ty,
        diagnostics: checker.diagnostics,
        references,
        uses_omit: checker.uses_omit,
    }
}

/// A path being read: a variable and fields selected from it so far.
#[derive(Clone, Debug)]
struct RefPath {
    root: String,
    kind: VariableKind,
    path: Vec<String>,
    path_ranges: Vec<TextRange>,
    start: usize,
    end: usize,
}

struct Typed {
    ty: Type,
    path: Option<RefPath>,
}

impl Typed {
    fn of(ty: Type) -> Typed {
        Typed { ty, path: None }
    }
}

struct Local {
    name: String,
    ty: Type,
    path: Option<RefPath>,
}

struct Checker<'a, 'e, 'p> {
    scope: &'a Scope<'e, 'p>,
    registry: &'a Registry<'p>,
    text: &'a str,
    locals: Vec<Local>,
    diagnostics: Vec<Diagnostic>,
    references: Vec<Reference>,
    uses_omit: bool,
}

/// Identifiers that name types (`type(x) == string`).
fn type_constant(name: &str) -> Option<Type> {
    Some(Type::type_of(match name {
        "bool" => Type::Bool,
        "int" => Type::Int,
        "uint" => Type::Uint,
        "double" => Type::Double,
        "string" => Type::String,
        "bytes" => Type::Bytes,
        "null_type" => Type::Null,
        "dyn" => Type::Dyn,
        "list" => Type::list(Type::Dyn),
        "map" => Type::map(Type::Dyn, Type::Dyn),
        "type" => Type::type_of(Type::Dyn),
        "optional_type" => Type::optional(Type::Dyn),
        _ => return None,
    }))
}

/// Namespaces of library functions (`base64.encode`), so a typo in one reads as a function.
const NAMESPACES: &[&str] = &[
    "base64", "random", "json", "hash", "lists", "optional", "ip", "strings", "cel", "math",
];

fn range(span: &std::ops::Range<usize>) -> TextRange {
    TextRange::new(span.start, span.end)
}

fn operator_name(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "_+_",
        BinaryOp::Sub => "_-_",
        BinaryOp::Mul => "_*_",
        BinaryOp::Div => "_/_",
        BinaryOp::Mod => "_%_",
        BinaryOp::Eq => "_==_",
        BinaryOp::Ne => "_!=_",
        BinaryOp::Lt => "_<_",
        BinaryOp::Le => "_<=_",
        BinaryOp::Gt => "_>_",
        BinaryOp::Ge => "_>=_",
        BinaryOp::In => "@in",
        BinaryOp::And => "_&&_",
        BinaryOp::Or => "_||_",
    }
}

impl Checker<'_, '_, '_> {
    // ---- reporting ----

    fn error(&mut self, code: Code, span: TextRange, message: String) {
        self.diagnostics.push(Diagnostic::new(code, span, message));
    }

    /// The source of a node, shortened for messages.
    fn excerpt(&self, span: TextRange) -> String {
        let text = self.text.get(span.start..span.end).unwrap_or("").trim();
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() > 60 {
            let cut: String = text.chars().take(57).collect();
            format!("{cut}…")
        } else {
            text
        }
    }

    /// The range of a member node's field name.
    fn field_range(&self, span: TextRange, field: &str) -> TextRange {
        let text = self.text.get(span.start..span.end).unwrap_or("");
        match text.rfind(field) {
            Some(at) => TextRange::new(span.start + at, span.start + at + field.len()),
            None => span,
        }
    }

    /// Records the path of a value that is used as a whole, and returns its type.
    fn finish(&mut self, typed: Typed) -> Type {
        if let Some(p) = typed.path {
            self.references.push(Reference {
                root: p.root,
                kind: p.kind,
                path: p.path,
                path_ranges: p.path_ranges,
                range: TextRange::new(p.start, p.end),
            });
        }
        typed.ty
    }

    fn value(&mut self, e: &SpannedExpr) -> Type {
        let typed = self.expr(e);
        self.finish(typed)
    }

    // ---- expressions ----

    fn expr(&mut self, e: &SpannedExpr) -> Typed {
        let span = range(&e.span);
        match &e.node {
            Expr::Null => Typed::of(Type::Null),
            Expr::Bool(_) => Typed::of(Type::Bool),
            Expr::Int(_) => Typed::of(Type::Int),
            Expr::UInt(_) => Typed::of(Type::Uint),
            Expr::Float(_) => Typed::of(Type::Double),
            Expr::String(_) => Typed::of(Type::String),
            Expr::Bytes(_) => Typed::of(Type::Bytes),
            Expr::Ident(name) | Expr::RootIdent(name) => self.ident(name, span),
            Expr::List(items) => Typed::of(self.list(items)),
            Expr::Map(entries) => Typed::of(self.map(entries)),
            Expr::Unary { op, expr } => {
                let arg = self.value(expr);
                let name = match op {
                    UnaryOp::Neg => "-_",
                    UnaryOp::Not => "!_",
                };
                Typed::of(self.resolve(name, None, vec![arg], span, span))
            }
            Expr::Binary { op, left, right } => {
                let l = self.value(left);
                let r = self.value(right);
                Typed::of(self.resolve(operator_name(*op), None, vec![l, r], span, span))
            }
            Expr::Ternary {
                cond,
                then_expr,
                else_expr,
            } => Typed::of(self.ternary(cond, then_expr, else_expr, span)),
            Expr::Member {
                expr,
                field,
                optional,
            } => {
                let object = self.expr(expr);
                self.select(object, field, *optional, span)
            }
            Expr::Index {
                expr,
                index,
                optional,
            } => {
                let object = self.expr(expr);
                self.index(object, index, *optional, span)
            }
            Expr::Call { expr, args } => Typed::of(self.call(expr, args, span)),
            Expr::Struct { type_name, fields } => {
                for f in fields {
                    self.value(&f.value);
                }
                let name = self.excerpt(range(&type_name.span));
                self.error(
                    Code::CelUnknownIdentifier,
                    range(&type_name.span),
                    format!("unknown type `{name}`: object construction is not supported; use a map literal"),
                );
                Typed::of(Type::Error)
            }
            Expr::Comprehension(c) => self.comprehension(c),
            Expr::MemberTestOnly { expr, field } => {
                let object = self.expr(expr);
                let selected = self.select(object, field, false, span);
                self.finish(selected);
                Typed::of(Type::Bool)
            }
            Expr::Bind {
                var_name,
                init,
                body,
            } => {
                let init = self.expr(init);
                let path = init.path.clone();
                let ty = self.finish(init);
                self.locals.push(Local {
                    name: var_name.clone(),
                    ty,
                    path,
                });
                let body = self.expr(body);
                self.locals.pop();
                body
            }
            Expr::Error => Typed::of(Type::Error),
        }
    }

    fn ident(&mut self, name: &str, span: TextRange) -> Typed {
        if let Some(local) = self.locals.iter().rev().find(|l| l.name == name) {
            let path = local.path.clone().map(|mut p| {
                p.start = span.start;
                p.end = span.end;
                p
            });
            return Typed {
                ty: local.ty.clone(),
                path,
            };
        }
        match self.scope.lookup(name) {
            Lookup::Found(ty, kind) => Typed {
                ty,
                path: Some(RefPath {
                    root: name.to_owned(),
                    kind,
                    path: Vec::new(),
                    path_ranges: Vec::new(),
                    start: span.start,
                    end: span.end,
                }),
            },
            Lookup::OutOfScope(why) => {
                self.error(Code::CelOutOfScope, span, why);
                Typed::of(Type::Error)
            }
            Lookup::Unknown => {
                if let Some(t) = type_constant(name) {
                    return Typed::of(t);
                }
                let mut names: Vec<String> =
                    self.scope.visible().into_iter().map(|v| v.name).collect();
                names.extend(
                    self.locals
                        .iter()
                        .filter(|l| !l.name.starts_with("__"))
                        .map(|l| l.name.clone()),
                );
                let suggestion = did_you_mean(name, names.iter().map(String::as_str));
                let mut message = format!("unknown identifier `{name}`");
                if let Some(s) = suggestion {
                    message.push_str(&format!("; did you mean `{s}`?"));
                }
                let mut d = Diagnostic::new(Code::CelUnknownIdentifier, span, message);
                if let Some(s) = suggestion {
                    d = d.with_fix(replace(span, s));
                }
                self.diagnostics.push(d);
                Typed::of(Type::Error)
            }
        }
    }

    fn list(&mut self, items: &[cel_core::ListElement]) -> Type {
        let mut elem: Option<Type> = None;
        for item in items {
            let mut ty = self.value(&item.expr);
            if item.optional {
                ty = match ty {
                    Type::Optional(inner) => (*inner).clone(),
                    t if t.is_dynamic() => t,
                    t => {
                        self.error(
                            Code::CelNoOverload,
                            range(&item.expr.span),
                            format!("`[?…]` needs an optional value, got {t}"),
                        );
                        Type::Error
                    }
                };
            }
            elem = Some(match elem {
                None => ty,
                Some(prev) => join(&prev, &ty).unwrap_or(Type::Dyn),
            });
        }
        Type::list(elem.unwrap_or(Type::Unresolved))
    }

    fn map(&mut self, entries: &[cel_core::MapEntry]) -> Type {
        let mut key: Option<Type> = None;
        let mut value: Option<Type> = None;
        for entry in entries {
            let k = self.value(&entry.key);
            if !matches!(
                k,
                Type::String | Type::Int | Type::Uint | Type::Bool | Type::Dyn | Type::Error
            ) {
                self.error(
                    Code::CelNoOverload,
                    range(&entry.key.span),
                    format!("map keys must be string, int, uint or bool, got {k}"),
                );
            }
            let mut v = self.value(&entry.value);
            if entry.optional {
                v = match v {
                    Type::Optional(inner) => (*inner).clone(),
                    t if t.is_dynamic() => t,
                    t => {
                        self.error(
                            Code::CelNoOverload,
                            range(&entry.value.span),
                            format!("`{{?key: value}}` needs an optional value, got {t}"),
                        );
                        Type::Error
                    }
                };
            }
            key = Some(match key {
                None => k,
                Some(prev) => join(&prev, &k).unwrap_or(Type::Dyn),
            });
            value = Some(match value {
                None => v,
                Some(prev) => join(&prev, &v).unwrap_or(Type::Dyn),
            });
        }
        Type::map(
            key.unwrap_or(Type::Unresolved),
            value.unwrap_or(Type::Unresolved),
        )
    }

    fn ternary(
        &mut self,
        cond: &SpannedExpr,
        then_expr: &SpannedExpr,
        else_expr: &SpannedExpr,
        span: TextRange,
    ) -> Type {
        let c = self.value(cond);
        if !matches!(c, Type::Bool) && !c.is_dynamic() {
            self.error(
                Code::CelNoOverload,
                range(&cond.span),
                format!(
                    "the condition of `?:` must be bool, but `{}` is {c}",
                    self.excerpt(range(&cond.span))
                ),
            );
        }
        let t = self.value(then_expr);
        let e = self.value(else_expr);
        match join(&t, &e) {
            Some(j) => j,
            None => {
                self.error(
                    Code::CelNoOverload,
                    span,
                    format!(
                        "expression `{}`: the branches of `?:` have different types, {t} and {e}",
                        self.excerpt(span)
                    ),
                );
                Type::Error
            }
        }
    }

    fn select(&mut self, object: Typed, field: &str, optional: bool, span: TextRange) -> Typed {
        let field_span = self.field_range(span, field);
        let (base, was_optional) = match &object.ty {
            Type::Optional(inner) => ((**inner).clone(), true),
            t => (t.clone(), false),
        };
        let ty = match &base {
            Type::Struct(s) => match self.registry.field(s, field) {
                FieldLookup::Found(t) => t,
                FieldLookup::Unknown(_)
                    if field == "status"
                        && object.path.as_ref().is_some_and(|p| {
                            p.kind == VariableKind::Schema && p.path.is_empty()
                        }) =>
                {
                    self.error(
                        Code::CelUnknownField,
                        field_span,
                        "`schema.status` is not available: expressions see the instance \
                         without its status"
                            .to_owned(),
                    );
                    return Typed::of(Type::Error);
                }
                FieldLookup::Unknown(candidates) => {
                    let on = object_name(self, span, field_span, &base);
                    self.unknown_field(field, &on, field_span, &candidates);
                    return Typed::of(Type::Error);
                }
            },
            Type::Map(key, value) => {
                if !key.accepts(&Type::String) {
                    self.error(
                        Code::CelUnknownField,
                        field_span,
                        format!("cannot select `{field}` from a map with {key} keys; use `[…]`"),
                    );
                    return Typed::of(Type::Error);
                }
                (**value).clone()
            }
            Type::Dyn | Type::Unresolved => Type::Dyn,
            Type::Error => return Typed::of(Type::Error),
            other => {
                self.error(
                    Code::CelUnknownField,
                    field_span,
                    format!("cannot select field `{field}`: {other} has no fields"),
                );
                return Typed::of(Type::Error);
            }
        };
        let ty = if (optional || was_optional) && !matches!(ty, Type::Optional(_)) {
            Type::optional(ty)
        } else {
            ty
        };
        let path = object.path.map(|mut p| {
            p.path.push(field.to_owned());
            p.path_ranges.push(field_span);
            p.end = span.end;
            p
        });
        Typed { ty, path }
    }

    fn unknown_field(&mut self, field: &str, on: &str, span: TextRange, candidates: &[String]) {
        let suggestion = did_you_mean(field, candidates.iter().map(String::as_str));
        let mut message = format!("undefined field `{field}` on {on}");
        match suggestion {
            Some(s) => message.push_str(&format!("; did you mean `{s}`?")),
            None if candidates.is_empty() => message.push_str(" (it declares no fields)"),
            None if candidates.len() <= 8 => {
                message.push_str(&format!(" (fields: {})", candidates.join(", ")));
            }
            None => {}
        }
        let mut d = Diagnostic::new(Code::CelUnknownField, span, message);
        if let Some(s) = suggestion {
            d = d.with_fix(replace(span, s));
        }
        self.diagnostics.push(d);
    }

    fn index(
        &mut self,
        object: Typed,
        index: &SpannedExpr,
        optional: bool,
        span: TextRange,
    ) -> Typed {
        let key = self.value(index);
        let literal = match &index.node {
            Expr::String(s) => Some(s.clone()),
            _ => None,
        };
        let (base, was_optional) = match &object.ty {
            Type::Optional(inner) => ((**inner).clone(), true),
            t => (t.clone(), false),
        };
        let (ty, step) = match &base {
            Type::List(elem) => {
                if !matches!(key, Type::Int | Type::Uint) && !key.is_dynamic() {
                    self.error(
                        Code::CelNoOverload,
                        range(&index.span),
                        format!("list index must be int, got {key}"),
                    );
                    return Typed::of(Type::Error);
                }
                ((**elem).clone(), Some("[]".to_owned()))
            }
            Type::Map(k, v) => {
                if !k.accepts(&key) {
                    self.error(
                        Code::CelNoOverload,
                        range(&index.span),
                        format!("map key must be {k}, got {key}"),
                    );
                    return Typed::of(Type::Error);
                }
                ((**v).clone(), literal)
            }
            Type::Struct(s) => match (&literal, &key) {
                (Some(name), _) => match self.registry.field(s, name) {
                    FieldLookup::Found(t) => (t, Some(name.clone())),
                    FieldLookup::Unknown(candidates) => {
                        let receiver_end = range(&index.span).start.saturating_sub(1);
                        let on = format!(
                            "`{}`",
                            self.excerpt(TextRange::new(span.start, receiver_end))
                        );
                        self.unknown_field(name, &on, range(&index.span), &candidates);
                        return Typed::of(Type::Error);
                    }
                },
                (None, Type::String) => (Type::Dyn, None),
                (None, k) if k.is_dynamic() => (Type::Dyn, None),
                (None, k) => {
                    self.error(
                        Code::CelNoOverload,
                        range(&index.span),
                        format!("object fields are selected by string, got {k}"),
                    );
                    return Typed::of(Type::Error);
                }
            },
            t if t.is_dynamic() => (Type::Dyn, None),
            other => {
                self.error(
                    Code::CelNoOverload,
                    span,
                    format!("{other} cannot be indexed"),
                );
                return Typed::of(Type::Error);
            }
        };
        let ty = if (optional || was_optional) && !matches!(ty, Type::Optional(_)) {
            Type::optional(ty)
        } else {
            ty
        };
        let path = match (object.path, step) {
            (Some(mut p), Some(step)) => {
                p.path.push(step);
                p.path_ranges.push(range(&index.span));
                p.end = span.end;
                Some(p)
            }
            (Some(p), None) => {
                self.finish(Typed {
                    ty: Type::Dyn,
                    path: Some(p),
                });
                None
            }
            (None, _) => None,
        };
        Typed { ty, path }
    }

    fn comprehension(&mut self, c: &ComprehensionData) -> Typed {
        let range_typed = self.expr(&c.iter_range);
        let range_path = range_typed.path.clone();
        let range_ty = self.finish(range_typed);
        let two = !c.iter_var2.is_empty();
        let item_path = range_path.map(|mut p| {
            p.path.push("[]".to_owned());
            p.path_ranges.push(TextRange::new(p.start, p.end));
            p
        });
        let (first, second, first_path, second_path) = match &range_ty {
            Type::List(elem) if two => (Type::Int, (**elem).clone(), None, item_path),
            Type::List(elem) => ((**elem).clone(), Type::Dyn, item_path, None),
            Type::Map(k, v) => ((**k).clone(), (**v).clone(), None, None),
            Type::Optional(inner) => ((**inner).clone(), Type::Dyn, None, None),
            t if t.is_dynamic() => (Type::Dyn, Type::Dyn, None, None),
            other => {
                self.error(
                    Code::CelNoOverload,
                    range(&c.iter_range.span),
                    format!(
                        "cannot iterate over `{}`: it is {other}, not a list or map",
                        self.excerpt(range(&c.iter_range.span))
                    ),
                );
                (Type::Error, Type::Error, None, None)
            }
        };
        let accu_init = self.value(&c.accu_init);
        let base = self.locals.len();
        self.locals.push(Local {
            name: c.iter_var.clone(),
            ty: first,
            path: first_path,
        });
        if two {
            self.locals.push(Local {
                name: c.iter_var2.clone(),
                ty: second,
                path: second_path,
            });
        }
        self.locals.push(Local {
            name: c.accu_var.clone(),
            ty: accu_init.clone(),
            path: None,
        });
        let accu = self.locals.len() - 1;
        let cond = self.value(&c.loop_condition);
        if !matches!(cond, Type::Bool) && !cond.is_dynamic() {
            self.error(
                Code::CelNoOverload,
                range(&c.loop_condition.span),
                format!("the condition must be bool, got {cond}"),
            );
        }
        let step = self.value(&c.loop_step);
        if accu_init.has_unresolved()
            && let Some(refined) = join(&accu_init, &step)
        {
            self.locals[accu].ty = refined;
        }
        let result = self.expr(&c.result);
        self.locals.truncate(base);
        result
    }

    // ---- calls ----

    fn call(&mut self, callee: &SpannedExpr, args: &[SpannedExpr], span: TextRange) -> Type {
        match &callee.node {
            Expr::Ident(name) => {
                if name == "omit" {
                    self.uses_omit = true;
                    if !self.scope.allows_omit() {
                        self.error(
                            Code::CelOutOfScope,
                            range(&callee.span),
                            "omit() can only be used in resource template fields".to_owned(),
                        );
                    }
                }
                let arg_types = args.iter().map(|a| self.value(a)).collect();
                self.resolve(name, None, arg_types, span, range(&callee.span))
            }
            Expr::Member {
                expr: receiver,
                field: name,
                ..
            } => {
                if let Some(qualified) = self.qualified_name(receiver, name) {
                    let lib = library();
                    if lib
                        .get(&qualified)
                        .is_some_and(|o| o.iter().any(|o| !o.member))
                    {
                        let arg_types = args.iter().map(|a| self.value(a)).collect();
                        return self.resolve(
                            &qualified,
                            None,
                            arg_types,
                            span,
                            range(&callee.span),
                        );
                    }
                    let root = qualified.split('.').next().unwrap_or("");
                    let close =
                        did_you_mean(&qualified, lib.names(false).filter(|n| n.contains('.')));
                    if NAMESPACES.contains(&root) || close.is_some() {
                        for a in args {
                            self.value(a);
                        }
                        self.unknown_function(&qualified, false, range(&callee.span), close);
                        return Type::Error;
                    }
                }
                if let Some(t) = self.pseudo_macro(receiver, name, args, span) {
                    return t;
                }
                let receiver_ty = self.value(receiver);
                let runtime_receiver = receiver_ty == Type::Opaque(RUNTIME)
                    || (receiver_ty == Type::Error
                        && matches!(&receiver.node, Expr::Ident(n) if n == "runtime"));
                if name == "newCondition" && runtime_receiver {
                    return self.new_condition(args, span);
                }
                let arg_types = args.iter().map(|a| self.value(a)).collect();
                let name_span = self.field_range(range(&callee.span), name);
                self.resolve(name, Some(receiver_ty), arg_types, span, name_span)
            }
            _ => {
                self.value(callee);
                for a in args {
                    self.value(a);
                }
                self.error(
                    Code::CelNoOverload,
                    range(&callee.span),
                    "only functions can be called".to_owned(),
                );
                Type::Error
            }
        }
    }

    /// `a.b.f` when `a` is not a variable: the name of a namespaced function.
    fn qualified_name(&self, receiver: &SpannedExpr, name: &str) -> Option<String> {
        let mut parts = vec![name];
        let mut e = receiver;
        loop {
            match &e.node {
                Expr::Ident(root) => {
                    if self.locals.iter().any(|l| &l.name == root) {
                        return None;
                    }
                    if matches!(self.scope.lookup(root), Lookup::Found(..))
                        && library()
                            .get(&format!("{root}.{}", parts.last()?))
                            .is_none()
                    {
                        return None;
                    }
                    parts.push(root);
                    break;
                }
                Expr::Member {
                    expr,
                    field,
                    optional: false,
                } => {
                    parts.push(field);
                    e = expr;
                }
                _ => return None,
            }
        }
        parts.reverse();
        Some(parts.join("."))
    }

    fn unknown_function(
        &mut self,
        name: &str,
        member: bool,
        span: TextRange,
        suggestion: Option<&str>,
    ) {
        let suggestion = suggestion.or_else(|| did_you_mean(name, library().names(member)));
        let mut message = format!("unknown function `{name}`");
        if let Some(s) = suggestion {
            message.push_str(&format!("; did you mean `{s}`?"));
        }
        let mut d = Diagnostic::new(Code::CelUnknownFunction, span, message);
        if let Some(s) = suggestion {
            d = d.with_fix(replace(span, s));
        }
        self.diagnostics.push(d);
    }

    /// Resolves a call of `name` against the library.
    fn resolve(
        &mut self,
        name: &str,
        receiver: Option<Type>,
        args: Vec<Type>,
        span: TextRange,
        name_span: TextRange,
    ) -> Type {
        let member = receiver.is_some();
        let Some(overloads) = library().get(name) else {
            self.unknown_function(name, member, name_span, None);
            return Type::Error;
        };
        let styled: Vec<&Overload> = overloads.iter().filter(|o| o.member == member).collect();
        if styled.is_empty() {
            let message = if member {
                format!("`{name}` is a function, not a method: call it as `{name}(…)`")
            } else {
                format!("`{name}` is a method: call it on a value, as `x.{name}(…)`")
            };
            self.error(Code::CelNoOverload, span, message);
            return Type::Error;
        }
        let all: Vec<Type> = receiver.into_iter().chain(args).collect();
        let arity: Vec<&Overload> = styled
            .iter()
            .copied()
            .filter(|o| o.params.len() == all.len())
            .collect();
        if arity.is_empty() {
            let offset = usize::from(member);
            let mut counts: Vec<usize> = styled.iter().map(|o| o.params.len() - offset).collect();
            counts.sort_unstable();
            counts.dedup();
            let counts: Vec<String> = counts.iter().map(usize::to_string).collect();
            self.error(
                Code::CelNoOverload,
                span,
                format!(
                    "`{}` takes {} argument{}, got {}",
                    name,
                    counts.join(" or "),
                    if counts == ["1"] { "" } else { "s" },
                    all.len() - offset
                ),
            );
            return Type::Error;
        }
        let mut results: Vec<Type> = Vec::new();
        for o in &arity {
            if let Some(t) = match_overload(o, &all) {
                results.push(t);
            }
        }
        let Some(first) = results.first().cloned() else {
            if all.contains(&Type::Error) {
                return Type::Error;
            }
            let types: Vec<String> = all.iter().map(|t| t.resolved().to_string()).collect();
            let mut message = format!(
                "expression `{}`: no matching overload for `{}` with ({})",
                self.excerpt(span),
                name,
                types.join(", ")
            );
            if arity.len() <= 3 && !name.starts_with(['_', '@', '-', '!']) {
                let sigs: Vec<&str> = arity.iter().map(|o| o.signature).collect();
                message.push_str(&format!("; expected {}", sigs.join(" or ")));
            }
            self.error(Code::CelNoOverload, span, message);
            return Type::Error;
        };
        if results.iter().all(|t| *t == first) {
            first
        } else {
            Type::Dyn
        }
    }

    /// `sortBy` and `transformMapEntry`: cel-go macros the engine's parser does not expand.
    fn pseudo_macro(
        &mut self,
        receiver: &SpannedExpr,
        name: &str,
        args: &[SpannedExpr],
        span: TextRange,
    ) -> Option<Type> {
        let var = |e: &SpannedExpr| match &e.node {
            Expr::Ident(n) => Some(n.clone()),
            _ => None,
        };
        match (name, args) {
            ("sortBy", [x, key]) => {
                let x = var(x)?;
                let recv = self.value(receiver);
                let elem = match &recv {
                    Type::List(e) => (**e).clone(),
                    t if t.is_dynamic() => Type::Dyn,
                    other => {
                        self.error(
                            Code::CelNoOverload,
                            span,
                            format!("`sortBy` sorts lists, but the receiver is {other}"),
                        );
                        return Some(Type::Error);
                    }
                };
                self.locals.push(Local {
                    name: x,
                    ty: elem,
                    path: None,
                });
                let k = self.value(key);
                self.locals.pop();
                if !is_orderable(&k) {
                    self.error(
                        Code::CelNoOverload,
                        range(&key.span),
                        format!("sort keys must be comparable (numbers, strings, bools, timestamps, durations), got {k}"),
                    );
                }
                Some(recv)
            }
            ("transformMapEntry", [k, v, rest @ ..]) if matches!(rest.len(), 1 | 2) => {
                let (k, v) = (var(k)?, var(v)?);
                let recv = self.value(receiver);
                let (kt, vt) = match &recv {
                    Type::Map(a, b) => ((**a).clone(), (**b).clone()),
                    Type::List(e) => (Type::Int, (**e).clone()),
                    _ => (Type::Dyn, Type::Dyn),
                };
                self.locals.push(Local {
                    name: k,
                    ty: kt,
                    path: None,
                });
                self.locals.push(Local {
                    name: v,
                    ty: vt,
                    path: None,
                });
                let mut out = Type::map(Type::Dyn, Type::Dyn);
                for (i, e) in rest.iter().enumerate() {
                    let t = self.value(e);
                    if i + 1 == rest.len() {
                        if matches!(t, Type::Map(..)) {
                            out = t;
                        } else if !t.is_dynamic() {
                            self.error(
                                Code::CelNoOverload,
                                range(&e.span),
                                format!("`transformMapEntry` needs a map per entry, got {t}"),
                            );
                        }
                    }
                }
                self.locals.truncate(self.locals.len() - 2);
                Some(out)
            }
            _ => None,
        }
    }

    /// `runtime.newCondition({type: …, status: …, reason: …, message: …})`: the keys are bare
    /// names, checked here, not variables.
    fn new_condition(&mut self, args: &[SpannedExpr], span: TextRange) -> Type {
        let [arg] = args else {
            for a in args {
                self.value(a);
            }
            self.error(
                Code::CelNoOverload,
                span,
                format!(
                    "`runtime.newCondition` takes 1 argument, got {}",
                    args.len()
                ),
            );
            return Type::Error;
        };
        let Expr::Map(entries) = &arg.node else {
            self.value(arg);
            self.error(
                Code::CelInvalidArgument,
                range(&arg.span),
                "runtime.newCondition takes a map literal: {type: …, status: …, reason: …, message: …}".to_owned(),
            );
            return condition_type();
        };
        let mut seen: Vec<&str> = Vec::new();
        let mut unknown_keys = false;
        for entry in entries {
            let key_span = range(&entry.key.span);
            let key = match &entry.key.node {
                Expr::Ident(k) => Some(k.as_str()),
                _ => None,
            };
            match key {
                Some(k @ ("type" | "status" | "reason" | "message")) => {
                    if seen.contains(&k) {
                        self.error(
                            Code::CelInvalidArgument,
                            key_span,
                            format!("runtime.newCondition: duplicate key `{k}`"),
                        );
                    }
                    seen.push(k);
                }
                Some(k) => {
                    unknown_keys = true;
                    let s = did_you_mean(k, ["type", "status", "reason", "message"]);
                    self.error(
                        Code::CelInvalidArgument,
                        key_span,
                        format!(
                            "runtime.newCondition: unknown key `{k}` (allowed: type, status, reason, message){}",
                            s.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
                        ),
                    );
                }
                None => self.error(
                    Code::CelInvalidArgument,
                    key_span,
                    "runtime.newCondition: keys must be bare names (type, status, reason, message)"
                        .to_owned(),
                ),
            }
            let v = self.value(&entry.value);
            if v != Type::String && !v.is_dynamic() {
                self.error(
                    Code::CelNoOverload,
                    range(&entry.value.span),
                    format!("runtime.newCondition: values must be strings, got {v}"),
                );
            }
            if key == Some("status")
                && let Expr::String(s) = &entry.value.node
                && !matches!(s.as_str(), "True" | "False" | "Unknown")
            {
                self.error(
                    Code::CelInvalidArgument,
                    range(&entry.value.span),
                    format!("condition status must be `True`, `False` or `Unknown`, not `{s}`"),
                );
            }
        }
        for required in ["type", "status"] {
            // A misspelt key already explains a missing one.
            if !seen.contains(&required) && !unknown_keys {
                self.error(
                    Code::CelInvalidArgument,
                    range(&arg.span),
                    format!("runtime.newCondition: `{required}` is required"),
                );
            }
        }
        condition_type()
    }

    // ---- the expected type ----

    fn expect(&mut self, ty: &Type, expected: &Expected) {
        if *ty == Type::Error {
            return;
        }
        let whole = {
            let start = self.text.len() - self.text.trim_start().len();
            let end = self.text.trim_end().len();
            TextRange::new(start, end.max(start))
        };
        let expr = self.excerpt(whole);
        let problem = match expected {
            Expected::Any => None,
            Expected::Bool => match ty {
                Type::Bool => None,
                Type::Optional(inner) if matches!(**inner, Type::Bool) || inner.is_dynamic() => {
                    None
                }
                t if t.is_dynamic() => None,
                t => Some(format!(
                    "expression `{expr}` returns {t}, but a condition must return bool"
                )),
            },
            Expected::StatusCondition => match ty {
                t if t.is_dynamic() || *t == condition_type() => None,
                t => Some(format!(
                    "expression `{expr}` returns {t}, but a status condition must be built \
                     with runtime.newCondition({{type: …, status: …, reason: …, message: …}})"
                )),
            },
            Expected::List => match ty {
                Type::List(_) => None,
                t if t.is_dynamic() => None,
                t => Some(format!(
                    "expression `{expr}` returns {t}, but forEach needs a list"
                )),
            },
            Expected::Interpolated => match ty {
                Type::String => None,
                t if t.is_dynamic() => None,
                t => Some(format!(
                    "expression `{expr}` returns {t}, but only strings can be interpolated; \
                     convert it with string(…)"
                )),
            },
            Expected::Field(target) => match fits(self.registry, target, ty, 0) {
                Ok(()) => None,
                Err(why) => Some(format!(
                    "expression `{expr}` returns {ty}, but the field expects {target}{why}"
                )),
            },
        };
        if let Some(message) = problem {
            self.error(Code::CelTypeMismatch, whole, message);
        }
    }
}

/// How to name the object a field was selected from.
fn object_name(
    checker: &Checker<'_, '_, '_>,
    span: TextRange,
    field_span: TextRange,
    ty: &Type,
) -> String {
    let end = field_span.start.saturating_sub(1).max(span.start);
    let text = checker.excerpt(TextRange::new(span.start, end));
    let text = text.trim_end_matches(['.', '?']).to_owned();
    if text.is_empty() || text.chars().count() > 40 {
        format!("`{ty}`")
    } else {
        format!("`{text}`")
    }
}

fn replace(span: TextRange, with: &str) -> Fix {
    Fix {
        title: format!("change to `{with}`"),
        edits: vec![TextEdit {
            range: span,
            new_text: with.to_owned(),
        }],
    }
}

fn is_orderable(t: &Type) -> bool {
    matches!(
        t,
        Type::Int
            | Type::Uint
            | Type::Double
            | Type::String
            | Type::Bytes
            | Type::Bool
            | Type::Timestamp
            | Type::Duration
            | Type::Param(_)
    ) || t.is_dynamic()
}

fn is_nullable(t: &Type) -> bool {
    matches!(
        t,
        Type::Struct(_)
            | Type::Optional(_)
            | Type::Timestamp
            | Type::Duration
            | Type::Opaque(_)
            | Type::Null
    ) || t.is_dynamic()
}

/// The common type of two values (list items, `?:` branches), if they have one.
pub(crate) fn join(a: &Type, b: &Type) -> Option<Type> {
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (Type::Error, t) | (t, Type::Error) => Some(t.clone()),
        (Type::Unresolved, t) | (t, Type::Unresolved) => Some(t.clone()),
        (Type::Dyn, _) | (_, Type::Dyn) => Some(Type::Dyn),
        (Type::Null, t) | (t, Type::Null) if is_nullable(t) => Some(t.clone()),
        (Type::List(x), Type::List(y)) => Some(Type::list(join(x, y)?)),
        (Type::Optional(x), Type::Optional(y)) => Some(Type::optional(join(x, y)?)),
        (Type::Map(ak, av), Type::Map(bk, bv)) => Some(Type::map(join(ak, bk)?, join(av, bv)?)),
        (Type::TypeOf(_), Type::TypeOf(_)) => Some(Type::type_of(Type::Dyn)),
        _ => None,
    }
}

/// Matches argument types against an overload; the result type when they fit.
fn match_overload(o: &Overload, args: &[Type]) -> Option<Type> {
    let mut subs: [Option<Type>; 26] = Default::default();
    for (p, a) in o.params.iter().zip(args) {
        if !unify(p, a, &mut subs) {
            return None;
        }
    }
    Some(substitute(&o.result, &subs))
}

fn unify(param: &Type, arg: &Type, subs: &mut [Option<Type>]) -> bool {
    match (param, arg) {
        (Type::Param(i), a) => {
            let i = usize::from(*i) % subs.len();
            if i == usize::from(ORDERED_PARAM) && !is_orderable(a) {
                return false;
            }
            match subs[i].take() {
                None => {
                    subs[i] = Some(a.clone());
                    true
                }
                Some(bound) => match join(&bound, a) {
                    Some(j) => {
                        subs[i] = Some(j);
                        true
                    }
                    None => {
                        subs[i] = Some(bound);
                        false
                    }
                },
            }
        }
        (_, Type::Error | Type::Dyn | Type::Unresolved) | (Type::Dyn, _) => true,
        (Type::List(p), Type::List(a))
        | (Type::Optional(p), Type::Optional(a))
        | (Type::TypeOf(p), Type::TypeOf(a)) => unify(p, a, subs),
        (Type::Map(pk, pv), Type::Map(ak, av)) => unify(pk, ak, subs) && unify(pv, av, subs),
        (p, a) => p.accepts(a),
    }
}

fn substitute(t: &Type, subs: &[Option<Type>]) -> Type {
    match t {
        // A parameter no argument binds (`optional.none()`) is not known yet.
        Type::Param(i) => subs
            .get(usize::from(*i))
            .cloned()
            .flatten()
            .unwrap_or(Type::Unresolved),
        Type::List(e) => Type::list(substitute(e, subs)),
        Type::Optional(e) => Type::optional(substitute(e, subs)),
        Type::TypeOf(e) => Type::type_of(substitute(e, subs)),
        Type::Map(k, v) => Type::map(substitute(k, subs), substitute(v, subs)),
        other => other.clone(),
    }
}

/// Whether a value of type `actual` may be written to a field of type `target`; `Err` says
/// why not (empty when the types simply differ).
///
/// More lenient than CEL assignability, like kro: `dyn` fits anywhere, an optional fits where
/// its value does, `null` clears a field, ints fit numbers, timestamps and durations fit
/// strings (and back; they are strings on the wire), and objects fit structurally.
pub(crate) fn fits(
    registry: &Registry<'_>,
    target: &Type,
    actual: &Type,
    depth: usize,
) -> Result<(), String> {
    if depth > 16 {
        return Ok(());
    }
    match (target, actual) {
        (_, Type::Bytes) => Err(
            "; bytes cannot be written to a field, encode them explicitly, e.g. base64.encode(…)"
                .to_owned(),
        ),
        (t, a) if t.is_dynamic() || a.is_dynamic() || t == a => Ok(()),
        (_, Type::Optional(inner)) => fits(registry, target, inner, depth + 1),
        (_, Type::Null) => Ok(()),
        (Type::Double, Type::Int | Type::Uint) | (Type::Int, Type::Uint) => Ok(()),
        (Type::String, Type::Timestamp | Type::Duration)
        | (Type::Timestamp | Type::Duration | Type::Bytes, Type::String) => Ok(()),
        (Type::List(t), Type::List(a)) => {
            fits(registry, t, a, depth + 1).map_err(|why| format!("; list items do not fit{why}"))
        }
        (Type::Map(_, t), Type::Map(_, a)) => {
            fits(registry, t, a, depth + 1).map_err(|why| format!("; map values do not fit{why}"))
        }
        (Type::Struct(t), Type::Struct(a)) => {
            for field in registry.fields(a) {
                match registry.field(t, &field.name) {
                    FieldLookup::Found(ft) => fits(registry, &ft, &field.ty, depth + 1)
                        .map_err(|why| format!("; field `{}` does not fit{why}", field.name))?,
                    FieldLookup::Unknown(_) => {
                        return Err(format!("; field `{}` is not in the target", field.name));
                    }
                }
            }
            Ok(())
        }
        (Type::Struct(t), Type::Map(_, v)) => {
            for field in registry.fields(t) {
                fits(registry, &field.ty, v, depth + 1)
                    .map_err(|why| format!("; field `{}` does not fit{why}", field.name))?;
            }
            Ok(())
        }
        (Type::Map(_, v), Type::Struct(a)) => {
            for field in registry.fields(a) {
                fits(registry, v, &field.ty, depth + 1)
                    .map_err(|why| format!("; field `{}` does not fit{why}", field.name))?;
            }
            Ok(())
        }
        _ => Err(String::new()),
    }
}

#[cfg(test)]
mod tests;
