//! The functions CEL expressions in RGDs may call: the CEL standard library and macros,
//! optionals, the strings, lists and encoders extensions, the Kubernetes libraries (lists,
//! regex, URLs, quantity, IP, CIDR, semver) and kro's own (random, maps, JSON, hashes, lists,
//! `omit`, `runtime`).
//!
//! Declarations are written once, as signature text ([`table`]), parsed on first use. The
//! editor lists them with [`functions`]; the checker resolves calls against them. Evaluation
//! is not declared here.

mod table;

use std::collections::HashMap;
use std::sync::OnceLock;

use super::types::{Anchor, Builtin, StructType, Type};

/// How a library entry is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionKind {
    /// `name(args)`.
    Function,
    /// `receiver.name(args)`.
    Method,
    /// A macro expanded by the parser (`has`, `all`, `map`, `cel.bind`, …).
    Macro,
    /// An operator (`_+_`, `@in`); not something a user types by name.
    Operator,
}

/// One declared overload, for completion, hover and signature help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionDoc {
    /// The name as called (`lowerAscii`, `base64.encode`, `_+_`).
    pub name: &'static str,
    /// The signature (`<string>.lowerAscii() -> string`).
    pub signature: &'static str,
    /// One line on what it does.
    pub doc: &'static str,
    /// How it is called.
    pub kind: FunctionKind,
    /// Which library declares it (`standard`, `strings`, `kubernetes`, `kro`, …).
    pub library: &'static str,
}

/// Every function, method, macro and operator, in declaration order.
pub fn functions() -> &'static [FunctionDoc] {
    &library().docs
}

/// One overload as the checker uses it.
#[derive(Clone, Debug)]
pub(crate) struct Overload {
    pub(crate) member: bool,
    /// Parameter types; a method's receiver first.
    pub(crate) params: Vec<Type>,
    pub(crate) result: Type,
    pub(crate) signature: &'static str,
}

pub(crate) struct Library {
    docs: Vec<FunctionDoc>,
    overloads: HashMap<&'static str, Vec<Overload>>,
}

impl Library {
    /// The overloads of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&[Overload]> {
        self.overloads.get(name).map(Vec::as_slice)
    }

    /// Names callable as functions (`member == false`) or as methods.
    pub(crate) fn names(&self, member: bool) -> impl Iterator<Item = &'static str> + '_ {
        self.overloads
            .iter()
            .filter(move |(name, overloads)| {
                !name.starts_with(['_', '@', '-', '!'])
                    && overloads.iter().any(|o| o.member == member)
            })
            .map(|(name, _)| *name)
    }
}

/// The parsed library, built once.
pub(crate) fn library() -> &'static Library {
    static LIBRARY: OnceLock<Library> = OnceLock::new();
    LIBRARY.get_or_init(build)
}

/// The type parameter of ordering operators and `sort`, `min`, `max`: only orderable types.
pub(crate) const ORDERED_PARAM: u8 = b'O' - b'A';

fn build() -> Library {
    let mut docs = Vec::new();
    let mut overloads: HashMap<&'static str, Vec<Overload>> = HashMap::new();
    for section in table::SECTIONS {
        let mut last_doc: HashMap<&str, &'static str> = HashMap::new();
        for &(signature, doc) in section.entries {
            // A malformed line is a bug caught by the tests; at run time it is skipped.
            let Some(parsed) = parse_signature(signature) else {
                continue;
            };
            let doc = if doc.is_empty() {
                last_doc.get(parsed.name).copied().unwrap_or("")
            } else {
                last_doc.insert(parsed.name, doc);
                doc
            };
            let kind = if section.library == "operators" {
                FunctionKind::Operator
            } else if parsed.member {
                FunctionKind::Method
            } else {
                FunctionKind::Function
            };
            docs.push(FunctionDoc {
                name: parsed.name,
                signature,
                doc,
                kind,
                library: section.library,
            });
            overloads.entry(parsed.name).or_default().push(Overload {
                member: parsed.member,
                params: parsed.params,
                result: parsed.result,
                signature,
            });
        }
    }
    // Mixed-type numeric ordering (`1 < 2.5`), as cel-go declares it.
    let numeric = [Type::Int, Type::Uint, Type::Double];
    for op in ["_<_", "_<=_", "_>_", "_>=_"] {
        let list = overloads.entry(op).or_default();
        for a in &numeric {
            for b in &numeric {
                if a != b {
                    list.push(Overload {
                        member: false,
                        params: vec![a.clone(), b.clone()],
                        result: Type::Bool,
                        signature: "numbers of mixed types",
                    });
                }
            }
        }
    }
    for &(name, signature, doc) in table::MACROS {
        docs.push(FunctionDoc {
            name,
            signature,
            doc,
            kind: FunctionKind::Macro,
            library: "macros",
        });
    }
    Library { docs, overloads }
}

struct Signature {
    name: &'static str,
    member: bool,
    params: Vec<Type>,
    result: Type,
}

