//! Editor latency on a large RGD, measured through the real `kro-lsp` binary over stdio:
//! didChange → publishDiagnostics, and completion/hover right after an edit.
//!
//! `cargo bench -p kro-lsp --bench latency` prints p50/p99 per scenario (and the in-process
//! analysis time, the server's RSS, and its memory with 50 copies of the RGD open). Not a
//! test: nothing here asserts on time.

#[path = "../tests/editor/client.rs"]
#[allow(dead_code)]
mod client;

use std::time::{Duration, Instant};

use client::{Client, position, position_of};
use serde_json::json;

const URI: &str = "file:///bench/large.yaml";
const ROUNDS: usize = 200;

fn main() {
    let services = 31;
    let text = large_rgd(services);
    let lines = text.lines().count();
    println!(
        "kro-lsp latency on a generated RGD: {lines} lines, {} bytes, {} resources",
        text.len(),
        2 * services
    );
    println!(
        "machine: {} CPUs; {ROUNDS} rounds per scenario\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let analysis = measure(ROUNDS, || {
        let started = Instant::now();
        let analysis = kro_core::ide::Analysis::new(text.as_str());
        std::hint::black_box(analysis.diagnostics());
        started.elapsed()
    });
    report("analysis (in process: compile + index)", &analysis);

    for debounce in [0, 50] {
        let mut client = Client::start_with(json!({"diagnosticsDebounceMs": debounce}));
        client.open(URI, &text);
        client.diagnostics(URI);
        let mut version = 1;
        let samples = measure(ROUNDS, || {
            version += 1;
            // Toggle one character of an id: `svc0` ⇄ `svcX`, an invalid id every other time.
            let at = position(&text, "svc0\n", 0);
            let mut end = at.clone();
            end["character"] = (at["character"].as_u64().unwrap() + 4).into();
            let new = if version % 2 == 0 { "svc-" } else { "svc0" };
            let started = Instant::now();
            client.change(URI, version, json!({"start": at, "end": end}), new);
            client.diagnostics_of_version(URI, version);
            started.elapsed()
        });
        report(
            &format!("didChange → publishDiagnostics (debounce {debounce} ms)"),
            &samples,
        );
        if debounce == 0 {
            let rss = std::fs::read_to_string(format!("/proc/{}/status", client.pid()))
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmRSS:"))
                        .map(str::to_owned)
                });
            if let Some(rss) = rss {
                println!("  server {rss}");
            }
        }
    }

    let mut client = Client::start_with(json!({"diagnosticsDebounceMs": 50}));
    client.open(URI, &text);
    client.diagnostics(URI);
    let cursor_offset = text.find("${schema.spec.").unwrap() + "${schema.spec.".len();
    let cursor = position_of(&text, cursor_offset);
    let mut version = 1;
    let mut edit = |client: &mut Client| {
        version += 1;
        let at = position(&text, "# edit here", 0);
        client.change(URI, version, json!({"start": at, "end": at}), "");
    };
    let completion = measure(ROUNDS, || {
        edit(&mut client);
        let started = Instant::now();
        let items = client.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": URI}, "position": cursor}),
        );
        let elapsed = started.elapsed();
        assert!(items.as_array().is_some_and(|i| !i.is_empty()), "{items}");
        elapsed
    });
    report("completion after an edit (`${schema.spec.`)", &completion);
    let typed_at = {
        let offset = text.find("${svc3.spec.selector").unwrap() + "${svc3.spec.".len();
        position_of(&text, offset)
    };
    let typed = measure(ROUNDS, || {
        edit(&mut client);
        let started = Instant::now();
        let items = client.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": URI}, "position": typed_at}),
        );
        let elapsed = started.elapsed();
        assert!(items.as_array().is_some_and(|i| i.len() > 3), "{items}");
        elapsed
    });
    report(
        "typed completion after an edit (`${svc3.spec.` of a Deployment)",
        &typed,
    );
    let hover_at = position(&text, "svc3.metadata", 0);
    let hover = measure(ROUNDS, || {
        edit(&mut client);
        let started = Instant::now();
        let hover = client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": URI}, "position": hover_at}),
        );
        let elapsed = started.elapsed();
        assert!(!hover.is_null());
        elapsed
    });
    report("hover after an edit (resource id)", &hover);
    let warm = measure(ROUNDS, || {
        let started = Instant::now();
        client.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": URI}, "position": cursor}),
        );
        started.elapsed()
    });
    report("completion, no edit in between", &warm);
    assert!(client.shutdown().success());

    memory(&text, 50);
}

