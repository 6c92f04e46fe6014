//! Between JSON and CEL values: binding objects (as JSON says, or as their OpenAPI schema
//! says, the way kro binds observed objects), and writing results back as JSON the way kro
//! writes them into objects.

use std::sync::Arc;

use base64::Engine as _;
use serde_json::Value as Json;

use crate::openapi::{AdditionalProperties, Schema, SchemaSource};

use super::Output;
use super::error::{Error, R};
use super::interp::Meter;
use super::time;
use super::value::{Key, Map, Opaque, Value};

/// A JSON value as CEL sees it without a schema: integers are `int` (or `double` beyond
/// 64 bits), other numbers `double`, objects maps with string keys.
pub(crate) fn from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::string(s),
        Json::Array(items) => Value::list(items.iter().map(from_json).collect()),
        Json::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(Key::String(Arc::from(k.as_str())), from_json(v));
            }
            Value::Map(Arc::new(out))
        }
    }
}

/// Deepest schema nesting followed (recursive `$ref`s stop being followed there).
const MAX_SCHEMA_DEPTH: usize = 64;

/// A JSON value typed by its schema, as kro's schema-aware binding types it: `date-time`
/// and `date` strings are timestamps, `duration` strings durations, `byte` strings bytes
/// (base64-decoded), `number` fields doubles even when written as integers, and whole
/// `integer` fields ints. Values that do not parse as their format stay as they are.
pub(crate) fn from_json_typed(
    j: &Json,
    schema: &Schema,
    source: Option<&dyn SchemaSource>,
) -> Value {
    typed(j, schema, source, 0)
}

fn resolve<'s>(
    schema: &'s Schema,
    source: Option<&dyn SchemaSource>,
    held: &'s mut Option<Arc<Schema>>,
) -> Option<&'s Schema> {
    match schema.reference_name() {
        Some(name) => {
            *held = source?.component(name);
            held.as_deref()
        }
        None => Some(schema),
    }
}

fn typed(j: &Json, schema: &Schema, source: Option<&dyn SchemaSource>, depth: usize) -> Value {
    if depth > MAX_SCHEMA_DEPTH {
        return from_json(j);
    }
    let mut held = None;
    let Some(schema) = resolve(schema, source, &mut held) else {
        return from_json(j);
    };
    if schema.int_or_string {
        return from_json(j);
    }
    match j {
        Json::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let value = if let Some(p) = schema.properties.get(k) {
                    typed(v, p, source, depth + 1)
                } else if let Some(AdditionalProperties::Schema(values)) =
                    &schema.additional_properties
                {
                    typed(v, values, source, depth + 1)
                } else {
                    from_json(v)
                };
                out.insert(Key::String(Arc::from(k.as_str())), value);
            }
            Value::Map(Arc::new(out))
        }
        Json::Array(items) => match &schema.items {
            Some(item) => Value::list(
                items
                    .iter()
                    .map(|i| typed(i, item, source, depth + 1))
                    .collect(),
            ),
            None => from_json(j),
        },
        Json::String(s) => match (schema.type_.as_deref(), schema.format.as_deref()) {
            (Some("string") | None, Some("date-time")) => time::parse_timestamp(s)
                .map(Value::Timestamp)
                .unwrap_or_else(|_| from_json(j)),
            (Some("string") | None, Some("date")) => time::parse_date(s)
                .map(Value::Timestamp)
                .unwrap_or_else(|_| from_json(j)),
            (Some("string") | None, Some("duration")) => time::parse_duration(s)
                .map(Value::Duration)
                .unwrap_or_else(|_| from_json(j)),
            (Some("string") | None, Some("byte")) => base64::engine::general_purpose::STANDARD
                .decode(s)
                .map(|b| Value::Bytes(Arc::from(b)))
                .unwrap_or_else(|_| from_json(j)),
            _ => from_json(j),
        },
        Json::Number(n) => match schema.type_.as_deref() {
            Some("number") => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
            Some("integer") => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Value::Int(i),
                (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.2e18 => Value::Int(f as i64),
                _ => from_json(j),
            },
            _ => from_json(j),
        },
        _ => from_json(j),
    }
}

/// The result of an expression as kro writes it: `omit()` and `optional.none()` drop the
/// field, an optional with a value is that value, and everything must be JSON.
pub(crate) fn to_output(meter: &mut Meter, v: &Value) -> R<Output> {
    match v {
        Value::Optional(None) => Ok(Output::Omit),
        Value::Optional(Some(inner)) => to_output(meter, inner),
        v if v.is_omit() => Ok(Output::Omit),
        v => to_json(meter, v).map(Output::Value),
    }
}

/// A value as JSON: timestamps as RFC 3339 in UTC (seconds), durations as Go writes them,
/// whole doubles as integers (as Go's encoder writes them), `omit()` items and entries
/// dropped, empty optionals as null; bytes, large uints and library values are errors.
pub(crate) fn to_json(meter: &mut Meter, v: &Value) -> R<Json> {
    meter.charge(1)?;
    Ok(match v {
        Value::Null | Value::Optional(None) => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Uint(u) => match i64::try_from(*u) {
            Ok(i) => Json::from(i),
            Err(_) => {
                return Err(Error::failed(format!(
                    "uint value {u} overflows int64; convert it explicitly, e.g. string(...)"
                )));
            }
        },
        Value::Double(d) => {
            if !d.is_finite() {
                return Err(Error::failed(format!(
                    "{} cannot be written as JSON",
                    super::strings::go_g(*d)
                )));
            }
            if d.fract() == 0.0 && d.abs() < 9.007_199_254_740_992e15 {
                Json::from(*d as i64)
            } else {
                serde_json::Number::from_f64(*d).map_or(Json::Null, Json::Number)
            }
        }
        Value::String(s) => {
            meter.charge_bytes(s.len())?;
            Json::String(s.to_string())
        }
        Value::Bytes(_) => {
            return Err(Error::failed(
                "bytes value cannot be used directly in a resource template or status field; encode it explicitly, e.g. base64.encode(...)",
            ));
        }
        Value::Timestamp(t) => {
            if t.is_zero() {
                Json::Null
            } else {
                Json::String(t.rfc3339_utc_seconds())
            }
        }
        Value::Duration(d) => Json::String(d.go_string()),
        Value::List(items) => Json::Array(
            items
                .iter()
                .filter(|i| !i.is_omit())
                .map(|i| to_json(meter, i))
                .collect::<R<Vec<Json>>>()?,
        ),
        Value::Map(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m.iter() {
                let Key::String(k) = k else {
                    return Err(Error::failed(format!(
                        "map key must be string, got {}",
                        k.to_value().type_name()
                    )));
                };
                if v.is_omit() {
                    continue;
                }
                out.insert(k.to_string(), to_json(meter, v)?);
            }
            Json::Object(out)
        }
        Value::Optional(Some(inner)) => to_json(meter, inner)?,
        Value::Opaque(o) => match &**o {
            Opaque::Condition(c) => c.to_json(),
            Opaque::Omit => Json::Null,
            other => {
                return Err(Error::failed(format!(
                    "a {} value cannot be written to an object; convert it explicitly (e.g. string(...) or a method such as asInteger())",
                    other.type_name()
                )));
            }
        },
        Value::Type(t) => {
            return Err(Error::failed(format!(
                "the type {t} cannot be written to an object"
            )));
        }
    })
}
