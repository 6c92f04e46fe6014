//! A sample instance of an RGD's kind as commented YAML: every field in the order the
//! SimpleSchema declares it, defaults filled in, placeholders for required fields, optional
//! fields without a default commented out, and what each field accepts in a trailing comment.

use std::collections::BTreeMap;

use kro_core::compile::Compiled;
use kro_core::openapi::Schema;
use kro_core::schema::{FieldPath, Scope, Segment};
use serde_json::Value;

/// Where the instance goes.
pub struct Target<'a> {
    /// `metadata.name`.
    pub name: Option<&'a str>,
    /// `metadata.namespace` (ignored for cluster-scoped kinds).
    pub namespace: Option<&'a str>,
}

/// The sample instance of one RGD's kind.
pub fn render(compiled: &Compiled, target: &Target) -> String {
    let crd = &compiled.crd_spec;
    let api_version = format!("{}/{}", crd.group, crd.version);
    let rgd = compiled
        .rgd
        .name
        .as_ref()
        .map(|n| format!(" from the ResourceGraphDefinition {}", n.value))
        .unwrap_or_default();
    let default_name = format!("my-{}", crd.kind.to_ascii_lowercase());
    let mut out = String::new();
    out.push_str(&format!("# A {} ({api_version}){rgd}.\n", crd.kind));
    out.push_str(
        "# Fields marked `required` need a value; commented-out fields are optional and have no default.\n",
    );
    out.push_str(&format!("apiVersion: {api_version}\nkind: {}\n", crd.kind));
    out.push_str("metadata:\n");
    out.push_str(&format!(
        "  name: {}\n",
        scalar(&Value::String(
            target.name.unwrap_or(&default_name).to_owned()
        ))
    ));
    if crd.scope == Scope::Namespaced
        && let Some(ns) = target.namespace
    {
        out.push_str(&format!(
            "  namespace: {}\n",
            scalar(&Value::String(ns.to_owned()))
        ));
    }
    let order = field_order(compiled);
    let types: BTreeMap<FieldPath, String> = compiled
        .spec
        .fields
        .iter()
        .filter_map(|f| Some((f.path.clone(), f.type_text.clone()?)))
        .collect();
    let writer = Writer {
        order: &order,
        types: &types,
    };
    let spec = &compiled.spec.schema;
    if spec.properties.is_empty() {
        out.push_str("spec: {}\n");
    } else {
        out.push_str("spec:\n");
        let mut lines = Vec::new();
        writer.properties(spec, &FieldPath::fields(["spec"]), 1, false, &mut lines);
        for line in lines {
            out.push_str(&line.text());
            out.push('\n');
        }
    }
    out
}

/// The order fields are declared in, per parent path (`spec.ports[]` → `name, port, …`).
fn field_order(compiled: &Compiled) -> BTreeMap<FieldPath, Vec<String>> {
    let mut order: BTreeMap<FieldPath, Vec<String>> = BTreeMap::new();
    for field in &compiled.spec.fields {
        let (Some(parent), Some(Segment::Field(name))) =
            (field.path.parent(), field.path.segments().last())
        else {
            continue;
        };
        let names = order.entry(parent).or_default();
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    order
}

/// One output line: indentation, whether it is commented out, and its text.
struct Line {
    indent: usize,
    commented: bool,
    /// A description line (a comment of its own).
    note: bool,
    content: String,
}

impl Line {
    fn text(&self) -> String {
        let pad = "  ".repeat(self.indent);
        if self.note || self.commented {
            format!("{pad}# {}", self.content)
        } else {
            format!("{pad}{}", self.content)
        }
    }
}

struct Writer<'a> {
    order: &'a BTreeMap<FieldPath, Vec<String>>,
    types: &'a BTreeMap<FieldPath, String>,
}

