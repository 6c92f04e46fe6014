//! The generated CRD for a realistic RGD, and the checks on the names that make it.

use serde_json::json;

use super::support::render;
use crate::openapi::Schema;
use crate::schema::compile;
use crate::schema::crd::{CrdSpec, Ownership, generate, instance_schema};
use crate::syntax::parse;

const RGD: &str = r#"apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: web-app
spec:
  schema:
    apiVersion: v1alpha1
    kind: WebApp
    group: apps.example.com
    shortNames: [wa]
    categories: [platform, all]
    metadata:
      labels:
        team: platform
      annotations:
        example.com/owner: "platform team"
    spec:
      name: string | required=true
      replicas: integer | default=2 minimum=1
      ports: "[]Port | listType=map listMapKey=name"
    types:
      Port:
        name: string | required=true
        number: integer | default=80
    status:
      availableReplicas: ${deployment.status.availableReplicas}
  resources: []
"#;

fn schema_node(text: &str) -> crate::syntax::Node {
    let parsed = parse(text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let root = parsed.documents[0].root.clone().unwrap();
    root.get("spec").unwrap().get("schema").unwrap().clone()
}

fn status() -> Schema {
    serde_json::from_value(json!({
        "type": "object",
        "properties": {"availableReplicas": {"type": "integer"}}
    }))
    .unwrap()
}

#[test]
fn a_realistic_rgd_gives_the_whole_crd() {
    let node = schema_node(RGD);
    let (crd, diagnostics) = CrdSpec::read(&node);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let simple = compile(RGD, node.get("spec"), node.get("types"));
    assert!(simple.diagnostics.is_empty(), "{:?}", simple.diagnostics);
    let owner = Ownership {
        rgd_name: Some("web-app".to_owned()),
        rgd_uid: Some("6f1c2a4e-0000-4000-8000-000000000001".to_owned()),
        kro_version: Some("v0.9.0+dirty".to_owned()),
    };
    let generated = generate(&crd, &simple.schema, &status(), &owner);
    let expected = json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": "webapps.apps.example.com",
            "labels": {
                "team": "platform",
                "kro.run/owned": "true",
                "kro.run/kro-version": "v0.9.0-dirty",
                "kro.run/resource-graph-definition-id": "6f1c2a4e-0000-4000-8000-000000000001",
                "kro.run/resource-graph-definition-name": "web-app"
            },
            "annotations": {"example.com/owner": "platform team"}
        },
        "spec": {
            "group": "apps.example.com",
            "names": {
                "kind": "WebApp",
                "listKind": "WebAppList",
                "plural": "webapps",
                "singular": "webapp",
                "shortNames": ["wa"],
                "categories": ["platform", "all"]
            },
            "scope": "Namespaced",
            "versions": [{
                "name": "v1alpha1",
                "served": true,
                "storage": true,
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "metadata": {"type": "object"},
                        "spec": {
                            "type": "object",
                            "required": ["name"],
                            "properties": {
                                "name": {"type": "string"},
                                "replicas": {"type": "integer", "default": 2, "minimum": 1},
                                "ports": {
                                    "type": "array",
                                    "x-kubernetes-list-type": "map",
                                    "x-kubernetes-list-map-keys": ["name"],
                                    "items": {
                                        "type": "object",
                                        "required": ["name"],
                                        "properties": {
                                            "name": {"type": "string"},
                                            "number": {"type": "integer", "default": 80}
                                        }
                                    }
                                }
                            }
                        },
                        "status": {
                            "type": "object",
                            "properties": {
                                "availableReplicas": {"type": "integer"},
                                "state": {"type": "string"},
                                "conditions": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "type": {"type": "string"},
                                            "status": {"type": "string"},
                                            "reason": {"type": "string"},
                                            "message": {"type": "string"},
                                            "lastTransitionTime": {"type": "string"},
                                            "observedGeneration": {"type": "integer"}
                                        }
                                    }
                                }
                            }
                        }
                    }
                }},
                "subresources": {"status": {}},
                "additionalPrinterColumns": [
                    {
                        "name": "State",
                        "type": "string",
                        "description": "The state of a ResourceGraphDefinition instance",
                        "jsonPath": ".status.state"
                    },
                    {
                        "name": "Ready",
                        "type": "string",
                        "description": "Whether a ResourceGraphDefinition instance is ready",
                        "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"
                    },
                    {
                        "name": "Age",
                        "type": "date",
                        "description": "Age of the resource",
                        "jsonPath": ".metadata.creationTimestamp"
                    }
                ]
            }]
        }
    });
    assert_eq!(generated, expected);
}

