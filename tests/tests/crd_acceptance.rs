//! The CRDs kro-core generates are accepted by a real API server, and that server enforces the
//! SimpleSchema markers on instances: valid instances are stored (with defaults applied),
//! invalid ones are refused with a message naming the field.

use std::path::Path;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_core::compile::{Compiled, Options, compile_file};
use kro_core::schema::Ownership;
use kro_tests::cleanup::DeleteOnDrop;
use kro_tests::{TestNamespace, client, unique_name, wait};
use kube::api::{ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::{Value, json};

fn example(name: &str) -> (Compiled, Value) {
    let root = kro_tests::cluster::repo_root().join("examples");
    let text = std::fs::read_to_string(root.join(format!("{name}.yaml"))).unwrap();
    let analysis = compile_file(&text, &Options::default());
    assert!(
        !analysis.has_errors(),
        "{name}: {:?}",
        analysis.diagnostics()
    );
    let compiled = analysis.rgds.into_iter().next().unwrap();
    let instance = yaml_to_json(&root.join("instances").join(format!("{name}.yaml")));
    (compiled, instance)
}

fn yaml_to_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let parsed = kro_core::syntax::parse(&text);
    parsed.documents[0].root.as_ref().unwrap().to_json()
}

/// A CRD of the example installed under a group unique to this test, Established.
struct Installed {
    resource: ApiResource,
    namespaced: bool,
    _guard: DeleteOnDrop,
}

async fn install(client: &Client, compiled: &Compiled) -> Installed {
    let group = format!("{}.kro-tests.kro.run", unique_name("g"));
    let mut crd = compiled.crd(&Ownership::default());
    let plural = crd["spec"]["names"]["plural"].as_str().unwrap().to_owned();
    let name = format!("{plural}.{group}");
    crd["spec"]["group"] = json!(group);
    crd["metadata"]["name"] = json!(name);
    let crd: CustomResourceDefinition = serde_json::from_value(crd).expect("a CRD");
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.create(&PostParams::default(), &crd)
        .await
        .unwrap_or_else(|e| panic!("the API server refused the generated CRD {name}: {e}"));
    let guard = DeleteOnDrop::cluster_scoped::<CustomResourceDefinition>(&name);
    wait::crd_established(client, &name).await;
    let version = compiled.crd_spec.version.clone();
    Installed {
        resource: ApiResource {
            group: group.clone(),
            version: version.clone(),
            api_version: format!("{group}/{version}"),
            kind: compiled.crd_spec.kind.clone(),
            plural,
        },
        namespaced: !compiled.rgd.schema.as_ref().unwrap().is_cluster_scoped(),
        _guard: guard,
    }
}

impl Installed {
    fn api(&self, client: &Client, namespace: &str) -> Api<DynamicObject> {
        if self.namespaced {
            Api::namespaced_with(client.clone(), namespace, &self.resource)
        } else {
            Api::all_with(client.clone(), &self.resource)
        }
    }

    /// The instance with this test's apiVersion and a unique name.
    fn instance(&self, mut instance: Value) -> Value {
        instance["apiVersion"] = json!(self.resource.api_version);
        instance["metadata"]["name"] = json!(unique_name("i"));
        instance
    }
}

async fn create(api: &Api<DynamicObject>, instance: &Value) -> Result<DynamicObject, String> {
    let object: DynamicObject = serde_json::from_value(instance.clone()).unwrap();
    api.create(&PostParams::default(), &object)
        .await
        .map_err(|e| e.to_string())
}

/// Installs the example's CRD, creates its valid instance, then each invalid variant
/// (`spec` edits) and expects the API server's refusal to mention the text given.
async fn check_example(name: &str, invalid: &[(Value, &str)]) -> DynamicObject {
    let client = client().await;
    let ns = TestNamespace::create(&client, "crd").await;
    let (compiled, instance) = example(name);
    let installed = install(&client, &compiled).await;
    let api = installed.api(&client, ns.name());
    let stored = create(&api, &installed.instance(instance.clone()))
        .await
        .unwrap_or_else(|e| panic!("{name}: the valid instance was refused: {e}"));
    for (edit, expected) in invalid {
        let mut bad = installed.instance(instance.clone());
        merge(&mut bad["spec"], edit);
        match create(&api, &bad).await {
            Ok(_) => panic!("{name}: an instance with {edit} was accepted"),
            Err(e) => assert!(
                e.contains(expected),
                "{name}: {edit}: expected `{expected}` in: {e}"
            ),
        }
    }
    if installed.namespaced {
        // Cluster-scoped instances are removed with their CRD.
        ns.delete().await;
    } else {
        api.delete(&stored.metadata.name.clone().unwrap(), &Default::default())
            .await
            .unwrap();
    }
    stored
}

