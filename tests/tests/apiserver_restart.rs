//! The controller across kube-apiserver restarts (every connection and watch ends; the new
//! server has the same data): one in the middle of a rollout, one in the middle of a deletion.
//! Afterwards its watches must work again — an instance updated or a child deleted once
//! everything is ACTIVE is handled within the test's patience, far sooner than the 10-minute
//! resync — and the invariants of `kro_tests::faults` hold.
//!
//! Restarting the shared API server disrupts every other test running at the time, so this
//! binary holds this one test; cargo runs test binaries one after another.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kro_tests::controller::{Served, apply, instance_manifest};
use kro_tests::faults::{CHAIN_NODES, chain_rgd, converged, restart_apiserver};
use kube::Api;
use kube::api::DeleteParams;
use serde_json::json;

/// How long the invariants may take to hold after a restart.
const SETTLE: Duration = Duration::from_secs(180);

fn instance_name(i: usize) -> String {
    format!("r{i:02}")
}

#[tokio::test]
async fn the_controller_rides_out_apiserver_restarts_during_a_rollout_and_a_deletion() {
    const N: usize = 20;
    let Served {
        client,
        ns,
        kind,
        resource,
        instances,
        controller: _controller,
        guards: _guards,
        ..
    } = Served::start(
        "faults-apiserver",
        &["--dynamic-controller-concurrent-reconciles=8"],
        false,
        chain_rgd,
    )
    .await;
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns.name());
    let write = |name: String, value: &'static str| {
        let (client, resource, kind, ns) = (&client, &resource, &kind, ns.name());
        async move {
            apply(
                client,
                resource,
                Some(ns),
                &instance_manifest(kind, &name, json!({"value": value})),
            )
            .await;
        }
    };
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    for i in 0..N {
        write(instance_name(i), "v0").await;
        expected.insert(instance_name(i), "v0".to_owned());
    }
    converged(
        &client,
        ns.name(),
        &instances,
        &CHAIN_NODES,
        &expected,
        SETTLE,
    )
    .await;

    // A rollout (every instance to v1, so every `c` is replaced) and, in its middle, the API
    // server restarts.
    for i in 0..N {
        write(instance_name(i), "v1").await;
        expected.insert(instance_name(i), "v1".to_owned());
    }
    restart_apiserver(&client).await;
    // Writes right after the restart, while the controller reconnects.
    for i in (0..N).step_by(3) {
        write(instance_name(i), "v2").await;
        expected.insert(instance_name(i), "v2".to_owned());
    }
    write("late".to_owned(), "v0").await;
    expected.insert("late".to_owned(), "v0".to_owned());
    converged(
        &client,
        ns.name(),
        &instances,
        &CHAIN_NODES,
        &expected,
        SETTLE,
    )
    .await;

    // Everything is ACTIVE, so only the controller's watches bring these to it now: an instance
    // updated, a child deleted, an instance deleted.
    write(instance_name(1), "v3").await;
    expected.insert(instance_name(1), "v3".to_owned());
    configmaps
        .delete(
            &format!("{}-a-b", instance_name(2)),
            &DeleteParams::default(),
        )
        .await
        .unwrap();
    instances
        .delete(&instance_name(4), &DeleteParams::default())
        .await
        .unwrap();
    expected.remove(&instance_name(4));
    converged(
        &client,
        ns.name(),
        &instances,
        &CHAIN_NODES,
        &expected,
        SETTLE,
    )
    .await;

    // Every instance deleted and, in the middle of the deletion, the API server restarts again.
    for name in expected.keys() {
        instances
            .delete(name, &DeleteParams::default())
            .await
            .unwrap();
    }
    expected.clear();
    restart_apiserver(&client).await;
    converged(
        &client,
        ns.name(),
        &instances,
        &CHAIN_NODES,
        &expected,
        SETTLE,
    )
    .await;
    ns.delete().await;
}
