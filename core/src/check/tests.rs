use super::*;
use crate::fixture::assert_marks;
use crate::{rgd, syntax};

fn namespaced(_: &str, kind: &str) -> Option<bool> {
    match kind {
        "Namespace" | "ClusterRole" => Some(false),
        "Unknown" => None,
        _ => Some(true),
    }
}

fn check(text: &str) {
    let parsed = syntax::parse(text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let root = parsed.documents[0].root.as_ref().unwrap();
    let (model, mut diagnostics) = rgd::lower(root);
    let cx = Context {
        is_namespaced: &namespaced,
        max_collection_dimensions: 2,
    };
    diagnostics.extend(structure(&model, &cx));
    assert_marks(text, &diagnostics);
}

#[test]
fn a_valid_rgd_has_no_diagnostics() {
    check(
        r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: web-app
spec:
  schema:
    apiVersion: v1alpha1
    kind: WebApp
    spec:
      name: string
  resources:
    - id: deployment
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ${schema.spec.name}
    - id: config
      externalRef:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: shared
"#,
    );
}

#[test]
fn shape_errors() {
    check(
        r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  labels: {}
# ^^^^^^ rgd-missing-field: metadata needs a `name` field
spec:
  schema:
    apiVersion: v1alpha1
    kind: WebApp
    spce: {}
#   ^^^^ rgd-unknown-field: spec.schema has no field `spce`; did you mean `spec`?
  resources:
    - id: web
      readyWhen: ${web.ready}
#                ^^^^^^^^^^^^ rgd-wrong-type: `readyWhen` must be a list, not a string
      template:
        apiVersion: v1
        kind: Service
        metadata: {name: x}
    - template: []
#     ^^^^^^^^ rgd-missing-field: spec.resources[1] needs a `id` field
#               ^^ rgd-wrong-type: template must be a mapping, not a list
"#,
    );
}

#[test]
fn resource_ids() {
    check(
        r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: ids}
spec:
  schema: {apiVersion: v1alpha1, kind: Ids}
  resources:
    - id: my-config
#         ^^^^^^^^^ invalid-resource-id: resource id `my-config` must be lowerCamelCase: a lowercase letter, then letters and digits (e.g. `myConfig`)
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
    - id: schema
#         ^^^^^^ reserved-resource-id
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}
    - id: while
#         ^^^^^ reserved-resource-id
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}
    - id: web
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: d}}
    - id: web
#         ^^^ duplicate-resource-id: another resource already has the id `web`
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: e}}
"#,
    );
}

#[test]
fn template_xor_external_ref() {
    check(
        r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: refs}
spec:
  schema: {apiVersion: v1alpha1, kind: Refs}
  resources:
    - id: nothing
#         ^^^^^^^ template-or-external-ref
      readyWhen: []
    - id: both
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
      externalRef: {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
#                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ template-or-external-ref
    - id: twoWays
      externalRef:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: a
#         ^^^^ external-ref-name-or-selector
          selector: {matchLabels: {app: a}}
    - id: noName
      externalRef:
        apiVersion: v1
        kind: ConfigMap
        metadata: {namespace: x}
#                 ^^^^^^^^^^^^^^ external-ref-name-or-selector
    - id: looped
      forEach:
        - item2: ${schema.spec.items}
#         ^^^^^ external-ref-for-each
      externalRef:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: a}
"#,
    );
}

#[test]
fn template_rules() {
    check(
        r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: tpl}
spec:
  schema: {apiVersion: v1alpha1, kind: Tpl, scope: Cluster}
  resources:
    - id: noKind
      template:
        apiVersion: v1
#       ^^^^^^^^^^ invalid-template: the template of `noKind` needs `kind`
        metadata: {name: a, namespace: default}
    - id: ns
      template:
        apiVersion: v1
        kind: Namespace
        metadata:
          name: a
          namespace: default
#                    ^^^^^^^ cluster-scoped-namespace: Namespace is cluster-scoped, so `ns` must not set metadata.namespace
    - id: svc
      template:
        apiVersion: v1
        kind: Service
        metadata:
          name: a
#         ^^^^ namespace-required
          labels:
            kro.run/owned: "true"
#           ^^^^^^^^^^^^^ reserved-metadata
          annotations:
            internal.kro.run/x: "1"
#           ^^^^^^^^^^^^^^^^^^ reserved-metadata
    - id: mystery
      template:
        apiVersion: example.com/v1
        kind: Unknown
        metadata: {name: a}
"#,
    );
}

#[test]
fn for_each_rules() {
    check(
        r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: loops}
spec:
  schema: {apiVersion: v1alpha1, kind: Loops}
  resources:
    - id: other
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: o}}
    - id: many
      forEach:
        - region: ${schema.spec.regions}
        - other: ${schema.spec.zones}
#         ^^^^^ invalid-for-each: forEach iterator `other` has the same name as a resource; rename one
        - region: ${schema.spec.tiers}
#         ^^^^^^ invalid-for-each: `many` has 3 forEach dimensions; at most 2 are allowed
#         ^^^^^^ invalid-for-each: `many` already has a forEach iterator named `region`
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}
    - id: bad
      forEach:
        - Item: ${schema.spec.a}
#         ^^^^ invalid-for-each: forEach iterator `Item` must be lowerCamelCase
        - each: ${schema.spec.b}
#         ^^^^ reserved-resource-id
        - {a: "${x}", b: "${y}"}
#         ^^^^^^^^^^^^^^^^^^^^^^ invalid-for-each
#          ^ invalid-for-each: `bad` has 4 forEach dimensions; at most 2 are allowed
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: y}}
"#,
    );
}
