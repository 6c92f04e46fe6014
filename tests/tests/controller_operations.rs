//! The controller's behaviour as an operator sees it, against the real control plane: a steady
//! instance costs no API writes when it is resynced, a child the API server refuses is reported
//! in the instance's status (and fixed by fixing the instance), and the metrics families are
//! served after work was done.

use std::time::Duration;

use kro_tests::controller::{Served, apply, condition, state, wait_instance_active};
use kro_tests::wait;
use kube::api::Api;
use serde_json::{Value as Json, json};

/// An RGD with a ConfigMap, a Secret and a Deployment that waits for both.
fn manifest(name: &str, kind: &str) -> Json {
    json!({
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": {"name": name, "labels": {"kro-test": name}},
        "spec": {
            "schema": {
                "apiVersion": "v1alpha1",
                "kind": kind,
                "spec": {"name": "string", "password": "string | default=\"hunter2\""},
                "status": {"available": "${deployment.status.?availableReplicas.orValue(0)}"}
            },
            "resources": [
                {"id": "config", "template": {
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "${schema.spec.name}-config"},
                    "data": {"greeting": "hello"}
                }},
                {"id": "secret", "template": {
                    "apiVersion": "v1", "kind": "Secret",
                    "metadata": {"name": "${schema.spec.name}-secret"},
                    "stringData": {"password": "${schema.spec.password}"}
                }},
                {"id": "deployment",
                 "readyWhen": ["${deployment.status.?availableReplicas.orValue(0) >= 1}"],
                 "template": {
                    "apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": "${schema.spec.name}"},
                    "spec": {
                        "replicas": 1,
                        "selector": {"matchLabels": {"app": "${schema.spec.name}"}},
                        "template": {
                            "metadata": {"labels": {"app": "${schema.spec.name}"}},
                            "spec": {"containers": [{
                                "name": "app", "image": "nginx",
                                "env": [
                                    {"name": "CONFIG", "value": "${config.metadata.name}"},
                                    {"name": "SECRET", "value": "${secret.metadata.name}"}
                                ]
                            }]}
                        }
                    }
                }}
            ]
        }
    })
}

fn is_write(labels: &str) -> bool {
    ["POST", "PUT", "PATCH", "DELETE"]
        .iter()
        .any(|m| labels.contains(&format!("method=\"{m}\"")))
}

#[tokio::test]
async fn a_steady_instance_is_resynced_without_writes() {
    let Served {
        client,
        ns,
        kind,
        resource,
        instances,
        controller,
        guards: _guards,
        ..
    } = Served::start(
        "ctl-steady",
        &["--instance-resync-interval=1s"],
        true,
        manifest,
    )
    .await;
    apply(
        &client,
        &resource,
        Some(ns.name()),
        &json!({"apiVersion": "kro.run/v1alpha1", "kind": kind, "metadata": {"name": "calm"}, "spec": {"name": "calm"}}),
    )
    .await;
    wait_instance_active(&instances, "calm").await;

    // Let the last status write and the Deployment's own status updates settle: writes stop.
    let settled = wait::until(
        "the controller's writes to settle",
        wait::TIMEOUT,
        || async {
            let before = controller
                .metric_sum("rest_client_requests_total", is_write)
                .await;
            tokio::time::sleep(Duration::from_secs(2)).await;
            let after = controller
                .metric_sum("rest_client_requests_total", is_write)
                .await;
            if before == after {
                Ok(after)
            } else {
                Err(format!("{before} → {after} writes"))
            }
        },
    )
    .await;
    let reconciles = |labels: &str| labels.contains(&kind);
    let reconciled_before = controller
        .metric_sum("instance_reconcile_total", reconciles)
        .await;

    // Several resyncs (one a second) later: reconciled again, and not one more write.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let reconciled_after = controller
        .metric_sum("instance_reconcile_total", reconciles)
        .await;
    let writes = controller
        .metric_sum("rest_client_requests_total", is_write)
        .await;
    assert!(
        reconciled_after >= reconciled_before + 3.0,
        "the instance was resynced ({reconciled_before} → {reconciled_after} reconciles)"
    );
    assert_eq!(writes, settled, "API writes during steady-state resyncs");
    let live = instances.get("calm").await.unwrap();
    assert_eq!(state(&live), Some("ACTIVE"));
    ns.delete().await;
}

