//! The controller (`kubectl kro controller`, the built binary) against the real control plane:
//! an RGD becomes a served CRD, instances get their children in order with kro's labels and
//! become ACTIVE once the Deployment is really Available, drift is repaired, includeWhen prunes
//! and recreates, a broken RGD keeps the last good graph, breaking changes are refused, and
//! deletion removes children before the finalizer.
//!
//! Each test runs its own controller restricted to its own RGD, in its own namespace with a
//! unique kind (see `kro_tests::controller`).

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_tests::cleanup::DeleteOnDrop;
use kro_tests::controller::{
    Controller, apply, apply_rgd_and_wait_active, condition, generated_kind, install_rgd_crd,
    rgd_guards, wait_instance_active,
};
use kro_tests::{TestNamespace, client, rgd_api_resource, unique_name, wait};
use kube::api::{ApiResource, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::{Api, Client, ResourceExt};
use serde_json::{Value as Json, json};

/// A unique RGD: a ConfigMap, a Deployment using it, and a Service (includeWhen withService).
struct Rgd {
    name: String,
    kind: String,
    resource: ApiResource,
}

impl Rgd {
    fn new(prefix: &str) -> Rgd {
        let name = unique_name(prefix);
        let kind = format!("App{}", name.replace('-', "").trim_start_matches(prefix));
        let kind = kind.chars().take(40).collect::<String>();
        Rgd {
            resource: generated_kind(&kind),
            name,
            kind,
        }
    }

    fn crd_name(&self) -> String {
        format!("{}.kro.run", self.resource.plural)
    }

    fn manifest(&self, replicas_type: &str) -> Json {
        json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": "ResourceGraphDefinition",
            "metadata": {"name": self.name, "labels": {"kro-test": self.name}},
            "spec": {
                "schema": {
                    "apiVersion": "v1alpha1",
                    "kind": self.kind,
                    "spec": {
                        "name": "string",
                        "replicas": replicas_type,
                        "withService": "boolean | default=true"
                    },
                    "status": {
                        "available": "${deployment.status.availableReplicas}"
                    }
                },
                "resources": [
                    {
                        "id": "config",
                        "template": {
                            "apiVersion": "v1",
                            "kind": "ConfigMap",
                            "metadata": {"name": "${schema.spec.name}-config"},
                            "data": {"greeting": "hello ${schema.spec.name}"}
                        }
                    },
                    {
                        "id": "deployment",
                        "readyWhen": ["${deployment.status.availableReplicas >= 1}"],
                        "template": {
                            "apiVersion": "apps/v1",
                            "kind": "Deployment",
                            "metadata": {"name": "${schema.spec.name}"},
                            "spec": {
                                "replicas": 1,
                                "selector": {"matchLabels": {"app": "${schema.spec.name}"}},
                                "template": {
                                    "metadata": {"labels": {"app": "${schema.spec.name}"}},
                                    "spec": {"containers": [{
                                        "name": "app",
                                        "image": "nginx",
                                        "env": [{"name": "CONFIG", "value": "${config.metadata.name}"}]
                                    }]}
                                }
                            }
                        }
                    },
                    {
                        "id": "service",
                        "includeWhen": ["${schema.spec.withService}"],
                        "template": {
                            "apiVersion": "v1",
                            "kind": "Service",
                            "metadata": {"name": "${deployment.metadata.name}"},
                            "spec": {
                                "selector": {"app": "${schema.spec.name}"},
                                "ports": [{"port": 80}]
                            }
                        }
                    }
                ]
            }
        })
    }
}

/// Applies the RGD and waits for it to be Active with its CRD Established.
async fn create_rgd(client: &Client, rgd: &Rgd) -> (DeleteOnDrop, DeleteOnDrop) {
    let guards = rgd_guards(&rgd.name, &rgd.kind);
    apply_rgd_and_wait_active(client, &rgd.manifest("integer | default=1")).await;
    guards
}

