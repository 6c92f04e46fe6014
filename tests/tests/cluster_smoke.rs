//! The local control plane is a real Kubernetes: what a user checks first on a new cluster works.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_tests::cleanup::DeleteOnDrop;
use kro_tests::{TestNamespace, client, unique_name, unprivileged_client, wait};
use kube::api::{ApiResource, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::json;

const GROUP: &str = "smoke.kro-tests.kro.run";

/// A namespaced CRD `<kind>` with a uniquely named plural and one version `v1` whose spec has a
/// string field `color`.
fn widget_crd(plural: &str, kind: &str) -> CustomResourceDefinition {
    serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": { "name": format!("{plural}.{GROUP}") },
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": { "plural": plural, "singular": plural, "kind": kind, "listKind": format!("{kind}List") },
            "versions": [{
                "name": "v1",
                "served": true,
                "storage": true,
                "schema": { "openAPIV3Schema": {
                    "type": "object",
                    "properties": { "spec": {
                        "type": "object",
                        "properties": { "color": { "type": "string" } }
                    } }
                } }
            }]
        }
    }))
    .expect("a valid CRD")
}

/// Create a CRD and wait until it is Established; it is deleted when the guard drops.
async fn established_crd(client: &Client, prefix: &str) -> (ApiResource, DeleteOnDrop) {
    // Plurals must be DNS labels; kinds are the plural's CamelCase-free form, unique per run.
    let plural = unique_name(prefix);
    let kind = format!("W{}", plural.replace('-', ""));
    let crd = widget_crd(&plural, &kind);
    let name = crd.metadata.name.clone().expect("named");
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.create(&PostParams::default(), &crd)
        .await
        .expect("the admin creates a CRD");
    let guard = DeleteOnDrop::cluster_scoped::<CustomResourceDefinition>(&name);
    wait::until(
        &format!("CRD {name} to be Established"),
        wait::TIMEOUT,
        || async {
            let crd = crds.get(&name).await.map_err(|e| e.to_string())?;
            let conditions = crd.status.and_then(|s| s.conditions).unwrap_or_default();
            match conditions.iter().find(|c| c.type_ == "Established") {
                Some(c) if c.status == "True" => Ok(()),
                other => Err(format!("Established condition: {other:?}")),
            }
        },
    )
    .await;
    let resource = ApiResource {
        group: GROUP.to_string(),
        version: "v1".to_string(),
        api_version: format!("{GROUP}/v1"),
        kind,
        plural,
    };
    (resource, guard)
}

#[tokio::test]
async fn crd_reaches_established() {
    let client = client().await;
    let (resource, _crd) = established_crd(&client, "established").await;

    let crds: Api<CustomResourceDefinition> = Api::all(client);
    let crd = crds
        .get(&format!("{}.{GROUP}", resource.plural))
        .await
        .expect("the CRD exists");
    let names_accepted = crd
        .status
        .and_then(|s| s.conditions)
        .unwrap_or_default()
        .into_iter()
        .any(|c| c.type_ == "NamesAccepted" && c.status == "True");
    assert!(names_accepted, "an Established CRD has its names accepted");
}

#[tokio::test]
async fn custom_object_is_created_and_listed() {
    let client = client().await;
    let (resource, _crd) = established_crd(&client, "listed").await;
    let ns = TestNamespace::create(&client, "smoke-custom").await;

    let widgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns.name(), &resource);
    let mut widget = DynamicObject::new("red-one", &resource);
    widget.data = json!({ "spec": { "color": "red" } });
    // The CRD is Established, but discovery of the new group can lag a moment behind.
    wait::until("the custom object to be created", wait::TIMEOUT, || async {
        match widgets.create(&PostParams::default(), &widget).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.is_already_exists() => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    })
    .await;

    let listed = widgets
        .list(&ListParams::default())
        .await
        .expect("custom objects are listed");
    let names: Vec<_> = listed
        .items
        .iter()
        .filter_map(|o| o.metadata.name.clone())
        .collect();
    assert_eq!(names, ["red-one"]);
    assert_eq!(listed.items[0].data["spec"]["color"], "red");
}

