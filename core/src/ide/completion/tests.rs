//! Completion fixtures: a `$0` cursor in RGD text and the items offered there.

use crate::ide::CompletionKind;
use crate::ide::fixture::cursor;

/// Renders completions as `label (detail) [replaced→inserted]`, one per line, leaving out the
/// CEL functions offered wherever an identifier can start (see `functions_come_last`).
fn check(fixture: &str, expected: &str) {
    let (analysis, offset) = cursor(fixture);
    let mut items = analysis.completions(offset);
    items.retain(|i| i.kind != CompletionKind::Function);
    let text = analysis.text();
    let rendered: Vec<String> = items
        .iter()
        .map(|i| {
            let replaced = &text[i.edit.range.start..i.edit.range.end];
            let detail = i
                .detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            if replaced.is_empty() && i.edit.new_text == i.label {
                format!("{}{detail}", i.label)
            } else {
                format!("{}{detail} [{replaced}→{}]", i.label, i.edit.new_text)
            }
        })
        .collect();
    assert_eq!(
        rendered.join("\n"),
        expected.trim(),
        "\n--- actual ---\n{}\n",
        rendered.join("\n")
    );
}

const HEAD: &str = "apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: app
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      name: string | required=true description=\"The app's name\"
      replicas: integer | default=1
      ingress:
        host: string
      ports: \"[]Port\"
    types:
      Port:
        number: integer
";

fn with(tail: &str) -> String {
    format!("{HEAD}{tail}")
}

/// HEAD with `line` added as the last field of the spec.
fn in_spec(line: &str) -> String {
    HEAD.replace("ports: \"[]Port\"\n", &format!("ports: \"[]Port\"\n{line}"))
}

#[test]
fn schema_spec_fields_after_a_dot() {
    check(
        &with(
            "  resources:
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.$0
",
        ),
        "
name (string)
replicas (integer)
ingress (object)
ports ([]Port)
",
    );
}

#[test]
fn schema_spec_fields_replace_the_partial_name() {
    check(
        &with(
            "  resources:
    - id: config
      template:
        metadata:
          name: \"${schema.spec.na$0me}-x\"
",
        ),
        "
name (string) [name→name]
replicas (integer) [name→replicas]
ingress (object) [name→ingress]
ports ([]Port) [name→ports]
",
    );
}

#[test]
fn nested_and_typed_spec_fields() {
    check(
        &with("  resources:\n    - id: a\n      template:\n        x: ${schema.spec.ingress.$0}\n"),
        "host (string)",
    );
    check(
        &with(
            "  resources:\n    - id: a\n      template:\n        x: ${schema.spec.ports[0].$0}\n",
        ),
        "number (integer)",
    );
    check(
        &with("  resources:\n    - id: a\n      template:\n        x: ${schema.$0}\n"),
        "
apiVersion (string)
kind (string)
metadata (ObjectMeta)
spec (App.spec)
",
    );
}

#[test]
fn completion_works_when_the_yaml_is_broken_after_the_cursor() {
    // The unclosed quote makes the rest of the file a syntax error.
    check(
        &with(
            "  resources:
    - id: config
      template:
        metadata:
          name: \"${schema.spec.rep$0
",
        ),
        "
name (string) [rep→name]
replicas (integer) [rep→replicas]
ingress (object) [rep→ingress]
ports ([]Port) [rep→ports]
",
    );
}

#[test]
fn roots_are_schema_and_the_other_resources() {
    check(
        &with(
            "  resources:
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
    - id: deployment
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ${$0}
    - id: db
      externalRef:
        apiVersion: v1
        kind: Secret
        metadata:
          name: db
",
        ),
        "
schema (App)
config (ConfigMap)
db (Secret)
",
    );
}

#[test]
fn ready_when_sees_only_its_own_resource() {
    check(
        &with(
            "  resources:
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
    - id: pod
      readyWhen:
        - ${p$0}
      template:
        apiVersion: v1
        kind: Pod
",
        ),
        "pod (Pod) [p→pod]",
    );
    check(
        &with(
            "  resources:
    - id: workers
      forEach:
        - port: ${schema.spec.ports}
      readyWhen:
        - ${w$0}
      template:
        apiVersion: v1
        kind: Pod
",
        ),
        "each (Pod) [w→each]",
    );
}

#[test]
fn iterators_in_the_template_of_their_collection() {
    check(
        &with(
            "  resources:
    - id: workers
      forEach:
        - port: ${schema.spec.ports}
      template:
        kind: Pod
        metadata:
          name: x-${$0}
",
        ),
        "
schema (App)
port (App.spec.ports[])
",
    );
}

#[test]
fn resource_members_come_from_the_kind_schema() {
    check(
        &with(
            "  resources:
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: cfg
    - id: deployment
      template:
        metadata:
          name: ${config.$0}
",
        ),
        "
apiVersion (string)
binaryData (map(string, bytes))
data (map(string, string))
immutable (bool)
kind (string)
metadata (ObjectMeta)
",
    );
}

#[test]
fn members_of_an_unknown_kind_come_from_the_template() {
    check(
        &with(
            "  resources:
    - id: widget
      template:
        apiVersion: example.com/v1
        kind: Widget
        metadata:
          name: w
        spec:
          size: 3
    - id: deployment
      template:
        metadata:
          name: ${widget.$0}
",
        ),
        "
apiVersion (string)
kind (string)
metadata (object)
spec (object)
status (object)
",
    );
    check(
        &with(
            "  resources:
    - id: widget
      template:
        apiVersion: example.com/v1
        kind: Widget
        spec:
          size: 3
    - id: deployment
      template:
        metadata:
          name: ${widget.spec.$0}
",
        ),
        "size (integer)",
    );
}

