use serde_json::json;

use std::sync::Arc;

use super::*;
use crate::cel::fixture::{self, Components};
use crate::cel::{Context, Env};
use crate::syntax::PathSegment;

fn ty_of(v: serde_json::Value) -> Type {
    let source = Components::default();
    let registry = Registry::new(&source);
    let place = StructType::new(Anchor::Root("r".into()), "R");
    registry.type_at(&fixture::schema(v), place)
}

#[test]
fn schema_types_map_like_the_api_server() {
    assert_eq!(ty_of(json!({"type": "string"})), Type::String);
    assert_eq!(ty_of(json!({"type": "integer"})), Type::Int);
    assert_eq!(ty_of(json!({"type": "number"})), Type::Double);
    assert_eq!(ty_of(json!({"type": "boolean"})), Type::Bool);
    assert_eq!(
        ty_of(json!({"type": "string", "format": "date-time"})),
        Type::Timestamp
    );
    assert_eq!(
        ty_of(json!({"type": "string", "format": "duration"})),
        Type::Duration
    );
    assert_eq!(
        ty_of(json!({"type": "string", "format": "byte"})),
        Type::Bytes
    );
    assert_eq!(
        ty_of(json!({"x-kubernetes-int-or-string": true})),
        Type::Dyn
    );
    assert_eq!(
        ty_of(json!({"type": "string", "nullable": true})),
        Type::String
    );
    assert_eq!(
        ty_of(json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})),
        Type::Dyn
    );
    assert_eq!(ty_of(json!({})), Type::Dyn);
    assert_eq!(
        ty_of(json!({"type": "array", "items": {"type": "integer"}})),
        Type::list(Type::Int)
    );
    assert_eq!(
        ty_of(json!({"type": "object", "additionalProperties": {"type": "string"}})),
        Type::map(Type::String, Type::String)
    );
    assert_eq!(
        ty_of(json!({"type": "object", "additionalProperties": true})),
        Type::map(Type::String, Type::Dyn)
    );
    let obj = ty_of(json!({"type": "object", "properties": {"a": {"type": "string"}}}));
    assert_eq!(obj.to_string(), "R");
    let nested = ty_of(
        json!({"type": "array", "items": {"type": "object", "properties": {
        "a": {"type": "string"}}}}),
    );
    assert_eq!(nested.to_string(), "list(R[])");
    // An unknown `$ref` is dyn, not an error.
    assert_eq!(
        ty_of(json!({"$ref": "#/components/schemas/nope"})),
        Type::Dyn
    );
}

#[test]
fn refs_name_types_by_component_and_recursion_terminates() {
    let source = fixture::components();
    let env = fixture::env(&source);
    let tree = env
        .field_type(
            "schema",
            &[
                PathSegment::Key("spec".into()),
                PathSegment::Key("tree".into()),
            ],
        )
        .unwrap();
    assert_eq!(tree.to_string(), "Node");
    let deep = env
        .field_type(
            "schema",
            &[
                PathSegment::Key("spec".into()),
                PathSegment::Key("tree".into()),
                PathSegment::Key("children".into()),
                PathSegment::Index(0),
                PathSegment::Key("children".into()),
            ],
        )
        .unwrap();
    assert_eq!(deep.to_string(), "list(Node)");
    assert_eq!(
        env.field_type(
            "deployment",
            &[
                PathSegment::Key("spec".into()),
                PathSegment::Key("template".into()),
                PathSegment::Key("spec".into()),
                PathSegment::Key("containers".into()),
                PathSegment::Index(0),
                PathSegment::Key("ports".into()),
            ]
        )
        .unwrap()
        .to_string(),
        "list(Container.ports[])"
    );
}