/// Parses `<receiver>.name(a, b) -> result` or `name(a, b) -> result`.
fn parse_signature(text: &'static str) -> Option<Signature> {
    let (call, result) = text.split_once(" -> ")?;
    let (receiver, rest) = match call.strip_prefix('<') {
        Some(rest) => {
            let close = rest.find(">.")?;
            (Some(parse_type(&rest[..close])?), &rest[close + 2..])
        }
        None => (None, call),
    };
    let open = rest.find('(')?;
    let name = &rest[..open];
    let args = rest[open + 1..].strip_suffix(')')?;
    let mut params: Vec<Type> = receiver.into_iter().collect();
    for arg in split_top_level(args) {
        params.push(parse_type(arg)?);
    }
    Some(Signature {
        name,
        member: call.starts_with('<'),
        params,
        result: parse_type(result)?,
    })
}

/// Splits on commas outside parentheses; empty input gives nothing.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = text[start..].trim();
    if !last.is_empty() {
        parts.push(last);
    }
    parts
}

/// Parses a type in signature notation.
pub(crate) fn parse_type(text: &str) -> Option<Type> {
    let text = text.trim();
    if let Some(open) = text.find('(') {
        let name = &text[..open];
        let args = split_top_level(text[open + 1..].strip_suffix(')')?);
        let arg = |i: usize| args.get(i).and_then(|a| parse_type(a));
        return match (name, args.len()) {
            ("list", 1) => Some(Type::list(arg(0)?)),
            ("map", 2) => Some(Type::map(arg(0)?, arg(1)?)),
            ("optional", 1) => Some(Type::optional(arg(0)?)),
            ("type", 1) => Some(Type::type_of(arg(0)?)),
            _ => None,
        };
    }
    Some(match text {
        "int" => Type::Int,
        "uint" => Type::Uint,
        "double" => Type::Double,
        "bool" => Type::Bool,
        "string" => Type::String,
        "bytes" => Type::Bytes,
        "null" => Type::Null,
        "dyn" => Type::Dyn,
        "timestamp" => Type::Timestamp,
        "duration" => Type::Duration,
        "URL" => Type::Opaque("URL"),
        "Quantity" => Type::Opaque("Quantity"),
        "IP" => Type::Opaque("IP"),
        "CIDR" => Type::Opaque("CIDR"),
        "Semver" => Type::Opaque("Semver"),
        "Runtime" => Type::Opaque(RUNTIME),
        "Condition" => condition_type(),
        p if p.len() == 1 && p.as_bytes()[0].is_ascii_uppercase() => {
            Type::Param(p.as_bytes()[0] - b'A')
        }
        _ => return None,
    })
}

/// The type of kro's `runtime` variable.
pub(crate) const RUNTIME: &str = "kro.run.Runtime";

/// The type of a condition built by `runtime.newCondition` or read by `runtime.condition`.
pub(crate) fn condition_type() -> Type {
    Type::Struct(StructType::new(
        Anchor::Builtin(Builtin::Condition),
        "Condition",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signature_parses() {
        for section in table::SECTIONS {
            for (signature, _) in section.entries {
                assert!(
                    parse_signature(signature).is_some(),
                    "bad signature {signature}"
                );
            }
        }
    }

    #[test]
    fn every_function_has_a_doc() {
        for f in functions() {
            assert!(!f.doc.is_empty(), "{} has no doc", f.signature);
        }
    }

    #[test]
    fn spec_a3_functions_are_declared() {
        let lib = library();
        for name in [
            "split",
            "join",
            "lowerAscii",
            "upperAscii",
            "replace",
            "trim",
            "substring",
            "indexOf",
            "lastIndexOf",
            "format",
            "charAt",
            "reverse",
            "strings.quote",
            "slice",
            "flatten",
            "distinct",
            "sort",
            "lists.range",
            "first",
            "last",
            "base64.encode",
            "base64.decode",
            "sum",
            "min",
            "max",
            "isSorted",
            "find",
            "findAll",
            "url",
            "quantity",
            "ip",
            "cidr",
            "semver",
            "random.seededString",
            "random.seededInt",
            "merge",
            "deepMerge",
            "json.marshal",
            "json.unmarshal",
            "hash.fnv64a",
            "hash.sha256",
            "hash.md5",
            "lists.setAtIndex",
            "lists.insertAtIndex",
            "lists.removeAtIndex",
            "omit",
            "newCondition",
            "condition",
            "optional.of",
            "optional.none",
            "hasValue",
            "value",
            "orValue",
        ] {
            assert!(lib.get(name).is_some(), "{name} is not declared");
        }
        let macros: Vec<&str> = functions()
            .iter()
            .filter(|f| f.kind == FunctionKind::Macro)
            .map(|f| f.name)
            .collect();
        for name in [
            "has",
            "all",
            "exists",
            "exists_one",
            "map",
            "filter",
            "cel.bind",
        ] {
            assert!(macros.contains(&name), "macro {name} is not listed");
        }
    }

    #[test]
    fn signatures_read_back() {
        let s = parse_signature("<list(A)>.slice(int, int) -> list(A)").unwrap();
        assert!(s.member);
        assert_eq!(s.name, "slice");
        assert_eq!(
            s.params,
            vec![Type::list(Type::Param(0)), Type::Int, Type::Int]
        );
        let s = parse_signature("optional.none() -> optional(A)").unwrap();
        assert!(!s.member && s.params.is_empty());
    }
}