#[tokio::test]
async fn rgd_serves_a_kind_and_instances_become_active_with_drift_repaired() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let ns = TestNamespace::create(&client, "ctl-basic").await;
    let rgd = Rgd::new("ctl-basic");
    let _controller = Controller::start(&rgd.name, &[]);
    let _guards = create_rgd(&client, &rgd).await;

    // The RGD's status describes the graph; the CRD is Established and labelled as ours.
    let rgds: Api<DynamicObject> = Api::all_with(client.clone(), &rgd_api_resource());
    let live = rgds.get(&rgd.name).await.unwrap();
    assert_eq!(
        live.data.pointer("/status/topologicalOrder"),
        Some(&json!(["config", "deployment", "service"]))
    );
    for type_ in ["GraphAccepted", "KindReady", "ControllerReady", "Ready"] {
        assert_eq!(
            condition(&live, type_).map(|c| &c["status"]),
            Some(&json!("True")),
            "{type_}"
        );
    }
    assert!(live.finalizers().iter().any(|f| f == "kro.run/finalizer"));
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd = crds.get(&rgd.crd_name()).await.unwrap();
    assert_eq!(
        crd.labels().get("kro.run/resource-graph-definition-name"),
        Some(&rgd.name)
    );

    // An instance: children in order, kro's labels, ACTIVE once the Deployment is Available.
    let instances: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), ns.name(), &rgd.resource);
    apply(
        &client,
        &rgd.resource,
        Some(ns.name()),
        &json!({"apiVersion": "kro.run/v1alpha1", "kind": rgd.kind, "metadata": {"name": "shop"}, "spec": {"name": "shop"}}),
    )
    .await;
    let active = wait_instance_active(&instances, "shop").await;
    assert_eq!(active.data.pointer("/status/available"), Some(&json!(1)));
    assert!(active.finalizers().iter().any(|f| f == "kro.run/finalizer"));
    assert_eq!(
        active.labels().get("kro.run/owned").map(String::as_str),
        Some("true")
    );
    assert_eq!(
        active
            .labels()
            .get("kro.run/resource-graph-definition-name"),
        Some(&rgd.name)
    );
    assert!(active.labels().contains_key("applyset.kubernetes.io/id"));
    assert_eq!(
        active
            .annotations()
            .get("applyset.kubernetes.io/contains-group-kinds")
            .map(String::as_str),
        Some("ConfigMap,Deployment.apps,Service")
    );

    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns.name());
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ns.name());
    let services: Api<Service> = Api::namespaced(client.clone(), ns.name());
    let cm = configmaps.get("shop-config").await.unwrap();
    let labels = cm.labels();
    assert_eq!(
        labels.get("kro.run/instance-name").map(String::as_str),
        Some("shop")
    );
    assert_eq!(
        labels.get("kro.run/instance-namespace").map(String::as_str),
        Some(ns.name())
    );
    assert_eq!(
        labels.get("kro.run/node-id").map(String::as_str),
        Some("config")
    );
    assert_eq!(
        labels
            .get("app.kubernetes.io/managed-by")
            .map(String::as_str),
        Some("kro")
    );
    assert_eq!(labels.get("kro.run/instance-id"), active.uid().as_ref());
    assert!(
        cm.owner_references().is_empty(),
        "no owner references on children"
    );
    assert!(
        cm.managed_fields()
            .iter()
            .any(|m| m.manager.as_deref() == Some("kro.run/applyset")),
        "applied by kro.run/applyset"
    );
    let deployment = deployments.get("shop").await.unwrap();
    let waves = |o: &std::collections::BTreeMap<String, String>| {
        o.get("internal.kro.run/apply-order")
            .cloned()
            .unwrap_or_default()
    };
    assert!(waves(cm.annotations()) < waves(deployment.annotations()));
    // Created in order: the ConfigMap before the Deployment before the Service.
    let service = services.get("shop").await.unwrap();
    assert!(cm.creation_timestamp() <= deployment.creation_timestamp());
    assert!(deployment.creation_timestamp() <= service.creation_timestamp());

    // Drift: a deleted child comes back within seconds, an edited field is reverted.
    let old_uid = cm.uid();
    configmaps
        .delete("shop-config", &DeleteParams::default())
        .await
        .unwrap();
    wait::until(
        "the ConfigMap to be recreated",
        Duration::from_secs(15),
        || async {
            match configmaps
                .get_opt("shop-config")
                .await
                .map_err(|e| e.to_string())?
            {
                Some(cm) if cm.uid() != old_uid => Ok(()),
                other => Err(format!("{:?}", other.map(|c| c.uid()))),
            }
        },
    )
    .await;
    configmaps
        .patch(
            "shop-config",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"greeting": "edited"}})),
        )
        .await
        .unwrap();
    wait::until(
        "the edit to be reverted",
        Duration::from_secs(15),
        || async {
            let cm = configmaps
                .get("shop-config")
                .await
                .map_err(|e| e.to_string())?;
            let greeting = cm.data.unwrap_or_default().get("greeting").cloned();
            match greeting.as_deref() {
                Some("hello shop") => Ok(()),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await;

    // includeWhen false prunes the Service; true recreates it.
    instances
        .patch(
            "shop",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"withService": false}})),
        )
        .await
        .unwrap();
    wait::until(
        "the Service to be pruned",
        Duration::from_secs(20),
        || async {
            match services.get_opt("shop").await.map_err(|e| e.to_string())? {
                None => Ok(()),
                Some(_) => Err("still there".to_owned()),
            }
        },
    )
    .await;
    instances
        .patch(
            "shop",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"withService": true}})),
        )
        .await
        .unwrap();
    wait::until(
        "the Service to be recreated",
        Duration::from_secs(20),
        || async {
            services
                .get_opt("shop")
                .await
                .map_err(|e| e.to_string())?
                .map(|_| ())
                .ok_or("absent".to_owned())
        },
    )
    .await;

    // Deletion: children go, then the instance.
    instances
        .delete("shop", &DeleteParams::default())
        .await
        .unwrap();
    wait::until(
        "the instance and its children to be gone",
        wait::TIMEOUT,
        || async {
            let i = instances.get_opt("shop").await.map_err(|e| e.to_string())?;
            let c = configmaps
                .get_opt("shop-config")
                .await
                .map_err(|e| e.to_string())?;
            let d = deployments
                .get_opt("shop")
                .await
                .map_err(|e| e.to_string())?;
            let s = services.get_opt("shop").await.map_err(|e| e.to_string())?;
            if i.is_none() && c.is_none() && d.is_none() && s.is_none() {
                Ok(())
            } else {
                Err(format!(
                    "instance {} configmap {} deployment {} service {}",
                    i.is_some(),
                    c.is_some(),
                    d.is_some(),
                    s.is_some()
                ))
            }
        },
    )
    .await;
    ns.delete().await;
}

