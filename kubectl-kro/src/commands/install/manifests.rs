//! The objects `kubectl kro install` applies, built offline: the RGD CRD, the namespace, the
//! controller's service account, its RBAC and its Deployment.
//!
//! Names are fixed so that `uninstall` finds what `install` made. Cluster-scoped names carry
//! the namespace unless it is the default `kro-system` (`kro-controller-team-a`), so installs
//! into different namespaces never overwrite each other's roles.

use serde_json::{Value, json};

/// The RGD CRD, as the API server receives it.
pub const RGD_CRD_YAML: &str =
    include_str!("../../../manifests/resourcegraphdefinitions.kro.run.yaml");

/// The RGD CRD's name.
pub const RGD_CRD_NAME: &str = "resourcegraphdefinitions.kro.run";

/// The namespace `install` uses without `-n`.
pub const DEFAULT_NAMESPACE: &str = "kro-system";

/// The field manager of every apply.
pub const FIELD_MANAGER: &str = "kubectl-kro";

/// The label that adds a ClusterRole's rules to the controller's aggregated role.
pub const AGGREGATE_LABEL: &str = "rbac.kro.run/aggregate-to-controller";

/// The label `install` puts on everything, and that marks a namespace as created by it.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kubectl-kro");

/// The controller's health port (`/healthz`, `/readyz`).
pub const HEALTH_PORT: u16 = 8079;

/// The controller's metrics port (Prometheus `/metrics`).
pub const METRICS_PORT: u16 = 8078;

/// This version's published image.
pub fn default_image() -> String {
    format!("ghcr.io/kro-rs/kubectl-kro:{}", env!("CARGO_PKG_VERSION"))
}

/// What the user chose.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where the controller runs.
    pub namespace: String,
    /// The controller's image.
    pub image: String,
    /// Bind a role over every resource (quick starts) besides the least-privilege ones.
    pub broad_rbac: bool,
    /// Let the controller delete the CRDs of deleted RGDs (and the RBAC to do so).
    pub allow_crd_deletion: bool,
}

/// The names of everything `install` creates for a namespace.
#[derive(Clone, Debug)]
pub struct Names {
    /// The namespace.
    pub namespace: String,
    /// ServiceAccount, Deployment, leader-election Role and RoleBinding (namespaced).
    pub controller: String,
    /// The leader-election Role and RoleBinding.
    pub leader_election: String,
    /// The ClusterRole (and its binding) for what the controller itself needs.
    pub cluster_role: String,
    /// The aggregated ClusterRole (and its binding) for the kinds RGDs manage.
    pub resources_role: String,
    /// The ClusterRole (and its binding) of `--broad-rbac`.
    pub broad_role: String,
}

impl Names {
    /// The names for an install into `namespace`.
    pub fn new(namespace: &str) -> Names {
        let suffix = if namespace == DEFAULT_NAMESPACE {
            String::new()
        } else {
            format!("-{namespace}")
        };
        Names {
            namespace: namespace.to_owned(),
            controller: "kro-controller".to_owned(),
            leader_election: "kro-controller-leader-election".to_owned(),
            cluster_role: format!("kro-controller{suffix}"),
            resources_role: format!("kro-controller-resources{suffix}"),
            broad_role: format!("kro-controller-broad{suffix}"),
        }
    }
}

fn labels(component: &str) -> Value {
    json!({
        "app.kubernetes.io/name": "kro",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/version": env!("CARGO_PKG_VERSION"),
        MANAGED_BY.0: MANAGED_BY.1,
    })
}

fn selector() -> Value {
    json!({ "app.kubernetes.io/name": "kro", "app.kubernetes.io/component": "controller" })
}

/// The RGD CRD as JSON.
pub fn rgd_crd() -> Value {
    let parsed = kro_core::syntax::parse(RGD_CRD_YAML);
    parsed
        .documents
        .first()
        .and_then(|d| d.root.as_ref())
        .map(|root| root.to_json())
        .unwrap_or(Value::Null)
}

