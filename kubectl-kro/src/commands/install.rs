//! `kubectl kro install`: the RGD CRD, RBAC and a Deployment running this binary's
//! `controller`, applied with server-side apply, idempotently, then waited for.

pub mod manifests;

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::ArgAction;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Pod, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{ApiResource, DynamicObject, ListParams, Patch, PatchParams};
use kube::{Api, Resource};
use serde_json::Value;

use crate::Outcome;
use crate::kube_client::{self, ClusterArgs, Connection};
use crate::output::{self, DocumentFormat};
use manifests::{DEFAULT_NAMESPACE, FIELD_MANAGER, MANAGED_BY, Names, Options};

/// Install the kro controller into a cluster.
///
/// Applies, with server-side apply (field manager `kubectl-kro`), in this order: the
/// ResourceGraphDefinition CRD; the namespace (`-n`, default kro-system; an existing namespace
/// is left as it is); the controller's ServiceAccount; its RBAC; and a Deployment running
/// `kubectl-kro controller` from --image. Running it again changes nothing unless something
/// differs, so it also upgrades. It then waits until the CRD is Established and the
/// Deployment is Available.
///
/// RBAC: the ClusterRole `kro-controller` grants what the controller itself needs (RGDs, their
/// status and finalizers, instances of kinds in the group kro.run, CRDs, events), and a Role in
/// the namespace grants leases for leader election. What RGDs create — Deployments, Services,
/// anything — the controller may touch only through the aggregated ClusterRole
/// `kro-controller-resources`, which collects the rules of every ClusterRole labelled
/// `rbac.kro.run/aggregate-to-controller: "true"`. Grant the kinds your RGDs manage with such a
/// role (see the example below), or pass --broad-rbac to bind a role over every resource
/// while trying kro out.
///
/// Cluster-scoped names carry the namespace unless it is kro-system
/// (`kro-controller-<namespace>`), so installs into different namespaces do not collide.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    kubectl kro install                              into kro-system of the current context\n  \
    kubectl kro install --context prod -n kro        another cluster and namespace\n  \
    kubectl kro install --dry-run > kro.yaml         the manifests, for GitOps\n  \
    kubectl kro install --broad-rbac                 a quick start: kro may manage any kind\n\n\
    Letting the controller manage the kinds your RGDs use (least privilege):\n  \
    kubectl apply -f - <<EOF\n  \
    apiVersion: rbac.authorization.k8s.io/v1\n  \
    kind: ClusterRole\n  \
    metadata:\n    \
      name: kro-manages-apps\n    \
      labels:\n      \
        rbac.kro.run/aggregate-to-controller: \"true\"\n  \
    rules:\n    \
      - apiGroups: [\"\", \"apps\"]\n      \
        resources: [configmaps, services, deployments]\n      \
        verbs: [get, list, watch, create, update, patch, delete]\n  \
    EOF\n\n\
    Exit status: 0 installed, 1 installed but not Available in time, 2 cannot reach the cluster\n\
    or the cluster refused.")]
pub struct Args {
    /// The controller's image
    #[arg(long, value_name = "IMAGE", default_value_t = manifests::default_image())]
    image: String,
    /// Also bind a ClusterRole over every resource of every API group (quick starts)
    #[arg(long)]
    broad_rbac: bool,
    /// Let the controller delete the CRD of a deleted RGD (grants CRD deletion too)
    #[arg(long)]
    allow_crd_deletion: bool,
    /// Print the manifests instead of applying them; needs no cluster
    #[arg(long)]
    dry_run: bool,
    /// Output format of --dry-run
    #[arg(short, long, value_enum, default_value_t = DocumentFormat::Yaml, requires = "dry_run")]
    output: DocumentFormat,
    /// Wait until the CRD is Established and the Deployment is Available (--wait=false: don't)
    #[arg(
        long,
        value_name = "BOOL",
        action = ArgAction::Set,
        num_args = 0..=1,
        default_value_t = true,
        default_missing_value = "true"
    )]
    wait: bool,
    /// How long to wait, e.g. 90s, 5m
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = parse_duration)]
    timeout: Duration,
}

pub fn run(args: Args, cluster: &ClusterArgs) -> Result<Outcome> {
    let namespace = cluster
        .namespace
        .clone()
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
    check_namespace_name(&namespace)?;
    let options = Options {
        namespace,
        image: args.image.clone(),
        broad_rbac: args.broad_rbac,
        allow_crd_deletion: args.allow_crd_deletion,
    };
    let objects = manifests::all(&options);
    if args.dry_run {
        print_manifests(&objects, args.output)?;
        return Ok(Outcome::Ok);
    }
    kube_client::runtime()?.block_on(async {
        let connection = kube_client::connect(cluster).await?;
        install(&connection, &options, &objects, &args).await
    })
}

