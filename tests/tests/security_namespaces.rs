//! The namespace model (docs/security.md): children of a namespaced instance land in the
//! instance's namespace unless the template names another; a template may name any namespace,
//! even one taken from the instance's spec (a missing one is reported, not created);
//! cluster-scoped children have none; and what limits where the controller writes is its
//! ServiceAccount's RBAC — an admin grants writes per namespace with RoleBindings, and a child
//! aimed elsewhere fails with the API server's reason.

use k8s_openapi::api::core::v1::{ConfigMap, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, RoleBinding};
use kro_tests::cleanup::DeleteOnDrop;
use kro_tests::controller::{
    Controller, apply, apply_rgd_and_wait_active, condition, generated_kind, install_rgd_crd,
    rgd_guards, state, wait_instance_active,
};
use kro_tests::identity::{RunningController, install_rbac, service_account_kubeconfig};
use kro_tests::{TestNamespace, client, unique_name, wait};
use kube::api::{DeleteParams, DynamicObject, PostParams};
use kube::{Api, Resource, ResourceExt};
use serde_json::json;

/// A kind name unique to this run (`<prefix><the name without dashes>`).
fn kind_for(prefix: &str, name: &str) -> String {
    format!("{prefix}{}", name.replace('-', ""))
        .chars()
        .take(40)
        .collect()
}

/// Waits until `get` finds nothing.
async fn until_gone<K>(api: &Api<K>, name: &str)
where
    K: Resource + Clone + k8s_openapi::serde::de::DeserializeOwned + std::fmt::Debug,
{
    wait::until(&format!("{name} to be gone"), wait::TIMEOUT, || async {
        match api.get_opt(name).await {
            Ok(None) => Ok(()),
            Ok(Some(_)) => Err("still there".to_owned()),
            Err(e) => Err(e.to_string()),
        }
    })
    .await;
}

