//! RGD shapes end to end against the real control plane: a third-party CRD as a template kind
//! (type-checked from the cluster, and waited for when it is not installed yet), one RGD's kind
//! inside another (chaining), a collection that grows and shrinks, an external reference
//! created after the instance, and instance deletion after the RGD itself is deleted.

use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_tests::cleanup::DeleteOnDrop;
use kro_tests::controller::{
    Controller, Served, apply, apply_rgd_and_wait_active, condition, generated_kind,
    install_rgd_crd, instance_manifest, rgd_guards, rgd_manifest, state, unique_rgd,
    wait_instance_active,
};
use kro_tests::{TestNamespace, client, rgd_api_resource, unique_name, wait};
use kube::api::{ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::{Api, Client, ResourceExt};
use serde_json::{Value as Json, json};

/// Waits for the RGD's GraphAccepted condition to be False; returns its message.
async fn wait_rejected(client: &Client, name: &str) -> String {
    let rgds: Api<DynamicObject> = Api::all_with(client.clone(), &rgd_api_resource());
    wait::until("GraphAccepted=False", wait::TIMEOUT, || async {
        let o = rgds.get(name).await.map_err(|e| e.to_string())?;
        match condition(&o, "GraphAccepted") {
            Some(c) if c["status"] == "False" => Ok(c["message"].as_str().unwrap_or("").to_owned()),
            other => Err(format!("{other:?}")),
        }
    })
    .await
}

/// A third-party-style CRD: `Widget` in a unique group, with `spec.size` (integer) and
/// `spec.color` (string).
fn widget_crd(group: &str) -> CustomResourceDefinition {
    serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("widgets.{group}")},
        "spec": {
            "group": group,
            "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "size": {"type": "integer"},
                        "color": {"type": "string"}
                    }}
                }}}}]
        }
    }))
    .unwrap()
}

#[tokio::test]
async fn a_third_party_kind_is_checked_against_its_crd_and_waited_for() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let ns = TestNamespace::create(&client, "ctl-widget").await;
    let (name, kind) = unique_rgd("ctl-widget");
    let group = format!("{}.example.com", unique_name("w"));
    let _controller = Controller::start(&name, &[]);
    let _guards = rgd_guards(&name, &kind);
    let _widget_crd =
        DeleteOnDrop::cluster_scoped::<CustomResourceDefinition>(&format!("widgets.{group}"));
    let manifest = |field: &str| {
        rgd_manifest(
            &name,
            &kind,
            json!({"size": "integer | default=3"}),
            json!({}),
            json!([{"id": "widget", "template": {
                "apiVersion": format!("{group}/v1"), "kind": "Widget",
                "metadata": {"name": "${schema.metadata.name}"},
                "spec": {"size": "${schema.spec.size}", field: "blue"}
            }}]),
        )
    };

    // Not installed yet: not accepted, and the message names the kind.
    apply(&client, &rgd_api_resource(), None, &manifest("color")).await;
    let message = wait_rejected(&client, &name).await;
    assert!(
        message.contains("resource `widget`")
            && message.contains("Widget")
            && message.contains(&group),
        "{message}"
    );

    // Installed: the RGD is checked again without being touched, and accepted.
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.create(&Default::default(), &widget_crd(&group))
        .await
        .unwrap();
    let rgds: Api<DynamicObject> = Api::all_with(client.clone(), &rgd_api_resource());
    wait::until(
        "the RGD to be Active once Widget exists",
        wait::TIMEOUT,
        || async {
            let o = rgds.get(&name).await.map_err(|e| e.to_string())?;
            match state(&o) {
                Some("Active") => Ok(()),
                _ => Err(format!("{:?}", o.data.get("status"))),
            }
        },
    )
    .await;

    // An instance creates a Widget with the values.
    let resource = generated_kind(&kind);
    let instances: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns.name(), &resource);
    apply(
        &client,
        &resource,
        Some(ns.name()),
        &instance_manifest(&kind, "w1", json!({})),
    )
    .await;
    wait_instance_active(&instances, "w1").await;
    let widgets: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        ns.name(),
        &ApiResource {
            group: group.clone(),
            version: "v1".into(),
            api_version: format!("{group}/v1"),
            kind: "Widget".into(),
            plural: "widgets".into(),
        },
    );
    let widget = widgets.get("w1").await.unwrap();
    assert_eq!(widget.data["spec"], json!({"size": 3, "color": "blue"}));

    // A typo in one of the Widget's fields is rejected with the field, and the instance keeps
    // being served by the last good graph.
    apply(&client, &rgd_api_resource(), None, &manifest("colour")).await;
    let message = wait_rejected(&client, &name).await;
    assert!(
        message.contains("resource `widget`, template.spec.colour") && message.contains("colour"),
        "{message}"
    );
    let live = instances.get("w1").await.unwrap();
    assert_eq!(state(&live), Some("ACTIVE"));
    ns.delete().await;
}