#[test]
fn nothing_inside_cel_strings_or_after_calls() {
    check(
        &with("  resources:\n    - id: a\n      template:\n        x: ${'schema.$0'}\n"),
        "",
    );
    check(
        &with("  resources:\n    - id: a\n      template:\n        x: ${string(1).$0}\n"),
        "",
    );
}

#[test]
fn rgd_fields_by_position() {
    check(
        "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\n$0",
        "
metadata [→metadata:]
spec [→spec:]
",
    );
    check(
        "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nspec:\n  sc$0\n",
        "
schema [sc→schema:]
resources [sc→resources:]
",
    );
    check(
        &with("  resources:\n    - id: a\n      template: {}\n      $0\n"),
        "
externalRef [→externalRef:]
readyWhen [→readyWhen:]
includeWhen [→includeWhen:]
forEach [→forEach:]
",
    );
    check(
        &with("  resources:\n    - $0\n"),
        "
id [→id: ]
template [→template:]
externalRef [→externalRef:]
readyWhen [→readyWhen:]
includeWhen [→includeWhen:]
forEach [→forEach:]
",
    );
}

#[test]
fn schema_fields_skip_the_ones_already_there() {
    check(
        "kind: ResourceGraphDefinition\nspec:\n  schema:\n    kind: App\n    $0\n    spec: {}\n",
        "
apiVersion [→apiVersion: ]
group [→group: ]
scope [→scope: ]
types [→types:]
status [→status:]
additionalPrinterColumns [→additionalPrinterColumns:]
shortNames [→shortNames:]
categories [→categories:]
metadata [→metadata:]
",
    );
}

#[test]
fn simple_schema_types() {
    check(
        &in_spec("      extra: $0\n"),
        "
string
integer
boolean
float
object
Port (from types)
[] (list)
map[string] (map)
",
    );
    check(
        &in_spec("      extra: \"[]Po$0\"\n"),
        "
string [Po→string]
integer [Po→integer]
boolean [Po→boolean]
float [Po→float]
object [Po→object]
Port (from types) [Po→Port]
[] (list) [Po→[]]
map[string] (map) [Po→map[string]]
",
    );
    check(&in_spec("      extra: map[$0\n"), "string");
}

#[test]
fn simple_schema_markers_and_values() {
    let markers = check_markers(&in_spec("      extra: string | default=\"a b\" $0\n"));
    assert!(
        markers.starts_with("required [→required=true]\ndescription [→description=]"),
        "{markers}"
    );
    assert!(!markers.contains("default"), "{markers}");
    check(
        &in_spec("      extra: \"[]string | listType=$0\"\n"),
        "
atomic
set
map
",
    );
    check(&in_spec("      extra: string | description=\"a $0\n"), "");
}

fn check_markers(fixture: &str) -> String {
    let (analysis, offset) = cursor(fixture);
    let text = analysis.text();
    analysis
        .completions(offset)
        .iter()
        .map(|i| {
            format!(
                "{} [{}→{}]",
                i.label,
                &text[i.edit.range.start..i.edit.range.end],
                i.edit.new_text
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn fixed_values() {
    check(
        "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nspec:\n  schema:\n    scope: $0\n",
        "
Namespaced
Cluster
",
    );
}

#[test]
fn other_yaml_gets_nothing() {
    check("apiVersion: v1\nkind: ConfigMap\n$0\n", "");
}

#[test]
fn functions_come_last() {
    let (analysis, offset) = cursor(&with(
        "  resources:\n    - id: a\n      template:\n        x: ${$0}\n",
    ));
    let items = analysis.completions(offset);
    let first_function = items
        .iter()
        .position(|i| i.kind == CompletionKind::Function)
        .unwrap();
    assert_eq!(items[first_function - 1].label, "schema");
    let labels: Vec<&str> = items[first_function..]
        .iter()
        .map(|i| i.label.as_str())
        .collect();
    for name in [
        "size",
        "string",
        "has",
        "base64.encode",
        "random.seededString",
        "omit",
    ] {
        assert!(labels.contains(&name), "{name} missing from {labels:?}");
    }
    assert!(!labels.contains(&"lowerAscii"), "methods need a receiver");
    let string = items.iter().find(|i| i.label == "string").unwrap();
    assert_eq!(string.detail.as_deref(), Some("string(string) -> string"));
}

#[test]
fn functions_of_a_namespace() {
    let (analysis, offset) = cursor(&with(
        "  resources:\n    - id: a\n      template:\n        x: ${base64.$0}\n",
    ));
    let labels: Vec<String> = analysis
        .completions(offset)
        .into_iter()
        .map(|i| i.label)
        .collect();
    assert_eq!(labels, ["encode", "decode"]);
}

#[test]
fn kinds_and_api_versions_of_templates() {
    let (analysis, offset) = cursor(&with(
        "  resources:\n    - id: a\n      template:\n        apiVersion: apps/v1\n        kind: Dep$0\n",
    ));
    let items = analysis.completions(offset);
    let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
    assert!(labels.contains(&"Deployment"), "{labels:?}");
    assert!(
        !labels.contains(&"ConfigMap"),
        "only apps/v1 kinds: {labels:?}"
    );
    let deployment = items.iter().find(|i| i.label == "Deployment").unwrap();
    assert_eq!(deployment.detail.as_deref(), Some("apps/v1"));
    assert_eq!(
        &analysis.text()[deployment.edit.range.start..deployment.edit.range.end],
        "Dep"
    );

    let (analysis, offset) = cursor(&with(
        "  resources:\n    - id: a\n      template:\n        apiVersion: $0\n        kind: Ingress\n",
    ));
    let labels: Vec<String> = analysis
        .completions(offset)
        .into_iter()
        .map(|i| i.label)
        .collect();
    assert_eq!(labels, ["networking.k8s.io/v1"]);
}