#[tokio::test]
async fn children_land_in_the_instance_namespace_unless_the_template_names_another() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let home = TestNamespace::create(&client, "sec-ns-home").await;
    let elsewhere = TestNamespace::create(&client, "sec-ns-elsewhere").await;
    let name = unique_name("sec-ns");
    let kind = kind_for("SecNs", &name);
    let resource = generated_kind(&kind);
    let _controller = Controller::start(&name, &[]);
    let _guards = rgd_guards(&name, &kind);
    apply_rgd_and_wait_active(
        &client,
        &json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": "ResourceGraphDefinition",
            "metadata": { "name": name, "labels": { "kro-test": name } },
            "spec": {
                "schema": {
                    "apiVersion": "v1alpha1",
                    "kind": kind,
                    "spec": {
                        "target": "string | required=true",
                        "roleName": "string | required=true",
                    },
                },
                "resources": [
                    {
                        "id": "local",
                        "template": {
                            "apiVersion": "v1",
                            "kind": "ConfigMap",
                            "metadata": { "name": "${schema.metadata.name}-local" },
                            "data": { "where": "the instance's namespace" },
                        },
                    },
                    {
                        "id": "remote",
                        "template": {
                            "apiVersion": "v1",
                            "kind": "ConfigMap",
                            "metadata": {
                                "name": "${schema.metadata.name}-remote",
                                "namespace": "${schema.spec.target}",
                            },
                            "data": { "where": "the namespace the spec names" },
                        },
                    },
                    {
                        "id": "role",
                        "template": {
                            "apiVersion": "rbac.authorization.k8s.io/v1",
                            "kind": "ClusterRole",
                            "metadata": { "name": "${schema.spec.roleName}" },
                            "rules": [],
                        },
                    },
                ],
            },
        }),
    )
    .await;

    let role_name = unique_name("sec-ns-role");
    let _role = DeleteOnDrop::cluster_scoped::<ClusterRole>(&role_name);
    let instances = Api::<DynamicObject>::namespaced_with(client.clone(), home.name(), &resource);
    apply(
        &client,
        &resource,
        Some(home.name()),
        &json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": kind,
            "metadata": { "name": "app" },
            "spec": { "target": elsewhere.name(), "roleName": role_name },
        }),
    )
    .await;
    let instance = wait_instance_active(&instances, "app").await;

    // No namespace in the template: the instance's.
    let home_configs = Api::<ConfigMap>::namespaced(client.clone(), home.name());
    let local = home_configs.get("app-local").await.unwrap();
    assert_eq!(local.labels()["kro.run/instance-namespace"], home.name());
    // A namespace in the template, here from the instance's spec: that one, and nothing of
    // it in the instance's namespace.
    let elsewhere_configs = Api::<ConfigMap>::namespaced(client.clone(), elsewhere.name());
    let remote = elsewhere_configs.get("app-remote").await.unwrap();
    assert_eq!(remote.labels()["kro.run/instance-namespace"], home.name());
    assert_eq!(remote.labels()["kro.run/instance-name"], "app");
    assert!(home_configs.get_opt("app-remote").await.unwrap().is_none());
    // The ApplySet parent lists the other namespace.
    assert_eq!(
        instance.annotations()["applyset.kubernetes.io/additional-namespaces"],
        elsewhere.name()
    );
    // Cluster-scoped: no namespace, still labelled with the instance's.
    let role = Api::<ClusterRole>::all(client.clone())
        .get(&role_name)
        .await
        .unwrap();
    assert_eq!(role.namespace(), None);
    assert_eq!(role.labels()["kro.run/instance-namespace"], home.name());

    // A namespace that does not exist: the API server's refusal, in the status.
    let missing = unique_name("sec-ns-missing");
    let missing_role = unique_name("sec-ns-role");
    let _missing_role = DeleteOnDrop::cluster_scoped::<ClusterRole>(&missing_role);
    apply(
        &client,
        &resource,
        Some(home.name()),
        &json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": kind,
            "metadata": { "name": "lost" },
            "spec": { "target": missing, "roleName": missing_role },
        }),
    )
    .await;
    let lost = wait::until(
        "the missing namespace to be reported",
        wait::TIMEOUT,
        || async {
            let o = instances.get("lost").await.map_err(|e| e.to_string())?;
            match state(&o) {
                Some("ERROR") => Ok(o),
                _ => Err(format!("{:?}", o.data.get("status"))),
            }
        },
    )
    .await;
    assert_eq!(
        condition(&lost, "Ready").unwrap()["message"],
        format!("remote: the API server refused it: namespaces \"{missing}\" not found")
    );
    instances
        .delete("lost", &DeleteParams::default())
        .await
        .unwrap();
    until_gone(&instances, "lost").await;

    // Deleting the instance deletes its children in every namespace and the cluster-scoped one.
    instances
        .delete("app", &DeleteParams::default())
        .await
        .unwrap();
    until_gone(&instances, "app").await;
    assert!(home_configs.get_opt("app-local").await.unwrap().is_none());
    assert!(
        elsewhere_configs
            .get_opt("app-remote")
            .await
            .unwrap()
            .is_none()
    );
    until_gone(&Api::<ClusterRole>::all(client.clone()), &role_name).await;
}