/// Every object, in the order they are applied (each only needs the ones before it).
pub fn all(options: &Options) -> Vec<Value> {
    let names = Names::new(&options.namespace);
    let ns = &names.namespace;
    let mut objects = vec![
        rgd_crd(),
        json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": { "name": ns, "labels": labels("controller") },
        }),
        json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": { "name": names.controller, "namespace": ns, "labels": labels("controller") },
        }),
        controller_role(&names, options.allow_crd_deletion),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {
                "name": names.resources_role,
                "labels": labels("rbac"),
                "annotations": {
                    "kro.run/description": format!(
                        "What the kro controller may do to the kinds RGDs manage: the rules of every ClusterRole labelled {AGGREGATE_LABEL}=true"
                    ),
                },
            },
            "aggregationRule": {
                "clusterRoleSelectors": [{ "matchLabels": { AGGREGATE_LABEL: "true" } }],
            },
        }),
    ];
    if options.broad_rbac {
        objects.push(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": { "name": names.broad_role, "labels": labels("rbac") },
            "rules": [{
                "apiGroups": ["*"],
                "resources": ["*"],
                "verbs": ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"],
            }],
        }));
    }
    objects.push(cluster_binding(&names, &names.cluster_role));
    objects.push(cluster_binding(&names, &names.resources_role));
    if options.broad_rbac {
        objects.push(cluster_binding(&names, &names.broad_role));
    }
    objects.push(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": { "name": names.leader_election, "namespace": ns, "labels": labels("rbac") },
        "rules": [{
            "apiGroups": ["coordination.k8s.io"],
            "resources": ["leases"],
            "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
        }],
    }));
    objects.push(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": { "name": names.leader_election, "namespace": ns, "labels": labels("rbac") },
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": names.leader_election,
        },
        "subjects": [{ "kind": "ServiceAccount", "name": names.controller, "namespace": ns }],
    }));
    objects.push(deployment(&names, options));
    objects
}

/// What the controller itself needs, whatever the RGDs manage.
fn controller_role(names: &Names, allow_crd_deletion: bool) -> Value {
    let mut crd_verbs = vec!["get", "list", "watch", "create", "update", "patch"];
    if allow_crd_deletion {
        crd_verbs.push("delete");
    }
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": { "name": names.cluster_role, "labels": labels("rbac") },
        "rules": [
            {
                "apiGroups": ["kro.run"],
                "resources": ["resourcegraphdefinitions"],
                "verbs": ["get", "list", "watch", "update", "patch"],
            },
            {
                "apiGroups": ["kro.run"],
                "resources": ["resourcegraphdefinitions/status"],
                "verbs": ["get", "update", "patch"],
            },
            {
                "apiGroups": ["kro.run"],
                "resources": ["resourcegraphdefinitions/finalizers"],
                "verbs": ["update"],
            },
            {
                // Instances of kinds in the default group kro.run (their status and finalizers
                // included); kinds in other groups come through the aggregated role.
                "apiGroups": ["kro.run"],
                "resources": ["*"],
                "verbs": ["get", "list", "watch", "update", "patch"],
            },
            {
                "apiGroups": ["apiextensions.k8s.io"],
                "resources": ["customresourcedefinitions"],
                "verbs": crd_verbs,
            },
            {
                "apiGroups": ["", "events.k8s.io"],
                "resources": ["events"],
                "verbs": ["create", "patch"],
            },
        ],
    })
}

fn cluster_binding(names: &Names, role: &str) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": { "name": role, "labels": labels("rbac") },
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role },
        "subjects": [{ "kind": "ServiceAccount", "name": names.controller, "namespace": names.namespace }],
    })
}

/// The controller's arguments (SPEC A8's flag names).
pub fn controller_args(options: &Options) -> Vec<String> {
    let mut args = vec![
        "controller".to_owned(),
        format!("--metrics-bind-address=:{METRICS_PORT}"),
        format!("--health-probe-bind-address=:{HEALTH_PORT}"),
        "--leader-elect".to_owned(),
    ];
    if options.allow_crd_deletion {
        args.push("--allow-crd-deletion".to_owned());
    }
    args
}

