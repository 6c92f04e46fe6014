//! The fuzz targets' bodies, shared by the libFuzzer binaries (`fuzz/fuzz_targets/`, nightly)
//! and the stable replay and mutation run (`core/tests/fuzz.rs`, part of `cargo test`).
//!
//! Each target takes any text, must not panic, and checks invariants that hold for every
//! input; a broken invariant panics with what was expected. Only kro-core's public API is
//! used, so the same code builds in both places.

use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hasher};
use std::sync::Arc;

use kro_core::cel::{self, Activation, Budget, Context, Env, Expected, Kind, Program, Segment};
use kro_core::compile::{self, Options};
use kro_core::openapi::{Builtin, Schema};
use kro_core::schema::{self, CrdSpec, Ownership};
use kro_core::syntax::{self, Node, ScalarOffsets, Value};
use kro_core::text::TextRange;
use serde_json::json;

/// A fuzz target: a name (the directory of its seeds, the libFuzzer binary) and its body.
pub struct Target {
    /// The name.
    pub name: &'static str,
    /// Runs one input.
    pub run: fn(&str),
    /// Longest input worth running (the mutator and libFuzzer's `-max_len` stay below it).
    pub max_len: usize,
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "yaml",
        run: yaml,
        max_len: 64 * 1024,
    },
    Target {
        name: "schema",
        run: schema,
        max_len: 16 * 1024,
    },
    Target {
        name: "extract",
        run: extract,
        max_len: 16 * 1024,
    },
    Target {
        name: "cel",
        run: cel,
        max_len: 8 * 1024,
    },
    Target {
        name: "compile",
        run: compile,
        max_len: 64 * 1024,
    },
];

/// Runs `target` on raw bytes: non-UTF-8 input is decoded lossily (core takes text).
pub fn run_bytes(target: &Target, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    (target.run)(&text);
}

/// The YAML front end: every range inside the text on character boundaries, and every string
/// scalar's decoded bytes mapped back to its source exactly (in a file without syntax errors;
/// an alias's offsets all point at the alias).
pub fn yaml(text: &str) {
    let parsed = syntax::parse(text);
    for d in &parsed.diagnostics {
        check_range(text, d.range, "diagnostic");
    }
    for doc in &parsed.documents {
        check_range(text, doc.range, "document");
        if let Some(root) = &doc.root {
            walk(text, root, &mut |node| {
                check_range(text, node.range, "node");
                if let Value::String(s) = &node.value {
                    let offsets = ScalarOffsets::of(text, node).expect("a string has offsets");
                    // An alias has the range of the `*name` that repeats the value.
                    let alias = text[node.range.start..].starts_with('*');
                    assert!(
                        offsets.is_exact() || alias || !parsed.diagnostics.is_empty(),
                        "scalar {:?} at {:?} is not aligned with its source",
                        s.text,
                        node.range
                    );
                    let end = offsets.to_source(s.text.len());
                    assert!(end <= text.len(), "scalar end {end} past the text");
                    if offsets.is_exact() && !alias {
                        // Each character comes from itself in the source, or from an escape.
                        for (i, c) in s.text.char_indices().filter(|(_, c)| !c.is_whitespace()) {
                            let at = offsets.to_source(i);
                            let source = text.get(at..).and_then(|t| t.chars().next());
                            assert!(
                                source == Some(c) || source == Some('\\'),
                                "{c:?} of scalar {:?} maps to {source:?} at {at}",
                                s.text
                            );
                        }
                    }
                }
            });
        }
    }
}

/// SimpleSchema: the text as an RGD's `spec.schema` section (`spec`, `types`, names), plus its
/// first line as a type expression with markers. The generated CRD compares equal to itself.
pub fn schema(text: &str) {
    let line = text.lines().next().unwrap_or("");
    let _ = schema::parse_type(line, 0);
    let (markers, errors) = schema::parse_markers(line, 0);
    for m in &markers {
        check_range(line, m.range(), "marker");
    }
    for e in &errors {
        check_range(line, e.range, "marker error");
    }

    let parsed = syntax::parse(text);
    let Some(root) = parsed.documents.first().and_then(|d| d.root.as_ref()) else {
        return;
    };
    let simple = schema::compile(text, root.get("spec"), root.get("types"));
    for d in &simple.diagnostics {
        check_range(text, d.range, "schema diagnostic");
    }
    for f in &simple.fields {
        check_range(text, f.key_range, "field key");
        check_range(text, f.value_range, "field value");
    }
    let (names, diagnostics) = CrdSpec::read(root);
    for d in &diagnostics {
        check_range(text, d.range, "crd diagnostic");
    }
    let comparison = schema::compare_schemas(&simple.schema, &simple.schema);
    assert!(
        !comparison.has_changes(),
        "a schema differs from itself: {:?}",
        comparison.changes
    );
    let crd = schema::generate(
        &names,
        &simple.schema,
        &Schema::default(),
        &Ownership::default(),
    );
    if let Ok(comparison) = schema::compare_crds(&crd, &crd) {
        assert!(
            !comparison.has_changes(),
            "a CRD differs from itself: {:?}",
            comparison.changes
        );
    }
}

