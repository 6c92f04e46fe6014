//! The plugin's commands that read the cluster, against the real control plane:
//! `graph RGD-NAME` draws an RGD read from the cluster, and `validate --against-cluster`
//! type-checks custom kinds with the cluster's CRDs and reports breaking changes to a CRD an
//! RGD already generated — before the controller would refuse them.

use std::path::PathBuf;
use std::process::Output;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_tests::cleanup::DeleteOnDrop;
use kro_tests::cluster::admin_kubeconfig;
use kro_tests::controller::{Controller, apply_rgd_and_wait_active, install_rgd_crd, rgd_guards};
use kro_tests::{client, kubectl_kro, unique_name, wait};
use kube::Api;
use kube::api::PostParams;
use serde_json::json;

/// Runs the built `kubectl-kro` against the test cluster.
fn run(args: &[&str]) -> Output {
    let kubeconfig = admin_kubeconfig();
    std::process::Command::new(kubectl_kro())
        .args(args)
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .output()
        .expect("kubectl-kro runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Writes `contents` to a file of its own and returns its path.
fn write(name: &str, contents: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(unique_name("plugin"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.display().to_string()
}

/// An RGD in YAML: a ConfigMap and a Deployment using it, and the given spec fields and
/// annotations.
fn rgd_yaml(name: &str, kind: &str, annotations: &str, spec_fields: &str) -> String {
    format!(
        r#"apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: {name}
  labels:
    kro-test: {name}
  annotations:
    example.com/note: "a test"{annotations}
spec:
  schema:
    apiVersion: v1alpha1
    kind: {kind}
    spec:
{spec_fields}
  resources:
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${{schema.spec.name}}-config
        data:
          replicas: "${{string(schema.spec.replicas)}}"
    - id: deployment
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ${{schema.spec.name}}
        spec:
          replicas: 1
          selector:
            matchLabels:
              app: ${{config.metadata.name}}
          template:
            metadata:
              labels:
                app: ${{config.metadata.name}}
            spec:
              containers:
                - name: app
                  image: nginx
"#
    )
}

const FIELDS: &str =
    "      name: string\n      replicas: integer | default=1\n      size: string | default=small";

#[tokio::test]
async fn graph_reads_rgds_from_the_cluster_and_validate_catches_breaking_changes() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let name = unique_name("plugin-graph");
    let kind = format!(
        "Plug{}",
        name.replace('-', "").trim_start_matches("plugingraph")
    );
    let _controller = Controller::start(&name, &[]);
    let _guards = rgd_guards(&name, &kind);
    let original = rgd_yaml(&name, &kind, "", FIELDS);
    let manifest: serde_json::Value = serde_saphyr::from_str(&original).unwrap();
    apply_rgd_and_wait_active(&client, &manifest).await;

    // graph NAME: the RGD as the cluster has it, in every format.
    let out = run(&["graph", &name]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ascii = text(&out.stdout);
    assert!(
        ascii.contains("config") && ascii.contains("deployment"),
        "{ascii}"
    );
    let offline = write("rgd.yaml", &original);
    let from_file = run(&["graph", &offline]);
    assert_eq!(
        text(&from_file.stdout),
        ascii,
        "the same drawing as from the file"
    );
    let out = run(&["graph", &name, "-o", "json"]);
    let views: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(views[0]["name"], json!(name));
    assert_eq!(
        views[0]["topologicalOrder"],
        json!(["config", "deployment"])
    );
    let out = run(&["graph", &name, "-o", "mermaid"]);
    assert!(
        text(&out.stdout).starts_with("flowchart"),
        "{}",
        text(&out.stdout)
    );
    let missing = unique_name("no-such-rgd");
    let out = run(&["graph", &missing]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(&format!(
            "no file named {missing} and no ResourceGraphDefinition {missing} in the cluster"
        )),
        "{}",
        text(&out.stderr)
    );

    // The same RGD against its own CRD: nothing breaks.
    let out = run(&["validate", "--against-cluster", &offline]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("valid against the cluster at https://"));

    // A field removed and a type changed: errors at the fields, as the controller would refuse.
    let changed_fields = "      name: string\n      replicas: string | default=one";
    let changed = write("changed.yaml", &rgd_yaml(&name, &kind, "", changed_fields));
    let offline_check = run(&["validate", &changed]);
    assert_eq!(
        offline_check.status.code(),
        Some(0),
        "offline nothing to compare"
    );
    let out = run(&["validate", "--against-cluster", &changed]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let breaking: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("error[schema-breaking-change]"))
        .collect();
    assert_eq!(breaking.len(), 2, "{stdout}");
    let replicas_line = rgd_yaml(&name, &kind, "", changed_fields)
        .lines()
        .position(|l| l.trim_start().starts_with("replicas: string"))
        .unwrap()
        + 1;
    assert!(
        breaking
            .iter()
            .any(|l| l.starts_with(&format!("{changed}:{replicas_line}:7: "))
                && l.contains("replicas")),
        "{stdout}"
    );
    assert!(breaking.iter().any(|l| l.contains("size")), "{stdout}");
    let out = run(&["validate", "--against-cluster", "-o", "json", &changed]);
    let problems: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(problems[0]["code"], "schema-breaking-change");

    // Allowed by the annotation: valid, with a note.
    let allowed = write(
        "allowed.yaml",
        &rgd_yaml(
            &name,
            &kind,
            "\n    kro.run/allow-breaking-changes: \"true\"",
            changed_fields,
        ),
    );
    let out = run(&["validate", "--against-cluster", &allowed]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("note: breaking changes to CRD")
            && text(&out.stderr).contains("allowed by kro.run/allow-breaking-changes"),
        "{}",
        text(&out.stderr)
    );

    // Another RGD generating the same kind: the CRD is not its to change.
    let other = unique_name("plugin-other");
    let thief = write("other.yaml", &rgd_yaml(&other, &kind, "", FIELDS));
    let out = run(&["validate", "--against-cluster", &thief]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(&format!("belongs to RGD {name}")),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn validate_against_the_cluster_type_checks_custom_kinds() {
    let client = client().await;
    let group = format!("{}.example.com", unique_name("widgets"));
    let crd_name = format!("widgets.{group}");
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd: CustomResourceDefinition = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": crd_name},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {"spec": {
                        "type": "object",
                        "properties": {"size": {"type": "integer"}, "color": {"type": "string"}}
                    }}
                }}
            }]
        }
    }))
    .unwrap();
    let _crd = DeleteOnDrop::cluster_scoped::<CustomResourceDefinition>(&crd_name);
    crds.create(&PostParams::default(), &crd).await.unwrap();
    wait::crd_established(&client, &crd_name).await;

    let rgd = |field: &str| {
        format!(
            r#"apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: uses-widget
spec:
  schema:
    apiVersion: v1alpha1
    kind: UsesWidget
    spec:
      size: integer | default=1
  resources:
    - id: widget
      template:
        apiVersion: {group}/v1
        kind: Widget
        metadata:
          name: w
        spec:
          {field}: ${{schema.spec.size}}
"#
        )
    };
    let typo = write("typo.yaml", &rgd("sizee"));
    // Offline the kind is unknown, so the typo goes unnoticed.
    let out = run(&["validate", &typo]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("kind-schema-unknown"),
        "{}",
        text(&out.stdout)
    );
    // Against the cluster the Widget's schema is known: the typo is an error at its line.
    let out = run(&["validate", "--against-cluster", &typo]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let error = stdout
        .lines()
        .find(|l| l.contains(": error["))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        error.starts_with(&format!("{typo}:19:11: error[")),
        "{error}"
    );
    assert!(error.contains("sizee"), "{error}");
    assert!(!stdout.contains("kind-schema-unknown"), "{stdout}");
    // The right field passes; a value of the wrong type for another field does not.
    let fixed = write("fixed.yaml", &rgd("size"));
    let out = run(&["validate", "--against-cluster", &fixed]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let wrong_type = write("wrong-type.yaml", &rgd("color"));
    let out = run(&["validate", "--against-cluster", &wrong_type]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).starts_with(&format!("{wrong_type}:19:")),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stdout).contains("error[cel-type-mismatch]"),
        "{}",
        text(&out.stdout)
    );
}
