//! Scale benchmark of the controller (ignored by default; run it with
//! `cargo test -p kro-tests --test controller_scale -- --ignored --nocapture`): the scenario of
//! `kro_tests::scale` — `KRO_BENCH_N` instances (default 100) of a 3-resource RGD (ConfigMap →
//! Deployment → Service) — against `kubectl kro controller` on the shared control plane. It
//! prints the time until all are ACTIVE, API requests per instance, the controller's peak RSS,
//! the writes during a quiet minute, and the time to repair a deleted child.
//!
//! `tests/bench/compare` runs the same scenario against a release build and against the
//! reference kro, each on a control plane of its own.

use std::process::Stdio;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_tests::cleanup::DeleteOnDrop;
use kro_tests::cluster::admin_kubeconfig;
use kro_tests::scale::{self, Scale, Subject};
use kro_tests::{TestNamespace, client, kubectl_kro, rgd_api_resource, unique_name};

#[tokio::test]
#[ignore = "a benchmark: run with --ignored --nocapture"]
async fn scale() {
    let client = client().await;
    let ns = TestNamespace::create(&client, "ctl-scale").await;
    let scale = Scale::from_env(&unique_name("ctl-scale"));
    let _crd =
        DeleteOnDrop::cluster_scoped::<CustomResourceDefinition>(&scale::crd_name(&scale.name));
    let _rgd = DeleteOnDrop::dynamic(rgd_api_resource(), None, &scale.name);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let kubeconfig = admin_kubeconfig();
    let controller = tokio::process::Command::new(kubectl_kro())
        .args([
            "controller",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            &format!("--metrics-bind-address=127.0.0.1:{port}"),
            "--health-probe-bind-address=0",
            &format!("--rgd-selector=kro-test={}", scale.name),
        ])
        .env("RUST_LOG", "warn")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("spawning the controller");
    let subject = Subject {
        pid: controller.id().unwrap(),
        metrics_port: Some(port),
    };
    let report = scale::run(&client, ns.name(), &subject, &scale).await;
    report.print();
    drop(controller);
    ns.delete().await;
}
