//! Evaluating RGD expressions: [`Program`] (a parsed expression, shared freely), bound to
//! variables by an [`Activation`], metered by a [`Budget`], giving an [`Output`] or an
//! [`EvalError`] that says whether data is missing (pending), the budget ran out, or the
//! expression failed.
//!
//! The interpreter is ours, over the engine's parsed and macro-expanded syntax tree: it has
//! the whole function library of SPEC A3 (the standard library, optionals, the strings,
//! lists and encoder extensions, two-variable comprehensions, `cel.bind`, the Kubernetes
//! libraries and kro's), reproduces cel-go's results (Go's number, time and JSON formatting,
//! RE2 character classes, `net/url`, `netip`, apimachinery quantities, blang semver), and
//! meters every step, which the engine's evaluator cannot.
//!
//! # Values
//!
//! [`Activation::insert`] binds JSON as CEL sees JSON: integers are `int`, other numbers
//! `double`, strings `string`. [`Activation::insert_typed`] binds it as kro binds observed
//! objects, through their OpenAPI schema: `date-time`/`date` strings become timestamps,
//! `duration` strings durations, `byte` strings bytes, and `number` fields doubles. With the
//! untyped binding, functions that need a timestamp or duration also accept the text of one
//! (`deployment.metadata.creationTimestamp + duration('1h')`, `.getFullYear()`), so what the
//! checker accepted works either way; only `byte` fields need the typed binding to be bytes.
//!
//! Results are written as kro writes them: timestamps as RFC 3339 in UTC with whole
//! seconds (Go's zero time as null), durations as Go prints them (`1h30m0s`), whole doubles
//! as integers (Go's JSON encoder writes `2.0` as `2`), `omit()` items and entries dropped.
//! `omit()` and `optional.none()` as the whole result are [`Output::Omit`]; kro writes a null
//! for an empty optional, which the API server treats as absent. Bytes are refused
//! ("encode it explicitly, e.g. base64.encode(...)"), as are uints beyond int64 and library
//! values (URL, Quantity, …); `runtime.newCondition` results become condition objects.
//!
//! # Errors
//!
//! Selecting a field that is not there, indexing past the end, reading through a null, and a
//! variable that is not bound are [`EvalError::MissingData`], with the path in the message
//! (`no field `availableReplicas` in deployment.status`): kro treats them as "not yet" and
//! so does the runtime. Everything else — wrong types at run time, division by zero,
//! overflow, bad regular expressions, bytes in output — is [`EvalError::Failed`]. As in CEL,
//! `false && e` is false and `true || e` is true even when `e` fails, and `all`/`exists`
//! absorb errors the same way; running out of budget is never absorbed.
//!
//! # Cost
//!
//! Every step is metered in cost units, close to cel-go's run-time cost: one per node
//! evaluated and per comprehension iteration, one per list item or map entry created,
//! copied, scanned or sorted (`n log n` for sorts), and a tenth of a unit per byte of text
//! produced or scanned (concatenation, `replace`, `format`, `join`, JSON, regular
//! expressions). Work whose size is known up front (`lists.range(n)`, `replace`, `join`,
//! `random.seededString(n)`) is charged before anything is allocated, so one call cannot
//! allocate past the budget. Each evaluation may spend at most the per-expression limit
//! ([`Budget::DEFAULT_PER_EXPRESSION`], 1,000,000 units, the Kubernetes per-call limit) and
//! never more than what is left of the [`Budget`] the caller spends across a reconcile
//! ([`Budget::DEFAULT`], 50,000,000 units). A unit is tens of nanoseconds of work, so an
//! expression is stopped within tens of milliseconds and a whole reconcile within seconds;
//! hitting either limit is [`EvalError::CostExceeded`]. Memory follows the same bound:
//! text costs a unit per 10 bytes, so an expression builds at most ~10 MB of strings.
//!
//! # Where we differ from cel-go and kro
//!
//! - Map iteration (comprehensions over maps, `transformMap`) is in key order; Go's is
//!   random. `sort` and `sortBy` are stable; Go's `sort.Slice` is not.
//! - Selecting a field of a scalar (`'a'.b`) is a type error (Failed); cel-go reports "no
//!   such key", which kro would wait on forever.
//! - `runtime` is available without being bound.
//! - Functions follow current cel-go where it changed: `'%f'.format([1])` formats the int as a
//!   float, and an empty `indexOf`/`lastIndexOf` search clamps its offset to the length.
//! - With untyped binding, timestamp and duration operations accept their text (see
//!   Values); cel-go would report "no such overload" on a string.
//! - Quantities larger than 10^38 are errors (apimachinery has arbitrary precision).
//! - Time zone names come from the bundled tz database rather than the host's.