/// A namespace name must be a DNS label; say so before the API server does.
pub fn check_namespace_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !valid {
        bail!(
            "invalid namespace {name:?}: a namespace is lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit"
        );
    }
    Ok(())
}

fn print_manifests(objects: &[Value], format: DocumentFormat) -> Result<()> {
    match format {
        DocumentFormat::Json => {
            let list = serde_json::json!({ "apiVersion": "v1", "kind": "List", "items": objects });
            println!("{}", serde_json::to_string_pretty(&KubernetesOrder(&list))?);
        }
        DocumentFormat::Yaml => {
            let mut text = String::new();
            for (i, object) in objects.iter().enumerate() {
                if i > 0 {
                    text.push_str("---\n");
                }
                text.push_str(&serde_saphyr::to_string(&KubernetesOrder(object))?);
            }
            print!("{text}");
        }
    }
    Ok(())
}

/// A JSON value serialized with the keys in the order people read manifests in: `apiVersion`,
/// `kind`, `metadata`, `name`, `namespace` first, the rest alphabetically.
struct KubernetesOrder<'a>(&'a Value);

impl serde::Serialize for KubernetesOrder<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        const FIRST: [&str; 5] = ["apiVersion", "kind", "metadata", "name", "namespace"];
        match self.0 {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_by_key(|k| {
                    (FIRST.iter().position(|f| f == k).unwrap_or(FIRST.len()), *k)
                });
                let mut out = serializer.serialize_map(Some(keys.len()))?;
                for key in keys {
                    out.serialize_entry(key, &KubernetesOrder(&map[key]))?;
                }
                out.end()
            }
            Value::Array(items) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    out.serialize_element(&KubernetesOrder(item))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// Progress lines on standard output: a green tick on a terminal.
pub struct Progress {
    color: bool,
}

impl Progress {
    /// Colour when standard output is a terminal and `NO_COLOR` is unset.
    pub fn new() -> Progress {
        Progress {
            color: output::color_enabled(),
        }
    }

    /// `✓ what`.
    pub fn done(&self, what: &str) {
        let tick = if self.color {
            "\x1b[32m✓\x1b[0m"
        } else {
            "✓"
        };
        self.line(&format!("{tick} {what}"));
    }

    /// `· what` — something skipped or kept.
    pub fn note(&self, what: &str) {
        self.line(&format!("· {what}"));
    }

    /// `… what` — waiting.
    pub fn waiting(&self, what: &str) {
        self.line(&format!("… {what}"));
    }

