//! Evaluation time per expression: field reads, string building, macros over a list, a
//! Kubernetes library call, kro's functions, and the status-style optional chains the runtime
//! evaluates every reconcile. Run with `cargo bench -p kro-core --bench eval`.

use criterion::{Criterion, criterion_group, criterion_main};
use kro_core::cel::{Activation, Budget, Program};
use serde_json::json;

fn vars() -> Activation {
    let mut vars = Activation::new();
    vars.insert(
        "schema",
        json!({
            "metadata": {"name": "web", "namespace": "apps", "uid": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
            "spec": {"name": "web", "replicas": 3, "image": "nginx:1.27", "tier": "pro",
                     "ports": [80, 443, 8080, 8443], "env": {"A": "1", "B": "2", "C": "3"}}
        }),
    );
    let pods: Vec<_> = (0..100)
        .map(|i| json!({"metadata": {"name": format!("pod-{i}")}, "status": {"phase": if i % 7 == 0 { "Pending" } else { "Running" }}}))
        .collect();
    vars.insert("pods", json!(pods));
    vars.insert(
        "deployment",
        json!({"metadata": {"name": "web", "creationTimestamp": "2024-03-05T10:20:30Z"},
               "spec": {"replicas": 3},
               "status": {"availableReplicas": 3, "conditions": [{"type": "Available", "status": "True"}]}}),
    );
    vars
}

fn bench(c: &mut Criterion) {
    let vars = vars();
    let cases = [
        ("field", "schema.spec.replicas"),
        (
            "interpolated",
            "\"app-\" + schema.spec.name + \"-\" + schema.metadata.namespace",
        ),
        (
            "ready",
            "deployment.status.?availableReplicas.orValue(0) == deployment.spec.replicas",
        ),
        (
            "condition",
            "deployment.status.conditions.exists(c, c.type == 'Available' && c.status == 'True')",
        ),
        (
            "map_filter_100",
            "pods.filter(p, p.status.phase == 'Running').map(p, p.metadata.name)",
        ),
        (
            "format",
            "'%s:%d'.format([schema.spec.image, schema.spec.ports[0]])",
        ),
        (
            "quantity",
            "quantity('1.5Gi').add(quantity('512Mi')).isGreaterThan(quantity('2Gi'))",
        ),
        (
            "seeded_string",
            "random.seededString(16, schema.metadata.uid)",
        ),
        ("json_marshal", "json.marshal(schema.spec)"),
        (
            "transform_map",
            "schema.spec.env.transformMap(k, v, v + '-' + k)",
        ),
    ];
    let mut group = c.benchmark_group("eval");
    for (name, source) in cases {
        let program = Program::new(source).expect("parses");
        let mut budget = Budget::new(u64::MAX);
        program.eval(&vars, &mut budget).expect("evaluates");
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut budget = Budget::new(u64::MAX);
                program.eval(&vars, &mut budget).expect("evaluates")
            })
        });
    }
    group.bench_function("bind_schema_and_100_pods", |b| b.iter(self::vars));
    // How long a hostile expression runs before the default per-expression limit stops it.
    let hostile =
        Program::new("lists.range(1000).map(x, lists.range(1000).map(y, x + y))").expect("parses");
    group.bench_function("hostile_until_cost_exceeded", |b| {
        b.iter(|| {
            let mut budget = Budget::default();
            hostile
                .eval(&vars, &mut budget)
                .expect_err("runs out of budget")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