mod convert;
mod error;
mod interp;
mod libs;
mod strings;
mod time;
mod value;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use cel_core::SpannedExpr;
use serde_json::Value as Json;

use crate::openapi::{Schema, SchemaSource};

use error::Kind;
use interp::{Interp, Meter};
use value::Value;

/// A parsed expression, ready to evaluate any number of times, from any thread.
#[derive(Clone)]
pub struct Program {
    inner: Arc<Parsed>,
}

struct Parsed {
    source: String,
    ast: SpannedExpr,
    literals: Vec<Option<Value>>,
}

impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Program")
            .field("source", &self.inner.source)
            .finish()
    }
}

impl Program {
    /// Parses `source` (CEL text; for an interpolated string, `Extracted::cel_source()`),
    /// with the checker's limits on size and nesting. The error says what is wrong.
    pub fn new(source: &str) -> Result<Program, String> {
        let ast = super::parse::parse(source).map_err(|d| d.message)?;
        let literals = interp::literals(&ast);
        Ok(Program {
            inner: Arc::new(Parsed {
                source: source.to_owned(),
                ast,
                literals,
            }),
        })
    }

    /// The CEL text.
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// Evaluates with `vars` bound, spending from `budget` (at most its per-expression limit).
    ///
    /// # Errors
    ///
    /// [`EvalError::MissingData`] when data the expression reads is not there (yet),
    /// [`EvalError::CostExceeded`] when the budget runs out, [`EvalError::Failed`] otherwise.
    pub fn eval(&self, vars: &Activation, budget: &mut Budget) -> Result<Output, EvalError> {
        let remaining = budget.remaining();
        let (cap, reported) = if budget.per_expression <= remaining {
            (budget.per_expression, budget.per_expression)
        } else {
            (remaining, budget.limit)
        };
        let meter = Meter {
            spent: 0,
            limit: cap,
        };
        let mut interp = Interp::new(&self.inner.source, &self.inner.literals, &vars.vars, meter);
        // Writing the result is metered too: a result can share structure and be far larger
        // than the work that built it.
        let result = interp
            .eval(&self.inner.ast)
            .and_then(|value| convert::to_output(&mut interp.meter, &value));
        budget.spent = budget
            .spent
            .saturating_add(interp.meter.spent.min(cap))
            .min(budget.limit);
        result.map_err(|e| match e.kind {
            Kind::Missing => EvalError::MissingData(e.message),
            Kind::Cost(_) => EvalError::CostExceeded { limit: reported },
            Kind::Failed => EvalError::Failed(e.message),
        })
    }
}

/// Variables bound for an evaluation: name → value.
#[derive(Clone, Debug, Default)]
pub struct Activation {
    vars: BTreeMap<String, Value>,
}

impl Activation {
    /// No variables.
    pub fn new() -> Activation {
        Activation::default()
    }

    /// Binds `name` to a JSON value (`schema`, a resource's object, a collection's items,
    /// an iterator's value, `each`), typed as JSON is: integers `int`, other numbers
    /// `double`. Binding again replaces.
    pub fn insert(&mut self, name: impl Into<String>, value: Json) {
        self.vars.insert(name.into(), convert::from_json(&value));
    }

