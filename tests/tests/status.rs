//! `kubectl kro status` as users run it — through the real `kubectl`, which finds the plugin on
//! PATH — against the real control plane with the controller running: an instance held back
//! by a readyWhen shows the tree of its children, names the blocking resource and the value
//! its readyWhen saw, and exits 1; once it can become ready, status says ACTIVE and exits 0.
//! The list views, `-o json` and `--watch` are checked on the same instance.

use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kro_tests::cluster::admin_kubeconfig;
use kro_tests::controller::{
    Controller, apply, apply_rgd_and_wait_active, generated_kind, install_rgd_crd, rgd_guards,
    state, wait_instance_active,
};
use kro_tests::{TestNamespace, client, kubectl_kro, unique_name, wait};
use kube::Api;
use kube::api::{DeleteParams, DynamicObject, Patch, PatchParams};
use serde_json::{Value as Json, json};
use tokio::io::AsyncReadExt;

/// An RGD whose Deployment is ready only when the instance says `go: "yes"` (the readyWhen
/// reads an annotation the template copies from the spec), a ConfigMap that waits for the
/// Deployment, and a ConfigMap excluded unless `extra` is true.
fn manifest(name: &str, kind: &str) -> Json {
    json!({
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": {"name": name, "labels": {"kro-test": name}},
        "spec": {
            "schema": {
                "apiVersion": "v1alpha1",
                "kind": kind,
                "spec": {
                    "name": "string",
                    "go": "string | default=no",
                    "extra": "boolean | default=false"
                }
            },
            "resources": [
                {
                    "id": "deployment",
                    "readyWhen": ["${deployment.metadata.annotations.go == \"yes\"}"],
                    "template": {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "metadata": {
                            "name": "${schema.spec.name}",
                            "annotations": {"go": "${schema.spec.go}"}
                        },
                        "spec": {
                            "replicas": 1,
                            "selector": {"matchLabels": {"app": "${schema.spec.name}"}},
                            "template": {
                                "metadata": {"labels": {"app": "${schema.spec.name}"}},
                                "spec": {"containers": [{"name": "app", "image": "nginx"}]}
                            }
                        }
                    }
                },
                {
                    "id": "config",
                    "template": {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "metadata": {"name": "${deployment.metadata.name}-config"},
                        "data": {"ready": "yes"}
                    }
                },
                {
                    "id": "extra",
                    "includeWhen": ["${schema.spec.extra}"],
                    "template": {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "metadata": {"name": "${schema.spec.name}-extra"},
                        "data": {"extra": "yes"}
                    }
                }
            ]
        }
    })
}

/// PATH with the directory of the built `kubectl-kro` first, so `kubectl kro` finds it.
fn plugin_path() -> std::ffi::OsString {
    let dir: PathBuf = kubectl_kro().parent().expect("a directory").to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(dir).chain(std::env::split_paths(&rest)))
        .expect("a valid PATH")
}

