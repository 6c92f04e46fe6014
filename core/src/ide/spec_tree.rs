//! The instance spec as the editor sees it: the SimpleSchema nodes of `spec.schema.spec`
//! walked directly (nested maps are objects, leaves are `type | markers`, names from `types`
//! expand), so it works on a half-written schema.
//!
//! When `core::schema` exposes its parsed field tree (types, markers, descriptions, with
//! ranges), this module becomes a thin view over it.

use crate::rgd::SchemaSection;
use crate::syntax::{Entry, Node, Value};

/// The built-in SimpleSchema types, with what each becomes.
pub(crate) const BUILTIN_TYPES: &[(&str, &str)] = &[
    ("string", "a string"),
    ("integer", "a 64-bit integer"),
    ("boolean", "true or false"),
    ("float", "a number (OpenAPI `number`)"),
    ("object", "any object (unknown fields preserved)"),
];

/// The SimpleSchema markers, with what each does.
pub(crate) const MARKERS: &[(&str, &str)] = &[
    ("required", "the field must be set (`required=true`)"),
    ("default", "the value filled in when the field is unset"),
    ("description", "documentation shown by `kubectl explain`"),
    (
        "enum",
        "the allowed values, comma separated (`enum=\"a,b\"`)",
    ),
    ("minimum", "the smallest allowed number"),
    ("maximum", "the largest allowed number"),
    ("pattern", "a regular expression the string must match"),
    ("minLength", "the shortest allowed string"),
    ("maxLength", "the longest allowed string"),
    ("minItems", "the fewest allowed list items"),
    ("maxItems", "the most allowed list items"),
    (
        "uniqueItems",
        "list items must be distinct (`x-kubernetes-list-type: set`)",
    ),
    ("listType", "`atomic`, `set` or `map`"),
    (
        "listMapKey",
        "a key field of a `listType=map` list (repeatable)",
    ),
    (
        "immutable",
        "the field cannot change once set (`immutable=true`)",
    ),
    (
        "validation",
        "a CEL rule the value must satisfy (`validation=\"self > 0\"`)",
    ),
];

/// Markers that may appear more than once.
pub(crate) const REPEATABLE_MARKERS: &[&str] = &["listMapKey"];

/// The path step for "an element of this list or map" (`ports[0]`, `labels["x"]`).
pub(crate) const ELEMENT: &str = "[]";

/// Deepest chain of type names followed, as SimpleSchema's nesting limit.
const MAX_DEPTH: usize = 16;

/// The spec schema and named types of one RGD.
#[derive(Clone, Copy)]
pub(crate) struct SpecTree<'a> {
    spec: Option<&'a Node>,
    types: Option<&'a Node>,
}

/// What a path in the spec leads to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Shape<'a> {
    /// A mapping of fields (a nested object, or a named type's struct).
    Object(&'a Node),
    /// Something without named fields (a scalar, `object`, an unknown type).
    Opaque,
}

impl<'a> SpecTree<'a> {
    /// The tree of `section`.
    pub(crate) fn new(section: Option<&'a SchemaSection>) -> Self {
        SpecTree {
            spec: section.and_then(|s| s.spec.as_ref()),
            types: section.and_then(|s| s.types.as_ref()),
        }
    }

