//! The CEL environment of one compiled RGD, for typed completion and hover.
//!
//! It declares what the compiler's CEL stage declares (`schema` typed by the instance schema,
//! each resource typed by its kind's schema, each collection's iterators typed by its forEach
//! lists). The compiler builds and drops its own; when `Compiled` offers its environment, this
//! module becomes that one call.

use super::Rgd;
use super::position::YamlPosition;
use crate::cel::{self, Context, Env, Expected, Type};
use crate::compile::Compiled;
use crate::openapi::SchemaSource;
use crate::schema::crd::instance_schema_without_status;

/// The environment the compiler checked `compiled`'s expressions in.
pub(crate) fn env<'p>(compiled: &Compiled, schemas: &'p dyn SchemaSource) -> Env<'p> {
    let mut env = Env::new(schemas);
    let section = compiled.rgd.schema.as_ref();
    let kind = section
        .and_then(|s| s.kind.as_ref())
        .map_or("instance", |k| k.value.as_str());
    let cluster_scoped = section.is_some_and(|s| s.is_cluster_scoped());
    env.set_instance(
        kind,
        &instance_schema_without_status(&compiled.spec.schema),
        cluster_scoped,
    );
    for resource in &compiled.rgd.resources {
        if resource.id.value.is_empty() {
            continue;
        }
        let (api_version, kind) = (resource.api_version(), resource.kind());
        let info = api_version
            .as_ref()
            .zip(kind.as_ref())
            .and_then(|(v, k)| schemas.kind(&v.value, &k.value));
        env.add_resource(
            &resource.id.value,
            kind.as_ref().map_or("object", |k| k.value.as_str()),
            info.map(|i| i.schema),
            resource.is_collection(),
        );
    }
    for resource in &compiled.rgd.resources {
        if resource.for_each.is_empty() || resource.id.value.is_empty() {
            continue;
        }
        let id = resource.id.value.as_str();
        let iterators = resource
            .for_each
            .iter()
            .map(|dimension| {
                let text = dimension.expression.as_str().unwrap_or_default();
                let checked =
                    cel::check_string(text, &env.scope(Context::ForEach(id)), &Expected::List);
                let element = match checked.ty {
                    Some(Type::List(element)) => (*element).clone(),
                    _ => Type::Dyn,
                };
                (dimension.name.value.clone(), element)
            })
            .collect();
        env.set_iterators(id, iterators);
    }
    env
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
