//! The controller under faults, against the real control plane: SIGKILLed at random points
//! while 50 instances are created, updated and deleted; a competing field manager editing its
//! children; children deleted by someone else while their instance is being deleted. Every
//! test ends by checking the invariants of `kro_tests::faults` (every instance converges, no
//! duplicate or orphaned child, no finalizer left behind, no lost update).

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ConfigMap;
use kro_tests::controller::{
    Controller, Served, apply, apply_rgd_and_wait_active, generated_kind, install_rgd_crd,
    instance_manifest, rgd_guards, state, unique_rgd,
};
use kro_tests::faults::{CHAIN_NODES, FINALIZER, Rng, chain_rgd, converged};
use kro_tests::{TestNamespace, client, wait};
use kube::api::{DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::{Api, ResourceExt};
use serde_json::json;

/// How long the invariants may take to hold once a phase's faults are over.
const SETTLE: Duration = Duration::from_secs(180);

/// Kill/restart cycles per phase.
const CYCLES: usize = 3;

/// Busy: many instances reconciled at once, so a kill lands in the middle of several.
const BUSY: [&str; 1] = ["--dynamic-controller-concurrent-reconciles=8"];

/// When to kill the controller (after it has run for the first duration) and how long it stays
/// down (the second), for each cycle of a phase.
fn kill_plan(rng: &mut Rng) -> Vec<(Duration, Duration)> {
    (0..CYCLES)
        .map(|_| (rng.millis(50..2500), rng.millis(0..1000)))
        .collect()
}

/// Runs `work` while the controller is SIGKILLed and restarted as `plan` says; returns the
/// controller running at the end.
async fn under_kills(
    label: &str,
    phase: &str,
    mut controller: Controller,
    plan: Vec<(Duration, Duration)>,
    work: impl Future<Output = ()>,
) -> Controller {
    let started = Instant::now();
    let killer = async move {
        for (run, down) in plan {
            tokio::time::sleep(run).await;
            controller.kill().await;
            eprintln!("{phase}: killed the controller at {:?}", started.elapsed());
            tokio::time::sleep(down).await;
            controller = Controller::start(label, &BUSY);
            eprintln!(
                "{phase}: restarted the controller at {:?}",
                started.elapsed()
            );
        }
        controller
    };
    let (controller, ()) = tokio::join!(killer, work);
    controller
}

fn instance_name(i: usize) -> String {
    format!("i{i:02}")
}

#[tokio::test]
async fn sigkilled_at_random_points_during_create_update_and_delete_of_50_instances() {
    const N: usize = 50;
    let mut rng = Rng::from_env("faults-kill");
    let Served {
        client,
        ns,
        name,
        kind,
        resource,
        instances,
        controller,
        guards: _guards,
        ..
    } = Served::start("faults-kill", &BUSY, false, chain_rgd).await;
    let write = |name: String, value: String| {
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

    // Create: 50 instances, written with small random pauses while the controller dies.
    let plan = kill_plan(&mut rng);
    let pauses: Vec<Duration> = (0..N).map(|_| rng.millis(0..60)).collect();
    let controller = under_kills(&name, "create", controller, plan, async {
        for (i, pause) in pauses.iter().enumerate() {
            write(instance_name(i), "v0".to_owned()).await;
            tokio::time::sleep(*pause).await;
        }
    })
    .await;
    for i in 0..N {
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

    // Update: every instance to v1, then a random half again to v2 (renaming `c`, so the old
    // one must be pruned), while the controller dies.
    let plan = kill_plan(&mut rng);
    let mut updates: Vec<(String, String, Duration)> = (0..N)
        .map(|i| (instance_name(i), "v1".to_owned(), rng.millis(0..40)))
        .collect();
    for i in 0..N {
        if rng.chance(50) {
            updates.push((instance_name(i), "v2".to_owned(), rng.millis(0..80)));
        }
    }
    for (name, value, _) in &updates {
        expected.insert(name.clone(), value.clone());
    }
    let controller = under_kills(&name, "update", controller, plan, async {
        for (name, value, pause) in &updates {
            write(name.clone(), value.clone()).await;
            tokio::time::sleep(*pause).await;
        }
    })
    .await;
    converged(
        &client,
        ns.name(),
        &instances,
        &CHAIN_NODES,
        &expected,
        SETTLE,
    )
    .await;

    // Delete: most instances deleted and the rest updated to v3, in a random order, while the
    // controller dies.
    let plan = kill_plan(&mut rng);
    let mut order: Vec<(String, bool, Duration)> = (0..N)
        .map(|i| (instance_name(i), rng.chance(80), rng.millis(0..60)))
        .collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(0..(i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    for (name, delete, _) in &order {
        if *delete {
            expected.remove(name);
        } else {
            expected.insert(name.clone(), "v3".to_owned());
        }
    }
    let controller = under_kills(&name, "delete", controller, plan, async {
        for (name, delete, pause) in &order {
            if *delete {
                instances
                    .delete(name, &DeleteParams::default())
                    .await
                    .unwrap_or_else(|e| panic!("deleting {name}: {e}"));
            } else {
                write(name.clone(), "v3".to_owned()).await;
            }
            tokio::time::sleep(*pause).await;
        }
    })
    .await;
    converged(
        &client,
        ns.name(),
        &instances,
        &CHAIN_NODES,
        &expected,
        SETTLE,
    )
    .await;

    // The rest go too, with the controller running: nothing is left behind.
    for name in expected.keys() {
        instances
            .delete(name, &DeleteParams::default())
            .await
            .unwrap();
    }
    expected.clear();
    converged(
        &client,
        ns.name(),
        &instances,
        &CHAIN_NODES,
        &expected,
        SETTLE,
    )
    .await;
    controller.kill().await;
    ns.delete().await;
}

/// Waits until the ConfigMap `name` satisfies `check`, which says what it saw when not.
async fn until_configmap(
    configmaps: &Api<ConfigMap>,
    what: &str,
    name: &str,
    check: impl Fn(&ConfigMap) -> Result<(), String>,
) {
    wait::until(what, wait::TIMEOUT, || async {
        let cm = configmaps.get(name).await.map_err(|e| e.to_string())?;
        check(&cm)
    })
    .await;
}

fn value(cm: &ConfigMap) -> Option<&str> {
    cm.data.as_ref()?.get("value").map(String::as_str)
}

/// Who manages `data.value` of a ConfigMap, from its managedFields.
fn value_managers(cm: &ConfigMap) -> Vec<String> {
    cm.metadata
        .managed_fields
        .iter()
        .flatten()
        .filter(|entry| {
            entry
                .fields_v1
                .as_ref()
                .and_then(|f| f.0.pointer("/f:data/f:value"))
                .is_some()
        })
        .filter_map(|entry| entry.manager.clone())
        .collect()
}

/// The controller's field manager.
const KRO: &str = "kro.run/applyset";

/// A child whose managed field was taken back from `by`, keeping the fields others own.
fn taken_back(cm: &ConfigMap, want: &str, by: &str) -> Result<(), String> {
    let managers = value_managers(cm);
    let label = cm.labels().get("intruder").map(String::as_str);
    let note = cm.annotations().get("editor/note").map(String::as_str);
    if value(cm) == Some(want)
        && managers == [KRO]
        && label == Some("yes")
        && (by == "intruder" || note == Some("kept"))
    {
        Ok(())
    } else {
        Err(format!(
            "value {:?} managed by {managers:?}, label intruder={label:?}, annotation \
             editor/note={note:?} (after {by})",
            value(cm)
        ))
    }
}

#[tokio::test]
async fn a_competing_field_manager_loses_the_managed_field_and_keeps_its_own() {
    let Served {
        client,
        ns,
        kind,
        resource,
        instances,
        controller: _controller,
        guards: _guards,
        ..
    } = Served::start("faults-manager", &[], false, chain_rgd).await;
    apply(
        &client,
        &resource,
        Some(ns.name()),
        &instance_manifest(&kind, "x", json!({"value": "mine"})),
    )
    .await;
    let mut expected = BTreeMap::from([("x".to_owned(), "mine".to_owned())]);
    converged(
        &client,
        ns.name(),
        &instances,
        &CHAIN_NODES,
        &expected,
        SETTLE,
    )
    .await;
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns.name());

    // Server-side apply, forced, by another manager: it takes data.value (and adds a label of
    // its own) until the controller takes the value back.
    let stolen = configmaps
        .patch(
            "x-a",
            &PatchParams::apply("intruder").force(),
            &Patch::Apply(json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "x-a", "labels": {"intruder": "yes"}},
                "data": {"value": "stolen"}
            })),
        )
        .await
        .unwrap();
    assert_eq!(value(&stolen), Some("stolen"));
    assert_eq!(value_managers(&stolen), ["intruder"]);
    until_configmap(
        &configmaps,
        "the controller to take data.value back from a forced apply",
        "x-a",
        |cm| taken_back(cm, "mine", "intruder"),
    )
    .await;

    // A plain update (PUT) by another manager, also adding an annotation of its own.
    update_as_editor(&configmaps, "x-a", |cm| {
        cm.data
            .get_or_insert_default()
            .insert("value".into(), "edited".into());
        cm.annotations_mut()
            .insert("editor/note".into(), "kept".into());
    })
    .await;
    until_configmap(
        &configmaps,
        "the controller to take data.value back from a plain update",
        "x-a",
        |cm| taken_back(cm, "mine", "editor"),
    )
    .await;

    // A merge patch removing the field: the controller puts it back.
    configmaps
        .patch(
            "x-a",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"value": null}})),
        )
        .await
        .unwrap();
    until_configmap(
        &configmaps,
        "the controller to restore a removed field",
        "x-a",
        |cm| taken_back(cm, "mine", "editor"),
    )
    .await;

    // Kro's own labels are managed fields too: a forced apply turning `kro.run/owned` off
    // (which takes the child out of the controller's watch, selected by that label), and a plain
    // update pointing `kro.run/instance-id` elsewhere, are undone.
    configmaps
        .patch(
            "x-a",
            &PatchParams::apply("intruder").force(),
            &Patch::Apply(json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "x-a", "labels": {"intruder": "yes", "kro.run/owned": "false"}},
                "data": {"value": "stolen"}
            })),
        )
        .await
        .unwrap();
    until_configmap(
        &configmaps,
        "the controller to take kro.run/owned back",
        "x-a",
        |cm| {
            taken_back(cm, "mine", "editor")?;
            kro_label(cm, "kro.run/owned", "true")
        },
    )
    .await;
    update_as_editor(&configmaps, "x-a", |cm| {
        cm.labels_mut()
            .insert("kro.run/instance-id".into(), "someone-else".into());
    })
    .await;
    let uid = instances.get("x").await.unwrap().uid().unwrap();
    until_configmap(
        &configmaps,
        "the controller to take kro.run/instance-id back",
        "x-a",
        |cm| {
            taken_back(cm, "mine", "editor")?;
            kro_label(cm, "kro.run/instance-id", &uid)
        },
    )
    .await;

    // The instance changes: the controller's new value lands, the others' fields stay.
    apply(
        &client,
        &resource,
        Some(ns.name()),
        &instance_manifest(&kind, "x", json!({"value": "next"})),
    )
    .await;
    expected.insert("x".to_owned(), "next".to_owned());
    converged(
        &client,
        ns.name(),
        &instances,
        &CHAIN_NODES,
        &expected,
        SETTLE,
    )
    .await;
    // Several requeues later (1 s each), nothing has removed them either.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let cm = configmaps.get("x-a").await.unwrap();
    taken_back(&cm, "next", "editor").unwrap();
    ns.delete().await;
}

