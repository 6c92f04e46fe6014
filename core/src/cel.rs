//! CEL in RGDs: `${…}` extraction, and a facade over the CEL engine for parsing and type
//! checking, used by the compiler, the language server and the runtime.
//!
//! The engine (cel-core) is an implementation detail: it parses (with macro expansion) and will
//! evaluate; this module owns the types, the library declarations, the scoping rules and the
//! type checker, and exposes none of the engine's types.
//!
//! # Using it from the compiler
//!
//! 1. Build an [`Env`] per RGD: [`Env::set_instance`] with the instance CRD's schema, then
//!    [`Env::add_resource`] for every resource (its kind's schema, or `None` when unknown;
//!    `collection` for forEach resources and selector external references).
//! 2. For each resource, check its forEach dimensions with [`check_string`] in
//!    [`Context::ForEach`] against [`Expected::List`]; declare the iterators with
//!    [`Env::set_iterators`], typed by [`Type::element_type`] of each result.
//! 3. Walk the template with [`template_strings`]; check each string with [`check_string`] in
//!    [`Context::Template`] against [`Expected::Field`] of [`Env::field_type`] at the string's
//!    path (or [`Expected::Any`] when the schema does not say).
//! 4. Check includeWhen and readyWhen entries with [`check_string`] and [`Expected::Bool`] in
//!    [`Context::IncludeWhen`] / [`Context::ReadyWhen`].
//! 5. Check status fields in [`Context::Status`] with [`Expected::Any`] and derive their
//!    schemas with [`Env::status_schema`]; `conditions` entries in
//!    [`Context::StatusConditions`] with [`Expected::StatusCondition`].
//!
//! # Evaluating (the runtime)
//!
//! [`Program::new`] parses an expression once (an interpolated string's
//! `Extracted::cel_source()`); [`Program::eval`] runs it against an [`Activation`] (JSON bound
//! by name, optionally typed by the object's schema) and spends from a [`Budget`] shared by a
//! reconcile. [`EvalError::is_missing_data`] tells "not there yet" from failures; see the
//! `eval` module for the value, error and cost rules.
//!
//! [`Checked::references`] lists what each expression reads, for the dependency graph and the
//! editor. Ranges in results are relative to the checked text; map them to the file with the
//! string's [`ScalarOffsets`](crate::syntax::ScalarOffsets) (see [`TemplateString::to_source`]
//! and [`map_ranges`]).

//! # Choices where kro is silent or stricter than needed
//!
//! - Extraction also skips braces inside single-quoted, triple-quoted and raw string literals
//!   (kro only knows double quotes), so `${'}'}` is one expression.
//! - A `${…}` in a map key gets a warning ([`Code::CelExpressionInKey`]); kro ignores it.
//! - A value fits a field more often than in kro: `int` fits `number`, timestamps and durations
//!   fit strings (and strings fit `date-time`, `duration` and `byte` fields), `null` clears a
//!   field, and `optional(T)` fits where `T` does. `bytes` never fit a field.
//! - Objects without a schema type (`{}`), `additionalProperties: true` and unknown `$ref`s are
//!   `dyn` rather than unselectable.
//! - Equality and ordering across `int`, `uint` and `double` type-check (cel-go's
//!   heterogeneous comparisons); `x == null` type-checks for any `x`.
//! - The status schema of a `duration` is a string; of `null`, preserve-unknown; library
//!   values (`URL`, `Quantity`, …) and `bytes` cannot be written to status.
//! - Kubernetes' `sign` is declared both as `sign(q)` and `q.sign()`.

mod assist;
mod check;
mod env;
mod eval;
mod extract;
#[cfg(test)]
mod fixture;
mod library;
mod parse;
mod schemas;
mod status;
mod types;

pub use assist::{Completion, CompletionKind, Completions, complete, type_at};
pub use check::{Checked, Expected, Reference, check};
pub use env::{Context, Env, Scope, Variable, VariableKind};
pub use eval::{Activation, Budget, EvalError, Output, Program};
pub use extract::{
    ExprSegment, Extracted, Kind, Literal, Segment, TemplateString, TemplateStrings, extract,
    quote, template_strings,
};
pub use library::{FunctionDoc, FunctionKind, functions};
pub use parse::{MAX_DEPTH, MAX_EXPRESSION_BYTES, MAX_NESTING};
pub use schemas::{Field, OBJECT_META, RESERVED_WORDS, escape};
pub use types::{Anchor, Builtin, Step, StructType, Type};

