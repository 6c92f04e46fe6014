//! Checks a JSON value against a schema, the way the API server checks a default.

use serde_json::Value as Json;

use crate::openapi::{AdditionalProperties, Schema};

/// The first reason `value` does not fit `schema`, if any; `path` names the value in messages
/// (empty for the value itself).
pub(crate) fn check_value(schema: &Schema, value: &Json, path: &str) -> Option<String> {
    let at = |message: String| {
        if path.is_empty() {
            message
        } else {
            format!("`{path}` {message}")
        }
    };
    if value.is_null() {
        if schema.nullable || schema.type_.is_none() {
            return None;
        }
        return Some(at("must not be null".to_owned()));
    }
    if let Some(type_) = schema.type_.as_deref() {
        let fits = match type_ {
            "string" => value.is_string(),
            "integer" => is_integer(value),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => true,
        };
        if !fits {
            return Some(at(format!(
                "must be {}, not {}",
                article(type_),
                describe(value)
            )));
        }
    }
    if let Some(allowed) = &schema.enum_
        && !allowed.iter().any(|a| same_value(a, value))
    {
        let list: Vec<String> = allowed.iter().map(Json::to_string).collect();
        return Some(at(format!(
            "must be one of {}, not {value}",
            list.join(", ")
        )));
    }
    match value {
        Json::String(s) => check_string(schema, s).map(at),
        Json::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            if let Some(min) = schema.minimum
                && x < min
            {
                return Some(at(format!("must be at least {min}, not {value}")));
            }
            if let Some(max) = schema.maximum
                && x > max
            {
                return Some(at(format!("must be at most {max}, not {value}")));
            }
            None
        }
        Json::Array(items) => {
            let count = items.len() as u64;
            if let Some(min) = schema.min_items
                && count < min
            {
                return Some(at(format!("must have at least {min} items, not {count}")));
            }
            if let Some(max) = schema.max_items
                && count > max
            {
                return Some(at(format!("must have at most {max} items, not {count}")));
            }
            let item_schema = schema.items.as_deref()?;
            items
                .iter()
                .enumerate()
                .find_map(|(i, item)| check_value(item_schema, item, &format!("{path}[{i}]")))
        }
        Json::Object(map) => {
            for name in &schema.required {
                let defaulted = schema
                    .properties
                    .get(name)
                    .is_some_and(|p| p.default.is_some());
                if !map.contains_key(name) && !defaulted {
                    return Some(at(format!("is missing the required field `{name}`")));
                }
            }
            let open = schema.preserves_unknown_fields()
                || (schema.properties.is_empty() && schema.additional_properties.is_none());
            for (key, item) in map {
                let child = join(path, key);
                if let Some(property) = schema.properties.get(key) {
                    if let Some(problem) = check_value(property, item, &child) {
                        return Some(problem);
                    }
                    continue;
                }
                match &schema.additional_properties {
                    Some(AdditionalProperties::Schema(values)) => {
                        if let Some(problem) = check_value(values, item, &child) {
                            return Some(problem);
                        }
                    }
                    Some(AdditionalProperties::Allowed(true)) => {}
                    _ if open => {}
                    _ => return Some(format!("`{child}` is not a field of this type")),
                }
            }
            None
        }
        _ => None,
    }
}

fn check_string(schema: &Schema, s: &str) -> Option<String> {
    let length = s.chars().count() as u64;
    if let Some(min) = schema.min_length
        && length < min
    {
        return Some(format!("must be at least {min} characters long"));
    }
    if let Some(max) = schema.max_length
        && length > max
    {
        return Some(format!("must be at most {max} characters long"));
    }
    if let Some(pattern) = &schema.pattern
        && let Ok(regex) = super::pattern::compile(pattern)
        && !regex.is_match(s)
    {
        return Some(format!("must match the pattern `{pattern}`"));
    }
    None
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn is_integer(value: &Json) -> bool {
    match value {
        Json::Number(n) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

fn same_value(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// "a string", "an integer", … for an OpenAPI type name.
pub(crate) fn article(type_: &str) -> String {
    match type_ {
        "integer" | "object" | "array" => format!("an {type_}"),
        _ => format!("a {type_}"),
    }
}

/// What a JSON value is, as a user would say it.
pub(crate) fn describe(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(value: Json) -> Schema {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn types_enums_and_bounds() {
        let s = schema(json!({"type": "integer", "minimum": 1, "maximum": 5, "enum": [1, 2, 9]}));
        assert_eq!(check_value(&s, &json!(2), ""), None);
        assert_eq!(
            check_value(&s, &json!("2"), "").as_deref(),
            Some("must be an integer, not a string")
        );
        assert_eq!(
            check_value(&s, &json!(3), "").as_deref(),
            Some("must be one of 1, 2, 9, not 3")
        );
        assert_eq!(
            check_value(&s, &json!(9), "").as_deref(),
            Some("must be at most 5, not 9")
        );
    }

    #[test]
    fn objects_check_required_unknown_and_nested_fields() {
        let s = schema(json!({
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "minLength": 2},
                "port": {"type": "integer", "default": 80}
            }
        }));
        assert_eq!(check_value(&s, &json!({"name": "ab"}), ""), None);
        assert_eq!(
            check_value(&s, &json!({}), "").as_deref(),
            Some("is missing the required field `name`")
        );
        assert_eq!(
            check_value(&s, &json!({"name": "a"}), "").as_deref(),
            Some("`name` must be at least 2 characters long")
        );
        assert_eq!(
            check_value(&s, &json!({"name": "ab", "x": 1}), "").as_deref(),
            Some("`x` is not a field of this type")
        );
        let list = schema(json!({"type": "array", "items": {"type": "string", "pattern": "^a"}}));
        assert_eq!(
            check_value(&list, &json!(["a", "b"]), "").as_deref(),
            Some("`[1]` must match the pattern `^a`")
        );
    }
}
