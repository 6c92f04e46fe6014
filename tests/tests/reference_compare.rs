//! Our side of the side-by-side comparison with the reference kro (`tests/bench/compare`, which
//! runs these and the reference's side and prints the ratios). Both are ignored: benchmarks, not
//! tests.
//!
//! - `compile` writes the RGD corpus to `KRO_BENCH_CORPUS` (the examples and generated RGDs of
//!   10, 20 and 50 resources) and times our compiler on each file (the best of
//!   `KRO_BENCH_ROUNDS` means over `KRO_BENCH_TIME_MS` each); the reference's graph builder is
//!   then timed on the same files, the same way.
//! - `controller` runs the scale scenario of `kro_tests::scale` against one controller
//!   (`KRO_BENCH_CONTROLLER`: `ours` or `reference`, binary `KRO_BENCH_BINARY`) on the control
//!   plane of `KRO_BENCH_KUBECONFIG`, which the script starts afresh for each controller.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Namespace;
use kro_core::compile::{Options, compile_file};
use kro_tests::cluster::{client_from_kubeconfig, repo_root};
use kro_tests::scale::{self, Scale, Subject};
use kro_tests::{rgd_api_resource, wait};
use kube::Api;
use kube::api::{DeleteParams, DynamicObject, PostParams};
use serde_json::json;

fn env_path(key: &str) -> PathBuf {
    std::env::var_os(key)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("{key} must be set (tests/bench/compare sets it)"))
}

/// An RGD of `n` resources: ConfigMaps chained so each depends on the one before, and a
/// Deployment at the end reading the last of them (the shape of core's compile benchmark).
fn chain(n: usize) -> String {
    let mut text = format!(
        "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: chain{n}\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: Chain{n}\n    spec:\n      name: string | required=true\n      replicas: integer | default=1\n    status:\n      ready: ${{app.status.?availableReplicas.orValue(0) > 0}}\n  resources:\n"
    );
    for i in 0..n - 1 {
        let previous = if i == 0 {
            "${schema.spec.name}".to_owned()
        } else {
            format!("${{config{}.metadata.name}}", i - 1)
        };
        text.push_str(&format!(
            "    - id: config{i}\n      template:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          name: ${{schema.spec.name}}-{i}\n          labels:\n            previous: {previous}\n        data:\n          index: \"{i}\"\n          owner: ${{schema.metadata.name}}\n"
        ));
    }
    text.push_str(&format!(
        "    - id: app\n      readyWhen:\n        - ${{app.status.?availableReplicas.orValue(0) == app.spec.replicas}}\n      template:\n        apiVersion: apps/v1\n        kind: Deployment\n        metadata:\n          name: ${{schema.spec.name}}\n        spec:\n          replicas: ${{schema.spec.replicas}}\n          selector:\n            matchLabels:\n              app: ${{schema.spec.name}}\n          template:\n            metadata:\n              labels:\n                app: ${{schema.spec.name}}\n                config: ${{config{}.metadata.name}}\n            spec:\n              containers:\n                - name: app\n                  image: nginx\n",
        n - 2
    ));
    text
}

/// Writes the corpus into `dir`: every `examples/*.yaml` and the generated chains.
fn write_corpus(dir: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).expect("the corpus directory");
    let mut files = Vec::new();
    let mut examples: Vec<PathBuf> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples/")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    examples.sort();
    for example in examples {
        let to = dir.join(example.file_name().unwrap());
        std::fs::copy(&example, &to).expect("copying an example");
        files.push(to);
    }
    for n in [10, 20, 50] {
        let to = dir.join(format!("generated-{n:02}-resources.yaml"));
        std::fs::write(&to, chain(n)).expect("writing a generated RGD");
        files.push(to);
    }
    files
}

