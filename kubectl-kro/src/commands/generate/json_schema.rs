//! The JSON Schema (draft 2020-12) of an RGD's kind, for editors that validate YAML against
//! one (yaml-language-server's `# yaml-language-server: $schema=…`).
//!
//! The spec comes from the generated OpenAPI, translated where the dialects differ: `nullable`
//! becomes a `null` type, exclusive bounds become numbers, `x-kubernetes-int-or-string` a
//! two-type union and `x-kubernetes-list-type: set` `uniqueItems`. Objects with named fields
//! and no `x-kubernetes-preserve-unknown-fields` refuse unknown fields, as the API server's
//! strict field validation does. Other `x-kubernetes-*` extensions are dropped.

use kro_core::compile::Compiled;
use kro_core::openapi::{AdditionalProperties, Schema};
use kro_core::schema::Scope;
use serde_json::{Map, Value, json};

/// The dialect.
pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The schema of one kind, without `$schema` (see [`document`]).
pub fn kind_schema(compiled: &Compiled) -> Value {
    let crd = &compiled.crd_spec;
    let api_version = format!("{}/{}", crd.group, crd.version);
    let mut metadata = json!({
        "type": "object",
        "properties": {
            "name": { "type": "string", "description": "The instance's name" },
            "generateName": { "type": "string" },
            "labels": { "type": "object", "additionalProperties": { "type": "string" } },
            "annotations": { "type": "object", "additionalProperties": { "type": "string" } },
        },
    });
    if crd.scope == Scope::Namespaced {
        metadata["properties"]["namespace"] = json!({ "type": "string" });
    }
    let spec = convert(&compiled.spec.schema);
    let mut required = vec!["apiVersion", "kind", "metadata"];
    if !compiled.spec.schema.required.is_empty() {
        required.push("spec");
    }
    let mut description = format!("A {} ({api_version})", crd.kind);
    if let Some(name) = &compiled.rgd.name {
        description.push_str(&format!(
            ", defined by the ResourceGraphDefinition {}",
            name.value
        ));
    }
    json!({
        "title": crd.kind,
        "description": description,
        "type": "object",
        "required": required,
        "properties": {
            "apiVersion": { "const": api_version },
            "kind": { "const": crd.kind },
            "metadata": metadata,
            "spec": spec,
            "status": { "type": "object", "description": "Written by the kro controller" },
        },
    })
}

/// One kind's schema, or a choice among several kinds (a file with several RGDs), with
/// `$schema` set.
pub fn document(compiled: &[&Compiled]) -> Value {
    let mut document = match compiled {
        [one] => kind_schema(one),
        many => json!({ "oneOf": many.iter().map(|c| kind_schema(c)).collect::<Vec<_>>() }),
    };
    if let Value::Object(map) = &mut document {
        let mut ordered = Map::new();
        ordered.insert("$schema".into(), Value::String(DRAFT.into()));
        ordered.extend(std::mem::take(map));
        *map = ordered;
    }
    document
}

/// OpenAPI (Kubernetes' structural schema) to JSON Schema 2020-12.
pub fn convert(schema: &Schema) -> Value {
    let mut out = Map::new();
    if let Some(reference) = &schema.reference {
        out.insert("$ref".into(), Value::String(reference.clone()));
    }
    let mut types: Vec<Value> = Vec::new();
    if schema.int_or_string {
        types.extend([json!("integer"), json!("string")]);
    } else if let Some(t) = &schema.type_ {
        types.push(json!(t));
    }
    if schema.nullable && !types.is_empty() {
        types.push(json!("null"));
    }
    match types.len() {
        0 => {}
        1 => {
            out.insert("type".into(), types.remove(0));
        }
        _ => {
            out.insert("type".into(), Value::Array(types));
        }
    }
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            out.insert(key.into(), value);
        }
    };
    put("description", schema.description.clone().map(Value::String));
    put("format", schema.format.clone().map(Value::String));
    put("default", schema.default.clone());
    put("enum", schema.enum_.clone().map(Value::Array));
    let number = |n: f64| {
        if n.fract() == 0.0 && n.abs() < 9.0e15 {
            Value::from(n as i64)
        } else {
            Value::from(n)
        }
    };
    let (min, max) = (schema.minimum.map(number), schema.maximum.map(number));
    if schema.exclusive_minimum {
        put("exclusiveMinimum", min);
    } else {
        put("minimum", min);
    }
    if schema.exclusive_maximum {
        put("exclusiveMaximum", max);
    } else {
        put("maximum", max);
    }
    put("minLength", schema.min_length.map(Value::from));
    put("maxLength", schema.max_length.map(Value::from));
    put("pattern", schema.pattern.clone().map(Value::String));
    put("minItems", schema.min_items.map(Value::from));
    put("maxItems", schema.max_items.map(Value::from));
    put("minProperties", schema.min_properties.map(Value::from));
    put("maxProperties", schema.max_properties.map(Value::from));
    if schema.unique_items || schema.list_type.as_deref() == Some("set") {
        put("uniqueItems", Some(Value::Bool(true)));
    }
    if !schema.required.is_empty() {
        put("required", Some(json!(schema.required)));
    }
    if let Some(items) = &schema.items {
        put("items", Some(convert(items)));
    }
    if !schema.properties.is_empty() {
        let properties: Map<String, Value> = schema
            .properties
            .iter()
            .map(|(name, s)| (name.clone(), convert(s)))
            .collect();
        put("properties", Some(Value::Object(properties)));
    }
    match &schema.additional_properties {
        Some(AdditionalProperties::Schema(values)) => {
            put("additionalProperties", Some(convert(values)));
        }
        Some(AdditionalProperties::Allowed(allowed)) => {
            put("additionalProperties", Some(Value::Bool(*allowed)));
        }
        None if !schema.properties.is_empty() && !schema.preserves_unknown_fields() => {
            put("additionalProperties", Some(Value::Bool(false)));
        }
        None => {}
    }
    for (key, list) in [
        ("allOf", &schema.all_of),
        ("oneOf", &schema.one_of),
        ("anyOf", &schema.any_of),
    ] {
        if !list.is_empty() {
            put(key, Some(Value::Array(list.iter().map(convert).collect())));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_dialect_is_translated() {
        let schema: Schema = serde_json::from_value(json!({
            "type": "object",
            "required": ["port"],
            "properties": {
                "port": { "type": "integer", "minimum": 1, "maximum": 65535, "exclusiveMaximum": true },
                "target": { "x-kubernetes-int-or-string": true },
                "note": { "type": "string", "nullable": true },
                "tags": { "type": "array", "items": { "type": "string" }, "x-kubernetes-list-type": "set" },
                "extra": { "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                "labels": { "type": "object", "additionalProperties": { "type": "string" } }
            }
        }))
        .unwrap();
        assert_eq!(
            convert(&schema),
            json!({
                "type": "object",
                "required": ["port"],
                "additionalProperties": false,
                "properties": {
                    "port": { "type": "integer", "minimum": 1, "exclusiveMaximum": 65535 },
                    "target": { "type": ["integer", "string"] },
                    "note": { "type": ["string", "null"] },
                    "tags": { "type": "array", "items": { "type": "string" }, "uniqueItems": true },
                    "extra": { "type": "object" },
                    "labels": { "type": "object", "additionalProperties": { "type": "string" } }
                }
            })
        );
    }
}
