//! The editor's view: where each field, type and type reference is defined.

use super::support::simple;
use crate::schema::FieldPath;

const YAML: &str = r#"spec:
  name: string | description="the name"
  ports: "[]Port | minItems=1"
  nested:
    inner: integer
types:
  Port:
    name: string | required=true
    target: Target
  Target:
    host: string
  Hosts: "map[string]Target"
"#;

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

#[test]
fn every_expanded_field_knows_its_definition() {
    let out = simple(YAML);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let rows: Vec<String> = out
        .fields
        .iter()
        .map(|f| {
            format!(
                "{} key={}@{} type={} in={}",
                f.path,
                &YAML[f.key_range.start..f.key_range.end],
                line_of(YAML, f.key_range.start),
                f.type_range
                    .map_or("-".to_owned(), |r| YAML[r.start..r.end].to_owned()),
                f.declared_in.as_deref().unwrap_or("spec"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            "spec.name key=name@2 type=string in=spec",
            "spec.ports key=ports@3 type=[]Port in=spec",
            "spec.ports[].name key=name@8 type=string in=Port",
            "spec.ports[].target key=target@9 type=Target in=Port",
            "spec.ports[].target.host key=host@11 type=string in=Target",
            "spec.nested key=nested@4 type=- in=spec",
            "spec.nested.inner key=inner@5 type=integer in=spec",
        ]
    );
    let ports = out
        .field(&FieldPath::fields(["spec", "ports"]))
        .expect("spec.ports");
    assert_eq!(ports.type_text.as_deref(), Some("[]Port"));
    assert_eq!(
        &YAML[ports.value_range.start..ports.value_range.end],
        "\"[]Port | minItems=1\""
    );
}

#[test]
fn types_and_references_are_listed() {
    let out = simple(YAML);
    let types: Vec<String> = out
        .types
        .iter()
        .map(|t| {
            let fields: Vec<String> = t.fields.iter().map(|f| f.path.to_string()).collect();
            format!(
                "{}@{} [{}]",
                t.name,
                line_of(YAML, t.key_range.start),
                fields.join(", ")
            )
        })
        .collect();
    assert_eq!(
        types,
        [
            "Port@7 [name, target, target.host]",
            "Target@10 [host]",
            "Hosts@12 [{}.host]",
        ]
    );
    let references: Vec<String> = out
        .type_references
        .iter()
        .map(|r| {
            format!(
                "{}@{}",
                &YAML[r.range.start..r.range.end],
                line_of(YAML, r.range.start)
            )
        })
        .collect();
    assert_eq!(references, ["Target@9", "Target@12", "Port@3"]);
    let offset = YAML.find("[]Port").unwrap() + 3;
    assert_eq!(
        out.type_reference_at(offset).map(|r| r.name.as_str()),
        Some("Port")
    );
    let host = YAML.find("host:").unwrap() + 1;
    let defined: Vec<String> = out
        .fields_defined_at(host)
        .map(|f| f.path.to_string())
        .collect();
    assert_eq!(defined, ["spec.ports[].target.host"]);
}

#[test]
fn nearest_field_falls_back_to_ancestors() {
    let out = simple(YAML);
    let path = FieldPath::fields(["spec", "nested", "gone"]);
    assert_eq!(
        out.nearest_field(&path).map(|f| f.path.to_string()),
        Some("spec.nested".to_owned())
    );
    assert!(out.nearest_field(&FieldPath::fields(["status"])).is_none());
}

#[test]
fn a_broken_file_still_yields_fields() {
    let yaml = "spec:\n  good: string\n  bad: Nope | minLenght=1\n  also: integer\n";
    let out = simple(yaml);
    assert_eq!(out.diagnostics.len(), 2);
    let paths: Vec<String> = out.fields.iter().map(|f| f.path.to_string()).collect();
    assert_eq!(paths, ["spec.good", "spec.bad", "spec.also"]);
    assert_eq!(out.schema.properties.len(), 3);
    assert_eq!(out.schema.properties["bad"], Default::default());
}

#[test]
fn schema_at_walks_items_and_values() {
    let out = simple(YAML);
    let path = FieldPath::fields(["spec", "ports"])
        .child(crate::schema::Segment::Items)
        .field("target");
    let target = out.schema_at(&path).expect("spec.ports[].target");
    assert_eq!(target.properties["host"].type_.as_deref(), Some("string"));
    assert!(
        out.schema_at(&FieldPath::fields(["spec", "nope"]))
            .is_none()
    );
    assert!(out.schema_at(&FieldPath::fields(["status"])).is_none());
}