    /// The names declared in `types`.
    pub(crate) fn type_names(&self) -> Vec<&'a str> {
        let entries = self.types.and_then(Node::as_mapping).unwrap_or_default();
        entries.iter().filter_map(|e| e.key.as_str()).collect()
    }

    /// The field entries of the object at `path` under `spec` (empty path: the spec itself).
    pub(crate) fn fields(&self, path: &[String]) -> Vec<&'a Entry> {
        match self.shape(path) {
            Some(Shape::Object(node)) => node.as_mapping().unwrap_or_default().iter().collect(),
            _ => Vec::new(),
        }
    }

    /// The entry declaring the field at `path` (non-empty).
    pub(crate) fn field(&self, path: &[String]) -> Option<&'a Entry> {
        let (last, parent) = path.split_last()?;
        self.fields(parent)
            .into_iter()
            .find(|e| e.key.as_str() == Some(last.as_str()))
    }

    /// What `path` leads to. A field name after a list steps into its element type, so
    /// `ports.name` reads like `ports[0].name`; after a map it is a key.
    pub(crate) fn shape(&self, path: &[String]) -> Option<Shape<'a>> {
        let mut at = At::Node(self.spec?);
        for name in path {
            at = self.step(at, name, 0)?;
        }
        self.settle(at, 0)
    }

    fn step(&self, at: At<'a>, name: &str, depth: usize) -> Option<At<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        match at {
            At::Node(node) => match &node.value {
                Value::Mapping(entries) => {
                    let entry = entries.iter().find(|e| e.key.as_str() == Some(name))?;
                    Some(match &entry.value.value {
                        Value::Mapping(_) => At::Node(&entry.value),
                        Value::String(s) => At::Type(type_of(&s.text).to_owned()),
                        _ => At::Type("object".to_owned()),
                    })
                }
                Value::String(s) => {
                    self.step(At::Type(type_of(&s.text).to_owned()), name, depth + 1)
                }
                _ => None,
            },
            At::Type(ty) => {
                if name == ELEMENT
                    && let Some(element) = ty.strip_prefix("[]").or_else(|| map_value(&ty))
                {
                    return Some(At::Type(element.to_owned()));
                }
                if let Some(element) = ty.strip_prefix("[]") {
                    return self.step(At::Type(element.to_owned()), name, depth + 1);
                }
                if let Some(value) = map_value(&ty) {
                    return Some(At::Type(value.to_owned()));
                }
                let node = self.types?.get(&ty)?;
                self.step(At::Node(node), name, depth + 1)
            }
        }
    }

    fn settle(&self, at: At<'a>, depth: usize) -> Option<Shape<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        match at {
            At::Node(node) => match &node.value {
                Value::Mapping(_) => Some(Shape::Object(node)),
                Value::String(s) => self.settle(At::Type(type_of(&s.text).to_owned()), depth + 1),
                _ => Some(Shape::Opaque),
            },
            At::Type(ty) => {
                if let Some(element) = ty.strip_prefix("[]") {
                    return self.settle(At::Type(element.to_owned()), depth + 1);
                }
                match self.types.and_then(|t| t.get(&ty)) {
                    Some(node) if map_value(&ty).is_none() => {
                        self.settle(At::Node(node), depth + 1)
                    }
                    _ => Some(Shape::Opaque),
                }
            }
        }
    }
}

/// A position while walking a path: a schema node, or a type expression.
enum At<'a> {
    Node(&'a Node),
    Type(String),
}

/// The value type of `map[string]T`.
fn map_value(ty: &str) -> Option<&str> {
    let rest = ty.strip_prefix("map[")?;
    let close = rest.find(']')?;
    Some(rest[close + 1..].trim())
}

/// The type part of a SimpleSchema leaf: `string | required=true` → `string`.
pub(crate) fn type_of(leaf: &str) -> &str {
    leaf.split_once('|').map_or(leaf, |(ty, _)| ty).trim()
}

/// The `description="…"` marker of a SimpleSchema leaf, unescaped.
pub(crate) fn description_of(leaf: &str) -> Option<String> {
    let (_, markers) = leaf.split_once('|')?;
    let start = markers.find("description=\"")? + "description=\"".len();
    let mut out = String::new();
    let mut chars = markers[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return Some(out),
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{Options, compile_file};

    const RGD: &str = r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: t
spec:
  schema:
    apiVersion: v1alpha1
    kind: T
    spec:
      name: string | description="The \"name\""
      ingress:
        host: string
      ports: "[]Port"
      byName: map[string]Port
      owner: Person
    types:
      Port:
        port: integer
      Person: Named
      Named:
        first: string
"#;

    fn names(path: &[&str]) -> Vec<String> {
        let file = compile_file(RGD, &Options::default());
        let tree = SpecTree::new(file.rgds[0].rgd.schema.as_ref());
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        tree.fields(&path).iter().map(|e| e.key_text()).collect()
    }

    #[test]
    fn walks_objects_lists_maps_and_named_types() {
        assert_eq!(names(&[]), ["name", "ingress", "ports", "byName", "owner"]);
        assert_eq!(names(&["ingress"]), ["host"]);
        assert_eq!(names(&["ports"]), ["port"]);
        assert_eq!(names(&["byName", "web"]), ["port"]);
        assert_eq!(names(&["byName", ELEMENT]), ["port"]);
        assert_eq!(names(&["ports", ELEMENT]), ["port"]);
        assert_eq!(names(&["owner"]), ["first"]);
        assert!(names(&["name"]).is_empty());
        assert!(names(&["missing"]).is_empty());
    }

    #[test]
    fn reads_descriptions() {
        assert_eq!(
            description_of(r#"string | required=true description="The \"name\"""#).as_deref(),
            Some("The \"name\"")
        );
        assert_eq!(description_of("string"), None);
    }
}