#[test]
fn kubernetes_objects_always_have_type_meta_and_object_meta() {
    let source = fixture::components();
    let env = fixture::env(&source);
    let path = |p: &[&str]| -> Vec<PathSegment> {
        p.iter().map(|k| PathSegment::Key((*k).into())).collect()
    };
    // A CRD-style `metadata: {type: object}` still has ObjectMeta's fields.
    assert_eq!(
        env.field_type("bucket", &path(&["metadata", "labels"])),
        Some(Type::map(Type::String, Type::String))
    );
    assert_eq!(
        env.field_type("bucket", &path(&["metadata", "creationTimestamp"])),
        Some(Type::Timestamp)
    );
    assert_eq!(
        env.field_type("schema", &path(&["metadata", "namespace"])),
        Some(Type::String)
    );
    // The instance's status is not visible; its spec is.
    assert_eq!(env.field_type("schema", &path(&["status"])), None);
    assert_eq!(
        env.field_type("schema", &path(&["spec", "replicas"])),
        Some(Type::Int)
    );
    // Preserve-unknown objects accept any field.
    assert_eq!(
        env.field_type("bucket", &path(&["status", "whatever"])),
        Some(Type::Dyn)
    );
    assert_eq!(
        env.field_type("bucket", &path(&["status", "arn"])),
        Some(Type::String)
    );
    assert_eq!(
        env.field_type("legacy", &path(&["anything"])),
        Some(Type::Dyn)
    );
}

#[test]
fn cluster_scoped_instances_have_no_namespace() {
    let source = Components::default();
    let mut env = Env::new(&source);
    env.set_instance("Tenant", &fixture::instance_schema(), true);
    let meta = env
        .field_type("schema", &[PathSegment::Key("metadata".into())])
        .unwrap();
    let names: Vec<String> = env.fields(&meta).into_iter().map(|f| f.name).collect();
    assert!(names.contains(&"name".to_owned()));
    assert!(!names.contains(&"namespace".to_owned()));
    let _ = env.scope(Context::Status);
}

#[test]
fn fields_are_listed_with_types_and_docs() {
    let source = fixture::components();
    let env = fixture::env(&source);
    let spec = env
        .field_type("schema", &[PathSegment::Key("spec".into())])
        .unwrap();
    let fields = env.fields(&spec);
    let name = fields.iter().find(|f| f.name == "name").unwrap();
    assert_eq!(name.ty, Type::String);
    assert!(name.required);
    assert_eq!(name.description.as_deref(), Some("Application name"));
    assert!(fields.iter().any(|f| f.name == "my__dash__field"));
    let deployment = env.variable("deployment").unwrap().ty.clone();
    let top: Vec<String> = env
        .fields(&deployment)
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(top, ["apiVersion", "kind", "metadata", "spec", "status"]);
}

#[test]
fn property_names_escape_like_the_api_server() {
    assert_eq!(escape("replicas").as_deref(), Some("replicas"));
    assert_eq!(escape("my-field").as_deref(), Some("my__dash__field"));
    assert_eq!(
        escape("app.kubernetes.io/name").as_deref(),
        Some("app__dot__kubernetes__dot__io__slash__name")
    );
    assert_eq!(escape("a__b").as_deref(), Some("a__underscores__b"));
    assert_eq!(escape("namespace").as_deref(), Some("namespace"));
    assert_eq!(escape("1abc"), None);
    assert_eq!(escape("a b"), None);
}

#[test]
fn embedded_resources_are_kubernetes_objects() {
    let source = Components::default();
    let mut env = Env::new(&source);
    let wrapper = fixture::schema(json!({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
            "template": {
                "type": "object",
                "x-kubernetes-embedded-resource": true,
                "x-kubernetes-preserve-unknown-fields": true,
            },
        }},
    }}));
    env.add_resource("wrapper", "Wrapper", Some(Arc::new(wrapper)), false);
    let path = |p: &[&str]| -> Vec<PathSegment> {
        p.iter().map(|k| PathSegment::Key((*k).into())).collect()
    };
    assert_eq!(
        env.field_type("wrapper", &path(&["spec", "template", "kind"])),
        Some(Type::String)
    );
    assert_eq!(
        env.field_type("wrapper", &path(&["spec", "template", "metadata", "name"])),
        Some(Type::String)
    );
    assert_eq!(
        env.field_type("wrapper", &path(&["spec", "template", "spec", "anything"])),
        Some(Type::Dyn)
    );
}
