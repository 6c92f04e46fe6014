//! OpenAPI v3 schemas as Kubernetes uses them (`JSONSchemaProps`), and where they come from.
//!
//! One [`Schema`] type serves the generated CRD, the bundled schemas of built-in kinds and the
//! CRD schemas a caller hands in, so the type checker and the editor see them all alike.

mod builtin;
mod source;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use builtin::Builtin;
pub use source::{CrdSchemas, KindInfo, Layered, SchemaSource};

/// A JSON schema node in the Kubernetes structural-schema dialect.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Schema {
    /// `$ref` to a named component (`#/components/schemas/<name>`).
    #[serde(rename = "$ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// `object`, `array`, `string`, `integer`, `number` or `boolean`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// A format such as `int64`, `date-time` or `int-or-string`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Human documentation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The default value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    /// Allowed values.
    #[serde(rename = "enum", skip_serializing_if = "Option::is_none")]
    pub enum_: Option<Vec<serde_json::Value>>,
    /// Whether `null` is allowed.
    #[serde(skip_serializing_if = "is_false")]
    pub nullable: bool,
    /// Inclusive lower bound.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "number")]
    pub minimum: Option<f64>,
    /// Inclusive upper bound.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "number")]
    pub maximum: Option<f64>,
    /// Makes `minimum` exclusive.
    #[serde(skip_serializing_if = "is_false")]
    pub exclusive_minimum: bool,
    /// Makes `maximum` exclusive.
    #[serde(skip_serializing_if = "is_false")]
    pub exclusive_maximum: bool,
    /// Shortest string length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    /// Longest string length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// Regular expression strings must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Fewest list items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    /// Most list items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    /// Whether list items must be unique.
    #[serde(skip_serializing_if = "is_false")]
    pub unique_items: bool,
    /// Fewest map entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_properties: Option<u64>,
    /// Most map entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_properties: Option<u64>,
    /// Required property names (sorted where kro generates them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    /// Schema of list items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<Schema>>,
    /// Named properties of an object.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, Schema>,
    /// Schema of map values (or `true`/`false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_properties: Option<AdditionalProperties>,
    /// All of these must hold (Kubernetes uses it to attach a description to a `$ref`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub all_of: Vec<Schema>,
    /// One of these must hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<Schema>,
    /// Any of these must hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Schema>,
    /// Keeps fields the schema does not name.
    #[serde(
        rename = "x-kubernetes-preserve-unknown-fields",
        skip_serializing_if = "Option::is_none"
    )]
    pub preserve_unknown_fields: Option<bool>,
    /// An integer or a string (`IntOrString`).
    #[serde(
        rename = "x-kubernetes-int-or-string",
        skip_serializing_if = "is_false"
    )]
    pub int_or_string: bool,
    /// A whole Kubernetes object (apiVersion, kind, metadata) is embedded here.
    #[serde(
        rename = "x-kubernetes-embedded-resource",
        skip_serializing_if = "is_false"
    )]
    pub embedded_resource: bool,
    /// `atomic`, `set` or `map`.
    #[serde(
        rename = "x-kubernetes-list-type",
        skip_serializing_if = "Option::is_none"
    )]
    pub list_type: Option<String>,
    /// Keys of a `map` list.
    #[serde(
        rename = "x-kubernetes-list-map-keys",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub list_map_keys: Vec<String>,
    /// `granular` or `atomic`.
    #[serde(
        rename = "x-kubernetes-map-type",
        skip_serializing_if = "Option::is_none"
    )]
    pub map_type: Option<String>,
    /// CEL validation rules.
    #[serde(
        rename = "x-kubernetes-validations",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub validations: Vec<ValidationRule>,
}

/// `additionalProperties`: a boolean or a schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AdditionalProperties {
    /// `true` allows anything, `false` nothing.
    Allowed(bool),
    /// Values must match this schema.
    Schema(Box<Schema>),
}

/// One `x-kubernetes-validations` rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ValidationRule {
    /// The CEL rule.
    pub rule: String,
    /// Message shown when the rule fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// CEL expression producing the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_expression: Option<String>,
    /// Machine-readable reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Field the failure is reported on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_path: Option<String>,
    /// Whether the rule runs on create with `oldSelf` unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional_old_self: Option<bool>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Writes whole numbers without a fraction (`65535`, not `65535.0`), as Go's encoder does.
fn number<S: serde::Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => serializer.serialize_i64(*v as i64),
        Some(v) => serializer.serialize_f64(*v),
        None => serializer.serialize_none(),
    }
}

impl Schema {
    /// A schema of the given `type`.
    pub fn of_type(type_: &str) -> Self {
        Schema {
            type_: Some(type_.to_owned()),
            ..Schema::default()
        }
    }

    /// The component name a `$ref` points at (`#/components/schemas/<name>` → `<name>`), also
    /// through the `allOf: [{$ref}]` wrapper Kubernetes uses to describe a reference.
    pub fn reference_name(&self) -> Option<&str> {
        if let Some(reference) = &self.reference {
            return Some(reference.rsplit('/').next().unwrap_or(reference));
        }
        match self.all_of.as_slice() {
            [only] => only.reference_name(),
            _ => None,
        }
    }

    /// Whether the schema keeps unknown fields (so any field may be read from it).
    pub fn preserves_unknown_fields(&self) -> bool {
        self.preserve_unknown_fields == Some(true)
    }

    /// The schema as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