use crate::diagnostic::{Code, Diagnostic};
use crate::text::TextRange;

/// The result of checking one template string (a standalone `${…}` or an interpolated one).
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedString {
    /// What extraction found.
    pub extracted: Extracted,
    /// One result per expression, in string order (ranges relative to each expression).
    pub expressions: Vec<Checked>,
    /// Every problem, with ranges relative to the string.
    pub diagnostics: Vec<Diagnostic>,
    /// The type of the value the string produces: the expression's type when standalone,
    /// `string` when interpolated, `None` for plain text.
    pub ty: Option<Type>,
}

impl CheckedString {
    /// The resource ids the string's expressions read (each once).
    pub fn resources(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for id in self.expressions.iter().flat_map(Checked::resources) {
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }
}

/// Extracts and checks the expressions of a string value, such as a template field or a
/// readyWhen entry. A standalone expression is checked against `expected` (for a template
/// field, [`Expected::Field`] with [`Env::field_type`]); the pieces of an interpolated string
/// must be strings, and the string as a whole must fit `expected`. Plain text is not checked
/// (its type is `None`; for conditions and forEach the caller reports that a `${…}` is needed).
pub fn check_string(text: &str, scope: &Scope<'_, '_>, expected: &Expected) -> CheckedString {
    let extracted = extract(text);
    let mut diagnostics = extracted.diagnostics.clone();
    let mut expressions = Vec::new();
    let ty = match extracted.kind() {
        Kind::Literal => None,
        Kind::Standalone => extracted.standalone().map(|e| {
            let checked = check(&e.text, scope, expected);
            let offset = e.range.start;
            diagnostics.extend(
                checked
                    .diagnostics
                    .iter()
                    .map(|d| map_ranges(d.clone(), |r| shift(r, offset))),
            );
            let ty = checked.ty.clone();
            expressions.push(checked);
            ty
        }),
        Kind::Interpolated => {
            for e in extracted.expressions() {
                let checked = check(&e.text, scope, &Expected::Interpolated);
                let offset = e.range.start;
                diagnostics.extend(
                    checked
                        .diagnostics
                        .iter()
                        .map(|d| map_ranges(d.clone(), |r| shift(r, offset))),
                );
                expressions.push(checked);
            }
            let whole = TextRange::new(0, text.len());
            let mismatch = |expects: String| {
                Diagnostic::new(
                    Code::CelTypeMismatch,
                    whole,
                    format!(
                        "this string mixes text and `${{…}}`, so it is a string, but {expects}; \
                         use a single `${{…}}` for the whole value"
                    ),
                )
            };
            match expected {
                Expected::Any | Expected::Interpolated => {}
                Expected::Field(target) => {
                    if check::fits(&scope.env.registry, target, &Type::String, 0).is_err() {
                        diagnostics.push(mismatch(format!("the field expects {target}")));
                    }
                }
                Expected::Bool => diagnostics.push(mismatch("a condition must be bool".into())),
                Expected::List => diagnostics.push(mismatch("forEach needs a list".into())),
                Expected::StatusCondition => diagnostics.push(mismatch(
                    "a status condition must come from runtime.newCondition".into(),
                )),
            }
            Some(Type::String)
        }
    };
    CheckedString {
        extracted,
        expressions,
        diagnostics,
        ty,
    }
}

fn shift(r: TextRange, offset: usize) -> TextRange {
    TextRange::new(r.start + offset, r.end + offset)
}

/// Applies `f` to every range of a diagnostic (its range, related ranges and fix edits), e.g.
/// to move ranges relative to an expression into the file.
pub fn map_ranges(mut d: Diagnostic, f: impl Fn(TextRange) -> TextRange) -> Diagnostic {
    d.range = f(d.range);
    for r in &mut d.related {
        r.range = f(r.range);
    }
    if let Some(fix) = &mut d.fix {
        for e in &mut fix.edits {
            e.range = f(e.range);
        }
    }
    d
}