    /// A plain line.
    pub fn line(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        // A closed pipe must not turn into a panic halfway through an install.
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}

async fn install(
    connection: &Connection,
    options: &Options,
    objects: &[Value],
    args: &Args,
) -> Result<Outcome> {
    let progress = Progress::new();
    let names = Names::new(&options.namespace);
    progress.line(&format!(
        "Installing kro {} into namespace {} of {}{}",
        env!("CARGO_PKG_VERSION"),
        options.namespace,
        connection.url,
        connection
            .context
            .as_ref()
            .map(|c| format!(" (context {c})"))
            .unwrap_or_default()
    ));
    let deadline = Instant::now() + args.timeout;
    for object in objects {
        let what = manifests::describe(object);
        if object["kind"] == "Namespace"
            && !namespace_is_ours(connection, &options.namespace).await?
        {
            progress.note(&format!("{what} exists; left as it is"));
            continue;
        }
        let change = apply(connection, object)
            .await
            .map_err(|e| refused(connection, e, &format!("applying {what}")))?;
        progress.done(&format!("{what} {change}"));
        if object["kind"] == "CustomResourceDefinition" && args.wait {
            wait_established(connection, &progress, deadline, args.timeout).await?;
        }
    }
    if !args.wait {
        progress.line(&format!(
            "Not waiting for the controller; see it with: kubectl -n {} rollout status deployment/{}",
            names.namespace, names.controller
        ));
        return Ok(Outcome::Ok);
    }
    match wait_available(connection, &names, &progress, deadline).await? {
        None => {
            progress.line("kro is installed. Grant the kinds your RGDs manage: see kubectl kro install --help");
            Ok(Outcome::Ok)
        }
        Some(problems) => {
            eprintln!(
                "error: the Deployment {}/{} is not Available after {}:",
                names.namespace,
                names.controller,
                format_duration(args.timeout)
            );
            for problem in problems {
                eprintln!("  {problem}");
            }
            eprintln!(
                "  see: kubectl -n {} describe deployment/{} and its pods",
                names.namespace, names.controller
            );
            Ok(Outcome::Invalid)
        }
    }
}

/// Whether install may apply the namespace: it is missing, or an earlier install created it.
/// An existing namespace of the user's (`default`, `team-a`) keeps its labels, and `uninstall`
/// never deletes it.
async fn namespace_is_ours(connection: &Connection, name: &str) -> Result<bool> {
    let namespaces: Api<Namespace> = Api::all(connection.client.clone());
    let found = namespaces
        .get_opt(name)
        .await
        .map_err(|e| refused(connection, e, &format!("reading Namespace {name}")))?;
    Ok(match found {
        None => true,
        Some(ns) => ns
            .metadata
            .labels
            .unwrap_or_default()
            .get(MANAGED_BY.0)
            .is_some_and(|v| v == MANAGED_BY.1),
    })
}

/// The API behind an object's kind (only the kinds `install` makes).
pub fn api_for(connection: &Connection, kind: &str, namespace: Option<&str>) -> Api<DynamicObject> {
    let resource = match kind {
        "CustomResourceDefinition" => ApiResource::erase::<CustomResourceDefinition>(&()),
        "Namespace" => ApiResource::erase::<Namespace>(&()),
        "ServiceAccount" => ApiResource::erase::<ServiceAccount>(&()),
        "ClusterRole" => ApiResource::erase::<ClusterRole>(&()),
        "ClusterRoleBinding" => ApiResource::erase::<ClusterRoleBinding>(&()),
        "Role" => ApiResource::erase::<Role>(&()),
        "RoleBinding" => ApiResource::erase::<RoleBinding>(&()),
        "Deployment" => ApiResource::erase::<Deployment>(&()),
        other => unreachable!("install makes no {other}"),
    };
    match namespace {
        Some(ns) => Api::namespaced_with(connection.client.clone(), ns, &resource),
        None => Api::all_with(connection.client.clone(), &resource),
    }
}

/// Server-side apply, forced, and what changed: `created`, `configured` or `unchanged`.
async fn apply(connection: &Connection, object: &Value) -> Result<&'static str, kube::Error> {
    let kind = object["kind"].as_str().unwrap_or_default();
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let api = api_for(connection, kind, object["metadata"]["namespace"].as_str());
    let before = api.get_opt(name).await?;
    let params = PatchParams::apply(FIELD_MANAGER).force();
    let after = api.patch(name, &params, &Patch::Apply(object)).await?;
    Ok(match before {
        None => "created",
        Some(b) if b.metadata.resource_version == after.metadata.resource_version => "unchanged",
        Some(_) => "configured",
    })
}

/// An error from the cluster while doing `what`, with a hint when the user lacks the rights.
pub fn refused(connection: &Connection, error: kube::Error, what: &str) -> anyhow::Error {
    let forbidden = matches!(&error, kube::Error::Api(s) if s.code == 403);
    let error = connection.error(error);
    if forbidden {
        anyhow::anyhow!(
            "{what}: {error:#} — this needs the rights to manage CRDs, ClusterRoles and Deployments (cluster-admin, typically)"
        )
    } else {
        error.context(what.to_owned())
    }
}

