//! Planning one instance of a 10-resource RGD (the controller's per-reconcile core work):
//! everything observed and ready, and nothing observed yet. Run with
//! `cargo bench -p kro-core --bench plan`.

use criterion::{Criterion, criterion_group, criterion_main};
use kro_core::compile::{Options, compile_file};
use kro_core::runtime::{Observed, Runtime, Settings};
use serde_json::json;

/// Nine ConfigMaps chained by name and a Deployment reading the last one.
fn rgd() -> String {
    let mut text = String::from(
        "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: chain\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: Chain\n    spec:\n      name: string | required=true\n      replicas: integer | default=1\n    status:\n      available: ${app.status.?availableReplicas.orValue(0)}\n  resources:\n",
    );
    for i in 0..9 {
        let previous = if i == 0 {
            "${schema.spec.name}".to_owned()
        } else {
            format!("${{config{}.metadata.name}}", i - 1)
        };
        text.push_str(&format!(
            "    - id: config{i}\n      template:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          name: ${{schema.spec.name}}-{i}\n          labels:\n            previous: {previous}\n        data:\n          index: \"{i}\"\n"
        ));
    }
    text.push_str("    - id: app\n      readyWhen:\n        - ${app.status.?availableReplicas.orValue(0) == app.spec.replicas}\n      template:\n        apiVersion: apps/v1\n        kind: Deployment\n        metadata:\n          name: ${schema.spec.name}\n        spec:\n          replicas: ${schema.spec.replicas}\n          selector:\n            matchLabels:\n              app: ${schema.spec.name}\n          template:\n            metadata:\n              labels:\n                app: ${schema.spec.name}\n                config: ${config8.metadata.name}\n            spec:\n              containers:\n                - name: app\n                  image: nginx\n");
    text
}

fn bench(c: &mut Criterion) {
    let analysis = compile_file(&rgd(), &Options::default());
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics());
    let runtime = Runtime::new(analysis.rgds.into_iter().next().unwrap()).unwrap();
    let instance = json!({
        "apiVersion": "kro.run/v1alpha1", "kind": "Chain",
        "metadata": {"name": "bench", "namespace": "default", "uid": "u"},
        "spec": {"name": "bench", "replicas": 1}
    });
    let settings = Settings::default();
    // Everything exists and is ready: the steady state the controller resyncs.
    let ready = runtime.plan(
        &instance,
        &Observed::new(),
        &Settings {
            assume_ready: true,
            ..settings.clone()
        },
    );
    let mut observed = Observed::new();
    for resource in &ready.resources {
        let mut object = resource.desired[0].clone();
        object["status"] = json!({"availableReplicas": 1});
        observed.insert(&resource.id, object);
    }
    assert!(
        runtime
            .plan(&instance, &observed, &settings)
            .resources
            .iter()
            .all(|r| r.is_ready())
    );
    c.bench_function("plan/10-resources-all-ready", |b| {
        b.iter(|| runtime.plan(&instance, &observed, &settings))
    });
    c.bench_function("plan/10-resources-nothing-observed", |b| {
        b.iter(|| runtime.plan(&instance, &Observed::new(), &settings))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
