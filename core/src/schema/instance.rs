//! Instances checked as the API server would: defaults applied from the schema, then every
//! constraint validated, with errors in the API server's words and field paths.

use serde_json::{Map, Value as Json};

use crate::openapi::{AdditionalProperties, Schema};

/// Fills in defaults where fields are missing, recursively, as the API server's structural
/// defaulting does (a defaulted object is itself defaulted inside).
pub fn apply_defaults(schema: &Schema, value: &mut Json) {
    match value {
        Json::Object(map) => {
            for (name, property) in &schema.properties {
                if !map.contains_key(name)
                    && let Some(default) = &property.default
                {
                    map.insert(name.clone(), default.clone());
                }
                if let Some(child) = map.get_mut(name) {
                    apply_defaults(property, child);
                }
            }
            if let Some(AdditionalProperties::Schema(values)) = &schema.additional_properties {
                for (name, child) in map.iter_mut() {
                    if !schema.properties.contains_key(name) {
                        apply_defaults(values, child);
                    }
                }
            }
        }
        Json::Array(items) => {
            if let Some(item_schema) = &schema.items {
                for item in items {
                    apply_defaults(item_schema, item);
                }
            }
        }
        _ => {}
    }
}

/// Every way `value` breaks `schema`, as `path: message` lines (`spec.replicas: Invalid
/// value: 0: should be greater than or equal to 1`).
pub fn validate(schema: &Schema, value: &Json, path: &str) -> Vec<String> {
    let mut errors = Vec::new();
    check(schema, value, path, &mut errors);
    errors
}

fn check(schema: &Schema, value: &Json, path: &str, errors: &mut Vec<String>) {
    if value.is_null() {
        if !schema.nullable && schema.type_.is_some() {
            errors.push(format!(
                "{path}: Invalid value: \"null\": {path} in body must be of type {}",
                schema.type_.as_deref().unwrap_or("object")
            ));
        }
        return;
    }
    if schema.int_or_string {
        if !(value.is_string() || value.is_i64() || value.is_u64()) {
            errors.push(format!(
                "{path}: Invalid value: {value}: must be an integer or a string"
            ));
        }
        return;
    }
    if let Some(type_) = &schema.type_ {
        let ok = match type_.as_str() {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            _ => true,
        };
        if !ok {
            errors.push(format!(
                "{path}: Invalid value: \"{}\": {path} in body must be of type {type_}: \"{}\"",
                json_type(value),
                json_type(value)
            ));
            return;
        }
    }
    if let Some(allowed) = &schema.enum_
        && !allowed.contains(value)
    {
        let list: Vec<String> = allowed.iter().map(|v| v.to_string()).collect();
        errors.push(format!(
            "{path}: Unsupported value: {value}: supported values: {}",
            list.join(", ")
        ));
    }
    match value {
        Json::Object(map) => object(schema, map, path, errors),
        Json::Array(items) => array(schema, items, path, errors),
        Json::String(s) => string(schema, s, path, errors),
        Json::Number(n) => {
            let v = n.as_f64().unwrap_or_default();
            if let Some(min) = schema.minimum
                && (v < min || (schema.exclusive_minimum && v == min))
            {
                errors.push(format!("{path}: Invalid value: {n}: {path} in body should be greater than or equal to {}", number(min)));
            }
            if let Some(max) = schema.maximum
                && (v > max || (schema.exclusive_maximum && v == max))
            {
                errors.push(format!(
                    "{path}: Invalid value: {n}: {path} in body should be less than or equal to {}",
                    number(max)
                ));
            }
        }
        _ => {}
    }
}

fn object(schema: &Schema, map: &Map<String, Json>, path: &str, errors: &mut Vec<String>) {
    for required in &schema.required {
        if !map.contains_key(required) {
            errors.push(format!("{path}.{required}: Required value"));
        }
    }
    let preserve = schema.preserves_unknown_fields();
    for (name, child) in map {
        let child_path = format!("{path}.{name}");
        match schema.properties.get(name) {
            Some(property) => check(property, child, &child_path, errors),
            None => match &schema.additional_properties {
                Some(AdditionalProperties::Schema(values)) => {
                    check(values, child, &child_path, errors)
                }
                Some(AdditionalProperties::Allowed(true)) => {}
                _ if preserve => {}
                // The API server drops undeclared fields (strict clients refuse them); either
                // way the value would be lost, so say so.
                _ => errors.push(format!(
                    "{child_path}: Unknown field: the schema has no field `{name}`"
                )),
            },
        }
    }
}

