//! The RBAC `kubectl kro install` creates is least privilege, checked by the API server's own
//! authorizer: the controller's ServiceAccount may do what the controller needs and is denied
//! the rest; and the real controller, run with a token of that ServiceAccount, serves an RGD
//! whose kinds the role grants and reports the API server's refusal for a kind it does not.
//!
//! The RBAC objects are the install's own (`install --dry-run -o json -n <test namespace>`),
//! applied into the test's namespace: cluster-scoped roles carry the namespace in their names,
//! so tests never share them. Roles labelled for aggregation reach every install's aggregated
//! role, so these tests aggregate only kinds no other test asserts on (ConfigMaps,
//! PodTemplates) and never the ones denied below.

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::api::rbac::v1::ClusterRole;
use kro_tests::cleanup::DeleteOnDrop;
use kro_tests::controller::{
    apply, apply_rgd_and_wait_active, condition, generated_kind, install_rgd_crd, rgd_guards,
    state, wait_instance_active,
};
use kro_tests::identity::{
    Access, RunningController, allowed, install_rbac, service_account_kubeconfig,
};
use kro_tests::{TestNamespace, client, unique_name, wait};
use kube::api::{DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::{Api, Client, ResourceExt};
use serde_json::{Value as Json, json};

/// A kind name unique to this run (`<prefix><the name without dashes>`).
fn kind_for(prefix: &str, name: &str) -> String {
    format!("{prefix}{}", name.replace('-', ""))
        .chars()
        .take(40)
        .collect()
}

/// Creates a ClusterRole labelled for aggregation into every install's
/// `kro-controller-resources` role; deleted on drop.
async fn aggregate(client: &Client, name: &str, rules: Json) -> DeleteOnDrop {
    let guard = DeleteOnDrop::cluster_scoped::<ClusterRole>(name);
    let role: ClusterRole = serde_json::from_value(json!({
        "metadata": {
            "name": name,
            "labels": { "rbac.kro.run/aggregate-to-controller": "true" },
        },
        "rules": rules,
    }))
    .unwrap();
    Api::<ClusterRole>::all(client.clone())
        .create(&PostParams::default(), &role)
        .await
        .unwrap_or_else(|e| panic!("creating ClusterRole {name}: {e}"));
    guard
}

const fn at<'a>(
    verb: &'a str,
    group: &'a str,
    resource: &'a str,
    namespace: Option<&'a str>,
) -> Access<'a> {
    Access {
        verb,
        group,
        resource,
        namespace,
    }
}

