//! The controller's identity as `kubectl kro install` creates it: the RBAC objects of the
//! install applied into a test's namespace, the API server's own answer to "may it …?"
//! (SubjectAccessReview), a kubeconfig with a token of its ServiceAccount (TokenRequest), and
//! the controller process run with any kubeconfig and log level.
//!
//! The RBAC comes from `kubectl kro install --dry-run -o json -n <namespace>` (the built
//! binary), so the tests check exactly what users install. Cluster-scoped roles carry the
//! namespace in their names and are deleted when the [`InstalledRbac`] drops.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use k8s_openapi::api::authentication::v1::TokenRequest;
use k8s_openapi::api::authorization::v1::SubjectAccessReview;
use k8s_openapi::api::core::v1::ServiceAccount;
use kube::api::{ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::{Value as Json, json};

use crate::cleanup::DeleteOnDrop;
use crate::cluster::{admin_kubeconfig, cluster_dir};
use crate::kubectl_kro;

/// The kinds of the install manifests that make up the controller's identity and RBAC.
const RBAC_KINDS: [(&str, &str); 5] = [
    ("ServiceAccount", "serviceaccounts"),
    ("ClusterRole", "clusterroles"),
    ("ClusterRoleBinding", "clusterrolebindings"),
    ("Role", "roles"),
    ("RoleBinding", "rolebindings"),
];

/// The ServiceAccount and RBAC of an install into one namespace, applied to the cluster.
pub struct InstalledRbac {
    /// The namespace of the install.
    pub namespace: String,
    /// The ServiceAccount's name (`kro-controller`).
    pub service_account: String,
    /// The objects applied, in order, as the install prints them.
    pub objects: Vec<Json>,
    _guards: Vec<DeleteOnDrop>,
}

impl InstalledRbac {
    /// The user name the API server gives the ServiceAccount's tokens.
    pub fn user(&self) -> String {
        format!(
            "system:serviceaccount:{}:{}",
            self.namespace, self.service_account
        )
    }

    /// The groups of the ServiceAccount's tokens.
    pub fn groups(&self) -> Vec<String> {
        vec![
            "system:serviceaccounts".to_owned(),
            format!("system:serviceaccounts:{}", self.namespace),
            "system:authenticated".to_owned(),
        ]
    }

    /// The name of an object the install created, by kind and the name's prefix before the
    /// namespace suffix (`ClusterRole`, `kro-controller-resources`).
    pub fn name_of(&self, kind: &str, prefix: &str) -> String {
        self.objects
            .iter()
            .filter(|o| o["kind"] == kind)
            .filter_map(|o| o["metadata"]["name"].as_str())
            .find(|name| {
                *name == prefix
                    || name.strip_prefix(prefix) == Some(&format!("-{}", self.namespace))
            })
            .unwrap_or_else(|| panic!("the install has no {kind} {prefix}"))
            .to_owned()
    }
}

/// The manifests `kubectl kro install --dry-run -o json -n <namespace> <extra>` prints.
///
/// # Panics
///
/// When the command fails or prints something other than a v1 List.
pub async fn install_manifests(namespace: &str, extra: &[&str]) -> Vec<Json> {
    let mut args = vec!["install", "--dry-run", "-o", "json", "-n", namespace];
    args.extend_from_slice(extra);
    let out = tokio::process::Command::new(kubectl_kro())
        .args(&args)
        .env("NO_COLOR", "1")
        .env("KUBECONFIG", admin_kubeconfig())
        .output()
        .await
        .expect("running kubectl-kro install --dry-run");
    assert!(
        out.status.success(),
        "kubectl kro install --dry-run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Json = serde_json::from_slice(&out.stdout).expect("install --dry-run -o json");
    list["items"].as_array().expect("a v1 List").clone()
}

/// Applies the ServiceAccount, roles and bindings `kubectl kro install -n <namespace>` would
/// (not its CRD, namespace or Deployment), as the admin.
///
/// # Panics
///
/// When the API server refuses one of them.
pub async fn install_rbac(client: &Client, namespace: &str) -> InstalledRbac {
    let objects: Vec<Json> = install_manifests(namespace, &[])
        .await
        .into_iter()
        .filter(|o| RBAC_KINDS.iter().any(|(kind, _)| o["kind"] == *kind))
        .collect();
    let mut guards = Vec::new();
    for object in &objects {
        let resource = api_resource(object);
        let name = object["metadata"]["name"].as_str().expect("a name");
        let namespace = object["metadata"]["namespace"].as_str();
        // Guard first: a half-applied install is cleaned up too.
        if namespace.is_none() {
            guards.push(DeleteOnDrop::dynamic(resource.clone(), None, name));
        }
        let api: Api<DynamicObject> = match namespace {
            Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
            None => Api::all_with(client.clone(), &resource),
        };
        api.patch(
            name,
            &PatchParams::apply("kro-test").force(),
            &Patch::Apply(object),
        )
        .await
        .unwrap_or_else(|e| panic!("applying {} {name}: {e}", resource.kind));
    }
    let service_account = objects
        .iter()
        .find(|o| o["kind"] == "ServiceAccount")
        .and_then(|o| o["metadata"]["name"].as_str())
        .expect("the install has a ServiceAccount")
        .to_owned();
    InstalledRbac {
        namespace: namespace.to_owned(),
        service_account,
        objects,
        _guards: guards,
    }
}

fn api_resource(object: &Json) -> ApiResource {
    let api_version = object["apiVersion"].as_str().expect("an apiVersion");
    let kind = object["kind"].as_str().expect("a kind");
    let plural = RBAC_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, plural)| *plural)
        .expect("an RBAC kind");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    ApiResource {
        group: group.to_owned(),
        version: version.to_owned(),
        api_version: api_version.to_owned(),
        kind: kind.to_owned(),
        plural: plural.to_owned(),
    }
}