#[tokio::test]
async fn one_rgds_kind_is_used_inside_another() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let ns = TestNamespace::create(&client, "ctl-chain").await;
    let (inner_name, inner_kind) = unique_rgd("ctl-chain-inner");
    let (outer_name, outer_kind) = unique_rgd("ctl-chain-outer");
    // One controller serves both RGDs (both labelled with the outer's name).
    let _controller = Controller::start(&outer_name, &[]);
    let _inner_guards = rgd_guards(&inner_name, &inner_kind);
    let _outer_guards = rgd_guards(&outer_name, &outer_kind);

    let mut inner = rgd_manifest(
        &inner_name,
        &inner_kind,
        json!({"greeting": "string"}),
        json!({"configName": "${config.metadata.name}"}),
        json!([{"id": "config", "template": {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "${schema.metadata.name}-inner"},
            "data": {"greeting": "${schema.spec.greeting}"}
        }}]),
    );
    inner["metadata"]["labels"]["kro-test"] = json!(outer_name);
    apply_rgd_and_wait_active(&client, &inner).await;

    let outer = rgd_manifest(
        &outer_name,
        &outer_kind,
        json!({"greeting": "string | default=\"hi\""}),
        json!({"innerConfig": "${inner.status.configName}"}),
        json!([
            {"id": "inner",
             "readyWhen": ["${inner.status.?state.orValue('') == 'ACTIVE'}"],
             "template": {
                "apiVersion": "kro.run/v1alpha1", "kind": inner_kind,
                "metadata": {"name": "${schema.metadata.name}"},
                "spec": {"greeting": "${schema.spec.greeting}"}
            }},
            {"id": "summary", "template": {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "${schema.metadata.name}-summary"},
                "data": {"inner": "${inner.status.configName}"}
            }}
        ]),
    );
    apply_rgd_and_wait_active(&client, &outer).await;

    let outer_resource = generated_kind(&outer_kind);
    let outers: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), ns.name(), &outer_resource);
    apply(
        &client,
        &outer_resource,
        Some(ns.name()),
        &instance_manifest(&outer_kind, "nest", json!({"greeting": "hello"})),
    )
    .await;
    let active = wait_instance_active(&outers, "nest").await;
    assert_eq!(
        active.data.pointer("/status/innerConfig"),
        Some(&json!("nest-inner"))
    );
    let inners: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), ns.name(), &generated_kind(&inner_kind));
    let inner_instance = inners.get("nest").await.unwrap();
    assert_eq!(state(&inner_instance), Some("ACTIVE"));
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns.name());
    let greeting = configmaps.get("nest-inner").await.unwrap().data.unwrap();
    assert_eq!(greeting["greeting"], "hello");
    let summary = configmaps.get("nest-summary").await.unwrap().data.unwrap();
    assert_eq!(summary["inner"], "nest-inner");

    // Deleting the outer instance deletes the inner one, which deletes its ConfigMap.
    outers
        .delete("nest", &DeleteParams::default())
        .await
        .unwrap();
    wait::until("the chain to be gone", wait::TIMEOUT, || async {
        let outer = outers.get_opt("nest").await.map_err(|e| e.to_string())?;
        let inner = inners.get_opt("nest").await.map_err(|e| e.to_string())?;
        let cm = configmaps
            .get_opt("nest-inner")
            .await
            .map_err(|e| e.to_string())?;
        match (outer, inner, cm) {
            (None, None, None) => Ok(()),
            (o, i, c) => Err(format!(
                "outer {} inner {} configmap {}",
                o.is_some(),
                i.is_some(),
                c.is_some()
            )),
        }
    })
    .await;
    ns.delete().await;
}