/// `${…}` extraction: segments in order, inside the string, holding the text they cover; and
/// every literal, quoted as CEL, evaluates back to itself.
pub fn extract(text: &str) {
    let extracted = cel::extract(text);
    let mut previous_end = 0;
    for segment in &extracted.segments {
        match segment {
            Segment::Literal(l) => {
                check_range(text, l.range, "literal");
                assert!(l.range.start >= previous_end, "segments overlap");
                assert_eq!(&text[l.range.start..l.range.end], l.text, "literal text");
                previous_end = l.range.end;
                round_trip_literal(&l.text);
            }
            Segment::Expr(e) => {
                check_range(text, e.range, "expression");
                check_range(text, e.outer, "expression with ${}");
                assert!(e.outer.start >= previous_end, "segments overlap");
                assert!(
                    e.outer.start <= e.range.start && e.range.end <= e.outer.end,
                    "expression outside its ${{}}"
                );
                assert_eq!(&text[e.range.start..e.range.end], e.text, "expression text");
                previous_end = e.outer.end;
            }
        }
    }
    for d in &extracted.diagnostics {
        check_range(text, d.range, "extract diagnostic");
    }
    if extracted.kind() == Kind::Literal {
        assert!(extracted.cel_source().is_none());
    } else if let Some(source) = extracted.cel_source() {
        let _ = Program::new(&source);
    }
}

fn round_trip_literal(text: &str) {
    if text.len() > 4096 {
        return;
    }
    let quoted = cel::quote(text);
    let program = Program::new(&quoted)
        .unwrap_or_else(|e| panic!("quote({text:?}) = {quoted} does not parse: {e}"));
    let mut budget = Budget::default();
    let out = program.eval(&Activation::new(), &mut budget);
    assert_eq!(
        out,
        Ok(cel::Output::Value(json!(text))),
        "quote({text:?}) = {quoted} does not evaluate to the text"
    );
}

/// CEL: parse, type-check in several places of an RGD, and evaluate twice over fixed data
/// under a small budget; both evaluations agree, the budget is never overspent, and an
/// expression that reads no variables evaluates to a value of the type the checker gave it.
pub fn cel(text: &str) {
    let source = Builtin;
    let env = environment(&source);
    for context in [
        Context::Template("deployment"),
        Context::ForEach("workers"),
        Context::ReadyWhen("workers"),
        Context::Status,
        Context::StatusConditions,
    ] {
        let scope = env.scope(context);
        let checked = cel::check(text, &scope, &Expected::Any);
        for d in &checked.diagnostics {
            check_range(text, d.range, "check diagnostic");
        }
        let _ = cel::check(text, &scope, &Expected::Bool);
    }
    let mut cut = text.len() / 2;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let _ = cel::complete(&text[..cut], &env.scope(Context::Status));

    let Ok(program) = Program::new(text) else {
        return;
    };
    let closed = cel::check(text, &env.scope(Context::Status), &Expected::Any);
    let run = |vars: &Activation| {
        let mut budget = Budget::new(400_000).with_per_expression(200_000);
        let out = program.eval(vars, &mut budget);
        assert!(budget.spent() <= budget.limit(), "budget overspent");
        out
    };
    let vars = activation(false);
    let first = run(&vars);
    let second = run(&vars);
    assert_eq!(first, second, "two evaluations of {text:?} differ");
    let _ = run(&activation(true));

    // An expression that reads no variables and checks evaluates to a value of its type.
    if closed.is_ok()
        && closed.references.is_empty()
        && let Ok(cel::Output::Value(value)) = &first
    {
        let ty = closed.ty.to_string();
        let fits = match ty.as_str() {
            "bool" => value.is_boolean(),
            "int" => value.is_i64(),
            "string" => value.is_string(),
            t if t.starts_with("list(") => value.is_array(),
            t if t.starts_with("map(") => value.is_object(),
            _ => true,
        };
        assert!(fits, "`{text}` checks as {ty} but evaluates to {value}");
    }
}

/// The whole compiler: compiling the same text twice gives identical results (diagnostics,
/// models, graphs, CRDs), every diagnostic points into the text.
pub fn compile(text: &str) {
    let options = Options::default();
    let first = compile_digest(text, &options);
    let second = compile_digest(text, &options);
    assert_eq!(first, second, "compiling the same text twice differs");
}