impl Writer<'_> {
    /// Writes the properties of `schema` at `path`; returns whether any is set (not
    /// commented out).
    fn properties(
        &self,
        schema: &Schema,
        path: &FieldPath,
        indent: usize,
        commented: bool,
        lines: &mut Vec<Line>,
    ) -> bool {
        let mut names: Vec<&String> = Vec::new();
        if let Some(declared) = self.order.get(path) {
            names.extend(
                declared
                    .iter()
                    .filter(|n| schema.properties.contains_key(*n)),
            );
        }
        for name in schema.properties.keys() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let mut any_set = false;
        for name in names {
            let child = &schema.properties[name];
            let required = schema.required.contains(name);
            any_set |= self.field(
                name,
                child,
                &path.field(name),
                required,
                indent,
                commented,
                lines,
            );
        }
        any_set
    }

    /// Writes one field; returns whether it is set.
    #[allow(clippy::too_many_arguments)]
    fn field(
        &self,
        name: &str,
        schema: &Schema,
        path: &FieldPath,
        required: bool,
        indent: usize,
        commented: bool,
        lines: &mut Vec<Line>,
    ) -> bool {
        let key = key(name);
        let facts = self.facts(schema, path, required);
        let trailing = if facts.is_empty() {
            String::new()
        } else {
            format!("  # {}", facts.join("; "))
        };
        for text in schema.description.iter().flat_map(|d| d.lines()) {
            lines.push(Line {
                indent,
                commented,
                note: true,
                content: text.to_owned(),
            });
        }
        let has_default = schema.default.is_some();
        let empty_default = schema
            .default
            .as_ref()
            .is_none_or(|d| d.as_object().is_some_and(|o| o.is_empty()));

        // An object with named fields: its fields, one per line.
        if !schema.properties.is_empty() && empty_default {
            let at = lines.len();
            lines.push(Line {
                indent,
                commented,
                note: false,
                content: format!("{key}:{trailing}"),
            });
            let any_child = self.properties(schema, path, indent + 1, commented, lines);
            let set = !commented && (any_child || required || has_default);
            if !commented && !set {
                for line in &mut lines[at..] {
                    line.commented = true;
                }
            }
            if set && !any_child {
                // Only comments below: the object itself must still be there.
                lines[at].content = format!("{key}: {{}}{trailing}");
            }
            return set;
        }

        // A list of objects without a default: one sample item.
        if let Some(items) = schema.items.as_deref()
            && !items.properties.is_empty()
            && !has_default
        {
            let set = required && !commented;
            lines.push(Line {
                indent,
                commented: !set,
                note: false,
                content: format!("{key}:{trailing}"),
            });
            let mut item = Vec::new();
            let item_path = path.child(Segment::Items);
            let any_child = self.properties(items, &item_path, indent + 2, !set, &mut item);
            let first_is_field = item.first().is_some_and(|l| !l.note);
            if set && !any_child {
                lines.push(Line {
                    indent: indent + 1,
                    commented: false,
                    note: false,
                    content: "- {}".to_owned(),
                });
            } else if first_is_field {
                item[0].indent = indent + 1;
                item[0].content = format!("- {}", item[0].content);
            } else {
                lines.push(Line {
                    indent: indent + 1,
                    commented: !set,
                    note: false,
                    content: "-".to_owned(),
                });
            }
            lines.extend(item);
            return set;
        }

        let (value, set) = match &schema.default {
            Some(default) => (default.clone(), !commented),
            None => (placeholder(schema), required && !commented),
        };
        lines.push(Line {
            indent,
            commented: !set,
            note: false,
            content: format!("{key}: {}{trailing}", scalar(&value)),
        });
        set
    }

    /// What the field accepts: `required; integer; min 1; max 20; immutable`.
    fn facts(&self, schema: &Schema, path: &FieldPath, required: bool) -> Vec<String> {
        let mut facts = Vec::new();
        if required {
            facts.push("required".to_owned());
        }
        if let Some(text) = self.types.get(path) {
            facts.push(text.clone());
        } else if schema.properties.is_empty()
            && let Some(t) = &schema.type_
        {
            facts.push(t.clone());
        }
        if let Some(values) = &schema.enum_ {
            let values: Vec<String> = values.iter().map(plain).collect();
            facts.push(format!("one of: {}", values.join(", ")));
        }
        let number = |n: f64| {
            if n.fract() == 0.0 {
                format!("{}", n as i64)
            } else {
                n.to_string()
            }
        };
        if let Some(min) = schema.minimum {
            let op = if schema.exclusive_minimum { ">" } else { "min" };
            facts.push(format!("{op} {}", number(min)));
        }
        if let Some(max) = schema.maximum {
            let op = if schema.exclusive_maximum { "<" } else { "max" };
            facts.push(format!("{op} {}", number(max)));
        }
        if let Some(n) = schema.min_length {
            facts.push(format!("min length {n}"));
        }
        if let Some(n) = schema.max_length {
            facts.push(format!("max length {n}"));
        }
        if let Some(pattern) = &schema.pattern {
            facts.push(format!("pattern {pattern}"));
        }
        let items = |n: u64| {
            if n == 1 {
                "1 item".to_owned()
            } else {
                format!("{n} items")
            }
        };
        if let Some(n) = schema.min_items {
            facts.push(format!("at least {}", items(n)));
        }
        if let Some(n) = schema.max_items {
            facts.push(format!("at most {}", items(n)));
        }
        match schema.list_type.as_deref() {
            Some("set") => facts.push("unique items".to_owned()),
            Some("map") if !schema.list_map_keys.is_empty() => {
                facts.push(format!(
                    "items keyed by {}",
                    schema.list_map_keys.join(", ")
                ));
            }
            _ => {}
        }
        for rule in &schema.validations {
            if rule.rule == "self == oldSelf" {
                facts.push("immutable".to_owned());
            } else {
                facts.push(format!("must satisfy {}", rule.rule));
            }
        }
        facts
    }
}