#[tokio::test]
async fn applying_the_same_configmap_twice_changes_nothing() {
    let client = client().await;
    let ns = TestNamespace::create(&client, "smoke-apply").await;
    let configmaps: Api<ConfigMap> = Api::namespaced(client, ns.name());
    let manifest = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": { "name": "settings", "labels": { "app": "smoke" } },
        "data": { "color": "blue", "size": "3" }
    });
    let params = PatchParams::apply("kro-tests");

    let first = configmaps
        .patch("settings", &params, &Patch::Apply(&manifest))
        .await
        .expect("first apply creates the ConfigMap");
    let second = configmaps
        .patch("settings", &params, &Patch::Apply(&manifest))
        .await
        .expect("second apply succeeds");

    assert!(first.metadata.resource_version.is_some());
    assert_eq!(
        first.metadata.resource_version, second.metadata.resource_version,
        "an apply without changes does not write"
    );
    let managers: Vec<_> = second
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.manager)
        .collect();
    assert_eq!(managers, ["kro-tests"]);
}

#[tokio::test]
async fn deployment_becomes_available() {
    let client = client().await;
    let ns = TestNamespace::create(&client, "smoke-deploy").await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ns.name());
    let deployment: Deployment = serde_json::from_value(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": { "name": "web" },
        "spec": {
            "replicas": 1,
            "selector": { "matchLabels": { "app": "web" } },
            "template": {
                "metadata": { "labels": { "app": "web" } },
                "spec": { "containers": [{ "name": "web", "image": "registry.invalid/web:1" }] }
            }
        }
    }))
    .expect("a valid Deployment");
    deployments
        .create(&PostParams::default(), &deployment)
        .await
        .expect("the Deployment is created");

    wait::until("the Deployment to be available", wait::TIMEOUT, || async {
        let status = deployments
            .get("web")
            .await
            .map_err(|e| e.to_string())?
            .status
            .unwrap_or_default();
        match status.available_replicas {
            Some(1) => Ok(()),
            _ => Err(format!("status {status:?}")),
        }
    })
    .await;

    let pods: Api<Pod> = Api::namespaced(client, ns.name());
    let pods = pods
        .list(&ListParams::default().labels("app=web"))
        .await
        .expect("pods are listed");
    assert_eq!(pods.items.len(), 1);
    let status = pods.items[0].status.clone().unwrap_or_default();
    assert_eq!(status.phase.as_deref(), Some("Running"));
    assert!(status.pod_ip.is_some(), "a running pod has an IP");
}

#[tokio::test]
async fn deleted_namespace_is_gone() {
    let client = client().await;
    let ns = TestNamespace::create(&client, "smoke-delete").await;
    let name = ns.name().to_string();

    ns.delete().await;

    let namespaces: Api<Namespace> = Api::all(client);
    match namespaces.get(&name).await {
        Err(kube::Error::Api(status)) => assert_eq!(status.code, 404, "{status:?}"),
        other => panic!("expected 404 Not Found for namespace {name}, got {other:?}"),
    }
}

#[tokio::test]
async fn unprivileged_user_may_not_create_crds() {
    let client = unprivileged_client().await;
    let plural = unique_name("forbidden");
    let crd = widget_crd(&plural, "Forbidden");
    let crds: Api<CustomResourceDefinition> = Api::all(client);

    match crds.create(&PostParams::default(), &crd).await {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 403, "{status:?}");
            assert_eq!(status.reason, "Forbidden");
        }
        other => {
            // Not expected; do not leave the CRD behind.
            let _crd = DeleteOnDrop::cluster_scoped::<CustomResourceDefinition>(&format!(
                "{plural}.{GROUP}"
            ));
            panic!("expected 403 Forbidden, got {other:?}");
        }
    }
}