/// One question to the authorizer: may the subject do `verb` on `group`/`resource`
/// (`resource/subresource`), in `namespace` (`None`: at the cluster scope)?
#[derive(Clone, Copy, Debug)]
pub struct Access<'a> {
    /// The verb (`get`, `create`, `bind`, …).
    pub verb: &'a str,
    /// The API group (`""` for the core group).
    pub group: &'a str,
    /// The resource, with `/subresource` when there is one (`pods/exec`).
    pub resource: &'a str,
    /// The namespace, or `None` for cluster-scoped resources and all namespaces.
    pub namespace: Option<&'a str>,
}

impl std::fmt::Display for Access<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let group = if self.group.is_empty() {
            "core"
        } else {
            self.group
        };
        write!(f, "{} {}.{}", self.verb, self.resource, group)?;
        match self.namespace {
            Some(ns) => write!(f, " in namespace {ns}"),
            None => write!(f, " at the cluster scope"),
        }
    }
}

/// Whether the API server's authorizer allows `access` to `rbac`'s ServiceAccount, asked with a
/// SubjectAccessReview (as the admin); the reason it gave comes along.
///
/// # Panics
///
/// When the review cannot be created.
pub async fn allowed(client: &Client, rbac: &InstalledRbac, access: Access<'_>) -> (bool, String) {
    let (resource, subresource) = match access.resource.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (access.resource, None),
    };
    let review: SubjectAccessReview = serde_json::from_value(json!({
        "spec": {
            "user": rbac.user(),
            "groups": rbac.groups(),
            "resourceAttributes": {
                "verb": access.verb,
                "group": access.group,
                "resource": resource,
                "subresource": subresource,
                "namespace": access.namespace,
            },
        },
    }))
    .expect("a SubjectAccessReview");
    let answer = Api::<SubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
        .unwrap_or_else(|e| panic!("SubjectAccessReview of {access}: {e}"));
    let status = answer.status.expect("a reviewed status");
    (status.allowed, status.reason.unwrap_or_default())
}

/// Writes a kubeconfig that talks to the control plane as `rbac`'s ServiceAccount, with a
/// token from the TokenRequest API (valid for an hour) and the install's namespace as the
/// context's namespace — what a pod of the Deployment gets from its mounted token.
///
/// # Panics
///
/// When the token cannot be requested or the file cannot be written.
pub async fn service_account_kubeconfig(client: &Client, rbac: &InstalledRbac) -> PathBuf {
    let request: TokenRequest = serde_json::from_value(json!({
        "spec": { "audiences": [], "expirationSeconds": 3600 },
    }))
    .expect("a TokenRequest");
    let token = Api::<ServiceAccount>::namespaced(client.clone(), &rbac.namespace)
        .create_token_request(&rbac.service_account, &PostParams::default(), &request)
        .await
        .unwrap_or_else(|e| panic!("requesting a token for {}: {e}", rbac.user()))
        .status
        .expect("a token")
        .token;
    let admin = std::fs::read_to_string(admin_kubeconfig()).expect("the admin kubeconfig");
    let admin = kro_core::syntax::parse(&admin).documents[0]
        .root
        .as_ref()
        .expect("a kubeconfig document")
        .to_json();
    let cluster = admin["clusters"][0].clone();
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [cluster],
        "users": [{ "name": rbac.service_account, "user": { "token": token } }],
        "contexts": [{
            "name": "service-account",
            "context": {
                "cluster": cluster["name"],
                "user": rbac.service_account,
                "namespace": rbac.namespace,
            },
        }],
        "current-context": "service-account",
    });
    let path = cluster_dir().join(format!("kubeconfig-sa-{}", rbac.namespace));
    // JSON is YAML: kube-rs and kubectl read it alike.
    std::fs::write(&path, serde_json::to_string_pretty(&config).expect("JSON"))
        .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    path
}

/// A `kubectl kro controller` process with a kubeconfig and `RUST_LOG` of the test's choice,
/// for the RGDs labelled `kro-test=<label>`; killed when dropped.
pub struct RunningController {
    _child: tokio::process::Child,
    /// Its log (stderr): `target/cluster/controller-<label>.log`, truncated at start.
    pub log: PathBuf,
}

impl RunningController {
    /// Starts the controller (1 s requeue, no metrics or health endpoints) as the user of
    /// `kubeconfig`, logging at `rust_log`; `extra` flags are appended.
    ///
    /// # Panics
    ///
    /// When the process cannot be started.
    pub fn start(
        kubeconfig: &Path,
        label: &str,
        rust_log: &str,
        extra: &[&str],
    ) -> RunningController {
        let selector = format!("--rgd-selector=kro-test={label}");
        let mut args = vec![
            "controller",
            "--kubeconfig",
            kubeconfig.to_str().expect("a UTF-8 path"),
            "--metrics-bind-address=0",
            "--health-probe-bind-address=0",
            "--instance-requeue-interval=1s",
            &selector,
        ];
        args.extend_from_slice(extra);
        let log = cluster_dir().join(format!("controller-{label}.log"));
        let file = std::fs::File::create(&log).expect("controller log");
        let child = tokio::process::Command::new(kubectl_kro())
            .args(&args)
            .env("RUST_LOG", rust_log)
            .env("NO_COLOR", "1")
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .kill_on_drop(true)
            .spawn()
            .expect("spawning kubectl-kro controller");
        RunningController { _child: child, log }
    }

    /// Everything it logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}
