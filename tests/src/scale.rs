//! The controller scale scenario, shared by the scale benchmark (`tests/controller_scale.rs`)
//! and the side-by-side comparison with the reference kro (`tests/bench/compare`): N instances
//! of one 3-resource RGD (ConfigMap → Deployment → Service), measured from outside the
//! controller so that any controller serving `kro.run/v1alpha1` can be measured the same way.
//!
//! What [`run`] measures: the time until every instance is ACTIVE, API requests per instance
//! (all clients, from the API server's `apiserver_request_total`, and the controller's own
//! from its `rest_client_requests_total` when its /metrics port is known), the controller's
//! peak RSS, the requests and writes during a quiet period afterwards, the time to repair a
//! deleted child, and the time to delete every instance.

use std::time::{Duration, Instant};

use kube::api::{ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::{Api, Client};
use serde_json::{Value as Json, json};

use crate::controller::sum_samples;
use crate::{rgd_api_resource, wait};

/// The controller under measurement: a process, and where its /metrics are served.
#[derive(Debug, Clone, Copy)]
pub struct Subject {
    /// Its process id (for the peak RSS).
    pub pid: u32,
    /// The local port of its /metrics endpoint, if it serves one.
    pub metrics_port: Option<u16>,
}

/// How big a run is.
#[derive(Debug, Clone)]
pub struct Scale {
    /// Instances created.
    pub instances: usize,
    /// The quiet period after every instance is ACTIVE, in which nothing changes.
    pub quiet: Duration,
    /// How many children (ConfigMaps of the first instances) are deleted, one after another, to
    /// time their repair.
    pub repairs: usize,
    /// The label `kro-test=<value>` put on the RGD (for a controller started with
    /// `--rgd-selector`), and the name of the RGD.
    pub name: String,
}

impl Scale {
    /// `KRO_BENCH_N` instances (default 100), `KRO_BENCH_QUIET_SECS` seconds of quiet (default
    /// 60), `KRO_BENCH_REPAIRS` repairs (default 3).
    pub fn from_env(name: &str) -> Scale {
        let var = |key: &str, default: u64| {
            std::env::var(key)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Scale {
            instances: var("KRO_BENCH_N", 100) as usize,
            quiet: Duration::from_secs(var("KRO_BENCH_QUIET_SECS", 60)),
            repairs: var("KRO_BENCH_REPAIRS", 3) as usize,
            name: name.to_owned(),
        }
    }
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Instances created.
    pub instances: usize,
    /// From the RGD applied to `status.state: Active`.
    pub rgd_active: Duration,
    /// From the first instance created to all of them ACTIVE.
    pub all_active: Duration,
    /// API server requests per instance until all ACTIVE, every client (the creates and the
    /// polling of the benchmark included).
    pub apiserver_requests_per_instance: f64,
    /// The controller's own requests per instance until all ACTIVE.
    pub controller_requests_per_instance: Option<f64>,
    /// The controller's own writes (POST, PUT, PATCH, DELETE) per instance until all ACTIVE.
    pub controller_writes_per_instance: Option<f64>,
    /// The controller's peak resident set (VmHWM), KiB.
    pub peak_rss_kib: u64,
    /// API server writes, every client, during the quiet period.
    pub quiet_apiserver_writes: f64,
    /// API server requests, every client, during the quiet period.
    pub quiet_apiserver_requests: f64,
    /// The controller's own writes during the quiet period.
    pub quiet_controller_writes: Option<f64>,
    /// The controller's own requests during the quiet period.
    pub quiet_controller_requests: Option<f64>,
    /// The controller's own writes during the quiet period less its first 10 seconds (work
    /// still trailing the last instance's ACTIVE is not steady-state churn).
    pub settled_controller_writes: Option<f64>,
    /// Each deleted child's time until it was back (`None`: not within the timeout).
    pub repairs: Vec<Option<Duration>>,
    /// From deleting every instance to all of them gone.
    pub all_deleted: Option<Duration>,
}

impl Report {
    /// Prints the report for people, then one `result <key> <value>` line per number for
    /// scripts (durations in seconds, sizes in KiB, `-` when unknown).
    pub fn print(&self) {
        let opt = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"));
        let secs = |d: Option<Duration>| {
            d.map_or_else(|| "-".to_owned(), |d| format!("{:.2}", d.as_secs_f64()))
        };
        let repairs: Vec<String> = self.repairs.iter().map(|d| secs(*d)).collect();
        println!("instances:                            {}", self.instances);
        println!(
            "RGD applied → Active:                 {:.2}s",
            self.rgd_active.as_secs_f64()
        );
        println!(
            "time to all ACTIVE:                   {:.2}s",
            self.all_active.as_secs_f64()
        );
        println!(
            "API requests per instance:            {:.1} (all clients, incl. the benchmark's creates and polling)",
            self.apiserver_requests_per_instance
        );
        println!(
            "controller requests per instance:     {}",
            opt(self.controller_requests_per_instance)
        );
        println!(
            "controller writes per instance:       {}",
            opt(self.controller_writes_per_instance)
        );
        println!(
            "controller peak RSS:                  {:.1} MiB",
            self.peak_rss_kib as f64 / 1024.0
        );
        println!(
            "quiet period: API writes / requests:  {} / {} (all clients)",
            self.quiet_apiserver_writes, self.quiet_apiserver_requests
        );
        println!(
            "quiet period: controller writes / requests: {} / {}",
            opt(self.quiet_controller_writes),
            opt(self.quiet_controller_requests)
        );
        println!(
            "quiet period less its first 10 s: controller writes: {}",
            opt(self.settled_controller_writes)
        );
        println!(
            "deleted child repaired after:         {}s",
            repairs.join("s, ")
        );
        println!(
            "all instances deleted after:          {}s",
            secs(self.all_deleted)
        );
        let lines = [
            ("instances", self.instances.to_string()),
            ("rgd_active_s", secs(Some(self.rgd_active))),
            ("all_active_s", secs(Some(self.all_active))),
            (
                "apiserver_requests_per_instance",
                format!("{:.1}", self.apiserver_requests_per_instance),
            ),
            (
                "controller_requests_per_instance",
                opt(self.controller_requests_per_instance),
            ),
            (
                "controller_writes_per_instance",
                opt(self.controller_writes_per_instance),
            ),
            ("peak_rss_kib", self.peak_rss_kib.to_string()),
            (
                "quiet_apiserver_writes",
                self.quiet_apiserver_writes.to_string(),
            ),
            (
                "quiet_apiserver_requests",
                self.quiet_apiserver_requests.to_string(),
            ),
            ("quiet_controller_writes", opt(self.quiet_controller_writes)),
            (
                "quiet_controller_requests",
                opt(self.quiet_controller_requests),
            ),
            (
                "settled_controller_writes",
                opt(self.settled_controller_writes),
            ),
            ("repair_s", repairs.join(",")),
            ("all_deleted_s", secs(self.all_deleted)),
        ];
        for (key, value) in lines {
            println!("result {key} {value}");
        }
    }
}

/// The RGD of the scenario: a ConfigMap, a Deployment that reads its name and is ready when it
/// has an available replica, and a Service named after the Deployment.
pub fn rgd(name: &str, kind: &str) -> Json {
    json!({
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": {"name": name, "labels": {"kro-test": name}},
        "spec": {
            "schema": {"apiVersion": "v1alpha1", "kind": kind, "spec": {"name": "string"}},
            "resources": [
                {"id": "config", "template": {"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "${schema.spec.name}"}, "data": {"k": "v"}}},
                {"id": "deployment", "readyWhen": ["${deployment.status.availableReplicas >= 1}"],
                 "template": {"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": "${schema.spec.name}"},
                    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "${schema.spec.name}"}},
                        "template": {"metadata": {"labels": {"app": "${schema.spec.name}"}},
                            "spec": {"containers": [{"name": "c", "image": "nginx",
                                "env": [{"name": "C", "value": "${config.metadata.name}"}]}]}}}}},
                {"id": "service", "template": {"apiVersion": "v1", "kind": "Service",
                    "metadata": {"name": "${deployment.metadata.name}"},
                    "spec": {"selector": {"app": "${schema.spec.name}"}, "ports": [{"port": 80}]}}}
            ]
        }
    })
}