/// The time of one call of `f` in nanoseconds: the best of `rounds` means, each over at least
/// `budget`, after a warm-up. The best round is the one least disturbed by other work on a
/// shared machine; the reference's side is measured the same way.
fn best_mean_ns(budget: Duration, rounds: usize, mut f: impl FnMut()) -> f64 {
    let warm = Instant::now();
    while warm.elapsed() < budget / 5 {
        f();
    }
    (0..rounds.max(1))
        .map(|_| {
            let (start, mut runs) = (Instant::now(), 0u64);
            while start.elapsed() < budget || runs < 10 {
                f();
                runs += 1;
            }
            start.elapsed().as_nanos() as f64 / runs as f64
        })
        .fold(f64::INFINITY, f64::min)
}

#[test]
#[ignore = "a benchmark: tests/bench/compare runs it"]
fn compile() {
    let budget = Duration::from_millis(
        std::env::var("KRO_BENCH_TIME_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000),
    );
    let rounds = std::env::var("KRO_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let options = Options::default();
    for path in write_corpus(&env_path("KRO_BENCH_CORPUS")) {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let analysis = compile_file(&text, &options);
        if analysis.has_errors() {
            println!("result-compile {name} - rejected");
            continue;
        }
        let ns = best_mean_ns(budget, rounds, || {
            std::hint::black_box(compile_file(std::hint::black_box(&text), &options));
        });
        println!("result-compile {name} {ns:.0} ok");
    }
}

#[tokio::test]
#[ignore = "a benchmark: tests/bench/compare runs it"]
async fn controller() {
    let which = std::env::var("KRO_BENCH_CONTROLLER").expect("KRO_BENCH_CONTROLLER");
    let binary = env_path("KRO_BENCH_BINARY");
    let kubeconfig = env_path("KRO_BENCH_KUBECONFIG");
    let log = env_path("KRO_BENCH_LOG");
    let client = client_from_kubeconfig(&kubeconfig).await;

    let namespace = "bench";
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let object = serde_json::from_value(json!({"metadata": {"name": namespace}})).unwrap();
    namespaces
        .create(&PostParams::default(), &object)
        .await
        .expect("creating the namespace");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let metrics = format!("--metrics-bind-address=127.0.0.1:{port}");
    let kubeconfig_flag = format!("--kubeconfig={}", kubeconfig.display());
    let mut command = tokio::process::Command::new(&binary);
    match which.as_str() {
        // Defaults otherwise, as a user would install each.
        "ours" => command
            .args(["controller", &kubeconfig_flag, &metrics])
            .args(["--health-probe-bind-address=0"])
            .env("RUST_LOG", "info"),
        // Its binary logs at debug level unless told; its Helm chart runs it at info.
        "reference" => command
            .args([
                &metrics,
                "--health-probe-bind-address=0",
                "--zap-log-level=info",
            ])
            .env("KUBECONFIG", &kubeconfig),
        other => panic!("KRO_BENCH_CONTROLLER is ours or reference, not {other}"),
    };
    let file = std::fs::File::create(&log).expect("the controller log");
    let controller = command
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .kill_on_drop(true)
        .spawn()
        .expect("spawning the controller");
    let subject = Subject {
        pid: controller.id().unwrap(),
        metrics_port: Some(port),
    };

    let scale = Scale::from_env("bench");
    let report = scale::run(&client, namespace, &subject, &scale).await;
    report.print();

    // Delete the RGD while the controller runs (it holds a finalizer); the control plane is
    // thrown away afterwards anyway.
    let rgds: Api<DynamicObject> = Api::all_with(client.clone(), &rgd_api_resource());
    let _ = rgds.delete(&scale.name, &DeleteParams::default()).await;
    let _ = tokio::time::timeout(
        wait::TIMEOUT,
        wait::until("the RGD to be gone", wait::TIMEOUT, || async {
            match rgds.get_opt(&scale.name).await {
                Ok(None) => Ok(()),
                other => Err(format!("{:?}", other.map(|o| o.is_some()))),
            }
        }),
    )
    .await;
    drop(controller);
}
