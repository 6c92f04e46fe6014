//! Scale benchmark of the controller (ignored by default; run it with
//! `cargo test -p kro-tests --test controller_scale -- --ignored --nocapture`, `KRO_BENCH_N`
//! instances, default 100): N instances of a 3-resource RGD (ConfigMap → Deployment → Service),
//! and it prints the time until all are ACTIVE, API requests per instance (from the API
//! server's `apiserver_request_total`), the controller's peak RSS, and the writes the API
//! server saw during a quiet minute afterwards.

use std::process::Stdio;
use std::time::{Duration, Instant};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_tests::cleanup::DeleteOnDrop;
use kro_tests::cluster::admin_kubeconfig;
use kro_tests::{TestNamespace, client, kubectl_kro, rgd_api_resource, unique_name, wait};
use kube::api::{ApiResource, DynamicObject, Patch, PatchParams};
use kube::{Api, Client};
use serde_json::{Value as Json, json};

/// `(all requests, writes)` from the API server's `apiserver_request_total`.
async fn requests(client: &Client) -> (f64, f64) {
    let request = http::Request::get("/metrics").body(Vec::new()).unwrap();
    let text = client
        .request_text(request)
        .await
        .expect("apiserver /metrics");
    let (mut all, mut writes) = (0.0, 0.0);
    for line in text
        .lines()
        .filter(|l| l.starts_with("apiserver_request_total{"))
    {
        let value: f64 = line
            .rsplit(' ')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        all += value;
        if ["POST", "PUT", "PATCH", "DELETE"]
            .iter()
            .any(|verb| line.contains(&format!("verb=\"{verb}\"")))
        {
            writes += value;
        }
    }
    (all, writes)
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test]
#[ignore = "a benchmark: run with --ignored --nocapture"]
async fn scale() {
    let n: usize = std::env::var("KRO_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let client = client().await;
    let ns = TestNamespace::create(&client, "ctl-scale").await;
    let name = unique_name("ctl-scale");
    let kind = format!(
        "Scale{}",
        name.replace('-', "").trim_start_matches("ctlscale")
    );
    let plural = kro_core::schema::pluralize(&kind.to_lowercase());
    let resource = ApiResource {
        group: "kro.run".into(),
        version: "v1alpha1".into(),
        api_version: "kro.run/v1alpha1".into(),
        kind: kind.clone(),
        plural: plural.clone(),
    };
    let _crd =
        DeleteOnDrop::cluster_scoped::<CustomResourceDefinition>(&format!("{plural}.kro.run"));
    let _rgd = DeleteOnDrop::dynamic(rgd_api_resource(), None, &name);
    let kubeconfig = admin_kubeconfig();
    let selector = format!("--rgd-selector=kro-test={name}");
    let mut controller = tokio::process::Command::new(kubectl_kro())
        .args([
            "controller",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--metrics-bind-address=0",
            "--health-probe-bind-address=0",
            &selector,
        ])
        .env("RUST_LOG", "warn")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("spawning the controller");
    let pid = controller.id().unwrap();

    let rgd = json!({
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
    });
    let rgds: Api<DynamicObject> = Api::all_with(client.clone(), &rgd_api_resource());
    rgds.patch(
        &name,
        &PatchParams::apply("kro-bench").force(),
        &Patch::Apply(&rgd),
    )
    .await
    .unwrap();
    wait::until("the RGD to be Active", wait::TIMEOUT, || async {
        let o = rgds.get(&name).await.map_err(|e| e.to_string())?;
        match o.data.pointer("/status/state").and_then(Json::as_str) {
            Some("Active") => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;

    let instances: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns.name(), &resource);
    let before = requests(&client).await;
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
            .unwrap();
    }
    wait::until(
        "every instance to be ACTIVE",
        Duration::from_secs(900),
        || async {
            let list = instances
                .list(&Default::default())
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
    let elapsed = started.elapsed();
    let after = requests(&client).await;
    // A quiet minute: nothing changes, so the controller should write nothing.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let quiet = requests(&client).await;
    println!("instances:                         {n}");
    println!(
        "time to all ACTIVE:                {:.1}s",
        elapsed.as_secs_f64()
    );
    println!(
        "API requests per instance:         {:.1} (all clients, incl. the test's {n} creates and polling)",
        (after.0 - before.0) / n as f64
    );
    println!(
        "controller peak RSS:               {} MiB",
        peak_rss_kib(pid) / 1024
    );
    println!("API writes during a quiet minute:  {}", quiet.1 - after.1);
    println!("API requests during a quiet minute: {}", quiet.0 - after.0);
    // Delete the instances while the controller runs (it removes their finalizers).
    instances
        .delete_collection(&Default::default(), &Default::default())
        .await
        .unwrap();
    wait::until(
        "every instance to be deleted",
        Duration::from_secs(600),
        || async {
            let list = instances
                .list(&Default::default())
                .await
                .map_err(|e| e.to_string())?;
            if list.items.is_empty() {
                Ok(())
            } else {
                Err(format!("{} left", list.items.len()))
            }
        },
    )
    .await;
    let _ = controller.start_kill();
    ns.delete().await;
}