const HOLD: &str = "test.kro.run/hold";

async fn hold(configmaps: &Api<ConfigMap>, name: &str, finalizers: Option<&[&str]>) {
    configmaps
        .patch(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": finalizers}})),
        )
        .await
        .unwrap_or_else(|e| panic!("setting the finalizers of {name}: {e}"));
}

async fn deleting(configmaps: &Api<ConfigMap>, name: &str) -> Result<(), String> {
    match configmaps.get_opt(name).await.map_err(|e| e.to_string())? {
        Some(cm) if cm.metadata.deletion_timestamp.is_some() => Ok(()),
        Some(_) => Err(format!("{name} is not being deleted")),
        None => Err(format!("{name} is gone")),
    }
}

async fn gone(configmaps: &Api<ConfigMap>, name: &str) -> Result<(), String> {
    match configmaps.get_opt(name).await.map_err(|e| e.to_string())? {
        Some(cm) => Err(format!(
            "{name} exists (finalizers {:?}, deleting: {})",
            cm.finalizers(),
            cm.metadata.deletion_timestamp.is_some()
        )),
        None => Ok(()),
    }
}

#[tokio::test]
async fn children_deleted_by_someone_else_during_instance_deletion() {
    let Served {
        client,
        ns,
        kind,
        resource,
        instances,
        controller: _controller,
        guards: _guards,
        ..
    } = Served::start("faults-delete", &[], false, chain_rgd).await;
    for instance in ["held", "raced", "stuck", "replaced"] {
        apply(
            &client,
            &resource,
            Some(ns.name()),
            &instance_manifest(&kind, instance, json!({})),
        )
        .await;
    }
    let mut expected: BTreeMap<String, String> = ["held", "raced", "stuck", "replaced"]
        .into_iter()
        .map(|n| (n.to_owned(), "v0".to_owned()))
        .collect();
    converged(
        &client,
        ns.name(),
        &instances,
        &CHAIN_NODES,
        &expected,
        SETTLE,
    )
    .await;
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns.name());

    // `held`: its wave-1 child is held by someone's finalizer; while the instance waits for it,
    // someone deletes the wave-0 child directly. Then the hold is released.
    hold(&configmaps, "held-a-b", Some(&[HOLD])).await;
    instances
        .delete("held", &DeleteParams::default())
        .await
        .unwrap();
    wait::until("wave 2 gone, wave 1 deleting", wait::TIMEOUT, || async {
        gone(&configmaps, "held-a-b-c-v0").await?;
        deleting(&configmaps, "held-a-b").await
    })
    .await;
    configmaps
        .delete("held-a", &DeleteParams::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    gone(&configmaps, "held-a")
        .await
        .unwrap_or_else(|e| panic!("a child of a DELETING instance was recreated: {e}"));
    let instance = instances.get("held").await.unwrap();
    assert_eq!(state(&instance), Some("DELETING"));
    assert!(instance.finalizers().iter().any(|f| f == FINALIZER));
    hold(&configmaps, "held-a-b", None).await;

    // `raced`: deleted, and all its children deleted directly at the same moment.
    instances
        .delete("raced", &DeleteParams::default())
        .await
        .unwrap();
    for child in ["raced-a", "raced-a-b-c-v0", "raced-a-b"] {
        match configmaps.delete(child, &DeleteParams::default()).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(e) => panic!("deleting {child}: {e}"),
        }
    }

    // `stuck`: its highest-wave child is held; someone deletes that child directly too (it is
    // already terminating), then releases it.
    hold(&configmaps, "stuck-a-b-c-v0", Some(&[HOLD])).await;
    instances
        .delete("stuck", &DeleteParams::default())
        .await
        .unwrap();
    wait::until("stuck's wave 2 to be deleting", wait::TIMEOUT, || async {
        deleting(&configmaps, "stuck-a-b-c-v0").await
    })
    .await;
    configmaps
        .delete("stuck-a-b-c-v0", &DeleteParams::default())
        .await
        .unwrap();
    for lower in ["stuck-a", "stuck-a-b"] {
        let cm = configmaps.get(lower).await.unwrap();
        assert!(
            cm.metadata.deletion_timestamp.is_none(),
            "{lower} deleted while wave 2 still exists"
        );
    }
    hold(&configmaps, "stuck-a-b-c-v0", None).await;

    // `replaced`: while it waits for its held wave-2 child, someone deletes its wave-0 child
    // and creates a ConfigMap of their own under the same name. That one is not kro's to delete.
    hold(&configmaps, "replaced-a-b-c-v0", Some(&[HOLD])).await;
    instances
        .delete("replaced", &DeleteParams::default())
        .await
        .unwrap();
    wait::until(
        "replaced's wave 2 to be deleting",
        wait::TIMEOUT,
        || async { deleting(&configmaps, "replaced-a-b-c-v0").await },
    )
    .await;
    configmaps
        .delete("replaced-a", &DeleteParams::default())
        .await
        .unwrap();
    wait::until("replaced-a to be gone", wait::TIMEOUT, || async {
        gone(&configmaps, "replaced-a").await
    })
    .await;
    let foreign = configmaps
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "metadata": {"name": "replaced-a"},
                "data": {"owner": "someone else"}
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    hold(&configmaps, "replaced-a-b-c-v0", None).await;

    expected.clear();
    converged(
        &client,
        ns.name(),
        &instances,
        &CHAIN_NODES,
        &expected,
        SETTLE,
    )
    .await;
    let survivor = configmaps.get_opt("replaced-a").await.unwrap();
    assert_eq!(
        survivor.as_ref().and_then(|cm| cm.uid()),
        foreign.uid(),
        "someone else's ConfigMap under a child's name was deleted or replaced: {survivor:?}"
    );
    ns.delete().await;
}