#[test]
fn defaults_group_scope_and_labels_offline() {
    let text =
        "spec:\n  schema:\n    apiVersion: v1\n    kind: ClusterPolicy\n    scope: Cluster\n";
    let (crd, diagnostics) = CrdSpec::read(&schema_node(text));
    assert!(diagnostics.is_empty());
    assert_eq!(crd.crd_name(), "clusterpolicies.kro.run");
    let generated = generate(
        &crd,
        &Schema::of_type("object"),
        &Schema::default(),
        &Ownership::default(),
    );
    assert_eq!(
        generated["metadata"],
        json!({
            "name": "clusterpolicies.kro.run",
            "labels": {"kro.run/owned": "true"}
        })
    );
    assert_eq!(generated["spec"]["scope"], "Cluster");
    assert_eq!(
        generated["spec"]["names"],
        json!({"kind": "ClusterPolicy", "listKind": "ClusterPolicyList", "plural": "clusterpolicies", "singular": "clusterpolicy"})
    );
    assert_eq!(
        generated["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
            ["state"],
        json!({"type": "string"})
    );
}

#[test]
fn printer_columns_replace_the_defaults() {
    let text = r#"spec:
  schema:
    apiVersion: v1
    kind: Database
    additionalPrinterColumns:
      - name: Engine
        type: string
        jsonPath: .spec.engine
        priority: 0
      - name: Size
        type: integer
        format: int32
        description: disk size
        priority: 1
        jsonPath: .spec.size
"#;
    let (crd, diagnostics) = CrdSpec::read(&schema_node(text));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let generated = generate(
        &crd,
        &Schema::of_type("object"),
        &Schema::default(),
        &Ownership::default(),
    );
    assert_eq!(
        generated["spec"]["versions"][0]["additionalPrinterColumns"],
        json!([
            {"name": "Engine", "type": "string", "jsonPath": ".spec.engine"},
            {"name": "Size", "type": "integer", "format": "int32", "description": "disk size", "priority": 1, "jsonPath": ".spec.size"}
        ])
    );
}

#[test]
fn user_defined_state_and_conditions_are_kept() {
    let status: Schema = serde_json::from_value(json!({
        "type": "object",
        "properties": {"state": {"type": "integer"}, "conditions": {"type": "string"}}
    }))
    .unwrap();
    let root = instance_schema(&Schema::of_type("object"), &status);
    assert_eq!(root.properties["status"], status);
}

fn check_names(text: &str, expected: &str) {
    let (_, diagnostics) = CrdSpec::read(&schema_node(text));
    assert_eq!(render(text, &diagnostics), expected.trim(), "for:\n{text}");
}

#[test]
fn names_and_versions_are_checked() {
    check_names(
        r#"spec:
  schema:
    apiVersion: kro.run/v1
    kind: webApp
    group: Example
    scope: Global
    shortNames: [ok, Not_OK]
    categories: ["-bad"]
"#,
        r#"
schema-invalid-kind@4:11: kind `webApp` must be UpperCamelCase: a capital letter, then at most 62 letters or digits [webApp]
schema-invalid-api-version@3:17: apiVersion `kro.run/v1` must look like `v1`, `v1alpha1` or `v2beta3`; give only the version, the group goes in `group` [kro.run/v1]
schema-invalid-group@5:12: group `Example` must be a lowercase DNS subdomain such as `example.com` (letters, digits, `-` and `.`) [Example]
schema-invalid-scope@6:12: `scope` must be `Namespaced` or `Cluster`, not `Global` [Global]
schema-invalid-names@7:22: `Not_OK` in `shortNames` must be a lowercase DNS label: letters, digits and `-`, starting with a letter, at most 63 characters [Not_OK]
schema-invalid-names@8:18: `-bad` in `categories` must be a lowercase DNS label: letters, digits and `-`, starting with a letter, at most 63 characters ["-bad"]
"#,
    );
    check_names(
        "spec:\n  schema:\n    apiVersion: v2beta1\n    kind: Dns\n    group: example\n",
        r#"
schema-invalid-plural@4:11: kind `Dns` pluralises to `dnsDNSes`, which Kubernetes does not accept as a resource name (lowercase letters, digits and `-`, at most 63 characters); choose another kind [Dns]
schema-invalid-group@5:12: group `example` must be a domain with at least one dot, such as `example.example.com` [example]
"#,
    );
    let many: Vec<String> = (0..33).map(|i| format!("n{i}")).collect();
    check_names(
        &format!(
            "spec:\n  schema:\n    kind: A\n    apiVersion: v1\n    shortNames: [{}]\n",
            many.join(", ")
        ),
        &format!(
            "schema-invalid-names@5:17: `shortNames` has 33 items; at most 32 are allowed [[{}]]",
            many.join(", ")
        ),
    );
}

#[test]
fn printer_columns_and_metadata_are_checked() {
    check_names(
        r#"spec:
  schema:
    kind: A
    apiVersion: v1
    additionalPrinterColumns:
      - name: X
        type: text
        jsonPath: spec.x
        format: big
        priority: -1
      - type: string
    metadata:
      labels:
        "bad key!": v
        ok: "not a valid value!"
        num: 5
      annotations:
        example.com/fine: "any text at all"
"#,
        r#"
schema-invalid-printer-column@7:15: column type `text` must be one of integer, number, string, boolean, date [text]
schema-invalid-printer-column@8:19: jsonPath `spec.x` must start with `.`, such as `.spec.replicas` [spec.x]
schema-invalid-printer-column@9:17: column format must be one of int32, int64, float, double, byte, date, date-time, password [big]
schema-invalid-printer-column@10:19: the column's `priority` must be a non-negative integer [-1]
schema-invalid-printer-column@11:9: the printer column needs `name` [type: string]
schema-invalid-printer-column@11:9: the printer column needs `jsonPath` [type: string]
schema-invalid-crd-metadata@14:9: label key `bad key!` must be at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit, after an optional `prefix/` ["bad key!"]
schema-invalid-crd-metadata@15:13: label value `not a valid value!` must be at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit ["not a valid value!"]
schema-invalid-crd-metadata@16:14: the value of label `num` must be a string; quote it [5]
"#,
    );
}

#[test]
fn the_default_spec_is_in_the_default_group() {
    let spec = CrdSpec::default();
    assert_eq!(spec.group, "kro.run");
    assert_eq!(spec.scope, crate::schema::Scope::Namespaced);
}
