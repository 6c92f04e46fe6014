//! Running the controller (`kubectl kro controller`, the built binary) in a test, and the small
//! operations every controller test needs: install the RGD CRD, apply an RGD or an instance,
//! wait for states, read conditions.
//!
//! Each test runs its own controller restricted to its own RGDs (the hidden `--rgd-selector`
//! flag, matched against a `kro-test=<label>` label), so tests never see each other's work.

use std::path::PathBuf;
use std::process::Stdio;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{ApiResource, DynamicObject, Patch, PatchParams};
use kube::{Api, Client};
use serde_json::Value as Json;

use crate::cleanup::DeleteOnDrop;
use crate::cluster::{admin_kubeconfig, cluster_dir, repo_root};
use crate::{kubectl_kro, rgd_api_resource, wait};

/// Installs the ResourceGraphDefinition CRD (as `kubectl kro install` would) and waits for it.
pub async fn install_rgd_crd(client: &Client) {
    let path = repo_root().join("kubectl-kro/manifests/resourcegraphdefinitions.kro.run.yaml");
    let text = std::fs::read_to_string(&path).expect("the RGD CRD manifest");
    let crd: CustomResourceDefinition = serde_saphyr::from_str(&text).expect("the RGD CRD parses");
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.patch(
        "resourcegraphdefinitions.kro.run",
        &PatchParams::apply("kubectl-kro"),
        &Patch::Apply(&crd),
    )
    .await
    .expect("applying the RGD CRD");
    wait::crd_established(client, "resourcegraphdefinitions.kro.run").await;
}

/// A running controller process, killed when dropped (or by [`Controller::kill`]).
pub struct Controller {
    child: tokio::process::Child,
    /// Where its log (stderr) goes: `target/cluster/controller-<label>.log`.
    pub log: PathBuf,
    /// The port of its /metrics endpoint, when started with [`Controller::start_with_metrics`].
    metrics_port: Option<u16>,
}

impl Controller {
    /// Starts `kubectl kro controller` for the RGDs labelled `kro-test=<label>`, with a 1 s
    /// requeue so tests converge fast (unless `extra` sets another); `extra` flags are appended.
    pub fn start(label: &str, extra: &[&str]) -> Controller {
        Controller::spawn(label, None, extra)
    }

    /// As [`Controller::start`], serving /metrics on a free local port (see
    /// [`Controller::metrics`]).
    pub fn start_with_metrics(label: &str, extra: &[&str]) -> Controller {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        Controller::spawn(label, Some(port), extra)
    }

    fn spawn(label: &str, metrics_port: Option<u16>, extra: &[&str]) -> Controller {
        let kubeconfig = admin_kubeconfig();
        let selector = format!("--rgd-selector=kro-test={label}");
        let metrics = match metrics_port {
            Some(port) => format!("--metrics-bind-address=127.0.0.1:{port}"),
            None => "--metrics-bind-address=0".to_owned(),
        };
        let mut args = vec![
            "controller",
            "--kubeconfig",
            kubeconfig.to_str().expect("a UTF-8 path"),
            &metrics,
            "--health-probe-bind-address=0",
            &selector,
        ];
        if !extra
            .iter()
            .any(|a| a.starts_with("--instance-requeue-interval"))
        {
            args.push("--instance-requeue-interval=1s");
        }
        args.extend_from_slice(extra);
        let log = cluster_dir().join(format!("controller-{label}.log"));
        // Appending keeps the log of an earlier run of the same label (a restart in a test).
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("controller log");
        let child = tokio::process::Command::new(kubectl_kro())
            .args(&args)
            .env("RUST_LOG", "info,kubectl_kro=debug")
            .env("NO_COLOR", "1")
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .kill_on_drop(true)
            .spawn()
            .expect("spawning kubectl-kro controller");
        Controller {
            child,
            log,
            metrics_port,
        }
    }