    /// Binds `name` to a JSON value typed by its OpenAPI schema, as kro binds observed
    /// objects: `date-time` strings are timestamps, `duration` strings durations, `byte`
    /// strings bytes, `number` fields doubles. `$ref`s are resolved through `source`. For a
    /// collection, pass the array of items with the schema of one item.
    pub fn insert_typed(
        &mut self,
        name: impl Into<String>,
        value: &Json,
        schema: &Schema,
        source: Option<&dyn SchemaSource>,
    ) {
        let typed = match value {
            Json::Array(items) if schema.type_.as_deref() != Some("array") => Value::list(
                items
                    .iter()
                    .map(|i| convert::from_json_typed(i, schema, source))
                    .collect(),
            ),
            _ => convert::from_json_typed(value, schema, source),
        };
        self.vars.insert(name.into(), typed);
    }

    /// Whether `name` is bound.
    pub fn contains(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// Removes a binding.
    pub fn remove(&mut self, name: &str) {
        self.vars.remove(name);
    }
}

impl From<BTreeMap<String, Json>> for Activation {
    fn from(vars: BTreeMap<String, Json>) -> Activation {
        Activation {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k, convert::from_json(&v)))
                .collect(),
        }
    }
}

/// The value of an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// A JSON value to write (null included).
    Value(Json),
    /// `omit()` or `optional.none()`: the field (or list item) is left out.
    Omit,
}

/// The cost an evaluation may spend, shared by the expressions of one reconcile.
///
/// Each [`Program::eval`] spends what it used; one evaluation may use at most
/// [`Budget::per_expression`], and none may start past the total [`Budget::limit`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    limit: u64,
    spent: u64,
    per_expression: u64,
}

impl Budget {
    /// The default limit of one expression: Kubernetes' per-call limit for CEL in the API
    /// server, in roughly its units.
    pub const DEFAULT_PER_EXPRESSION: u64 = 1_000_000;
    /// The default limit of one reconcile of one instance (all its expressions).
    pub const DEFAULT: u64 = 50_000_000;

    /// A budget of `limit` units in all, with the default per-expression limit.
    pub fn new(limit: u64) -> Budget {
        Budget {
            limit,
            spent: 0,
            per_expression: Budget::DEFAULT_PER_EXPRESSION,
        }
    }

    /// The same budget with another per-expression limit.
    pub fn with_per_expression(mut self, limit: u64) -> Budget {
        self.per_expression = limit;
        self
    }

    /// The total limit.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The most one evaluation may spend.
    pub fn per_expression(&self) -> u64 {
        self.per_expression
    }

    /// What has been spent so far.
    pub fn spent(&self) -> u64 {
        self.spent
    }

    /// What is left.
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.spent)
    }
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::new(Budget::DEFAULT)
    }
}

/// Why an expression has no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvalError {
    /// Data the expression reads is not there (yet): no such key or field, an index out of
    /// bounds, a null in the path, an unbound variable. The runtime treats it as pending,
    /// not failed.
    MissingData(String),
    /// The cost budget ran out (hostile or accidentally huge work).
    CostExceeded {
        /// The limit that was reached (per expression, or what the whole budget allowed).
        limit: u64,
    },
    /// Anything else: a type error at run time, division by zero, overflow, a bad regular
    /// expression, bytes in the output, …
    Failed(String),
}

impl EvalError {
    /// Whether the data the expression needs is not there yet.
    pub fn is_missing_data(&self) -> bool {
        matches!(self, EvalError::MissingData(_))
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::MissingData(m) => write!(f, "{m}"),
            EvalError::CostExceeded { limit } => write!(
                f,
                "the expression exceeded its cost limit of {limit} (too much work: large lists, \
                 nested loops or huge strings)"
            ),
            EvalError::Failed(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for EvalError {}
