//! Compile time per RGD over a corpus: the examples, generated RGDs of 10 and 20 resources,
//! a collection and an expression-heavy RGD. Run with `cargo bench -p kro-core`.

use criterion::{Criterion, criterion_group, criterion_main};
use kro_core::compile::{Options, compile_file};

/// An RGD with `n` resources: ConfigMaps chained so each depends on the one before, and a
/// Deployment at the end reading several of them.
fn chain(n: usize) -> String {
    let mut text = String::from(
        "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: chain\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: Chain\n    spec:\n      name: string | required=true\n      replicas: integer | default=1\n    status:\n      ready: ${app.status.?availableReplicas.orValue(0) > 0}\n  resources:\n",
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

/// Expressions with macros, optionals, string functions and comprehensions.
fn heavy_cel() -> String {
    let mut text = String::from(
        "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata:\n  name: heavy\nspec:\n  schema:\n    apiVersion: v1alpha1\n    kind: Heavy\n    spec:\n      names: \"[]string\"\n      labels: \"map[string]string\"\n  resources:\n    - id: config\n      template:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          name: heavy\n        data:\n",
    );
    for i in 0..40 {
        text.push_str(&format!(
            "          k{i}: '${{schema.spec.names.filter(n, n.startsWith(\"a\")).map(n, n.upperAscii()).join(\",\") + string(size(schema.spec.labels)) + (schema.spec.labels.exists(k, k == \"x{i}\") ? \"y\" : \"n\")}}'\n"
        ));
    }
    text
}

fn corpus() -> Vec<(String, String)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let mut files: Vec<(String, String)> = std::fs::read_dir(root)
        .expect("examples directory")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    files.push(("generated-10-resources".into(), chain(10)));
    files.push(("generated-20-resources".into(), chain(20)));
    files.push(("heavy-cel".into(), heavy_cel()));
    files
}

fn bench(c: &mut Criterion) {
    let options = Options::default();
    // Warm the bundled schemas once so every sample measures compilation only.
    let _ = compile_file(&chain(3), &options);
    let mut group = c.benchmark_group("compile");
    for (name, text) in corpus() {
        let analysis = compile_file(&text, &options);
        assert!(
            !analysis.has_errors(),
            "{name} should compile: {:?}",
            analysis.diagnostics()
        );
        group.bench_function(&name, |b| b.iter(|| compile_file(&text, &options)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
