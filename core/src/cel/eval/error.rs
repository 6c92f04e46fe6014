//! Errors while evaluating: missing data (the runtime waits), cost exhaustion (never absorbed
//! by `&&`, `||` or comprehensions) and everything else.

use super::value::Value;

/// What kind of error it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Data is not there (yet): no such key, index out of bounds, null in a path, an
    /// unbound variable.
    Missing,
    /// The cost limit (the one given) was reached.
    Cost(u64),
    /// Anything else.
    Failed,
}

/// An evaluation error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Error {
    pub(crate) kind: Kind,
    pub(crate) message: String,
}

/// The result of evaluating something.
pub(crate) type R<T = Value> = Result<T, Error>;

impl Error {
    pub(crate) fn missing(message: impl Into<String>) -> Error {
        Error {
            kind: Kind::Missing,
            message: message.into(),
        }
    }

    pub(crate) fn failed(message: impl Into<String>) -> Error {
        Error {
            kind: Kind::Failed,
            message: message.into(),
        }
    }

    pub(crate) fn cost(limit: u64) -> Error {
        Error {
            kind: Kind::Cost(limit),
            message: format!("cost limit of {limit} exceeded"),
        }
    }

    /// cel-go's "no such overload" for a call with these argument values.
    pub(crate) fn no_overload(name: &str, args: &[&Value]) -> Error {
        let types: Vec<&str> = args.iter().map(|a| a.type_name()).collect();
        let name = match name {
            "_+_" => "+",
            "_-_" => "-",
            "_*_" => "*",
            "_/_" => "/",
            "_%_" => "%",
            "_<_" => "<",
            "-_" => "-",
            n => n,
        };
        Error::failed(format!("no such overload: {name}({})", types.join(", ")))
    }

    /// Whether `&&`, `||` and comprehension conditions may absorb the error.
    pub(crate) fn is_absorbable(&self) -> bool {
        !matches!(self.kind, Kind::Cost(_))
    }
}
