//! The controller under interruption, observed from the API server's side: deletion goes wave
//! by wave (each wave gone before the next gets a deletionTimestamp), a controller killed in
//! the middle of a rollout converges after a restart with no duplicate or orphaned child, and
//! leader election hands over on a crash and on a graceful shutdown.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::ConfigMap;
use kro_tests::controller::{
    Controller, Served, apply, apply_rgd_and_wait_active, generated_kind, install_rgd_crd,
    instance_manifest, rgd_guards, rgd_manifest, state, unique_rgd, wait_instance_active,
};
use kro_tests::{TestNamespace, client, rgd_api_resource, wait};
use kube::api::{DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::{Api, ResourceExt};
use serde_json::{Value as Json, json};

/// Three ConfigMaps in a chain (`first` → `second` → `third`): waves 0, 1 and 2. `third` is
/// included only when the instance says `release: true` (default true).
fn chain(name: &str, kind: &str) -> Json {
    rgd_manifest(
        name,
        kind,
        json!({"release": "boolean | default=true"}),
        json!({}),
        json!([
            {"id": "first", "template": {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "${schema.metadata.name}-first"},
                "data": {"n": "1"}
            }},
            {"id": "second", "template": {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "${first.metadata.name}-second"},
                "data": {"n": "2"}
            }},
            {"id": "third", "includeWhen": ["${schema.spec.release}"], "template": {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "${second.metadata.name}-third"},
                "data": {"n": "3"}
            }}
        ]),
    )
}

const HOLD: &str = "test.kro.run/hold";

#[tokio::test]
async fn deletion_goes_wave_by_wave_as_the_api_server_sees_it() {
    let Served {
        client,
        ns,
        kind,
        resource,
        instances,
        controller: _controller,
        guards: _guards,
        ..
    } = Served::start("ctl-waves", &[], false, chain).await;
    apply(
        &client,
        &resource,
        Some(ns.name()),
        &instance_manifest(&kind, "w", json!({})),
    )
    .await;
    wait_instance_active(&instances, "w").await;

    // Hold every child with a finalizer of our own, so each deletion stays visible.
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns.name());
    let names = ["w-first", "w-first-second", "w-first-second-third"];
    for child in names {
        configmaps
            .patch(
                child,
                &PatchParams::default(),
                &Patch::Merge(json!({"metadata": {"finalizers": [HOLD]}})),
            )
            .await
            .unwrap();
    }
    instances
        .delete("w", &DeleteParams::default())
        .await
        .unwrap();

    let deleting = |child: &'static str| {
        let configmaps = configmaps.clone();
        async move {
            configmaps
                .get_opt(child)
                .await
                .unwrap()
                .is_some_and(|c| c.metadata.deletion_timestamp.is_some())
        }
    };
    // Highest wave first; the lower waves are not touched while it exists, however many
    // reconciles happen meanwhile (the controller looks again every half second).
    for (wave, child) in names.iter().enumerate().rev() {
        wait::until(
            &format!("{child} (wave {wave}) to be deleted"),
            wait::TIMEOUT,
            || async {
                if deleting(child).await {
                    Ok(())
                } else {
                    Err("no deletionTimestamp".to_owned())
                }
            },
        )
        .await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        for lower in &names[..wave] {
            assert!(
                !deleting(lower).await,
                "{lower} was deleted while {child} (wave {wave}) still exists"
            );
        }
        let instance = instances.get("w").await.unwrap();
        assert_eq!(state(&instance), Some("DELETING"));
        assert!(
            instance
                .finalizers()
                .iter()
                .any(|f| f == "kro.run/finalizer")
        );
        configmaps
            .patch(
                child,
                &PatchParams::default(),
                &Patch::Merge(json!({"metadata": {"finalizers": null}})),
            )
            .await
            .unwrap();
    }
    wait::gone(&instances, "w").await;
    ns.delete().await;
}

/// The chain's ConfigMaps in the namespace: (instance uid label, node id) → names.
async fn children(configmaps: &Api<ConfigMap>) -> BTreeMap<(String, String), Vec<String>> {
    let mut found: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for cm in configmaps
        .list(&ListParams::default().labels("kro.run/owned=true"))
        .await
        .unwrap()
        .items
    {
        let labels = cm.labels();
        let key = (
            labels
                .get("kro.run/instance-id")
                .cloned()
                .unwrap_or_default(),
            labels.get("kro.run/node-id").cloned().unwrap_or_default(),
        );
        found.entry(key).or_default().push(cm.name_any());
    }
    found
}