#[tokio::test]
async fn a_broken_rgd_keeps_the_last_good_graph_and_breaking_changes_are_refused() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let ns = TestNamespace::create(&client, "ctl-broken").await;
    let rgd = Rgd::new("ctl-broken");
    let _controller = Controller::start(&rgd.name, &[]);
    let _guards = create_rgd(&client, &rgd).await;
    let instances: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), ns.name(), &rgd.resource);
    let instance = json!({"apiVersion": "kro.run/v1alpha1", "kind": rgd.kind, "metadata": {"name": "web"}, "spec": {"name": "web", "withService": false}});
    apply(&client, &rgd.resource, Some(ns.name()), &instance).await;
    wait_instance_active(&instances, "web").await;

    // Break the RGD: a reference to a resource that does not exist.
    let rgds: Api<DynamicObject> = Api::all_with(client.clone(), &rgd_api_resource());
    let mut broken = rgd.manifest("integer | default=1");
    broken["spec"]["resources"][0]["template"]["data"]["greeting"] =
        json!("${nothere.metadata.name}");
    apply(&client, &rgd_api_resource(), None, &broken).await;
    let rejected = wait::until("GraphAccepted=False", wait::TIMEOUT, || async {
        let o = rgds.get(&rgd.name).await.map_err(|e| e.to_string())?;
        match condition(&o, "GraphAccepted") {
            Some(c) if c["status"] == "False" => Ok(c.clone()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(rejected["reason"], "InvalidResourceGraph");
    assert!(
        rejected["message"].as_str().unwrap().contains("nothere"),
        "{rejected}"
    );

    // The instance is still served with the last good graph: a deleted child comes back.
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns.name());
    let old = configmaps.get("web-config").await.unwrap().uid();
    configmaps
        .delete("web-config", &DeleteParams::default())
        .await
        .unwrap();
    wait::until(
        "the ConfigMap to be recreated by the last good graph",
        Duration::from_secs(15),
        || async {
            match configmaps
                .get_opt("web-config")
                .await
                .map_err(|e| e.to_string())?
            {
                Some(cm) if cm.uid() != old => Ok(()),
                _ => Err("not recreated".to_owned()),
            }
        },
    )
    .await;

    // A breaking change (replicas: integer → string) is refused and named.
    apply(&client, &rgd_api_resource(), None, &rgd.manifest("string")).await;
    let refused = wait::until(
        "KindReady=False for the breaking change",
        wait::TIMEOUT,
        || async {
            let o = rgds.get(&rgd.name).await.map_err(|e| e.to_string())?;
            match condition(&o, "KindReady") {
                Some(c) if c["status"] == "False" => Ok((o.clone(), c.clone())),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await;
    assert_eq!(refused.1["reason"], "BreakingChanges");
    assert!(
        refused.1["message"].as_str().unwrap().contains("replicas"),
        "{}",
        refused.1
    );
    assert_eq!(
        refused.0.data.pointer("/status/state"),
        Some(&json!("Inactive"))
    );
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd = serde_json::to_value(crds.get(&rgd.crd_name()).await.unwrap()).unwrap();
    let replicas_type = crd
        .pointer("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/replicas/type")
        .cloned();
    assert_eq!(
        replicas_type,
        Some(json!("integer")),
        "the CRD was not changed"
    );

    instances
        .delete("web", &DeleteParams::default())
        .await
        .unwrap();
    wait::gone(&instances, "web").await;
    ns.delete().await;
}

#[tokio::test]
async fn a_crd_not_owned_by_the_rgd_is_not_taken_over() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let rgd = Rgd::new("ctl-owned");
    let _crd_guard = DeleteOnDrop::cluster_scoped::<CustomResourceDefinition>(&rgd.crd_name());
    let _rgd_guard = DeleteOnDrop::dynamic(rgd_api_resource(), None, &rgd.name);
    // Someone else's CRD with the same name.
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let foreign: CustomResourceDefinition = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": rgd.crd_name()},
        "spec": {
            "group": "kro.run",
            "names": {"kind": rgd.kind, "plural": rgd.resource.plural, "singular": rgd.kind.to_lowercase(), "listKind": format!("{}List", rgd.kind)},
            "scope": "Namespaced",
            "versions": [{"name": "v1alpha1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]
        }
    }))
    .unwrap();
    crds.create(&PostParams::default(), &foreign).await.unwrap();
    let _controller = Controller::start(&rgd.name, &[]);
    apply(
        &client,
        &rgd_api_resource(),
        None,
        &rgd.manifest("integer | default=1"),
    )
    .await;
    let rgds: Api<DynamicObject> = Api::all_with(client.clone(), &rgd_api_resource());
    let refused = wait::until("KindReady=False", wait::TIMEOUT, || async {
        let o = rgds.get(&rgd.name).await.map_err(|e| e.to_string())?;
        match condition(&o, "KindReady") {
            Some(c) if c["status"] == "False" => Ok(c.clone()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(refused["reason"], "CRDNotOwned");
    let crd = crds.get(&rgd.crd_name()).await.unwrap();
    assert!(
        !crd.labels().contains_key("kro.run/owned"),
        "the foreign CRD was left alone"
    );
}