#[tokio::test]
async fn a_child_the_api_server_refuses_is_reported_in_the_status() {
    let Served {
        client,
        ns,
        kind,
        resource,
        instances,
        controller,
        guards: _guards,
        ..
    } = Served::start("ctl-refused", &[], true, manifest).await;
    // Upper case is not allowed in object names: the API server refuses every child.
    let instance = |child_name: &str| json!({"apiVersion": "kro.run/v1alpha1", "kind": kind, "metadata": {"name": "web"}, "spec": {"name": child_name}});
    apply(&client, &resource, Some(ns.name()), &instance("Web")).await;
    let ready = wait::until(
        "Ready=False naming the refused child",
        wait::TIMEOUT,
        || async {
            let o = instances.get("web").await.map_err(|e| e.to_string())?;
            match (state(&o), condition(&o, "Ready")) {
                (Some("ERROR"), Some(c)) if c["status"] == "False" => Ok(c.clone()),
                (s, c) => Err(format!("state {s:?}, Ready {c:?}")),
            }
        },
    )
    .await;
    let message = ready["message"].as_str().unwrap();
    assert!(
        message.contains("config: the API server refused it") && message.contains("Web-config"),
        "{message}"
    );
    assert!(
        message.contains("secret: the API server refused it"),
        "independent resources are tried too: {message}"
    );
    let live = instances.get("web").await.unwrap();
    let resources_ready = condition(&live, "ResourcesReady").expect("ResourcesReady");
    let waiting = resources_ready["message"].as_str().unwrap();
    assert!(
        waiting.contains("deployment: waiting for its dependency: `config` failed"),
        "{waiting}"
    );
    // The failed reconciles are counted as errors.
    let errors = controller
        .metric_sum("instance_reconcile_errors_total", |l| l.contains(&kind))
        .await;
    assert!(errors >= 1.0, "instance_reconcile_errors_total = {errors}");

    // …and announced by a Warning event on the instance.
    let events: Api<k8s_openapi::api::events::v1::Event> =
        Api::namespaced(client.clone(), ns.name());
    let event = wait::until("a Warning event on the instance", wait::TIMEOUT, || async {
        let list = events
            .list(&Default::default())
            .await
            .map_err(|e| e.to_string())?;
        list.items
            .into_iter()
            .find(|e| {
                e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("web")
                    && e.type_.as_deref() == Some("Warning")
            })
            .ok_or_else(|| "no event yet".to_owned())
    })
    .await;
    assert_eq!(event.reason.as_deref(), Some("StateChanged"));
    let note = event.note.unwrap_or_default();
    assert!(
        note.contains("ERROR") && note.contains("Web-config"),
        "{note}"
    );

    // Fixing the instance fixes the children.
    apply(&client, &resource, Some(ns.name()), &instance("web")).await;
    wait_instance_active(&instances, "web").await;
    ns.delete().await;
}

#[tokio::test]
async fn the_metrics_families_are_served_after_work() {
    let Served {
        client,
        ns,
        kind,
        resource,
        instances,
        controller,
        guards: _guards,
        ..
    } = Served::start("ctl-metrics", &[], true, manifest).await;
    apply(
        &client,
        &resource,
        Some(ns.name()),
        &json!({"apiVersion": "kro.run/v1alpha1", "kind": kind, "metadata": {"name": "m"}, "spec": {"name": "m"}}),
    )
    .await;
    wait_instance_active(&instances, "m").await;

    let text = controller.metrics().await;
    let gvk = |l: &str| l.contains(&format!("gvk=\"kro.run/v1alpha1/{kind}\""));
    let sum = |family: &str, filter: &dyn Fn(&str) -> bool| {
        kro_tests::controller::sum_samples(&text, family, filter)
    };
    assert!(sum("instance_reconcile_total", &gvk) >= 1.0, "{text}");
    assert!(sum("instance_reconcile_duration_seconds_count", &gvk) >= 1.0);
    assert!(sum("cel_expr_eval_total", &gvk) >= 1.0);
    assert!(
        sum("instance_state_transitions_total", &|l: &str| gvk(l)
            && l.contains("to=\"ACTIVE\""))
            >= 1.0
    );
    assert!(
        sum("rgd_graph_build_total", &|l: &str| l
            .contains("result=\"success\""))
            >= 1.0
    );
    assert!(sum("rgd_graph_build_duration_seconds_count", &|_: &str| true) >= 1.0);
    assert!(
        sum("rest_client_requests_total", &|l: &str| l
            .contains("method=\"PATCH\""))
            >= 1.0
    );
    // The queue gauge is back to zero once the work is done.
    wait::until("the queue gauge to read 0", wait::TIMEOUT, || async {
        let text = controller.metrics().await;
        let line = text
            .lines()
            .find(|l| l.starts_with("dynamic_controller_queue_length{") && gvk(l))
            .map(str::to_owned);
        match line {
            Some(l) if l.ends_with(" 0") => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    ns.delete().await;
}
