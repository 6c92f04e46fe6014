//! Semantic checks of an RGD's structure, one rule per file, run after lowering.
//!
//! Checks that need CEL types or the dependency graph live with those stages; these only need
//! the model and, for namespace rules, whether a kind is namespaced.

mod external_ref;
mod for_each;
mod resource_ids;
mod template;

use crate::diagnostic::Diagnostic;
use crate::rgd::Rgd;

/// What the structural checks need to know about the world.
pub struct Context<'a> {
    /// Whether `apiVersion`/`kind` names a namespaced kind; `None` when unknown.
    pub is_namespaced: &'a dyn Fn(&str, &str) -> Option<bool>,
    /// Most forEach dimensions a resource may have.
    pub max_collection_dimensions: usize,
}

/// Default for [`Context::max_collection_dimensions`] (the controller flag's default).
pub const DEFAULT_MAX_COLLECTION_DIMENSIONS: usize = 10;

/// Runs every structural check.
pub fn structure(rgd: &Rgd, cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    resource_ids::check(rgd, &mut diagnostics);
    external_ref::check(rgd, &mut diagnostics);
    template::check(rgd, cx, &mut diagnostics);
    for_each::check(rgd, cx, &mut diagnostics);
    diagnostics
}

/// Ids kro reserves for itself; together with CEL's reserved words they cannot name a
/// resource or an iterator.
pub const KRO_RESERVED_IDS: &[&str] = &[
    "apiVersion",
    "context",
    "dependency",
    "dependencies",
    "each",
    "externalRef",
    "externalReference",
    "externalRefs",
    "externalReferences",
    "graph",
    "instance",
    "item",
    "items",
    "kind",
    "kro",
    "metadata",
    "namespace",
    "object",
    "resource",
    "resourcegraphdefinition",
    "resourceGraphDefinition",
    "resources",
    "root",
    "runtime",
    "schema",
    "self",
    "serviceAccountName",
    "spec",
    "status",
    "this",
    "variables",
    "vars",
    "version",
];

/// Whether `name` is reserved by kro or by CEL.
pub fn is_reserved(name: &str) -> bool {
    KRO_RESERVED_IDS.contains(&name) || crate::cel::RESERVED_WORDS.contains(&name)
}

/// Whether `name` is lowerCamelCase as ids and iterators must be.
pub fn is_lower_camel_case(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests;
