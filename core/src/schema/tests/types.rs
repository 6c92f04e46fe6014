//! Custom types: resolution order, sharing, and problems reported once.

use serde_json::json;

use super::support::{errors, spec_json};

#[test]
fn types_may_be_used_before_they_are_declared() {
    let yaml = r#"spec:
  app: App
types:
  App:
    db: Database
    replicas: Count
  Database:
    port: Count
  Count: integer | minimum=0
"#;
    assert_eq!(
        spec_json(yaml),
        json!({
            "type": "object",
            "properties": {
                "app": {
                    "type": "object",
                    "properties": {
                        "db": {
                            "type": "object",
                            "properties": {"port": {"type": "integer", "minimum": 0}}
                        },
                        "replicas": {"type": "integer", "minimum": 0}
                    }
                }
            }
        })
    );
}

#[test]
fn a_shared_type_expands_at_every_use() {
    let yaml = r#"spec:
  a: A
types:
  A:
    left: B
    right: C
  B:
    d: D
  C:
    d: "[]D"
  D:
    v: string | default=x
"#;
    let d = json!({"type": "object", "default": {}, "properties": {"v": {"type": "string", "default": "x"}}});
    assert_eq!(
        spec_json(yaml),
        json!({
            "type": "object",
            "default": {},
            "properties": {
                "a": {
                    "type": "object",
                    "default": {},
                    "properties": {
                        "left": {"type": "object", "default": {}, "properties": {"d": d}},
                        "right": {"type": "object", "properties": {"d": {"type": "array", "items": d}}}
                    }
                }
            }
        })
    );
}

#[test]
fn a_problem_inside_a_type_is_reported_once_however_often_it_is_used() {
    assert_eq!(
        errors("spec:\n  a: T\n  b: \"[]T\"\n  c: T\ntypes:\n  T:\n    x: strng\n"),
        "schema-unknown-type@7:8: unknown type `strng`; did you mean `string`? [strng]"
    );
}

#[test]
fn dependencies_are_built_before_their_users() {
    // `Late` is built while building `Early` (it is a dependency), so its problem comes first.
    assert_eq!(
        errors(
            "spec: {}\ntypes:\n  Early:\n    x: Late\n    y: integer | minLength=1\n  Late: string | maxItems=1\n"
        ),
        "schema-marker-not-applicable@6:18: `maxItems` applies only to lists, and this field is a string [maxItems=1]\nschema-marker-not-applicable@5:18: `minLength` applies only to strings, and this field is an integer [minLength=1]"
    );
}

#[test]
fn a_struct_use_may_add_markers() {
    let yaml = "spec:\n  home: Address | description=\"where\" required=true\ntypes:\n  Address:\n    street: string\n";
    assert_eq!(
        spec_json(yaml),
        json!({
            "type": "object",
            "required": ["home"],
            "properties": {
                "home": {
                    "type": "object",
                    "description": "where",
                    "properties": {"street": {"type": "string"}}
                }
            }
        })
    );
}