fn deployment(names: &Names, options: &Options) -> Value {
    let probe = |path: &str, period: u32| {
        json!({
            "httpGet": { "path": path, "port": "health" },
            "periodSeconds": period,
            "timeoutSeconds": 2,
            "failureThreshold": 3,
        })
    };
    let field = |path: &str| json!({ "fieldRef": { "fieldPath": path } });
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": names.controller,
            "namespace": names.namespace,
            "labels": labels("controller"),
        },
        "spec": {
            "replicas": 1,
            "selector": { "matchLabels": selector() },
            "template": {
                "metadata": { "labels": labels("controller") },
                "spec": {
                    "serviceAccountName": names.controller,
                    "securityContext": {
                        "runAsNonRoot": true,
                        "runAsUser": 65532,
                        "runAsGroup": 65532,
                        "seccompProfile": { "type": "RuntimeDefault" },
                    },
                    "containers": [{
                        "name": "controller",
                        "image": options.image,
                        "imagePullPolicy": "IfNotPresent",
                        "args": controller_args(options),
                        "env": [
                            { "name": "POD_NAMESPACE", "valueFrom": field("metadata.namespace") },
                            { "name": "POD_NAME", "valueFrom": field("metadata.name") },
                        ],
                        "ports": [
                            { "name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP" },
                            { "name": "health", "containerPort": HEALTH_PORT, "protocol": "TCP" },
                        ],
                        "livenessProbe": probe("/healthz", 10),
                        "readinessProbe": probe("/readyz", 5),
                        "resources": {
                            "requests": { "cpu": "100m", "memory": "128Mi" },
                            "limits": { "memory": "512Mi" },
                        },
                        "securityContext": {
                            "allowPrivilegeEscalation": false,
                            "readOnlyRootFilesystem": true,
                            "capabilities": { "drop": ["ALL"] },
                        },
                    }],
                },
            },
        },
    })
}

/// `Kind namespace/name` or `Kind name`, as progress lines show an object.
pub fn describe(object: &Value) -> String {
    let kind = object["kind"].as_str().unwrap_or("object");
    let name = object["metadata"]["name"].as_str().unwrap_or("");
    match object["metadata"]["namespace"].as_str() {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(namespace: &str) -> Options {
        Options {
            namespace: namespace.to_owned(),
            image: default_image(),
            broad_rbac: false,
            allow_crd_deletion: false,
        }
    }

    #[test]
    fn the_embedded_crd_parses() {
        let crd = rgd_crd();
        assert_eq!(crd["metadata"]["name"], RGD_CRD_NAME);
        assert_eq!(crd["spec"]["names"]["shortNames"][0], "rgd");
    }

    #[test]
    fn cluster_scoped_names_carry_a_non_default_namespace() {
        assert_eq!(Names::new("kro-system").cluster_role, "kro-controller");
        assert_eq!(Names::new("team-a").cluster_role, "kro-controller-team-a");
        assert_eq!(Names::new("team-a").controller, "kro-controller");
    }

    #[test]
    fn crd_deletion_is_granted_only_when_allowed() {
        let verbs = |o: &Options| {
            let role = controller_role(&Names::new(&o.namespace), o.allow_crd_deletion);
            role["rules"][4]["verbs"].clone()
        };
        let mut o = options("kro-system");
        assert!(!verbs(&o).as_array().unwrap().contains(&json!("delete")));
        o.allow_crd_deletion = true;
        assert!(verbs(&o).as_array().unwrap().contains(&json!("delete")));
        assert!(controller_args(&o).contains(&"--allow-crd-deletion".to_owned()));
    }

    #[test]
    fn broad_rbac_adds_a_role_and_its_binding() {
        let mut o = options("kro-system");
        let plain = all(&o).len();
        o.broad_rbac = true;
        let broad = all(&o);
        assert_eq!(broad.len(), plain + 2);
        assert!(
            broad
                .iter()
                .any(|m| describe(m) == "ClusterRoleBinding kro-controller-broad")
        );
    }
}