fn compile_digest(text: &str, options: &Options) -> u64 {
    let analysis = compile::compile_file(text, options);
    for d in analysis.diagnostics() {
        check_range(text, d.range, "diagnostic");
        for r in &d.related {
            check_range(text, r.range, "related range");
        }
    }
    let mut out = HashWriter(DefaultHasher::new());
    let _ = write!(out, "{analysis:?}");
    for compiled in &analysis.rgds {
        let view = compiled.graph_view();
        let _ = write!(
            out,
            "{}{}{}{:?}",
            view.to_ascii(),
            view.to_dot(),
            view.to_mermaid(),
            compiled.crd(&Ownership::default())
        );
    }
    out.0.finish()
}

/// Feeds formatted text to a hasher with fixed keys, so large outputs compare cheaply.
struct HashWriter(DefaultHasher);

impl std::fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

fn check_range(text: &str, range: TextRange, what: &str) {
    assert!(
        range.start <= range.end && range.end <= text.len(),
        "{what} range {range:?} outside the text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(range.start) && text.is_char_boundary(range.end),
        "{what} range {range:?} splits a character"
    );
}

/// Visits every node of the tree once: the inside of an alias (a copy of what its anchor
/// holds, visited there) is skipped, so an alias bomb costs what its text does.
fn walk(text: &str, node: &Node, f: &mut impl FnMut(&Node)) {
    f(node);
    if text[node.range.start..].starts_with('*') {
        return;
    }
    match &node.value {
        Value::Sequence(items) => items.iter().for_each(|n| walk(text, n, f)),
        Value::Mapping(entries) => entries.iter().for_each(|e| {
            walk(text, &e.key, f);
            walk(text, &e.value, f);
        }),
        _ => {}
    }
}

/// An RGD's environment: `schema` (a small spec), `deployment` (built-in Deployment), `workers`
/// (a collection of Deployments with iterator `region`), `legacy` (unknown kind).
fn environment(source: &Builtin) -> Env<'_> {
    let instance: Schema = serde_json::from_value(json!({
        "type": "object",
        "properties": {
            "spec": {"type": "object", "properties": {
                "name": {"type": "string"},
                "replicas": {"type": "integer"},
                "ratio": {"type": "number"},
                "enabled": {"type": "boolean"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "created": {"type": "string", "format": "date-time"},
                "timeout": {"type": "string", "format": "duration"},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            }},
        },
    }))
    .expect("instance schema");
    let deployment: Schema = serde_json::from_value(json!({
        "$ref": "#/components/schemas/io.k8s.api.apps.v1.Deployment"
    }))
    .expect("deployment schema");
    let deployment = Arc::new(deployment);
    let mut env = Env::new(source);
    env.set_instance("WebApp", &instance, false);
    env.add_resource("deployment", "Deployment", Some(deployment.clone()), false);
    env.add_resource("workers", "Deployment", Some(deployment), true);
    env.add_resource("legacy", "Legacy", None, false);
    env.set_iterators("workers", vec![("region".to_owned(), cel::Type::String)]);
    env
}

/// Data for evaluation, shaped like the environment; `typed` binds the Deployments through
/// their schema, as the runtime binds observed objects.
fn activation(typed: bool) -> Activation {
    let mut vars = Activation::new();
    vars.insert(
        "schema",
        json!({
            "metadata": {"name": "demo", "namespace": "default", "labels": {"app": "demo"}},
            "spec": {
                "name": "demo", "replicas": 3, "ratio": 0.5, "enabled": true,
                "tags": ["a", "b", "c"], "labels": {"team": "x", "tier": "web"},
                "created": "2024-01-02T03:04:05Z", "timeout": "1h30m",
                "extra": {"nested": [1, 2.5, null, "s", {"k": []}]},
            },
        }),
    );
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "demo", "creationTimestamp": "2024-01-02T03:04:05Z"},
        "spec": {"replicas": 3, "template": {"spec": {"containers": [
            {"name": "app", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},
        ]}}},
        "status": {"availableReplicas": 2, "conditions": [
            {"type": "Available", "status": "True"},
        ]},
    });
    if typed {
        let schema: Schema = serde_json::from_value(json!({
            "$ref": "#/components/schemas/io.k8s.api.apps.v1.Deployment"
        }))
        .expect("deployment schema");
        let workers = json!([deployment.clone(), deployment.clone()]);
        vars.insert_typed("deployment", &deployment, &schema, Some(&Builtin));
        vars.insert_typed("workers", &workers, &schema, Some(&Builtin));
    } else {
        vars.insert("deployment", deployment.clone());
        vars.insert("workers", json!([deployment.clone(), deployment]));
    }
    vars.insert("legacy", json!({"anything": {"goes": [true, false]}}));
    vars.insert("region", json!("eu-west-1"));
    vars.insert("each", json!({"status": {"ready": true}}));
    vars
}