    /// The text of its /metrics endpoint (waits for the endpoint to come up).
    pub async fn metrics(&self) -> String {
        let port = self
            .metrics_port
            .expect("started with Controller::start_with_metrics");
        wait::until("the metrics endpoint", wait::TIMEOUT, || async move {
            http_get(port, "/metrics").await.map_err(|e| e.to_string())
        })
        .await
    }

    /// The sum of a metric family's samples whose labels satisfy `filter` (0 when absent).
    pub async fn metric_sum(&self, family: &str, filter: impl Fn(&str) -> bool) -> f64 {
        sum_samples(&self.metrics().await, family, filter)
    }

    /// Its process id (part of its leader-election identity, `<host>-<pid>`).
    pub fn pid(&self) -> u32 {
        self.child.id().expect("the controller is running")
    }

    /// Asks the controller to shut down gracefully (SIGTERM) and waits for it to exit.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM failed");
        self.child.wait().await.expect("waiting for the controller")
    }

    /// Kills the controller with SIGKILL (no graceful shutdown) and waits for it to exit.
    pub async fn kill(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The API of a kind, namespaced when `namespace` is given.
pub fn api(client: &Client, resource: &ApiResource, namespace: Option<&str>) -> Api<DynamicObject> {
    match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, resource),
        None => Api::all_with(client.clone(), resource),
    }
}

/// Server-side applies `object` (as field manager `kro-test`, forcing conflicts).
pub async fn apply(
    client: &Client,
    resource: &ApiResource,
    namespace: Option<&str>,
    object: &Json,
) {
    let name = object["metadata"]["name"].as_str().expect("metadata.name");
    api(client, resource, namespace)
        .patch(
            name,
            &PatchParams::apply("kro-test").force(),
            &Patch::Apply(object),
        )
        .await
        .unwrap_or_else(|e| panic!("applying {name}: {e}"));
}

/// The condition of `type_` in an object's `status.conditions`.
pub fn condition<'a>(object: &'a DynamicObject, type_: &str) -> Option<&'a Json> {
    object
        .data
        .pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
}

/// `status.state` of an object, if any.
pub fn state(object: &DynamicObject) -> Option<&str> {
    object.data.pointer("/status/state").and_then(Json::as_str)
}

/// The API resource of a kind generated by an RGD in group `kro.run`.
pub fn generated_kind(kind: &str) -> ApiResource {
    ApiResource {
        group: "kro.run".into(),
        version: "v1alpha1".into(),
        api_version: "kro.run/v1alpha1".into(),
        kind: kind.into(),
        plural: kro_core::schema::pluralize(&kind.to_lowercase()),
    }
}

/// Guards that delete an RGD and the CRD generated for `kind` when dropped.
pub fn rgd_guards(rgd_name: &str, kind: &str) -> (DeleteOnDrop, DeleteOnDrop) {
    let crd = format!("{}.kro.run", generated_kind(kind).plural);
    (
        DeleteOnDrop::cluster_scoped::<CustomResourceDefinition>(&crd),
        DeleteOnDrop::dynamic(rgd_api_resource(), None, rgd_name),
    )
}

/// Applies an RGD manifest and waits until its `status.state` is `Active`.
pub async fn apply_rgd_and_wait_active(client: &Client, manifest: &Json) -> DynamicObject {
    apply(client, &rgd_api_resource(), None, manifest).await;
    let name = manifest["metadata"]["name"]
        .as_str()
        .expect("metadata.name");
    let rgds = api(client, &rgd_api_resource(), None);
    wait::until("the RGD to be Active", wait::TIMEOUT, || async {
        let o = rgds.get(name).await.map_err(|e| e.to_string())?;
        match state(&o) {
            Some("Active") => Ok(o),
            _ => Err(format!("{:?}", o.data.get("status"))),
        }
    })
    .await
}

