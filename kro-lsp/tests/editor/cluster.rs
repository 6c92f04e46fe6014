//! Cluster mode against the real local control plane (tests/cluster): a custom kind's template
//! is type-checked with the CRD the cluster serves, offline it is not; an RGD's schema is
//! compared with the CRD it generated there; and an unreachable cluster is reported once while
//! the editor carries on offline.

use std::ffi::OsStr;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_tests::cleanup::DeleteOnDrop;
use kube::Api;
use kube::api::PostParams;
use serde_json::{Value, json};

use crate::client::{Client, range};

const URI: &str = "file:///work/gadgets.yaml";

/// An RGD with one template of the kind `Gadget` in `group`, whose `colour` is a typo of the
/// CRD's `color`.
fn rgd(group: &str) -> String {
    format!(
        r#"apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: gadgets
spec:
  schema:
    apiVersion: v1alpha1
    kind: GadgetApp
    spec:
      size: integer | default=1
  resources:
    - id: gadget
      template:
        apiVersion: {group}/v1
        kind: Gadget
        metadata:
          name: ${{schema.metadata.name}}
        spec:
          size: ${{schema.spec.size}}
          colour: red
"#
    )
}

/// Installs a third-party-style CRD (`Gadget` of a group unique to this test) and waits until
/// it is served; the group, and the guard that deletes the CRD.
fn install_gadget_crd() -> (String, DeleteOnDrop) {
    let group = format!("{}.example.com", kro_tests::unique_name("lsp"));
    let guard = install_crd(&gadget_crd(&group));
    (group, guard)
}

/// Creates `crd` and waits until it is served; the guard that deletes it.
fn install_crd(crd: &CustomResourceDefinition) -> DeleteOnDrop {
    let name = crd.metadata.name.clone().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = kro_tests::client().await;
        let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
        crds.create(&PostParams::default(), crd)
            .await
            .expect("create the CRD");
        kro_tests::wait::crd_established(&client, &name).await;
    });
    DeleteOnDrop::cluster_scoped::<CustomResourceDefinition>(&name)
}

/// The CRD of the kind `Gadget` in `group`: `spec.size` and `spec.color`.
fn gadget_crd(group: &str) -> CustomResourceDefinition {
    let name = format!("gadgets.{group}");
    serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": name},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"kind": "Gadget", "plural": "gadgets", "singular": "gadget", "listKind": "GadgetList"},
            "versions": [{
                "name": "v1",
                "served": true,
                "storage": true,
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {"spec": {
                        "type": "object",
                        "properties": {
                            "size": {"type": "integer"},
                            "color": {"type": "string"},
                        },
                    }},
                }},
            }],
        },
    }))
    .unwrap()
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

fn has_code(code: &'static str) -> impl Fn(&[Value]) -> bool {
    move |diagnostics| codes(diagnostics).contains(&code)
}

fn kubeconfig() -> std::path::PathBuf {
    kro_tests::cluster::admin_kubeconfig()
}

#[test]
fn cluster_mode_type_checks_templates_of_the_clusters_crds() {
    let (group, _crd) = install_gadget_crd();
    let text = rgd(&group);
    let config = kubeconfig();
    let mut client = Client::start_with_env(
        json!({"clusterMode": true, "clusterContext": "kro-test"}),
        &[("KUBECONFIG", config.as_os_str())],
    );
    client.open(URI, &text);
    let log = client.notification("window/logMessage", |p| {
        p["message"].as_str().unwrap().contains("cluster mode")
    });
    assert_eq!(log["type"], 3, "{log}"); // info, not a warning
    assert!(
        log["message"]
            .as_str()
            .unwrap()
            .contains("of context kro-test"),
        "{log}"
    );
    // Published again once the schemas arrived: the typo is found.
    let published = client.diagnostics_until(URI, has_code("template-unknown-field"));
    let typo = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "template-unknown-field")
        .unwrap();
    assert_eq!(typo["range"], range(&text, "colour", 0));
    assert!(
        typo["message"].as_str().unwrap().contains("color"),
        "{typo}"
    );
    assert!(
        !codes(published["diagnostics"].as_array().unwrap()).contains(&"kind-schema-unknown"),
        "{published}"
    );
    // Inlay hints (status types) may change with the schemas: the editor is asked to refresh.
    client.notification("workspace/inlayHint/refresh", |_| true);
}