async fn wait_established(
    connection: &Connection,
    progress: &Progress,
    deadline: Instant,
    timeout: Duration,
) -> Result<()> {
    let crds: Api<CustomResourceDefinition> = Api::all(connection.client.clone());
    let name = manifests::RGD_CRD_NAME;
    let mut announced = false;
    loop {
        let crd = crds.get(name).await.map_err(|e| {
            refused(
                connection,
                e,
                &format!("reading CustomResourceDefinition {name}"),
            )
        })?;
        let conditions = crd.status.and_then(|s| s.conditions).unwrap_or_default();
        let established = conditions
            .iter()
            .find(|c| c.type_ == "Established")
            .is_some_and(|c| c.status == "True");
        if established {
            if announced {
                progress.done(&format!("CustomResourceDefinition {name} is Established"));
            }
            return Ok(());
        }
        if Instant::now() >= deadline {
            let why: Vec<String> = conditions
                .iter()
                .filter(|c| c.status != "True")
                .map(|c| format!("{}: {}", c.type_, c.message.clone().unwrap_or_default()))
                .collect();
            bail!(
                "CustomResourceDefinition {name} is not Established after {}{}",
                format_duration(timeout),
                if why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", why.join("; "))
                }
            );
        }
        if !announced {
            progress.waiting(&format!(
                "waiting for CustomResourceDefinition {name} to be Established"
            ));
            announced = true;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Waits like `kubectl rollout status`: the newest generation observed, every replica updated
/// and available. `Some(problems)` when the deadline passed first.
async fn wait_available(
    connection: &Connection,
    names: &Names,
    progress: &Progress,
    deadline: Instant,
) -> Result<Option<Vec<String>>> {
    let deployments: Api<Deployment> = Api::namespaced(connection.client.clone(), &names.namespace);
    let what = format!("Deployment {}/{}", names.namespace, names.controller);
    let mut last_state = String::new();
    loop {
        let deployment = deployments
            .get(&names.controller)
            .await
            .map_err(|e| refused(connection, e, &format!("reading {what}")))?;
        let (ready, state) = rollout_state(&deployment);
        if ready {
            progress.done(&format!("{what} is Available ({state})"));
            return Ok(None);
        }
        if state != last_state {
            progress.waiting(&format!("waiting for {what} to be Available ({state})"));
            last_state = state;
        }
        if Instant::now() >= deadline {
            let pods: Api<Pod> = Api::namespaced(connection.client.clone(), &names.namespace);
            let selector = "app.kubernetes.io/name=kro,app.kubernetes.io/component=controller";
            let pods = pods
                .list(&ListParams::default().labels(selector))
                .await
                .map_err(|e| refused(connection, e, "listing the controller's pods"))?;
            let mut problems = deployment_problems(&deployment);
            problems.extend(pod_problems(&pods.items));
            if problems.is_empty() {
                problems.push(last_state);
            }
            return Ok(Some(problems));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Whether the rollout is complete, and `1/1 replicas available`-style progress.
fn rollout_state(deployment: &Deployment) -> (bool, String) {
    let desired = deployment
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1);
    let status = deployment.status.clone().unwrap_or_default();
    let generation = deployment.meta().generation.unwrap_or(0);
    let observed = status.observed_generation.unwrap_or(0) >= generation;
    let updated = status.updated_replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    let total = status.replicas.unwrap_or(0);
    let ready = observed && updated == desired && available == desired && total == desired;
    let state = if updated < desired || total > desired {
        format!("rolling out: {updated}/{desired} updated, {available} available")
    } else {
        format!("{available}/{desired} replicas available")
    };
    (ready, state)
}

/// What the Deployment's conditions say is wrong (a quota, a missing service account, …).
pub fn deployment_problems(deployment: &Deployment) -> Vec<String> {
    let conditions = deployment
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();
    conditions
        .iter()
        .filter(|c| {
            (c.type_ == "ReplicaFailure" && c.status == "True")
                || (c.type_ != "ReplicaFailure" && c.status == "False")
        })
        .map(|c| {
            format!(
                "deployment: {} {}: {}",
                c.type_,
                c.reason.clone().unwrap_or_default(),
                c.message.clone().unwrap_or_default()
            )
        })
        .collect()
}

/// Why each pod is not ready, as `kubectl describe` would tell: unschedulable, an image that
/// cannot be pulled, a crash loop, a failing readiness probe.
pub fn pod_problems(pods: &[Pod]) -> Vec<String> {
    let mut pods: Vec<&Pod> = pods
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .collect();
    pods.sort_by_key(|p| p.metadata.name.clone());
    if pods.is_empty() {
        return vec!["no controller pod exists (see the ReplicaSet's events)".to_owned()];
    }
    let mut problems = Vec::new();
    for pod in pods {
        let name = pod.metadata.name.clone().unwrap_or_default();
        let status = pod.status.clone().unwrap_or_default();
        let mut found = Vec::new();
        for condition in status.conditions.iter().flatten() {
            if condition.type_ == "PodScheduled" && condition.status == "False" {
                found.push(format!(
                    "not scheduled: {}: {}",
                    condition.reason.clone().unwrap_or_default(),
                    condition.message.clone().unwrap_or_default()
                ));
            }
        }
        let containers = status
            .init_container_statuses
            .iter()
            .flatten()
            .chain(status.container_statuses.iter().flatten());
        for container in containers {
            let state = container.state.clone().unwrap_or_default();
            if let Some(waiting) = state.waiting {
                let mut line = format!(
                    "container {} is waiting: {}",
                    container.name,
                    waiting.reason.unwrap_or_default()
                );
                if let Some(message) = waiting.message.filter(|m| !m.is_empty()) {
                    line.push_str(&format!(": {message}"));
                }
                if let Some(last) = container
                    .last_state
                    .as_ref()
                    .and_then(|s| s.terminated.as_ref())
                {
                    line.push_str(&format!(
                        " (restarted {} times; last exit: {} code {})",
                        container.restart_count,
                        last.reason.clone().unwrap_or_default(),
                        last.exit_code
                    ));
                }
                found.push(line);
            } else if let Some(terminated) = state.terminated {
                found.push(format!(
                    "container {} exited: {} code {}",
                    container.name,
                    terminated.reason.unwrap_or_default(),
                    terminated.exit_code
                ));
            } else if state.running.is_some() && !container.ready {
                found.push(format!(
                    "container {} is running but not ready (readiness probe /readyz on port {})",
                    container.name,
                    manifests::HEALTH_PORT
                ));
            }
        }
        let ready = status
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == "Ready" && c.status == "True");
        if found.is_empty() && !ready {
            found.push(status.phase.unwrap_or_else(|| "Pending".to_owned()));
        }
        for problem in found {
            problems.push(format!("pod {name}: {problem}"));
        }
    }
    problems
}

/// `90s`, `2m`, `1h`, `1m30s`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("invalid duration {text:?}: use e.g. 90s, 2m, 1m30s or 1h");
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(invalid()),
        };
        let n: u64 = number.parse().map_err(|_| invalid())?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(invalid)?;
        number.clear();
    }
    if !number.is_empty() || text.is_empty() {
        return Err(invalid());
    }
    Ok(Duration::from_secs(total))
}