/// Waits until the instance's `status.state` is `ACTIVE` and returns it.
pub async fn wait_instance_active(instances: &Api<DynamicObject>, name: &str) -> DynamicObject {
    wait::until(
        &format!("instance {name} to be ACTIVE"),
        wait::TIMEOUT,
        || async {
            let o = instances.get(name).await.map_err(|e| e.to_string())?;
            match state(&o) {
                Some("ACTIVE") => Ok(o),
                _ => Err(format!("{:?}", o.data.get("status"))),
            }
        },
    )
    .await
}

/// The sum of the samples of `family` (exact name) whose label text satisfies `filter`.
pub fn sum_samples(text: &str, family: &str, filter: impl Fn(&str) -> bool) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => (name, labels),
                None => (series, ""),
            };
            (name == family && filter(labels)).then(|| value.parse::<f64>().ok())?
        })
        .sum()
}

/// A plain HTTP GET on localhost; the body.
async fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").as_bytes())
        .await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    match response.split_once("\r\n\r\n") {
        Some((head, body))
            if head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200") =>
        {
            Ok(body.to_owned())
        }
        _ => Err(std::io::Error::other(format!(
            "unexpected answer: {response}"
        ))),
    }
}

/// A unique RGD name and a unique kind (letters and digits, at most 40) for a test.
pub fn unique_rgd(prefix: &str) -> (String, String) {
    let name = crate::unique_name(prefix);
    let camel: String = name
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or(String::new(), |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    (name, camel.chars().take(40).collect())
}

/// An RGD manifest labelled for the test's controller (`kro-test=<name>`), with the schema's
/// `spec` and `status` and the `resources` as given.
pub fn rgd_manifest(name: &str, kind: &str, spec: Json, status: Json, resources: Json) -> Json {
    serde_json::json!({
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": {"name": name, "labels": {"kro-test": name}},
        "spec": {
            "schema": {"apiVersion": "v1alpha1", "kind": kind, "spec": spec, "status": status},
            "resources": resources
        }
    })
}

/// An instance manifest of a generated kind.
pub fn instance_manifest(kind: &str, name: &str, spec: Json) -> Json {
    serde_json::json!({
        "apiVersion": "kro.run/v1alpha1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": spec
    })
}

/// One test's served RGD: its own namespace, controller, RGD and generated kind — the setup every
/// controller test starts with.
pub struct Served {
    /// The admin client.
    pub client: Client,
    /// The test's namespace (instances go here).
    pub ns: crate::TestNamespace,
    /// The RGD's name (also the controller's label).
    pub name: String,
    /// The generated kind.
    pub kind: String,
    /// The generated kind's API resource.
    pub resource: ApiResource,
    /// Instances in the test's namespace.
    pub instances: Api<DynamicObject>,
    /// The controller serving it.
    pub controller: Controller,
    /// Delete the RGD and its CRD when dropped (bind it: `guards: _guards`).
    pub guards: (DeleteOnDrop, DeleteOnDrop),
}

impl Served {
    /// Starts a controller (with `flags`, serving /metrics when `metrics`), applies the RGD that
    /// `manifest(name, kind)` returns and waits until it is Active.
    pub async fn start(
        prefix: &str,
        flags: &[&str],
        metrics: bool,
        manifest: impl FnOnce(&str, &str) -> Json,
    ) -> Served {
        let client = crate::client().await;
        install_rgd_crd(&client).await;
        let ns = crate::TestNamespace::create(&client, prefix).await;
        let (name, kind) = unique_rgd(prefix);
        let controller = if metrics {
            Controller::start_with_metrics(&name, flags)
        } else {
            Controller::start(&name, flags)
        };
        let guards = rgd_guards(&name, &kind);
        apply_rgd_and_wait_active(&client, &manifest(&name, &kind)).await;
        let resource = generated_kind(&kind);
        let instances = Api::namespaced_with(client.clone(), ns.name(), &resource);
        Served {
            client,
            ns,
            name,
            kind,
            resource,
            instances,
            controller,
            guards,
        }
    }
}