/// The label `key` of a ConfigMap is `want`, managed by the controller alone.
fn kro_label(cm: &ConfigMap, key: &str, want: &str) -> Result<(), String> {
    let (value, managers) = label_and_managers(cm, key);
    if value.as_deref() == Some(want) && managers == [KRO] {
        Ok(())
    } else {
        Err(format!("label {key}={value:?} managed by {managers:?}"))
    }
}

/// The value of label `key` of a ConfigMap and who manages it.
fn label_and_managers(cm: &ConfigMap, key: &str) -> (Option<String>, Vec<String>) {
    let path = format!(
        "/f:metadata/f:labels/f:{}",
        key.replace('~', "~0").replace('/', "~1")
    );
    let managers = cm
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .filter(|entry| {
            entry
                .fields_v1
                .as_ref()
                .and_then(|f| f.0.pointer(&path))
                .is_some()
        })
        .filter_map(|entry| entry.manager.clone())
        .collect();
    (cm.labels().get(key).cloned(), managers)
}

/// An edit of a child's `kro.run/instance-name` label points its events at an instance that does
/// not exist; the controller also maps them by the child's `kro.run/instance-id`, so the real
/// owner (ACTIVE, nothing else changing) puts the label back within seconds, not at the resync.
#[tokio::test]
async fn a_competing_field_manager_renaming_a_childs_instance_label_is_undone() {
    let Served {
        client,
        ns,
        kind,
        resource,
        instances,
        controller: _controller,
        guards: _guards,
        ..
    } = Served::start("faults-labels", &[], false, chain_rgd).await;
    apply(
        &client,
        &resource,
        Some(ns.name()),
        &instance_manifest(&kind, "x", json!({})),
    )
    .await;
    let expected = BTreeMap::from([("x".to_owned(), "v0".to_owned())]);
    converged(
        &client,
        ns.name(),
        &instances,
        &CHAIN_NODES,
        &expected,
        SETTLE,
    )
    .await;
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns.name());

    // A plain update points the child at another instance name.
    update_as_editor(&configmaps, "x-a", |cm| {
        cm.labels_mut()
            .insert("kro.run/instance-name".into(), "someone-else".into());
    })
    .await;
    until_configmap(
        &configmaps,
        "the controller to take kro.run/instance-name back",
        "x-a",
        |cm| kro_label(cm, "kro.run/instance-name", "x"),
    )
    .await;
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