#[tokio::test]
async fn a_controller_killed_mid_rollout_converges_after_a_restart() {
    const N: usize = 12;
    let client = client().await;
    install_rgd_crd(&client).await;
    let ns = TestNamespace::create(&client, "ctl-kill").await;
    let (name, kind) = unique_rgd("ctl-kill");
    let _guards = rgd_guards(&name, &kind);
    let controller = Controller::start(&name, &["--dynamic-controller-concurrent-reconciles=2"]);
    apply_rgd_and_wait_active(&client, &chain(&name, &kind)).await;
    let resource = generated_kind(&kind);
    let instances: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns.name(), &resource);
    // Held back: `third` waits for a release that comes while the controller is down.
    for i in 0..N {
        apply(
            &client,
            &resource,
            Some(ns.name()),
            &instance_manifest(&kind, &format!("i{i}"), json!({"release": false})),
        )
        .await;
    }
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns.name());
    // Kill it as soon as the rollout has started and before it has finished.
    wait::until("the rollout to start", wait::TIMEOUT, || async {
        let made: usize = children(&configmaps).await.values().map(Vec::len).sum();
        if made > 0 {
            Ok(made)
        } else {
            Err("no child yet".to_owned())
        }
    })
    .await;
    controller.kill().await;
    let made: usize = children(&configmaps).await.values().map(Vec::len).sum();
    assert!(
        made < N * 3,
        "the controller was killed before the rollout finished ({made} of {} children)",
        N * 3
    );
    for i in 0..N {
        apply(
            &client,
            &resource,
            Some(ns.name()),
            &instance_manifest(&kind, &format!("i{i}"), json!({"release": true})),
        )
        .await;
    }

    // A new controller converges: every instance ACTIVE with exactly its three children.
    let _restarted = Controller::start(&name, &[]);
    for i in 0..N {
        wait_instance_active(&instances, &format!("i{i}")).await;
    }
    let found = children(&configmaps).await;
    let uids: BTreeSet<String> = instances
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .filter_map(|o| o.uid())
        .collect();
    assert_eq!(uids.len(), N);
    for ((uid, node), names) in &found {
        assert!(uids.contains(uid), "orphaned child {names:?} of {uid}");
        assert_eq!(
            names.len(),
            1,
            "duplicate children for {uid}/{node}: {names:?}"
        );
    }
    assert_eq!(found.len(), N * 3, "{found:?}");
    ns.delete().await;
}

/// The holder of the leader lease in `namespace`, if any.
async fn lease_holder(leases: &Api<Lease>) -> Option<String> {
    leases
        .get_opt("kro-controller-leader")
        .await
        .ok()
        .flatten()
        .and_then(|l| l.spec)
        .and_then(|s| s.holder_identity)
        .filter(|h| !h.is_empty())
}

#[tokio::test]
async fn leadership_moves_on_a_crash_and_on_a_graceful_shutdown() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let ns = TestNamespace::create(&client, "ctl-leader").await;
    let (name, kind) = unique_rgd("ctl-leader");
    let _guards = rgd_guards(&name, &kind);
    let flags = ["--leader-elect", "-n", ns.name()];
    let leases: Api<Lease> = Api::namespaced(client.clone(), ns.name());

    let first = Controller::start(&name, &flags);
    let first_pid = first.pid().to_string();
    wait::until("the first controller to lead", wait::TIMEOUT, || async {
        match lease_holder(&leases).await {
            Some(holder) if holder.ends_with(&format!("-{first_pid}")) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let second = Controller::start(&name, &flags);
    let second_pid = second.pid().to_string();
    apply_rgd_and_wait_active(&client, &chain(&name, &kind)).await;

    // The leader crashes: the standby takes over once the lease expires, and serves.
    first.kill().await;
    wait::until("the second controller to lead", wait::TIMEOUT, || async {
        match lease_holder(&leases).await {
            Some(holder) if holder.ends_with(&format!("-{second_pid}")) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let resource = generated_kind(&kind);
    let instances: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns.name(), &resource);
    apply(
        &client,
        &resource,
        Some(ns.name()),
        &instance_manifest(&kind, "led", json!({})),
    )
    .await;
    wait_instance_active(&instances, "led").await;
    let lease = leases.get("kro-controller-leader").await.unwrap();
    assert!(lease.spec.unwrap().lease_transitions.unwrap_or(0) >= 1);
    instances
        .delete("led", &DeleteParams::default())
        .await
        .unwrap();
    wait::gone(&instances, "led").await;

    let rgds: Api<DynamicObject> = Api::all_with(client.clone(), &rgd_api_resource());
    rgds.delete(&name, &DeleteParams::default()).await.unwrap();
    wait::gone(&rgds, &name).await;

    // A graceful shutdown gives the lease up at once instead of letting it expire.
    let status = second.terminate().await;
    assert!(status.success(), "a graceful shutdown exits 0: {status}");
    assert_eq!(lease_holder(&leases).await, None, "the lease was released");
    ns.delete().await;
}
