use super::*;
use crate::diagnostic::Code;
use crate::fixture::assert_marks;

fn check(text: &str) {
    let analysis = compile_file(text, &Options::default());
    let diagnostics: Vec<Diagnostic> = analysis.diagnostics().into_iter().cloned().collect();
    assert_marks(text, &diagnostics);
}

const HEADER: &str =
    "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata: {name: t}\n";

fn rgd(body: &str) -> String {
    format!("{HEADER}{body}")
}

#[test]
fn expressions_are_checked_against_the_fields_they_fill() {
    check(&rgd(r#"spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      name: string
      replicas: integer
  resources:
    - id: deployment
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ${schema.spec.name}
        spec:
          replicas: ${schema.spec.name}
#                     ^^^^^^^^^^^^^^^^ cel-type-mismatch: expression `schema.spec.name` returns string, but the field expects int
          selector:
            matchLabels: {app: x}
          template:
            metadata: {labels: {app: x}}
            spec:
              containers:
                - name: app
                  image: ${schema.spec.nmae}
#                                      ^^^^ cel-unknown-field
                  imagePullPolicy: ${schema.spec.replicas}
#                                    ^^^^^^^^^^^^^^^^^^^^ cel-type-mismatch
                  replcas: 3
#                 ^^^^^^^ template-unknown-field: `deployment`: Container has no field `replcas` in spec.template.spec.containers[0]
"#));
}

#[test]
fn references_become_edges_and_cycles_are_found_through_expressions() {
    let text = rgd(r#"spec:
  schema:
    apiVersion: v1alpha1
    kind: App
  resources:
    - id: first
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${second.metadata.name}-a
#                 ^^^^^^ dependency-cycle
    - id: second
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${first.metadata.name}-b
"#);
    // The cycle is reported at the first resource's id; point the mark there instead.
    let analysis = compile_file(&text, &Options::default());
    let cycle = analysis
        .diagnostics()
        .into_iter()
        .find(|d| d.code == Code::DependencyCycle)
        .unwrap();
    assert!(
        cycle.message.contains("first -> second -> first"),
        "{}",
        cycle.message
    );
    assert_eq!(
        &text[cycle.related[0].range.start..cycle.related[0].range.end],
        "second"
    );
}

#[test]
fn graph_edges_ignore_ready_when_and_schema() {
    let text = rgd(r#"spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      enabled: boolean
  resources:
    - id: config
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}
    - id: app
      includeWhen:
        - ${schema.spec.enabled}
      readyWhen:
        - ${app.metadata.name != ""}
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${config.metadata.name}-app
"#);
    let analysis = compile_file(&text, &Options::default());
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics());
    let compiled = &analysis.rgds[0];
    assert_eq!(compiled.graph.edges(), [("config", "app")]);
    assert_eq!(
        compiled.expressions[1].include_when[0].text,
        "schema.spec.enabled"
    );
    assert_eq!(
        compiled.expressions[1].template[0].cel_source(),
        "(config.metadata.name) + \"-app\""
    );
}

#[test]
fn conditions_must_be_single_boolean_expressions() {
    check(&rgd(r#"spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      name: string
  resources:
    - id: app
      includeWhen:
        - ${schema.spec.name}
#           ^^^^^^^^^^^^^^^^ cel-type-mismatch
        - "yes ${schema.spec.name}"
#         ^^^^^^^^^^^^^^^^^^^^^^^^^ condition-not-standalone
      readyWhen:
        - ${schema.spec.name == "x"}
#           ^^^^^^ cel-out-of-scope
      template: {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
"#));
}

#[test]
fn collections_need_their_iterators_in_the_name() {
    check(&rgd(r#"spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      regions: "[]string"
      zones: "[]string"
  resources:
    - id: configs
      forEach:
        - region: ${schema.spec.regions}
        - zone: ${schema.spec.zones}
#         ^^^^ for-each-identity
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: app-${region}
        data:
          zone: ${zone}
    - id: bad
      forEach:
        - entry: ${schema.spec.regions[0]}
#                  ^^^^^^^^^^^^^^^^^^^^^^ cel-type-mismatch: expression `schema.spec.regions[0]` returns string, but forEach needs a list
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${entry}
"#));
}

#[test]
fn kinds_are_checked_against_the_schemas_known() {
    check(&rgd(r#"spec:
  schema:
    apiVersion: v1alpha1
    kind: App
  resources:
    - id: typo
      template:
        apiVersion: apps/v1
        kind: Deploymnet
#             ^^^^^^^^^^ unknown-kind: apps/v1 has no kind `Deploymnet`; did you mean `Deployment`?
        metadata: {name: a}
    - id: wrongVersion
      template:
        apiVersion: v1
#                   ^^ unknown-kind: Deployment is not served as `v1`; it is `apps/v1`
        kind: Deployment
        metadata: {name: a}
    - id: custom
      template:
        apiVersion: example.com/v1
        kind: Widget
#             ^^^^^^ kind-schema-unknown
        metadata: {name: a}
        spec:
          anything: ${schema.spec}
"#));
}

#[test]
fn status_fields_are_expressions_with_inferred_types() {
    let text = rgd(r#"spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      name: string
    status:
      plain: hello
#            ^^^^^ status-not-expression
      ready: ${app.status.?availableReplicas.orValue(0) > 0}
      nested:
        name: ${app.metadata.name}
        labels: ${app.metadata.labels}
  resources:
    - id: app
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: a}
        spec:
          selector: {matchLabels: {app: a}}
          template:
            metadata: {labels: {app: a}}
            spec: {containers: [{name: a, image: a}]}
"#);
    check(&text);
    let analysis = compile_file(&text, &Options::default());
    let status = serde_json::to_value(&analysis.rgds[0].status).unwrap();
    assert_eq!(status["properties"]["ready"]["type"], "boolean");
    assert_eq!(
        status["properties"]["nested"]["properties"]["name"]["type"],
        "string"
    );
    assert_eq!(
        status["properties"]["nested"]["properties"]["labels"]["additionalProperties"]["type"],
        "string"
    );
    assert!(status["properties"].get("plain").is_none());
}

#[test]
fn omit_cannot_drop_an_objects_name() {
    check(&rgd(r#"spec:
  schema:
    apiVersion: v1alpha1
    kind: App
  resources:
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${omit()}
#               ^^^^^^^^^ omit-in-identity
"#));
}