/// A value to fill in for a field without a default.
fn placeholder(schema: &Schema) -> Value {
    if let Some(first) = schema.enum_.as_ref().and_then(|e| e.first()) {
        return first.clone();
    }
    let whole = |n: f64| {
        if n.fract() == 0.0 {
            Value::from(n as i64)
        } else {
            Value::from(n)
        }
    };
    match schema.type_.as_deref() {
        Some("string") => Value::String(String::new()),
        Some("integer") | Some("number") => schema.minimum.map_or(Value::from(0), whole),
        Some("boolean") => Value::Bool(false),
        Some("array") => Value::Array(Vec::new()),
        _ if schema.int_or_string => Value::from(0),
        _ => Value::Object(serde_json::Map::new()),
    }
}

/// A map key, quoted when YAML would read it as something else.
fn key(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !needs_quotes(name);
    if plain {
        name.to_owned()
    } else {
        serde_json::to_string(name).unwrap_or_default()
    }
}

/// Strings YAML (1.1 or 1.2) would not read back as the same string.
fn needs_quotes(text: &str) -> bool {
    const WORDS: [&str; 22] = [
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "yes",
        "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off",
    ];
    WORDS.contains(&text)
        || text.parse::<f64>().is_ok()
        || text.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@` ".contains(c))
        || text.ends_with(' ')
        || text.contains(": ")
        || text.contains(" #")
        || text.contains('\n')
}

/// A value on one line: plain scalars where YAML reads them back unchanged, JSON otherwise
/// (JSON is YAML), spaced as people write flow collections: `["web", "api"]`.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) if !needs_quotes(s) && !s.contains('"') && !s.contains('\\') => s.clone(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(scalar_json).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        scalar_json(&Value::String(k.clone())),
                        scalar_json(v)
                    )
                })
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        other => scalar_json(other),
    }
}

/// JSON inside a flow collection: every string quoted.
fn scalar_json(value: &Value) -> String {
    match value {
        Value::Array(_) | Value::Object(_) => scalar(value),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// An enum value as the comment lists it.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_stay_strings() {
        assert_eq!(scalar(&Value::from("nginx:1.27")), "nginx:1.27");
        assert_eq!(scalar(&Value::from("")), "\"\"");
        assert_eq!(scalar(&Value::from("true")), "\"true\"");
        assert_eq!(scalar(&Value::from("80")), "\"80\"");
        assert_eq!(scalar(&Value::from("a: b")), "\"a: b\"");
        assert_eq!(scalar(&Value::from("*")), "\"*\"");
        assert_eq!(scalar(&Value::from(2)), "2");
        assert_eq!(
            scalar(&serde_json::json!({"a": [1, "b"]})),
            "{\"a\": [1, \"b\"]}"
        );
        assert_eq!(key("app.kubernetes.io/name"), "\"app.kubernetes.io/name\"");
        assert_eq!(key("no"), "\"no\"");
        assert_eq!(key("replicas"), "replicas");
    }
}