/// The names of the ConfigMaps of a collection resource, sorted.
async fn collection_names(configmaps: &Api<ConfigMap>, node: &str) -> Vec<String> {
    let mut names: Vec<String> = configmaps
        .list(&ListParams::default().labels(&format!("kro.run/node-id={node}")))
        .await
        .unwrap()
        .items
        .iter()
        .filter(|c| c.metadata.deletion_timestamp.is_none())
        .map(ResourceExt::name_any)
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_collection_grows_and_shrinks_with_its_list() {
    let Served {
        client,
        ns,
        kind,
        resource,
        instances,
        controller: _controller,
        guards: _guards,
        ..
    } = Served::start("ctl-each", &[], false, |name, kind| {
        rgd_manifest(
            name,
            kind,
            json!({"regions": "[]string"}),
            json!({"count": "${size(configs)}"}),
            json!([{"id": "configs",
            "forEach": [{"region": "${schema.spec.regions}"}],
            "readyWhen": ["${each.data.region != ''}"],
            "template": {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "${schema.metadata.name}-${region}"},
                "data": {"region": "${region}"}
            }}]),
        )
    })
    .await;
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns.name());
    let set_regions = |regions: Json| {
        let client = client.clone();
        let resource = resource.clone();
        let kind = kind.clone();
        let ns = ns.name().to_owned();
        async move {
            apply(
                &client,
                &resource,
                Some(&ns),
                &instance_manifest(&kind, "multi", json!({"regions": regions})),
            )
            .await;
        }
    };

    for (regions, expected) in [
        (json!(["eu", "us"]), vec!["multi-eu", "multi-us"]),
        (
            json!(["eu", "us", "ap"]),
            vec!["multi-ap", "multi-eu", "multi-us"],
        ),
        (json!(["ap"]), vec!["multi-ap"]),
    ] {
        set_regions(regions.clone()).await;
        wait::until(
            &format!("the collection to be {expected:?}"),
            wait::TIMEOUT,
            || async {
                let names = collection_names(&configmaps, "configs").await;
                let o = instances.get("multi").await.map_err(|e| e.to_string())?;
                let count = o.data.pointer("/status/count").cloned();
                if names == expected
                    && state(&o) == Some("ACTIVE")
                    && count == Some(json!(expected.len()))
                {
                    Ok(())
                } else {
                    Err(format!("{names:?}, state {:?}, count {count:?}", state(&o)))
                }
            },
        )
        .await;
    }
    ns.delete().await;
}

