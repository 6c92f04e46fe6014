//! The CEL environment of one compiled RGD, for typed completion and hover.
//!
//! The environment is the compiler's own (`compile::environment`); this module adds which
//! place in the file an offset belongs to.

use super::Rgd;
use super::position::YamlPosition;
use crate::cel::{Context, Env};
use crate::compile::Compiled;
use crate::openapi::SchemaSource;

/// The environment the compiler checked `compiled`'s expressions in.
pub(crate) fn env<'p>(compiled: &Compiled, schemas: &'p dyn SchemaSource) -> Env<'p> {
    crate::compile::environment(compiled, schemas)
}

/// The checker's name for the place at `offset`: which resource's template, condition or
/// forEach, or the status.
pub(crate) fn context<'a>(
    position: &YamlPosition,
    rgd: &Rgd<'a>,
    offset: usize,
) -> Option<Context<'a>> {
    let p = position;
    if p.path_starts_with(&["spec", "schema", "status", "conditions"]) {
        return Some(Context::StatusConditions);
    }
    if p.path_starts_with(&["spec", "schema", "status"]) {
        return Some(Context::Status);
    }
    if !p.path_starts_with(&["spec", "resources", "[]"]) {
        return None;
    }
    let (_, resource) = rgd.resource_containing(offset)?;
    let id = resource.id.value.as_str();
    if id.is_empty() {
        return None;
    }
    let part = |name: &str| p.path_starts_with(&["spec", "resources", "[]", name]);
    Some(if part("readyWhen") {
        Context::ReadyWhen(id)
    } else if part("includeWhen") {
        Context::IncludeWhen(id)
    } else if part("forEach") {
        Context::ForEach(id)
    } else {
        Context::Template(id)
    })
}