#[tokio::test]
async fn the_installed_rbac_grants_what_the_controller_needs_and_nothing_more() {
    let client = client().await;
    let ns = TestNamespace::create(&client, "sec-rbac").await;
    let n = ns.name();
    let rbac = install_rbac(&client, n).await;
    let other = Some("default");
    let own = Some(n);

    let needed = [
        // Its own API: RGDs, their status and finalizers.
        at("get", "kro.run", "resourcegraphdefinitions", None),
        at("list", "kro.run", "resourcegraphdefinitions", None),
        at("watch", "kro.run", "resourcegraphdefinitions", None),
        at("update", "kro.run", "resourcegraphdefinitions", None),
        at("patch", "kro.run", "resourcegraphdefinitions", None),
        at("patch", "kro.run", "resourcegraphdefinitions/status", None),
        at("update", "kro.run", "resourcegraphdefinitions/status", None),
        at(
            "update",
            "kro.run",
            "resourcegraphdefinitions/finalizers",
            None,
        ),
        // The CRDs it generates.
        at(
            "get",
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            None,
        ),
        at(
            "list",
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            None,
        ),
        at(
            "watch",
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            None,
        ),
        at(
            "create",
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            None,
        ),
        at(
            "patch",
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            None,
        ),
        // Instances of kinds in kro.run, anywhere: watch, finalizer and labels, status.
        at("list", "kro.run", "webapps", None),
        at("watch", "kro.run", "webapps", None),
        at("get", "kro.run", "webapps", other),
        at("patch", "kro.run", "webapps", other),
        at("patch", "kro.run", "webapps/status", other),
        at("update", "kro.run", "webapps/finalizers", other),
        // Events.
        at("create", "", "events", other),
        at("patch", "events.k8s.io", "events", other),
        // Leader election, in its own namespace.
        at("get", "coordination.k8s.io", "leases", own),
        at("create", "coordination.k8s.io", "leases", own),
        at("update", "coordination.k8s.io", "leases", own),
    ];
    let not_needed = [
        // RGDs are the user's: the controller never creates or deletes them, nor CRDs
        // (without --allow-crd-deletion), nor instances.
        at("create", "kro.run", "resourcegraphdefinitions", None),
        at("delete", "kro.run", "resourcegraphdefinitions", None),
        at(
            "delete",
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            None,
        ),
        at("create", "kro.run", "webapps", other),
        at("delete", "kro.run", "webapps", other),
        // Secrets, anywhere, including its own namespace.
        at("get", "", "secrets", other),
        at("list", "", "secrets", None),
        at("watch", "", "secrets", Some("kube-system")),
        at("get", "", "secrets", own),
        // Workloads' insides and nodes.
        at("create", "", "pods/exec", other),
        at("create", "", "pods/attach", other),
        at("create", "", "pods/portforward", other),
        at("get", "", "nodes", None),
        at("get", "", "nodes/proxy", None),
        at("patch", "", "nodes", None),
        // Namespaces.
        at("delete", "", "namespaces", None),
        at("create", "", "namespaces", None),
        // Privilege escalation: RBAC, impersonation, tokens, certificates.
        at("bind", "rbac.authorization.k8s.io", "clusterroles", None),
        at(
            "escalate",
            "rbac.authorization.k8s.io",
            "clusterroles",
            None,
        ),
        at("create", "rbac.authorization.k8s.io", "clusterroles", None),
        at(
            "create",
            "rbac.authorization.k8s.io",
            "clusterrolebindings",
            None,
        ),
        at("create", "rbac.authorization.k8s.io", "rolebindings", other),
        at("impersonate", "", "users", None),
        at("impersonate", "", "serviceaccounts", other),
        at("create", "", "serviceaccounts/token", other),
        at("create", "", "serviceaccounts/token", own),
        at("approve", "certificates.k8s.io", "signers", None),
        at(
            "update",
            "admissionregistration.k8s.io",
            "mutatingwebhookconfigurations",
            None,
        ),
        // Leases elsewhere (the control plane's own leader election lives there).
        at(
            "update",
            "coordination.k8s.io",
            "leases",
            Some("kube-system"),
        ),
        at("get", "coordination.k8s.io", "leases", other),
        // Children are granted only through the aggregated role, which is empty at first.
        at("create", "", "podtemplates", other),
    ];
    let mut wrong = Vec::new();
    for access in needed {
        let (ok, reason) = allowed(&client, &rbac, access).await;
        if !ok {
            wrong.push(format!("denied but needed: {access} ({reason})"));
        }
    }
    for access in not_needed {
        let (ok, reason) = allowed(&client, &rbac, access).await;
        if ok {
            wrong.push(format!("allowed but not needed: {access} ({reason})"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // A role labelled for aggregation extends what the controller may manage, at once and
    // only by what it grants.
    let grant = unique_name("sec-rbac-podtemplates");
    let _grant = aggregate(
        &client,
        &grant,
        json!([{
            "apiGroups": [""],
            "resources": ["podtemplates"],
            "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
        }]),
    )
    .await;
    let resources_role = rbac.name_of("ClusterRole", "kro-controller-resources");
    wait::until(
        &format!("{resources_role} to aggregate {grant}"),
        wait::TIMEOUT,
        || async {
            match allowed(&client, &rbac, at("create", "", "podtemplates", other)).await {
                (true, _) => Ok(()),
                (false, reason) => Err(reason),
            }
        },
    )
    .await;
    for access in [
        at("list", "", "podtemplates", None),
        at("delete", "", "podtemplates", Some("kube-system")),
    ] {
        assert!(allowed(&client, &rbac, access).await.0, "{access}");
    }
    for access in [
        at("create", "", "pods", other),
        at("get", "", "secrets", other),
        at("deletecollection", "", "podtemplates", other),
    ] {
        let (ok, reason) = allowed(&client, &rbac, access).await;
        assert!(!ok, "{access} is allowed: {reason}");
    }
}

/// An RGD of one ConfigMap (`data.value` from the spec), or of one Secret.
fn rgd(name: &str, kind: &str, child: &str) -> Json {
    let template = match child {
        "ConfigMap" => json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": { "name": "${schema.metadata.name}-config" },
            "data": { "value": "${schema.spec.value}" },
        }),
        _ => json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": { "name": "${schema.metadata.name}-secret" },
            "stringData": { "value": "${schema.spec.value}" },
        }),
    };
    json!({
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": { "name": name, "labels": { "kro-test": name } },
        "spec": {
            "schema": {
                "apiVersion": "v1alpha1",
                "kind": kind,
                "spec": { "value": "string | default=\"x\"" },
            },
            "resources": [{ "id": "child", "template": template }],
        },
    })
}