#[tokio::test]
async fn an_external_reference_created_later_is_picked_up_by_its_watch() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let ns = TestNamespace::create(&client, "ctl-extern").await;
    let (name, kind) = unique_rgd("ctl-extern");
    // A long requeue: only the watch on the external object can wake the instance in time.
    let _controller = Controller::start(&name, &["--instance-requeue-interval=10m"]);
    let _guards = rgd_guards(&name, &kind);
    apply_rgd_and_wait_active(
        &client,
        &rgd_manifest(
            &name,
            &kind,
            json!({"source": "string"}),
            json!({}),
            json!([
                {"id": "settings", "externalRef": {
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "${schema.spec.source}"}
                }},
                {"id": "copy", "template": {
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "${schema.metadata.name}-copy"},
                    "data": {"color": "${settings.data.color}"}
                }}
            ]),
        ),
    )
    .await;
    let resource = generated_kind(&kind);
    let instances: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns.name(), &resource);
    apply(
        &client,
        &resource,
        Some(ns.name()),
        &instance_manifest(&kind, "reader", json!({"source": "shared-settings"})),
    )
    .await;
    let waiting = wait::until(
        "the instance to wait for the external",
        wait::TIMEOUT,
        || async {
            let o = instances.get("reader").await.map_err(|e| e.to_string())?;
            match condition(&o, "Ready") {
                Some(c) if c["status"] == "False" => {
                    Ok(c["message"].as_str().unwrap_or("").to_owned())
                }
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await;
    assert!(
        waiting.contains("settings") && waiting.contains("shared-settings"),
        "{waiting}"
    );

    // Created later: the instance converges within seconds, not at the 10-minute requeue.
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns.name());
    let settings = |color: &str| -> ConfigMap {
        serde_json::from_value(json!({
            "metadata": {"name": "shared-settings"},
            "data": {"color": color}
        }))
        .unwrap()
    };
    configmaps
        .create(&Default::default(), &settings("blue"))
        .await
        .unwrap();
    let copied = |color: &'static str| {
        let configmaps = configmaps.clone();
        async move {
            wait::until(
                &format!("the copy to say {color}"),
                Duration::from_secs(30),
                || async {
                    let cm = configmaps
                        .get_opt("reader-copy")
                        .await
                        .map_err(|e| e.to_string())?;
                    let value = cm
                        .and_then(|c| c.data)
                        .and_then(|d| d.get("color").cloned());
                    match value.as_deref() {
                        Some(c) if c == color => Ok(()),
                        other => Err(format!("{other:?}")),
                    }
                },
            )
            .await;
        }
    };
    copied("blue").await;
    wait_instance_active(&instances, "reader").await;

    // A change to the external object flows to the copy, also by the watch.
    configmaps
        .patch(
            "shared-settings",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"color": "green"}})),
        )
        .await
        .unwrap();
    copied("green").await;
    // The external object was read, never written by kro.
    let external = configmaps.get("shared-settings").await.unwrap();
    assert!(
        !external.labels().contains_key("kro.run/owned"),
        "external references are not labelled"
    );
    assert!(
        external
            .managed_fields()
            .iter()
            .all(|m| m.manager.as_deref() != Some("kro.run/applyset")),
        "external references are not applied"
    );
    ns.delete().await;
}

#[tokio::test]
async fn instances_can_still_be_deleted_after_their_rgd_is() {
    let Served {
        client,
        ns,
        name,
        kind,
        resource,
        instances,
        controller: _controller,
        guards: _guards,
        ..
    } = Served::start("ctl-orphan", &[], false, |name, kind| {
        rgd_manifest(
            name,
            kind,
            json!({}),
            json!({}),
            json!([{"id": "config", "template": {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "${schema.metadata.name}-config"},
                "data": {"a": "b"}
            }}]),
        )
    })
    .await;
    apply(
        &client,
        &resource,
        Some(ns.name()),
        &instance_manifest(&kind, "left", json!({})),
    )
    .await;
    wait_instance_active(&instances, "left").await;

    // The RGD goes (its CRD stays: no --allow-crd-deletion).
    let rgds: Api<DynamicObject> = Api::all_with(client.clone(), &rgd_api_resource());
    rgds.delete(&name, &DeleteParams::default()).await.unwrap();
    wait::gone(&rgds, &name).await;

    // Deleting the instance still deletes its children and removes the finalizer.
    instances
        .delete("left", &DeleteParams::default())
        .await
        .unwrap();
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns.name());
    wait::until(
        "the instance and its ConfigMap to be gone",
        wait::TIMEOUT,
        || async {
            let i = instances.get_opt("left").await.map_err(|e| e.to_string())?;
            let c = configmaps
                .get_opt("left-config")
                .await
                .map_err(|e| e.to_string())?;
            match (i, c) {
                (None, None) => Ok(()),
                (i, c) => Err(format!(
                    "instance {:?} configmap {}",
                    i.map(|i| i.finalizers().to_vec()),
                    c.is_some()
                )),
            }
        },
    )
    .await;
    ns.delete().await;
}