#[tokio::test]
async fn an_admin_limits_the_namespaces_the_controller_writes_to() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let controller_ns = TestNamespace::create(&client, "sec-limit-kro").await;
    let allowed_ns = TestNamespace::create(&client, "sec-limit-allowed").await;
    let other_ns = TestNamespace::create(&client, "sec-limit-other").await;
    let rbac = install_rbac(&client, controller_ns.name()).await;
    let subject = json!([{
        "kind": "ServiceAccount",
        "name": rbac.service_account,
        "namespace": rbac.namespace,
    }]);

    // Read everywhere (the controller watches and lists children at the cluster scope),
    // write only in one namespace. Bound directly, not aggregated: aggregation is shared by
    // every install in the cluster.
    let read = unique_name("sec-limit-read");
    let write = unique_name("sec-limit-write");
    let _read = DeleteOnDrop::cluster_scoped::<ClusterRole>(&read);
    let _read_binding = DeleteOnDrop::cluster_scoped::<ClusterRoleBinding>(&read);
    let _write = DeleteOnDrop::cluster_scoped::<ClusterRole>(&write);
    let roles = Api::<ClusterRole>::all(client.clone());
    for (role, verbs) in [
        (&read, json!(["get", "list", "watch"])),
        (&write, json!(["create", "update", "patch", "delete"])),
    ] {
        let object: ClusterRole = serde_json::from_value(json!({
            "metadata": { "name": role },
            "rules": [{ "apiGroups": [""], "resources": ["serviceaccounts"], "verbs": verbs }],
        }))
        .unwrap();
        roles.create(&PostParams::default(), &object).await.unwrap();
    }
    let binding: ClusterRoleBinding = serde_json::from_value(json!({
        "metadata": { "name": read },
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": read },
        "subjects": subject,
    }))
    .unwrap();
    Api::<ClusterRoleBinding>::all(client.clone())
        .create(&PostParams::default(), &binding)
        .await
        .unwrap();
    let binding: RoleBinding = serde_json::from_value(json!({
        "metadata": { "name": write },
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": write },
        "subjects": subject,
    }))
    .unwrap();
    Api::<RoleBinding>::namespaced(client.clone(), allowed_ns.name())
        .create(&PostParams::default(), &binding)
        .await
        .unwrap();

    let name = unique_name("sec-limit");
    let kind = kind_for("SecLimit", &name);
    let resource = generated_kind(&kind);
    let _guards = rgd_guards(&name, &kind);
    let kubeconfig = service_account_kubeconfig(&client, &rbac).await;
    let _controller = RunningController::start(&kubeconfig, &name, "info,kubectl_kro=debug", &[]);
    apply_rgd_and_wait_active(
        &client,
        &json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": "ResourceGraphDefinition",
            "metadata": { "name": name, "labels": { "kro-test": name } },
            "spec": {
                "schema": {
                    "apiVersion": "v1alpha1",
                    "kind": kind,
                    "spec": { "target": "string | required=true" },
                },
                "resources": [
                    {
                        "id": "local",
                        "template": {
                            "apiVersion": "v1",
                            "kind": "ServiceAccount",
                            "metadata": { "name": "${schema.metadata.name}-local" },
                        },
                    },
                    {
                        "id": "remote",
                        "template": {
                            "apiVersion": "v1",
                            "kind": "ServiceAccount",
                            "metadata": {
                                "name": "${schema.metadata.name}-remote",
                                "namespace": "${schema.spec.target}",
                            },
                        },
                    },
                ],
            },
        }),
    )
    .await;

    let instances =
        Api::<DynamicObject>::namespaced_with(client.clone(), allowed_ns.name(), &resource);
    for (instance, target) in [("inside", allowed_ns.name()), ("outside", other_ns.name())] {
        apply(
            &client,
            &resource,
            Some(allowed_ns.name()),
            &json!({
                "apiVersion": "kro.run/v1alpha1",
                "kind": kind,
                "metadata": { "name": instance },
                "spec": { "target": target },
            }),
        )
        .await;
    }

    // Everything in the namespace it may write to: ACTIVE.
    wait_instance_active(&instances, "inside").await;
    let allowed_accounts = Api::<ServiceAccount>::namespaced(client.clone(), allowed_ns.name());
    for child in ["inside-local", "inside-remote"] {
        assert!(
            allowed_accounts.get_opt(child).await.unwrap().is_some(),
            "{child}"
        );
    }

    // A child aimed at another namespace: refused by the API server, and the instance says so.
    let outside = wait::until(
        "the instance aiming elsewhere to fail",
        wait::TIMEOUT,
        || async {
            let o = instances.get("outside").await.map_err(|e| e.to_string())?;
            match state(&o) {
                Some("ERROR") => Ok(o),
                _ => Err(format!("{:?}", o.data.get("status"))),
            }
        },
    )
    .await;
    let ready = condition(&outside, "Ready").unwrap();
    assert_eq!(
        ready["message"].as_str().unwrap(),
        format!(
            "remote: the API server refused it: serviceaccounts \"outside-remote\" is forbidden: User \"{}\" cannot patch resource \"serviceaccounts\" in API group \"\" in the namespace \"{}\"",
            rbac.user(),
            other_ns.name()
        )
    );
    assert!(
        allowed_accounts
            .get_opt("outside-local")
            .await
            .unwrap()
            .is_some(),
        "the independent child in the allowed namespace is created"
    );
    let other_accounts = Api::<ServiceAccount>::namespaced(client.clone(), other_ns.name());
    assert!(
        other_accounts
            .get_opt("outside-remote")
            .await
            .unwrap()
            .is_none()
    );

    // Both instances delete cleanly: listing children needs only the read role.
    for instance in ["inside", "outside"] {
        instances
            .delete(instance, &DeleteParams::default())
            .await
            .unwrap();
    }
    for instance in ["inside", "outside"] {
        until_gone(&instances, instance).await;
    }
    for child in ["inside-local", "inside-remote", "outside-local"] {
        assert!(
            allowed_accounts.get_opt(child).await.unwrap().is_none(),
            "{child}"
        );
    }
}