#[tokio::test]
async fn a_scale_by_another_manager_is_taken_back_and_a_restart_annotation_kept() {
    use k8s_openapi::api::apps::v1::Deployment;
    let client = client().await;
    install_rgd_crd(&client).await;
    let ns = TestNamespace::create(&client, "faults-scale").await;
    let (name, kind) = unique_rgd("faults-scale");
    let _guards = rgd_guards(&name, &kind);
    let _controller = Controller::start(&name, &[]);
    let rgd = kro_tests::controller::rgd_manifest(
        &name,
        &kind,
        json!({"replicas": "integer | default=2"}),
        json!({}),
        json!([{"id": "web", "template": {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "${schema.metadata.name}-web"},
            "spec": {
                "replicas": "${schema.spec.replicas}",
                "selector": {"matchLabels": {"app": "${schema.metadata.name}-web"}},
                "template": {
                    "metadata": {"labels": {"app": "${schema.metadata.name}-web"}},
                    "spec": {"containers": [{"name": "app", "image": "nginx"}]}
                }
            }
        }}]),
    );
    apply_rgd_and_wait_active(&client, &rgd).await;
    let resource = generated_kind(&kind);
    let instances: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns.name(), &resource);
    apply(
        &client,
        &resource,
        Some(ns.name()),
        &instance_manifest(&kind, "s", json!({})),
    )
    .await;
    kro_tests::controller::wait_instance_active(&instances, "s").await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ns.name());
    let replicas = |d: &Deployment| d.spec.as_ref().and_then(|s| s.replicas);

    // Scaled through the /scale subresource by someone else (as `kubectl scale` or an
    // autoscaler would), and restarted as `kubectl rollout restart` does (an annotation of the
    // pod template, which the controller does not manage).
    deployments
        .patch_scale(
            "s-web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 5}})),
        )
        .await
        .unwrap();
    deployments
        .patch(
            "s-web",
            &PatchParams {
                field_manager: Some("kubectl-rollout".into()),
                ..PatchParams::default()
            },
            &Patch::Strategic(json!({"spec": {"template": {"metadata": {"annotations": {
                "kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"
            }}}}})),
        )
        .await
        .unwrap();
    let restarted = |d: &Deployment| {
        d.spec
            .as_ref()
            .and_then(|s| s.template.metadata.as_ref())
            .and_then(|m| m.annotations.as_ref())
            .and_then(|a| a.get("kubectl.kubernetes.io/restartedAt"))
            .cloned()
    };
    let settled = wait::until(
        "the controller to scale back to 2, keeping the restart annotation",
        wait::TIMEOUT,
        || async {
            let d = deployments.get("s-web").await.map_err(|e| e.to_string())?;
            if replicas(&d) == Some(2) && restarted(&d).is_some() {
                Ok(d)
            } else {
                Err(format!(
                    "replicas {:?}, restartedAt {:?}",
                    replicas(&d),
                    restarted(&d)
                ))
            }
        },
    )
    .await;
    // And it stays so: no tug of war over the template (the generation does not move).
    tokio::time::sleep(Duration::from_secs(4)).await;
    let later = deployments.get("s-web").await.unwrap();
    assert_eq!(replicas(&later), Some(2));
    assert!(restarted(&later).is_some(), "{later:?}");
    assert_eq!(
        later.metadata.generation, settled.metadata.generation,
        "the Deployment keeps being rewritten"
    );
    kro_tests::controller::wait_instance_active(&instances, "s").await;
    ns.delete().await;
}

/// A plain update (PUT) of ConfigMap `name` by the field manager `editor`, retried on conflicts
/// (the controller may write meanwhile).
async fn update_as_editor(configmaps: &Api<ConfigMap>, name: &str, edit: impl Fn(&mut ConfigMap)) {
    let params = PostParams {
        field_manager: Some("editor".into()),
        ..PostParams::default()
    };
    wait::until("a plain update to go through", wait::TIMEOUT, || async {
        let mut cm = configmaps.get(name).await.map_err(|e| e.to_string())?;
        edit(&mut cm);
        configmaps
            .replace(name, &params, &cm)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await;
}
