//! Status field schemas inferred from expression types, the way kro derives an instance's
//! status schema: `bool` → boolean, `int` → integer, `double` → number, `string` → string,
//! `timestamp` → date-time string, `dyn` → preserve-unknown, lists, maps and objects expanded.
//!
//! Object types expand to a structural copy of their schema (types, formats, descriptions and
//! nesting; `$ref`s resolved) without validation (required, enums, defaults, rules), since
//! status mirrors values that were already validated where they came from.

use crate::openapi::{AdditionalProperties, Schema};

use super::env::Env;
use super::types::{Anchor, Type};

/// Deepest nesting expanded; deeper parts (and recursive types) become preserve-unknown.
const MAX_EXPANSION_DEPTH: usize = 32;

impl Env<'_> {
    /// The OpenAPI schema of a status field holding a value of type `ty`; `Err` says why such
    /// a value cannot be written to status (bytes, library values such as `URL`).
    pub fn status_schema(&self, ty: &Type) -> Result<Schema, String> {
        Ok(match ty {
            Type::Bool => Schema::of_type("boolean"),
            Type::Int | Type::Uint => Schema::of_type("integer"),
            Type::Double => Schema::of_type("number"),
            Type::String | Type::Duration => Schema::of_type("string"),
            Type::Timestamp => {
                let mut s = Schema::of_type("string");
                s.format = Some("date-time".to_owned());
                s
            }
            Type::Dyn | Type::Unresolved | Type::Error | Type::Param(_) => preserve_unknown(),
            Type::Null => {
                let mut s = preserve_unknown();
                s.description = Some("null type - any value allowed".to_owned());
                s
            }
            Type::Optional(inner) => return self.status_schema(inner),
            Type::List(elem) => {
                let mut s = Schema::of_type("array");
                s.items = Some(Box::new(self.status_schema(elem)?));
                s
            }
            Type::Map(_, value) => {
                let mut s = Schema::of_type("object");
                s.additional_properties = Some(AdditionalProperties::Schema(Box::new(
                    self.status_schema(value)?,
                )));
                s
            }
            Type::Struct(st) => self
                .registry
                .with_struct_schema(st, |schema, object| {
                    // A component's own schema is already being expanded.
                    let mut stack = match st.anchor() {
                        Anchor::Component(name) if st.path().is_empty() => vec![name.to_string()],
                        _ => Vec::new(),
                    };
                    self.expand(schema, object, &mut stack, 0)
                })
                .unwrap_or_else(preserve_unknown),
            Type::Bytes => {
                return Err(
                    "bytes cannot be written to status; encode them explicitly, e.g. \
                            base64.encode(…)"
                        .to_owned(),
                );
            }
            Type::Opaque(name) => {
                return Err(format!(
                    "a {name} value cannot be written to status; convert it to a string or \
                     number first"
                ));
            }
            Type::TypeOf(_) => {
                return Err(
                    "a type cannot be written to status; convert it with string(…)".to_owned(),
                );
            }
        })
    }

    fn expand(
        &self,
        schema: &Schema,
        object: bool,
        stack: &mut Vec<String>,
        depth: usize,
    ) -> Schema {
        if depth > MAX_EXPANSION_DEPTH {
            return preserve_unknown();
        }
        self.registry
            .resolve(schema, |s, component| {
                self.expand_resolved(s, component, object, stack, depth)
            })
            .unwrap_or_else(preserve_unknown)
    }

    fn expand_resolved(
        &self,
        s: &Schema,
        component: Option<&str>,
        object: bool,
        stack: &mut Vec<String>,
        depth: usize,
    ) -> Schema {
        if let Some(name) = component {
            if stack.iter().any(|c| c == name) {
                return preserve_unknown();
            }
            stack.push(name.to_owned());
        }
        let mut out = Schema {
            type_: s.type_.clone(),
            format: s.format.clone(),
            description: s.description.clone(),
            nullable: s.nullable,
            int_or_string: s.int_or_string,
            preserve_unknown_fields: s.preserve_unknown_fields,
            embedded_resource: s.embedded_resource,
            ..Schema::default()
        };
        for (name, prop) in &s.properties {
            out.properties
                .insert(name.clone(), self.expand(prop, false, stack, depth + 1));
        }
        if let Some(items) = &s.items {
            out.items = Some(Box::new(self.expand(items, false, stack, depth + 1)));
        }
        out.additional_properties = match &s.additional_properties {
            Some(AdditionalProperties::Schema(v)) => Some(AdditionalProperties::Schema(Box::new(
                self.expand(v, false, stack, depth + 1),
            ))),
            other => other.clone(),
        };
        if object || s.embedded_resource {
            out.type_ = Some("object".to_owned());
            for name in ["apiVersion", "kind"] {
                out.properties
                    .entry(name.to_owned())
                    .or_insert_with(|| Schema::of_type("string"));
            }
            let meta = self
                .registry
                .with_metadata_schema(|meta| self.expand(meta, false, stack, depth + 1));
            out.properties.insert("metadata".to_owned(), meta);
        }
        if out.type_.is_none() && !out.int_or_string && out.properties.is_empty() {
            out.preserve_unknown_fields = Some(true);
        }
        if component.is_some() {
            stack.pop();
        }
        out
    }
}

fn preserve_unknown() -> Schema {
    Schema {
        preserve_unknown_fields: Some(true),
        ..Schema::default()
    }
}