/// `kubectl kro <args>` through the real kubectl.
fn kubectl(args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new("kubectl");
    command
        .arg("kro")
        .args(args)
        .env("PATH", plugin_path())
        .env("KUBECONFIG", admin_kubeconfig())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

async fn kubectl_kro_status(args: &[&str]) -> Output {
    let mut all = vec!["status"];
    all.extend_from_slice(args);
    kubectl(&all).output().await.expect("kubectl runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The line of the tree that shows resource `id`.
fn row<'a>(out: &'a str, id: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(['├', '└']) && l.split_whitespace().any(|w| w == id))
        .unwrap_or_else(|| panic!("no row for {id} in:\n{out}"))
}

#[tokio::test]
async fn status_explains_a_blocked_instance_then_reports_it_active() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let ns = TestNamespace::create(&client, "status").await;
    let name = unique_name("status");
    let kind = format!(
        "Status{}",
        name.replace('-', "").trim_start_matches("status")
    );
    let resource = generated_kind(&kind);
    let _controller = Controller::start(&name, &[]);
    let _guards = rgd_guards(&name, &kind);
    apply_rgd_and_wait_active(&client, &manifest(&name, &kind)).await;

    let instances: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns.name(), &resource);
    apply(
        &client,
        &resource,
        Some(ns.name()),
        &json!({"apiVersion": "kro.run/v1alpha1", "kind": kind, "metadata": {"name": "shop"}, "spec": {"name": "shop"}}),
    )
    .await;
    // The controller has created the Deployment and reported the instance in progress.
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ns.name());
    wait::until("the Deployment and IN_PROGRESS", wait::TIMEOUT, || async {
        let deployment = deployments
            .get_opt("shop")
            .await
            .map_err(|e| e.to_string())?;
        let instance = instances.get("shop").await.map_err(|e| e.to_string())?;
        match (deployment, state(&instance)) {
            (Some(_), Some("IN_PROGRESS")) => Ok(()),
            (d, s) => Err(format!("deployment exists: {}, state {s:?}", d.is_some())),
        }
    })
    .await;

    // Blocked: the tree in graph order names the Deployment, its readyWhen and the value seen;
    // the ConfigMap waits for it; the excluded one says why.
    let target = format!("{}/shop", kind.to_lowercase());
    let out = kubectl_kro_status(&[&target, "-n", ns.name()]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.starts_with(&format!(
            "{kind}/shop in namespace {} (RGD {name}): IN_PROGRESS\n",
            ns.name()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nReady "),
        "the conditions are listed:\n{stdout}"
    );
    let ids: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with(['├', '└']))
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    assert_eq!(ids, ["deployment", "config", "extra"], "{stdout}");
    let deployment = row(&stdout, "deployment");
    assert!(
        deployment.starts_with("├─ Deployment/shop "),
        "{deployment}"
    );
    assert!(deployment.contains(" False "), "{deployment}");
    assert!(
        deployment.contains(
            "readyWhen `${deployment.metadata.annotations.go == \"yes\"}` is false (deployment.metadata.annotations.go = \"no\")"
        ),
        "{deployment}"
    );
    let config = row(&stdout, "config");
    assert!(
        config.contains("waiting for its dependency: `deployment` is not ready"),
        "{config}"
    );
    let extra = row(&stdout, "extra");
    assert!(
        extra.contains("excluded: includeWhen `${schema.spec.extra}` is false"),
        "{extra}"
    );

    // The same as JSON, in the documented shape.
    let out = kubectl_kro_status(&[&kind, "shop", "-n", ns.name(), "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["instance"]["state"], "IN_PROGRESS");
    assert_eq!(doc["instance"]["ready"], false);
    assert_eq!(doc["instance"]["rgd"], json!(name));
    assert_eq!(doc["resources"][0]["id"], "deployment");
    assert_eq!(doc["resources"][0]["phase"], "resolved");
    assert_eq!(doc["resources"][0]["ready"], false);
    assert_eq!(doc["resources"][0]["objects"][0]["name"], "shop");
    assert_eq!(doc["resources"][0]["objects"][0]["exists"], true);
    assert_eq!(doc["resources"][1]["phase"], "pending");
    assert_eq!(doc["resources"][2]["phase"], "excluded");
    assert_eq!(doc["resources"][2]["ready"], Json::Null);

    // Watch while it becomes ready: successive snapshots, the last one ACTIVE.
    let mut watch = kubectl(&[
        "status",
        &target,
        "-n",
        ns.name(),
        "--watch",
        "--interval",
        "1",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("kubectl kro status --watch starts");
    let seen = Arc::new(Mutex::new(String::new()));
    let mut pipe = watch.stdout.take().expect("stdout");
    let sink = seen.clone();
    let reader = tokio::spawn(async move {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buffer).await {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&text(&buffer[..n]));
        }
    });
    wait::until("the watch to show the instance", wait::TIMEOUT, || async {
        let seen = seen.lock().unwrap().clone();
        if seen.contains("IN_PROGRESS") {
            Ok(())
        } else {
            Err(seen)
        }
    })
    .await;

    instances
        .patch(
            "shop",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"go": "yes", "extra": true}})),
        )
        .await
        .unwrap();
    wait_instance_active(&instances, "shop").await;
    let header = format!("{kind}/shop in namespace {} (RGD {name}): ", ns.name());
    let watched = wait::until("the watch to show ACTIVE", wait::TIMEOUT, || async {
        let seen = seen.lock().unwrap().clone();
        if seen.contains(&format!("{header}ACTIVE")) {
            Ok(seen)
        } else {
            Err(seen)
        }
    })
    .await;
    let _ = watch.kill().await;
    let _ = reader.await;
    let first = watched
        .find(&format!("{header}IN_PROGRESS"))
        .expect("first snapshot");
    let last = watched
        .find(&format!("{header}ACTIVE"))
        .expect("last snapshot");
    assert!(first < last, "{watched}");

    // Ready: ACTIVE, every child ready, exit 0.
    let out = kubectl_kro_status(&[&target, "-n", ns.name()]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.starts_with(&format!("{header}ACTIVE\n")), "{stdout}");
    for (id, object) in [
        ("deployment", "Deployment/shop"),
        ("config", "ConfigMap/shop-config"),
        ("extra", "ConfigMap/shop-extra"),
    ] {
        let line = row(&stdout, id);
        assert!(line.contains(object), "{line}");
        assert!(line.trim_end().ends_with(" True    Ready"), "{line}");
    }

    // The list views: the RGD with its instance counts, the instance with its state.
    let plural = resource.plural.clone();
    let out = kubectl_kro_status(&[&plural, "-n", ns.name()]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let rgd_row = stdout
        .lines()
        .find(|l| l.starts_with(&name))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(
        rgd_row.split_whitespace().collect::<Vec<_>>(),
        [name.as_str(), kind.as_str(), "Active", "1", "ACTIVE"]
    );
    assert!(stdout.contains("KIND "), "{stdout}");
    assert!(!stdout.contains("NAMESPACE"), "{stdout}");
    let out = kubectl_kro_status(&[&kind, "-A"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let instance_row = stdout
        .lines()
        .find(|l| l.starts_with(ns.name()))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(
        instance_row.split_whitespace().collect::<Vec<_>>(),
        [ns.name(), kind.as_str(), "shop", "ACTIVE", "True"]
    );
    let out = kubectl_kro_status(&[&kind, "-A", "-o", "json"]).await;
    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["rgds"][0]["instances"], json!({"ACTIVE": 1}));
    assert_eq!(doc["instances"][0]["namespace"], json!(ns.name()));

    // Unknown names are usage errors.
    let out = kubectl_kro_status(&[&format!("{kind}/nope"), "-n", ns.name()]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(&format!("{kind}/nope not found in namespace {}", ns.name())),
        "{}",
        text(&out.stderr)
    );
    let out = kubectl_kro_status(&["nosuchkind/shop", "-n", ns.name()]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no ResourceGraphDefinition defines a kind \"nosuchkind\""),
        "{}",
        text(&out.stderr)
    );

    // Delete the instance while the controller still runs, so its finalizer is removed.
    instances
        .delete("shop", &DeleteParams::default())
        .await
        .unwrap();
    wait::until(
        "the instance to be gone",
        Duration::from_secs(60),
        || async {
            match instances.get_opt("shop").await.map_err(|e| e.to_string())? {
                None => Ok(()),
                Some(o) => Err(format!("{:?}", o.data.get("status"))),
            }
        },
    )
    .await;
}