/// `2m`, `1m30s`, `45s`.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("2 minutes").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("").is_err());
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_secs(120)), "2m");
        assert_eq!(format_duration(Duration::from_secs(5)), "5s");
    }

    #[test]
    fn namespace_names() {
        assert!(check_namespace_name("kro-system").is_ok());
        for bad in ["Kro", "-a", "a-", "", "a_b", &"a".repeat(64)] {
            assert!(check_namespace_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pod_problems_say_why() {
        let pods: Vec<Pod> = serde_json::from_value(json!([
            {
                "metadata": { "name": "kro-controller-b" },
                "status": {
                    "phase": "Pending",
                    "containerStatuses": [{
                        "name": "controller", "image": "x", "imageID": "", "ready": false,
                        "restartCount": 0,
                        "state": { "waiting": { "reason": "ImagePullBackOff", "message": "Back-off pulling image \"x\"" } }
                    }]
                }
            },
            {
                "metadata": { "name": "kro-controller-a" },
                "status": {
                    "phase": "Pending",
                    "conditions": [{ "type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1 nodes are available" }]
                }
            },
            {
                "metadata": { "name": "kro-controller-c" },
                "status": {
                    "phase": "Running",
                    "containerStatuses": [{
                        "name": "controller", "image": "x", "imageID": "", "ready": false,
                        "restartCount": 3,
                        "state": { "waiting": { "reason": "CrashLoopBackOff" } },
                        "lastState": { "terminated": { "reason": "Error", "exitCode": 2 } }
                    }]
                }
            },
            {
                "metadata": { "name": "kro-controller-d" },
                "status": {
                    "phase": "Running",
                    "containerStatuses": [{
                        "name": "controller", "image": "x", "imageID": "", "ready": false,
                        "restartCount": 0, "state": { "running": {} }
                    }]
                }
            }
        ]))
        .unwrap();
        assert_eq!(
            pod_problems(&pods),
            [
                "pod kro-controller-a: not scheduled: Unschedulable: 0/1 nodes are available",
                "pod kro-controller-b: container controller is waiting: ImagePullBackOff: Back-off pulling image \"x\"",
                "pod kro-controller-c: container controller is waiting: CrashLoopBackOff (restarted 3 times; last exit: Error code 2)",
                "pod kro-controller-d: container controller is running but not ready (readiness probe /readyz on port 8079)",
            ]
        );
        assert_eq!(
            pod_problems(&[]),
            ["no controller pod exists (see the ReplicaSet's events)"]
        );
    }

    #[test]
    fn deployment_problems_come_from_failing_conditions() {
        let deployment: Deployment = serde_json::from_value(json!({
            "metadata": { "name": "kro-controller" },
            "status": { "conditions": [
                { "type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability." },
                { "type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": "pods \"kro-controller-x\" is forbidden: error looking up service account" },
                { "type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "message": "" }
            ]}
        }))
        .unwrap();
        assert_eq!(
            deployment_problems(&deployment),
            [
                "deployment: Available MinimumReplicasUnavailable: Deployment does not have minimum availability.",
                "deployment: ReplicaFailure FailedCreate: pods \"kro-controller-x\" is forbidden: error looking up service account",
            ]
        );
    }
}