/// The kind the scenario's RGD `name` defines: `Scale` and the name in UpperCamelCase.
pub fn kind(name: &str) -> String {
    let camel: String = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    format!("Scale{camel}")
}

/// The name of the CRD the scenario's RGD `name` generates.
pub fn crd_name(name: &str) -> String {
    format!(
        "{}.kro.run",
        kro_core::schema::pluralize(&kind(name).to_lowercase())
    )
}

/// `(all requests, writes)` from the API server's `apiserver_request_total`.
pub async fn apiserver_requests(client: &Client) -> (f64, f64) {
    // `<empty path>/metrics`: kube's request builder, so this crate needs no `http` dependency.
    let request = kube::core::Request::new("")
        .get("metrics", &kube::api::GetParams::default())
        .expect("a request");
    let text = client
        .request_text(request)
        .await
        .expect("apiserver /metrics");
    requests_in(&text, "apiserver_request_total", "verb")
}

/// `(all requests, writes)` from the controller's own client metrics
/// (`rest_client_requests_total`, as client-go and kro-rs's controller name them).
async fn controller_requests(subject: &Subject) -> Option<(f64, f64)> {
    let text = http_get(subject.metrics_port?, "/metrics").await.ok()?;
    Some(requests_in(&text, "rest_client_requests_total", "method"))
}