#[test]
fn offline_the_kind_is_unchecked_until_cluster_mode_is_turned_on() {
    let (group, _crd) = install_gadget_crd();
    let text = rgd(&group);
    let config = kubeconfig();
    let mut client = Client::start_with_env(json!({}), &[("KUBECONFIG", config.as_os_str())]);
    client.open(URI, &text);
    let offline = client.diagnostics(URI);
    let offline = offline["diagnostics"].as_array().unwrap();
    assert_eq!(codes(offline), ["kind-schema-unknown"], "{offline:?}");

    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"kro": {"clusterMode": true, "clusterContext": "kro-test"}}}),
    );
    let published = client.diagnostics_until(URI, has_code("template-unknown-field"));
    assert_eq!(published["version"], 1, "the same text, analysed again");

    // Off again: back to offline.
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"kro": {"clusterMode": false}}}),
    );
    client.diagnostics_until(URI, has_code("kind-schema-unknown"));
}

#[test]
fn cluster_mode_finds_breaking_changes_against_the_crd_the_rgd_generated() {
    let name = kro_tests::unique_name("lsp-break");
    let kind = format!("Lsp{}", name.replace('-', ""));
    let text = format!(
        "apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: {name}
spec:
  schema:
    apiVersion: v1alpha1
    kind: {kind}
    group: lsp.example.com
    spec:
      size: integer
      color: string
  resources: []
"
    );
    // The CRD the RGD generated when it was applied, as the controller labels it.
    let file = kro_core::compile::compile_file(&text, &kro_core::compile::Options::default());
    let owner = kro_core::schema::Ownership {
        rgd_name: Some(name.clone()),
        ..Default::default()
    };
    let crd = serde_json::from_value(file.rgds[0].crd(&owner)).unwrap();
    let _crd = install_crd(&crd);

    let config = kubeconfig();
    let mut client = Client::start_with_env(
        json!({"clusterMode": true, "clusterContext": "kro-test"}),
        &[("KUBECONFIG", config.as_os_str())],
    );
    // `size` becomes a string: existing instances would no longer validate.
    let changed = text.replace("size: integer", "size: string");
    client.open(URI, &changed);
    let published = client.diagnostics_until(URI, has_code("schema-breaking-change"));
    let diagnostics = published["diagnostics"].as_array().unwrap();
    assert_eq!(
        codes(diagnostics),
        ["schema-breaking-change"],
        "{published}"
    );
    assert_eq!(diagnostics[0]["range"], range(&changed, "size", 0));
    // Undo the change: the diagnostic goes.
    client.change(URI, 2, range(&changed, "string", 0), "integer");
    let published = client.diagnostics_of_version(URI, 2);
    assert_eq!(published["diagnostics"], json!([]));
}

#[test]
fn an_unreachable_cluster_is_logged_and_the_editor_carries_on_offline() {
    let dir = std::env::temp_dir().join(kro_tests::unique_name("kro-lsp-kubeconfig"));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    // Nothing listens on port 1.
    std::fs::write(
        &config,
        "apiVersion: v1
kind: Config
clusters:
  - name: nowhere
    cluster: {server: \"https://127.0.0.1:1\", insecure-skip-tls-verify: true}
users:
  - name: nobody
    user: {token: abc}
contexts:
  - name: nowhere
    context: {cluster: nowhere, user: nobody}
current-context: nowhere
",
    )
    .unwrap();
    let mut client = Client::start_with_env(
        json!({"cluster": {"enabled": true}}),
        &[("KUBECONFIG", OsStr::new(&config))],
    );
    client.open(URI, &rgd("gadgets.example.com"));
    let log = client.notification("window/logMessage", |p| {
        p["message"].as_str().unwrap().contains("cluster mode")
    });
    assert_eq!(log["type"], 2, "a warning: {log}");
    let message = log["message"].as_str().unwrap();
    assert!(
        message.contains("cannot list CRDs at https://127.0.0.1:1"),
        "{message}"
    );
    assert!(message.contains("offline"), "{message}");
    let published = client.diagnostics(URI);
    assert_eq!(
        codes(published["diagnostics"].as_array().unwrap()),
        ["kind-schema-unknown"]
    );
    // Requests are answered meanwhile.
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": URI}}),
    );
    assert_eq!(symbols[0]["name"], "gadgets");
    assert!(client.shutdown().success());
    let _ = std::fs::remove_dir_all(dir);
}
