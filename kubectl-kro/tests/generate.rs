//! `kubectl kro generate instance` and `generate schema` as users run them: exactly what they
//! print for the examples, and how they refuse an invalid RGD.

mod common;

use common::{repo, run, stderr, stdout};

use serde_json::{Value, json};

fn generate(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn instance_of_custom_types_lists_every_field() {
    assert_eq!(
        generate(&["generate", "instance", "examples/typed-service.yaml"]),
        "\
# A TypedService (kro.run/v1beta1) from the ResourceGraphDefinition typed-service.
# Fields marked `required` need a value; commented-out fields are optional and have no default.
apiVersion: kro.run/v1beta1
kind: TypedService
metadata:
  name: my-typedservice
spec:
  name: \"\"  # required; string; immutable
  selector: {}  # required; map[string]string
  ports:  # required; []Port; at least 1 item; items keyed by name
    - name: \"\"  # required; string
      port: 1  # required; integer; min 1; max 65535
      protocol: TCP  # string; one of: TCP, UDP
  exposure:  # Exposure
    type: ClusterIP  # string; one of: ClusterIP, NodePort, LoadBalancer
    # annotations: {}  # map[string]string
"
    );
}

#[test]
fn instance_fills_defaults_and_shows_descriptions() {
    assert_eq!(
        generate(&[
            "generate",
            "instance",
            "examples/webapp.yaml",
            "--name",
            "shop",
            "-n",
            "team-a"
        ]),
        "\
# A WebApp (kro.run/v1alpha1) from the ResourceGraphDefinition webapp.
# Fields marked `required` need a value; commented-out fields are optional and have no default.
apiVersion: kro.run/v1alpha1
kind: WebApp
metadata:
  name: shop
  namespace: team-a
spec:
  # Name of the application
  name: \"\"  # required; string
  image: nginx:1.27  # string
  replicas: 2  # integer; min 1; max 20
  port: 80  # integer
  ingress:
    enabled: false  # boolean
    host: example.local  # string
"
    );
}

#[test]
fn instance_quotes_what_yaml_would_misread_and_comments_out_optional_fields() {
    let text = generate(&["generate", "instance", "examples/database.yaml"]);
    assert!(
        text.contains("  version: \"16\"  # string; one of: 14, 15, 16, 17\n"),
        "{text}"
    );
    assert!(
        text.contains("  password: \"\"  # required; string; min length 12\n"),
        "{text}"
    );
    let text = generate(&["generate", "instance", "examples/regional-config.yaml"]);
    assert!(
        text.contains("  # regions: []  # []string; at least 1 item; unique items\n"),
        "{text}"
    );
    assert!(
        text.contains("  tiers: [\"web\", \"api\"]  # []string\n"),
        "{text}"
    );
}

/// Every example's sample is YAML that reads back as an instance of the example's kind.
#[test]
fn every_example_gives_a_parseable_instance() {
    for entry in std::fs::read_dir(repo().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = generate(&["generate", "instance", path.to_str().unwrap()]);
        let parsed = kro_core::syntax::parse(&text);
        assert!(
            parsed.diagnostics.is_empty(),
            "{}: {:?}\n{text}",
            path.display(),
            parsed.diagnostics
        );
        let instance = parsed.documents[0].root.as_ref().unwrap().to_json();
        assert!(
            instance["apiVersion"].as_str().unwrap().contains('/'),
            "{text}"
        );
        assert!(
            instance["metadata"]["name"]
                .as_str()
                .unwrap()
                .starts_with("my-")
        );
        assert!(instance["spec"].is_object(), "{}: {text}", path.display());
    }
}

#[test]
fn schema_describes_the_kind_for_editors() {
    let schema: Value = serde_json::from_str(&generate(&[
        "generate",
        "schema",
        "examples/typed-service.yaml",
    ]))
    .unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["title"], "TypedService");
    assert_eq!(
        schema["required"],
        json!(["apiVersion", "kind", "metadata", "spec"])
    );
    assert_eq!(
        schema["properties"]["apiVersion"],
        json!({ "const": "kro.run/v1beta1" })
    );
    assert_eq!(
        schema["properties"]["kind"],
        json!({ "const": "TypedService" })
    );
    let spec = &schema["properties"]["spec"];
    assert_eq!(spec["required"], json!(["name", "ports", "selector"]));
    assert_eq!(spec["additionalProperties"], false);
    let ports = &spec["properties"]["ports"];
    assert_eq!(ports["minItems"], 1);
    assert_eq!(
        ports["items"]["properties"]["port"],
        json!({ "type": "integer", "minimum": 1, "maximum": 65535 })
    );
    assert_eq!(
        ports["items"]["properties"]["protocol"],
        json!({ "type": "string", "default": "TCP", "enum": ["TCP", "UDP"] })
    );
    assert_eq!(
        spec["properties"]["selector"],
        json!({ "type": "object", "additionalProperties": { "type": "string" } })
    );
    assert!(
        !schema.to_string().contains("x-kubernetes"),
        "no Kubernetes extensions: {schema}"
    );
}

#[test]
fn schema_as_yaml() {
    let text = generate(&["generate", "schema", "examples/webapp.yaml", "-o", "yaml"]);
    assert!(text.contains("const: WebApp"), "{text}");
    assert!(
        text.contains("description: Name of the application"),
        "{text}"
    );
}

#[test]
fn invalid_rgds_exit_1_with_their_diagnostics() {
    for what in ["instance", "schema", "crd"] {
        let out = run(&["generate", what, "kubectl-kro/tests/fixtures/broken.yaml"]);
        assert_eq!(out.status.code(), Some(1), "{what}");
        assert_eq!(stdout(&out), "", "{what}");
        let err = stderr(&out);
        assert!(
            err.starts_with(
                "kubectl-kro/tests/fixtures/broken.yaml:10:11: error[invalid-resource-id]"
            ),
            "{what}: {err}"
        );
        assert!(
            err.ends_with(
                "error: kubectl-kro/tests/fixtures/broken.yaml: the RGD has errors; fix them first (`kubectl kro validate kubectl-kro/tests/fixtures/broken.yaml`)\n"
            ),
            "{what}: {err}"
        );
    }
    let out = run(&[
        "generate",
        "instance",
        "kubectl-kro/tests/fixtures/not-an-rgd.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no ResourceGraphDefinition in this file"));
    let out = run(&["generate", "instance", "missing.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read missing.yaml"));
}