fn merge(target: &mut Value, edit: &Value) {
    match (target, edit) {
        (Value::Object(t), Value::Object(e)) => {
            for (k, v) in e {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, e) => *t = e.clone(),
    }
}

#[tokio::test]
async fn webapp_defaults_and_bounds() {
    let stored = check_example(
        "webapp",
        &[
            (
                json!({"replicas": 0}),
                "should be greater than or equal to 1",
            ),
            (
                json!({"replicas": 21}),
                "should be less than or equal to 20",
            ),
            (json!({"name": null}), "spec.name: Required value"),
            (
                json!({"ingress": {"enabled": "yes"}}),
                "spec.ingress.enabled",
            ),
        ],
    )
    .await;
    // Defaults from the markers are applied by the API server.
    assert_eq!(stored.data["spec"]["image"], "nginx:1.27");
    assert_eq!(stored.data["spec"]["port"], 80);
    assert_eq!(stored.data["spec"]["replicas"], 3);
}

#[tokio::test]
async fn database_patterns_enums_and_lengths() {
    let stored = check_example(
        "database",
        &[
            (json!({"password": "short"}), "spec.password"),
            (
                json!({"version": "13"}),
                "spec.version: Unsupported value: \"13\"",
            ),
            (json!({"name": "Bad_Name"}), "spec.name"),
        ],
    )
    .await;
    assert_eq!(stored.data["spec"]["storage"], "1Gi");
}

#[tokio::test]
async fn typed_service_custom_types_list_maps_and_immutability() {
    let stored = check_example(
        "typed-service",
        &[
            (
                json!({"ports": [{"name": "http", "port": 70000}]}),
                "spec.ports[0].port",
            ),
            (json!({"ports": []}), "spec.ports"),
            (
                json!({"ports": [{"name": "a", "port": 1}, {"name": "a", "port": 2}]}),
                "Duplicate value",
            ),
            (
                json!({"ports": [{"name": "a", "port": 1, "protocol": "SCTP"}]}),
                "spec.ports[0].protocol",
            ),
        ],
    )
    .await;
    // Nested defaults: the protocol of a port and the exposure object.
    assert_eq!(stored.data["spec"]["ports"][0]["protocol"], "TCP");
    assert_eq!(stored.data["spec"]["exposure"]["type"], "ClusterIP");
}

#[tokio::test]
async fn immutable_fields_cannot_change() {
    let client = client().await;
    let ns = TestNamespace::create(&client, "crd-immutable").await;
    let (compiled, instance) = example("typed-service");
    let installed = install(&client, &compiled).await;
    let api = installed.api(&client, ns.name());
    let instance = installed.instance(instance);
    let stored = create(&api, &instance).await.unwrap();
    let name = stored.metadata.name.unwrap();
    let patch = json!({"apiVersion": instance["apiVersion"], "kind": instance["kind"], "spec": {"name": "renamed"}});
    let error = api
        .patch(
            &name,
            &PatchParams::apply("kro-tests").force(),
            &Patch::Apply(&patch),
        )
        .await
        .expect_err("changing an immutable field is refused");
    assert!(error.to_string().contains("field is immutable"), "{error}");
}

#[tokio::test]
async fn collections_sets_and_cluster_scope() {
    check_example(
        "regional-config",
        &[
            (json!({"regions": []}), "spec.regions"),
            (json!({"regions": ["eu", "eu"]}), "Duplicate value"),
        ],
    )
    .await;
    let stored = check_example(
        "tenant",
        &[(json!({"owner": null}), "spec.owner: Required value")],
    )
    .await;
    assert_eq!(stored.metadata.namespace, None);
    assert_eq!(stored.data["spec"]["cpu"], "4");
}

#[tokio::test]
async fn every_example_crd_is_accepted() {
    let client = client().await;
    for name in [
        "autoscaled-app",
        "batch",
        "shared-settings",
        "status-conditions",
    ] {
        let (compiled, instance) = example(name);
        let installed = install(&client, &compiled).await;
        let ns = TestNamespace::create(&client, "crd-all").await;
        let api = installed.api(&client, ns.name());
        create(&api, &installed.instance(instance))
            .await
            .unwrap_or_else(|e| panic!("{name}: the instance was refused: {e}"));
    }
}
