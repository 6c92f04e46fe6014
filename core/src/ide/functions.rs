//! CEL functions as the editor shows them: the library table the type checker declares
//! (`cel::functions()`), grouped by name.

use crate::cel::{FunctionDoc, FunctionKind, functions};

/// One function name with all its overloads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Function {
    /// The name as written in calls (`string`, `base64.encode`, `lowerAscii`).
    pub(crate) name: &'static str,
    /// Every overload's signature, in declaration order.
    pub(crate) signatures: Vec<&'static str>,
    /// What it does (the first overload's line).
    pub(crate) doc: &'static str,
}

impl Function {
    /// Hover and completion documentation: the signatures, then the doc line.
    pub(crate) fn markdown(&self) -> String {
        format!("```\n{}\n```\n\n{}", self.signatures.join("\n"), self.doc)
    }
}

/// Whether a library entry is called without a receiver (`string(x)`, `has(x.f)`).
fn is_global(doc: &FunctionDoc) -> bool {
    match doc.kind {
        FunctionKind::Function => true,
        FunctionKind::Macro => !doc.signature.starts_with('<'),
        FunctionKind::Method | FunctionKind::Operator => false,
    }
}

fn grouped(filter: impl Fn(&FunctionDoc) -> bool) -> Vec<Function> {
    let mut out: Vec<Function> = Vec::new();
    for doc in functions().iter().filter(|d| filter(d)) {
        match out.iter_mut().find(|f| f.name == doc.name) {
            Some(f) => f.signatures.push(doc.signature),
            None => out.push(Function {
                name: doc.name,
                signatures: vec![doc.signature],
                doc: doc.doc,
            }),
        }
    }
    out
}

/// The functions called without a receiver, one per name, in declaration order.
pub(crate) fn global() -> Vec<Function> {
    grouped(is_global)
}

/// The global function named `name`.
pub(crate) fn global_named(name: &str) -> Option<Function> {
    grouped(|d| is_global(d) && d.name == name).pop()
}

/// The method (or method-style macro) named `name`.
pub(crate) fn method_named(name: &str) -> Option<Function> {
    grouped(|d| !is_global(d) && d.kind != FunctionKind::Operator && d.name == name).pop()
}