/// The server's resident memory idle, and with `documents` copies of the RGD open and
/// analysed (each keeps its analysis while it is open).
fn memory(text: &str, documents: usize) {
    let mut client = Client::start_with(json!({"diagnosticsDebounceMs": 0}));
    let idle = status_kb(client.pid(), "VmRSS:");
    let uris: Vec<String> = (0..documents)
        .map(|i| format!("file:///bench/large{i}.yaml"))
        .collect();
    for (i, uri) in uris.iter().enumerate() {
        client.open(
            uri,
            &text.replacen("name: large", &format!("name: large{i}"), 1),
        );
    }
    for uri in &uris {
        client.diagnostics(uri);
    }
    let open = status_kb(client.pid(), "VmRSS:");
    let peak = status_kb(client.pid(), "VmHWM:");
    let mib = |kb: Option<u64>| {
        kb.map_or("?".to_owned(), |kb| {
            format!("{:.1} MiB", kb as f64 / 1024.0)
        })
    };
    println!(
        "memory: server RSS idle {}; with {documents} RGDs open and analysed {} (peak {})",
        mib(idle),
        mib(open),
        mib(peak)
    );
    assert!(client.shutdown().success());
}

/// A `/proc/<pid>/status` field in kB.
fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

fn measure(rounds: usize, mut f: impl FnMut() -> Duration) -> Vec<Duration> {
    for _ in 0..5 {
        f(); // warm up
    }
    let mut samples: Vec<Duration> = (0..rounds).map(|_| f()).collect();
    samples.sort();
    samples
}

fn report(what: &str, samples: &[Duration]) {
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "{what}\n  p50 {:.2} ms   p99 {:.2} ms   max {:.2} ms",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        samples[samples.len() - 1].as_secs_f64() * 1e3,
    );
}

/// An RGD of about 25 lines per resource: a Deployment and a Service per `svc<i>`, each
/// reading the spec and the previous one.
fn large_rgd(services: usize) -> String {
    let mut out = String::from(
        "apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: large
spec:
  schema:
    apiVersion: v1alpha1
    kind: Large
    spec:
      name: string | required=true description=\"Name prefix\"
      image: string | default=\"nginx:1.27\"
      replicas: integer | default=2 minimum=1 maximum=20
      ports: \"[]Port\"
      ingress:
        enabled: boolean | default=false
        host: string
    types:
      Port:
        name: string | required=true
        number: integer | default=80
    status:
      ready: ${svc0.status.availableReplicas}
  resources:
",
    );
    for i in 0..services {
        let previous = if i == 0 {
            "schema.spec.name".to_owned()
        } else {
            format!("svc{}.metadata.name", i - 1)
        };
        out.push_str(&format!(
            "    - id: svc{i}
      readyWhen:
        - ${{svc{i}.status.availableReplicas == svc{i}.spec.replicas}}
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ${{schema.spec.name}}-{i}
          labels:
            app: ${{schema.spec.name}}
            after: ${{{previous}}}
        spec:
          replicas: ${{schema.spec.replicas}}
          selector:
            matchLabels:
              app: ${{schema.spec.name}}-{i}
          template:
            metadata:
              labels:
                app: ${{schema.spec.name}}-{i}
            spec:
              containers:
                - name: app
                  image: ${{schema.spec.image}}
    - id: port{i}
      template:
        apiVersion: v1
        kind: Service
        metadata:
          name: ${{svc{i}.metadata.name}}
        spec:
          selector: ${{svc{i}.spec.selector.matchLabels}}
"
        ));
    }
    out.push_str("# edit here\n");
    out
}