#[tokio::test]
async fn status_names_a_missing_external_reference_until_it_exists() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let ns = TestNamespace::create(&client, "status-ext").await;
    let name = unique_name("status-ext");
    let kind = format!(
        "Ext{}",
        name.replace('-', "").trim_start_matches("statusext")
    );
    let resource = generated_kind(&kind);
    let _controller = Controller::start(&name, &[]);
    let _guards = rgd_guards(&name, &kind);
    apply_rgd_and_wait_active(
        &client,
        &json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": "ResourceGraphDefinition",
            "metadata": {"name": name, "labels": {"kro-test": name}},
            "spec": {
                "schema": {"apiVersion": "v1alpha1", "kind": kind, "spec": {"name": "string"}},
                "resources": [
                    {
                        "id": "settings",
                        "externalRef": {
                            "apiVersion": "v1",
                            "kind": "ConfigMap",
                            "metadata": {"name": "shared-settings"}
                        }
                    },
                    {
                        "id": "copy",
                        "template": {
                            "apiVersion": "v1",
                            "kind": "ConfigMap",
                            "metadata": {"name": "${schema.spec.name}-copy"},
                            "data": {"value": "${settings.data.value}"}
                        }
                    }
                ]
            }
        }),
    )
    .await;
    let instances: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns.name(), &resource);
    apply(
        &client,
        &resource,
        Some(ns.name()),
        &json!({"apiVersion": "kro.run/v1alpha1", "kind": kind, "metadata": {"name": "app"}, "spec": {"name": "app"}}),
    )
    .await;
    wait::until("IN_PROGRESS", wait::TIMEOUT, || async {
        let instance = instances.get("app").await.map_err(|e| e.to_string())?;
        match state(&instance) {
            Some("IN_PROGRESS") => Ok(()),
            s => Err(format!("{s:?}")),
        }
    })
    .await;

    let target = format!("{kind}/app");
    let out = kubectl_kro_status(&[&target, "-n", ns.name()]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let settings = row(&stdout, "settings");
    assert!(
        settings.starts_with("├─ ConfigMap/shared-settings (external) "),
        "{settings}"
    );
    assert!(
        settings.contains(&format!(
            "waiting for the external ConfigMap {}/shared-settings to exist",
            ns.name()
        )),
        "{settings}"
    );
    let copy = row(&stdout, "copy");
    assert!(
        copy.contains("waiting for its dependency: `settings`"),
        "{copy}"
    );

    // Once the referenced object exists the instance resolves and status says so.
    let configmaps: Api<k8s_openapi::api::core::v1::ConfigMap> =
        Api::namespaced(client.clone(), ns.name());
    configmaps
        .create(
            &Default::default(),
            &serde_json::from_value(json!({
                "metadata": {"name": "shared-settings"},
                "data": {"value": "42"}
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    wait_instance_active(&instances, "app").await;
    let out = kubectl_kro_status(&[&target, "-n", ns.name(), "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["resources"][0]["id"], "settings");
    assert_eq!(doc["resources"][0]["external"], true);
    assert_eq!(doc["resources"][0]["ready"], true);
    assert_eq!(doc["resources"][0]["objects"][0]["exists"], true);
    assert_eq!(doc["resources"][1]["objects"][0]["name"], "app-copy");
    assert_eq!(doc["resources"][1]["ready"], true);

    instances
        .delete("app", &DeleteParams::default())
        .await
        .unwrap();
    wait::until(
        "the instance to be gone",
        Duration::from_secs(60),
        || async {
            match instances.get_opt("app").await.map_err(|e| e.to_string())? {
                None => Ok(()),
                Some(o) => Err(format!("{:?}", o.data.get("status"))),
            }
        },
    )
    .await;
}