fn array(schema: &Schema, items: &[Json], path: &str, errors: &mut Vec<String>) {
    if let Some(min) = schema.min_items
        && (items.len() as u64) < min
    {
        errors.push(format!(
            "{path}: Invalid value: {}: {path} in body should have at least {min} items",
            items.len()
        ));
    }
    if let Some(max) = schema.max_items
        && (items.len() as u64) > max
    {
        errors.push(format!(
            "{path}: Too many: {}: must have at most {max} items",
            items.len()
        ));
    }
    match schema.list_type.as_deref() {
        Some("set") => {
            for (i, item) in items.iter().enumerate() {
                if items[..i].contains(item) {
                    errors.push(format!("{path}[{i}]: Duplicate value: {item}"));
                }
            }
        }
        Some("map") => {
            for (i, item) in items.iter().enumerate() {
                let key: Vec<&Json> = schema
                    .list_map_keys
                    .iter()
                    .map(|k| &item[k.as_str()])
                    .collect();
                if items[..i].iter().any(|other| {
                    schema
                        .list_map_keys
                        .iter()
                        .map(|k| &other[k.as_str()])
                        .collect::<Vec<_>>()
                        == key
                }) {
                    let shown: Vec<String> = schema
                        .list_map_keys
                        .iter()
                        .zip(&key)
                        .map(|(k, v)| format!("\"{k}\":{v}"))
                        .collect();
                    errors.push(format!(
                        "{path}[{i}]: Duplicate value: map[string]interface {{}}{{{}}}",
                        shown.join(", ")
                    ));
                }
            }
        }
        _ => {}
    }
    if let Some(item_schema) = &schema.items {
        for (i, item) in items.iter().enumerate() {
            check(item_schema, item, &format!("{path}[{i}]"), errors);
        }
    }
}

fn string(schema: &Schema, s: &str, path: &str, errors: &mut Vec<String>) {
    let length = s.chars().count() as u64;
    if let Some(min) = schema.min_length
        && length < min
    {
        errors.push(format!(
            "{path}: Invalid value: \"{s}\": {path} in body should be at least {min} chars long"
        ));
    }
    if let Some(max) = schema.max_length
        && length > max
    {
        errors.push(format!(
            "{path}: Too long: may not be more than {max} bytes"
        ));
    }
    if let Some(pattern) = &schema.pattern
        && let Ok(re) = regex::Regex::new(pattern)
        && !re.is_match(s)
    {
        errors.push(format!(
            "{path}: Invalid value: \"{s}\": {path} in body should match '{pattern}'"
        ));
    }
}

fn json_type(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{Options, compile_file};
    use serde_json::json;

    fn spec_schema(text: &str) -> Schema {
        let analysis = compile_file(text, &Options::default());
        assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics());
        analysis.rgds[0].spec.schema.clone()
    }

    const TYPED: &str = r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: t}
spec:
  schema:
    apiVersion: v1alpha1
    kind: T
    types:
      Port:
        name: string | required=true
        port: integer | required=true minimum=1 maximum=65535
        protocol: string | default="TCP" enum="TCP,UDP"
    spec:
      name: string | required=true pattern="^[a-z]+$" minLength=2
      replicas: integer | default=2 minimum=1
      ports: "[]Port | listType=map listMapKey=name"
      tags: "[]string | uniqueItems=true maxItems=2"
      nested:
        enabled: boolean | default=true
"#;

    #[test]
    fn defaults_fill_missing_fields_recursively() {
        let schema = spec_schema(TYPED);
        let mut spec = json!({"name": "ab", "ports": [{"name": "http", "port": 80}]});
        apply_defaults(&schema, &mut spec);
        assert_eq!(spec["replicas"], 2);
        assert_eq!(spec["ports"][0]["protocol"], "TCP");
        assert_eq!(spec["nested"]["enabled"], true);
        assert!(validate(&schema, &spec, "spec").is_empty());
    }

    #[test]
    fn every_constraint_is_reported_with_its_path() {
        let schema = spec_schema(TYPED);
        let spec = json!({
            "name": "A",
            "replicas": 0,
            "ports": [{"name": "a", "port": 70000, "protocol": "SCTP"}, {"name": "a", "port": 1}],
            "tags": ["x", "x", "y"],
            "extra": 1
        });
        let errors = validate(&schema, &spec, "spec");
        let expected = [
            "spec.name: Invalid value: \"A\": spec.name in body should be at least 2 chars long",
            "spec.name: Invalid value: \"A\": spec.name in body should match '^[a-z]+$'",
            "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1",
            "spec.ports[0].port: Invalid value: 70000: spec.ports[0].port in body should be less than or equal to 65535",
            "spec.ports[0].protocol: Unsupported value: \"SCTP\": supported values: \"TCP\", \"UDP\"",
            "spec.tags: Too many: 3: must have at most 2 items",
            "spec.tags[1]: Duplicate value: \"x\"",
        ];
        for e in expected {
            assert!(
                errors.iter().any(|x| x == e),
                "missing {e:?} in {errors:#?}"
            );
        }
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("spec.ports[1]: Duplicate value")),
            "{errors:#?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("spec.extra: Unknown field")),
            "{errors:#?}"
        );
        let missing = validate(&schema, &json!({}), "spec");
        assert_eq!(missing, ["spec.name: Required value"]);
        let wrong = validate(&schema, &json!({"name": "ab", "replicas": "two"}), "spec");
        assert_eq!(wrong.len(), 1);
        assert!(wrong[0].contains("must be of type integer"), "{wrong:?}");
    }
}