#[tokio::test]
async fn the_controller_runs_as_its_service_account() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let ns = TestNamespace::create(&client, "sec-sa").await;
    let n = ns.name().to_owned();
    let rbac = install_rbac(&client, &n).await;

    // As documented: a role labelled for aggregation lets kro manage ConfigMaps.
    let grant = unique_name("sec-sa-configmaps");
    let _grant = aggregate(
        &client,
        &grant,
        json!([{
            "apiGroups": [""],
            "resources": ["configmaps"],
            "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
        }]),
    )
    .await;
    wait::until("ConfigMaps to be granted", wait::TIMEOUT, || async {
        match allowed(&client, &rbac, at("create", "", "configmaps", Some(&n))).await {
            (true, _) => Ok(()),
            (false, reason) => Err(reason),
        }
    })
    .await;

    // Both RGDs share a label, so one controller serves them.
    let label = unique_name("sec-sa");
    let granted = unique_name("sec-sa-configmap");
    let refused = unique_name("sec-sa-secret");
    let granted_kind = kind_for("SecCm", &granted);
    let refused_kind = kind_for("SecSecret", &refused);
    let _granted_guards = rgd_guards(&granted, &granted_kind);
    let _refused_guards = rgd_guards(&refused, &refused_kind);

    let kubeconfig = service_account_kubeconfig(&client, &rbac).await;
    // --leader-elect: the lease in its own namespace is enough.
    let controller = RunningController::start(
        &kubeconfig,
        &label,
        "info,kubectl_kro=debug",
        &["--leader-elect"],
    );
    for (name, kind, child) in [
        (&granted, &granted_kind, "ConfigMap"),
        (&refused, &refused_kind, "Secret"),
    ] {
        let mut manifest = rgd(name, kind, child);
        manifest["metadata"]["labels"]["kro-test"] = json!(label);
        apply_rgd_and_wait_active(&client, &manifest).await;
    }

    // The granted kind: the instance gets its ConfigMap and becomes ACTIVE.
    let granted_api =
        Api::<DynamicObject>::namespaced_with(client.clone(), &n, &generated_kind(&granted_kind));
    apply(
        &client,
        &generated_kind(&granted_kind),
        Some(&n),
        &json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": granted_kind,
            "metadata": { "name": "granted" },
            "spec": { "value": "hello" },
        }),
    )
    .await;
    wait_instance_active(&granted_api, "granted").await;
    let config = Api::<ConfigMap>::namespaced(client.clone(), &n)
        .get("granted-config")
        .await
        .unwrap();
    assert_eq!(config.data.unwrap()["value"], "hello");
    let lease_holder =
        Api::<k8s_openapi::api::coordination::v1::Lease>::namespaced(client.clone(), &n)
            .get("kro-controller-leader")
            .await
            .expect("the controller took its lease in its namespace")
            .spec
            .and_then(|s| s.holder_identity);
    assert!(lease_holder.is_some());

    // The kind the role does not grant: the instance says the API server refused it and why.
    let refused_api =
        Api::<DynamicObject>::namespaced_with(client.clone(), &n, &generated_kind(&refused_kind));
    apply(
        &client,
        &generated_kind(&refused_kind),
        Some(&n),
        &json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": refused_kind,
            "metadata": { "name": "refused" },
            "spec": { "value": "hello" },
        }),
    )
    .await;
    let user = rbac.user();
    let instance = wait::until(
        "the refused instance to report the permission problem",
        wait::TIMEOUT,
        || async {
            let o = refused_api
                .get("refused")
                .await
                .map_err(|e| e.to_string())?;
            match state(&o) {
                Some("ERROR") => Ok(o),
                _ => Err(format!("{:?}", o.data.get("status"))),
            }
        },
    )
    .await;
    let ready = condition(&instance, "Ready").expect("a Ready condition");
    assert_eq!(ready["status"], "False", "{ready}");
    let message = ready["message"].as_str().unwrap();
    let expected = format!(
        "child: the API server refused it: secrets \"refused-secret\" is forbidden: User \"{user}\" cannot patch resource \"secrets\" in API group \"\" in the namespace \"{n}\""
    );
    assert_eq!(message, expected);
    let resources_ready = condition(&instance, "ResourcesReady").unwrap();
    assert!(
        resources_ready["message"]
            .as_str()
            .unwrap()
            .contains("cannot patch resource \"secrets\""),
        "{resources_ready}"
    );
    assert!(
        Api::<Secret>::namespaced(client.clone(), &n)
            .get_opt("refused-secret")
            .await
            .unwrap()
            .is_none()
    );
    // The controller kept serving: the granted instance follows a change.
    apply(
        &client,
        &generated_kind(&granted_kind),
        Some(&n),
        &json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": granted_kind,
            "metadata": { "name": "granted" },
            "spec": { "value": "changed" },
        }),
    )
    .await;
    let configs = Api::<ConfigMap>::namespaced(client.clone(), &n);
    wait::until(
        "the ConfigMap to follow the spec",
        wait::TIMEOUT,
        || async {
            let c = configs
                .get("granted-config")
                .await
                .map_err(|e| e.to_string())?;
            match c.data.as_ref().map(|d| d["value"].as_str()) {
                Some("changed") => Ok(()),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await;

    // Deleting the granted instance removes its ConfigMap and then the finalizer.
    granted_api
        .delete("granted", &DeleteParams::default())
        .await
        .unwrap();
    wait::until("the granted instance to be gone", wait::TIMEOUT, || async {
        match granted_api.get_opt("granted").await {
            Ok(None) => Ok(()),
            Ok(Some(o)) => Err(format!("finalizers {:?}", o.finalizers())),
            Err(e) => Err(e.to_string()),
        }
    })
    .await;
    assert!(configs.get_opt("granted-config").await.unwrap().is_none());

    // The refused instance: to find its children the controller lists Secrets, which the role
    // does not grant anywhere. Until it can, its log says why deletion does not finish
    // (docs/security.md); the admin then removes the finalizer.
    refused_api
        .delete("refused", &DeleteParams::default())
        .await
        .unwrap();
    let log = controller.log.clone();
    let listing = format!(
        "listing Secret children: ApiError: secrets is forbidden: User \"{user}\" cannot list resource \"secrets\""
    );
    wait::until(
        "the refused instance to be gone, or the log to say why not",
        wait::TIMEOUT,
        || async {
            match refused_api.get_opt("refused").await {
                Ok(None) => Ok(()),
                Ok(Some(_)) if std::fs::read_to_string(&log).unwrap().contains(&listing) => Ok(()),
                Ok(Some(o)) => Err(format!("finalizers {:?}", o.finalizers())),
                Err(e) => Err(e.to_string()),
            }
        },
    )
    .await;
    refused_api
        .patch(
            "refused",
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "finalizers": null } })),
        )
        .await
        .ok();
    drop(controller);
}