/// Sums a request counter: all samples, and those whose `verb_label` is a write (the API server
/// counts a server-side apply as `APPLY`, a client as `PATCH`).
fn requests_in(text: &str, family: &str, verb_label: &str) -> (f64, f64) {
    let all = sum_samples(text, family, |_| true);
    let writes = sum_samples(text, family, |labels| {
        [
            "POST",
            "PUT",
            "PATCH",
            "APPLY",
            "DELETE",
            "DELETECOLLECTION",
        ]
        .iter()
        .any(|verb| labels.contains(&format!("{verb_label}=\"{verb}\"")))
    });
    (all, writes)
}

/// The peak resident set size (VmHWM) of a process, KiB (0 when unknown).
pub fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// A plain HTTP GET on localhost; the body of a 200 answer.
async fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").as_bytes())
        .await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    match response.split_once("\r\n\r\n") {
        Some((head, body)) if head.contains(" 200 ") || head.ends_with(" 200") => {
            Ok(body.to_owned())
        }
        _ => Err(std::io::Error::other("not a 200 answer")),
    }
}

/// Runs the scenario against the controller `subject`, already started and watching RGDs, in
/// `namespace` (which must exist). Leaves the RGD in place (the caller cleans up).
///
/// # Panics
///
/// When the RGD does not become Active or the instances do not become ACTIVE within the
/// timeouts (60 s and 15 min).
pub async fn run(client: &Client, namespace: &str, subject: &Subject, scale: &Scale) -> Report {
    let n = scale.instances;
    let kind = kind(&scale.name);
    let plural = kro_core::schema::pluralize(&kind.to_lowercase());
    let resource = ApiResource {
        group: "kro.run".into(),
        version: "v1alpha1".into(),
        api_version: "kro.run/v1alpha1".into(),
        kind: kind.clone(),
        plural,
    };
    let mut report = Report {
        instances: n,
        ..Report::default()
    };

    let rgds: Api<DynamicObject> = Api::all_with(client.clone(), &rgd_api_resource());
    let started = Instant::now();
    rgds.patch(
        &scale.name,
        &PatchParams::apply("kro-bench").force(),
        &Patch::Apply(&rgd(&scale.name, &kind)),
    )
    .await
    .expect("applying the RGD");
    wait::until("the RGD to be Active", wait::TIMEOUT, || async {
        let o = rgds.get(&scale.name).await.map_err(|e| e.to_string())?;
        match o.data.pointer("/status/state").and_then(Json::as_str) {
            Some("Active") => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    report.rgd_active = started.elapsed();

    let instances: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &resource);
    // The kind is served once its CRD is Established, which may trail the RGD's status by a
    // moment.
    wait::until("the instance kind to be served", wait::TIMEOUT, || async {
        instances
            .list(&ListParams::default().limit(1))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await;

    let before = apiserver_requests(client).await;
    let controller_before = controller_requests(subject).await;
    let started = Instant::now();
    for i in 0..n {
        let object = json!({"apiVersion": "kro.run/v1alpha1", "kind": kind,
            "metadata": {"name": format!("i{i}")}, "spec": {"name": format!("app{i}")}});
        instances
            .patch(
                &format!("i{i}"),
                &PatchParams::apply("kro-bench"),
                &Patch::Apply(&object),
            )
            .await
            .expect("creating an instance");
    }
    wait::until(
        "every instance to be ACTIVE",
        Duration::from_secs(900),
        || async {
            let list = instances
                .list(&ListParams::default())
                .await
                .map_err(|e| e.to_string())?;
            let active = list
                .items
                .iter()
                .filter(|o| o.data.pointer("/status/state") == Some(&json!("ACTIVE")))
                .count();
            if active == n {
                Ok(())
            } else {
                Err(format!("{active} of {n} ACTIVE"))
            }
        },
    )
    .await;
    report.all_active = started.elapsed();
    let after = apiserver_requests(client).await;
    let controller_after = controller_requests(subject).await;
    report.apiserver_requests_per_instance = (after.0 - before.0) / n as f64;
    if let (Some(b), Some(a)) = (controller_before, controller_after) {
        report.controller_requests_per_instance = Some((a.0 - b.0) / n as f64);
        report.controller_writes_per_instance = Some((a.1 - b.1) / n as f64);
    }

    // A quiet period: nothing changes, so the controller should write nothing.
    let settle = Duration::from_secs(10).min(scale.quiet);
    tokio::time::sleep(settle).await;
    let controller_settled = controller_requests(subject).await;
    tokio::time::sleep(scale.quiet - settle).await;
    let quiet = apiserver_requests(client).await;
    let controller_quiet = controller_requests(subject).await;
    report.quiet_apiserver_requests = quiet.0 - after.0;
    report.quiet_apiserver_writes = quiet.1 - after.1;
    if let (Some(b), Some(a)) = (controller_after, controller_quiet) {
        report.quiet_controller_requests = Some(a.0 - b.0);
        report.quiet_controller_writes = Some(a.1 - b.1);
    }
    if let (Some(b), Some(a)) = (controller_settled, controller_quiet) {
        report.settled_controller_writes = Some(a.1 - b.1);
    }
    report.peak_rss_kib = peak_rss_kib(subject.pid);

    // Drift: delete a child and time until the controller has created it again.
    let configmaps: Api<k8s_openapi::api::core::v1::ConfigMap> =
        Api::namespaced(client.clone(), namespace);
    for i in 0..scale.repairs.min(n) {
        let name = format!("app{i}");
        let old = configmaps
            .get(&name)
            .await
            .expect("the child ConfigMap")
            .metadata
            .uid;
        let started = Instant::now();
        configmaps
            .delete(&name, &DeleteParams::default())
            .await
            .expect("deleting the child ConfigMap");
        let timeout = Duration::from_secs(60);
        let mut repaired = None;
        while started.elapsed() < timeout {
            if let Ok(Some(cm)) = configmaps.get_opt(&name).await
                && cm.metadata.uid != old
            {
                repaired = Some(started.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        report.repairs.push(repaired);
    }
    report.peak_rss_kib = report.peak_rss_kib.max(peak_rss_kib(subject.pid));

    // Delete the instances while the controller runs (it removes their finalizers).
    let started = Instant::now();
    instances
        .delete_collection(&DeleteParams::default(), &ListParams::default())
        .await
        .expect("deleting the instances");
    let timeout = Duration::from_secs(600);
    while started.elapsed() < timeout {
        match instances.list(&ListParams::default()).await {
            Ok(list) if list.items.is_empty() => {
                report.all_deleted = Some(started.elapsed());
                break;
            }
            _ => tokio::time::sleep(wait::INTERVAL).await,
        }
    }
    report.peak_rss_kib = report.peak_rss_kib.max(peak_rss_kib(subject.pid));
    report
}