/// An external reference to a kind the role does not let the controller read is reported like
/// a refused child: in the instance's status, not only in the log.
#[tokio::test]
async fn an_external_reference_the_role_does_not_grant_is_reported() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let ns = TestNamespace::create(&client, "sec-ext").await;
    let n = ns.name().to_owned();
    let rbac = install_rbac(&client, &n).await;
    let name = unique_name("sec-ext");
    let kind = kind_for("SecExt", &name);
    let resource = generated_kind(&kind);
    let _guards = rgd_guards(&name, &kind);
    let kubeconfig = service_account_kubeconfig(&client, &rbac).await;
    let controller = RunningController::start(&kubeconfig, &name, "info", &[]);
    apply_rgd_and_wait_active(
        &client,
        &json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": "ResourceGraphDefinition",
            "metadata": { "name": name, "labels": { "kro-test": name } },
            "spec": {
                "schema": { "apiVersion": "v1alpha1", "kind": kind, "spec": {} },
                "resources": [{
                    "id": "creds",
                    "externalRef": {
                        "apiVersion": "v1",
                        "kind": "Secret",
                        "metadata": { "name": "creds" },
                    },
                }],
            },
        }),
    )
    .await;
    apply(
        &client,
        &resource,
        Some(&n),
        &json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": kind,
            "metadata": { "name": "reader" },
            "spec": {},
        }),
    )
    .await;
    let instances = Api::<DynamicObject>::namespaced_with(client.clone(), &n, &resource);
    let user = rbac.user();
    // Not wait::until: the cleanup below must run whatever the outcome.
    let deadline = std::time::Instant::now() + wait::TIMEOUT;
    let reported = loop {
        let o = instances.get("reader").await.unwrap();
        let message = condition(&o, "Ready").and_then(|c| c["message"].as_str());
        match message {
            Some(m) if m.contains("forbidden") => break m.to_owned(),
            _ if std::time::Instant::now() > deadline => {
                break format!(
                    "no report after {:?}: {:?}",
                    wait::TIMEOUT,
                    o.data.get("status")
                );
            }
            _ => tokio::time::sleep(wait::INTERVAL).await,
        }
    };
    // Cleanup before the assertion, whatever happened: delete, stop the controller, and
    // remove the finalizer it may not be able to remove.
    instances
        .delete("reader", &DeleteParams::default())
        .await
        .unwrap();
    drop(controller);
    instances
        .patch(
            "reader",
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "finalizers": null } })),
        )
        .await
        .ok();
    assert!(
        reported.contains(&format!(
            "secrets \"creds\" is forbidden: User \"{user}\" cannot get resource \"secrets\""
        )),
        "{reported}"
    );
}
