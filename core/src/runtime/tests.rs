use serde_json::{Value as Json, json};

use super::*;
use crate::compile::{Options, compile_file};

fn runtime(text: &str) -> Runtime {
    let analysis = compile_file(text, &Options::default());
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics());
    Runtime::new(analysis.rgds.into_iter().next().unwrap()).unwrap()
}

fn settings() -> Settings {
    Settings {
        kro_version: "v0.1.0".into(),
        now: "2026-11-23T12:00:00Z".into(),
        ..Settings::default()
    }
}

fn instance(spec: Json) -> Json {
    json!({
        "apiVersion": "kro.run/v1alpha1",
        "kind": "App",
        "metadata": {"name": "shop", "namespace": "prod", "uid": "uid-1", "generation": 2},
        "spec": spec
    })
}

fn phase(plan: &Plan, id: &str) -> Phase {
    plan.resource(id).unwrap().phase.clone()
}

fn reason(plan: &Plan, id: &str) -> String {
    match phase(plan, id) {
        Phase::Pending { reason } | Phase::Excluded { reason } => reason,
        Phase::Failed { error } => error,
        Phase::Resolved {
            readiness: Readiness::NotReady { reason },
        } => reason,
        other => format!("{other:?}"),
    }
}

const APP: &str = r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: app}
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      name: string
      replicas: integer | default=1
      monitoring: boolean | default=false
    status:
      available: ${deployment.status.?availableReplicas.orValue(0)}
      config: ${config.metadata.name}
  resources:
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name}-config
        data:
          replicas: ${string(schema.spec.replicas)}
    - id: deployment
      readyWhen:
        - ${deployment.status.?availableReplicas.orValue(0) == deployment.spec.replicas}
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ${schema.spec.name}
          labels:
            config: ${config.metadata.name}
        spec:
          replicas: ${schema.spec.replicas}
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: web, image: nginx}]
    - id: monitor
      includeWhen:
        - ${schema.spec.monitoring}
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${deployment.metadata.name}-monitor
    - id: dashboard
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${monitor.metadata.name}-dashboard
"#;

#[test]
fn resources_wait_for_their_dependencies_to_exist_and_be_ready() {
    let rt = runtime(APP);
    let instance = instance(json!({"name": "shop", "replicas": 3, "monitoring": false}));
    let plan = rt.plan(&instance, &Observed::new(), &settings());
    assert_eq!(
        plan.resources
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["config", "deployment", "monitor", "dashboard"]
    );
    assert_eq!(reason(&plan, "config"), "it does not exist yet");
    assert_eq!(
        reason(&plan, "deployment"),
        "waiting for its dependency: `config` is not ready (it does not exist yet)"
    );
    assert_eq!(plan.state, InstanceState::InProgress);
    // Only the config is applied now; the deployment waits.
    let names: Vec<&str> = plan
        .apply()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["shop-config"]);
    let ready = &plan.status["conditions"].as_array().unwrap()[2];
    assert_eq!(ready["type"], "ResourcesReady");
    assert_eq!(ready["status"], "False");
    assert!(
        ready["message"]
            .as_str()
            .unwrap()
            .contains("config: it does not exist yet")
    );
    assert!(!plan.can_prune());
}

#[test]
fn children_get_values_labels_and_waves() {
    let rt = runtime(APP);
    let instance = instance(json!({"name": "shop", "replicas": 3, "monitoring": false}));
    let mut observed = Observed::new();
    observed.insert(
        "config",
        json!({"metadata": {"name": "shop-config", "namespace": "prod"}}),
    );
    let plan = rt.plan(&instance, &observed, &settings());
    let deployment = &plan.resource("deployment").unwrap().desired[0];
    assert_eq!(deployment["spec"]["replicas"], 3);
    assert_eq!(deployment["metadata"]["namespace"], "prod");
    assert_eq!(deployment["metadata"]["labels"]["config"], "shop-config");
    assert_eq!(
        deployment["metadata"]["labels"]["kro.run/node-id"],
        "deployment"
    );
    assert_eq!(
        deployment["metadata"]["labels"]["kro.run/instance-name"],
        "shop"
    );
    assert_eq!(
        deployment["metadata"]["annotations"]["internal.kro.run/apply-order"],
        "2"
    );
    let config = &plan.resource("config").unwrap().desired[0];
    assert_eq!(config["data"]["replicas"], "3");
    assert_eq!(
        config["metadata"]["annotations"]["internal.kro.run/apply-order"],
        "1"
    );
}

#[test]
fn ready_when_reports_the_values_it_saw() {
    let rt = runtime(APP);
    let instance = instance(json!({"name": "shop", "replicas": 3, "monitoring": false}));
    let mut observed = Observed::new();
    observed.insert("config", json!({"metadata": {"name": "shop-config"}}));
    observed.insert(
        "deployment",
        json!({"metadata": {"name": "shop"}, "spec": {"replicas": 3}, "status": {"availableReplicas": 1}}),
    );
    let plan = rt.plan(&instance, &observed, &settings());
    let why = reason(&plan, "deployment");
    assert!(why.starts_with("readyWhen `${deployment.status.?availableReplicas.orValue(0) == deployment.spec.replicas}` is false"), "{why}");
    assert!(
        why.contains("deployment.status.availableReplicas = 1"),
        "{why}"
    );
    assert!(why.contains("deployment.spec.replicas = 3"), "{why}");
    // The status shows what is known.
    assert_eq!(plan.status["available"], 1);
    assert_eq!(plan.status["config"], "shop-config");
    assert_eq!(plan.status["state"], "IN_PROGRESS");
}

#[test]
fn exclusion_propagates_and_everything_else_becomes_active() {
    let rt = runtime(APP);
    let instance = instance(json!({"name": "shop", "replicas": 1, "monitoring": false}));
    let mut observed = Observed::new();
    observed.insert("config", json!({"metadata": {"name": "shop-config"}}));
    observed.insert(
        "deployment",
        json!({"metadata": {"name": "shop"}, "spec": {"replicas": 1}, "status": {"availableReplicas": 1}}),
    );
    let plan = rt.plan(&instance, &observed, &settings());
    assert_eq!(
        reason(&plan, "monitor"),
        "includeWhen `${schema.spec.monitoring}` is false"
    );
    assert_eq!(
        reason(&plan, "dashboard"),
        "it depends on `monitor`, which is excluded"
    );
    assert_eq!(plan.state, InstanceState::Active);
    assert!(plan.can_prune());
    let conditions = plan.status["conditions"].as_array().unwrap();
    assert!(
        conditions.iter().all(|c| c["status"] == "True"),
        "{conditions:?}"
    );
    assert_eq!(conditions[3]["type"], "Ready");
    assert_eq!(conditions[3]["observedGeneration"], 2);
}

#[test]
fn transition_times_change_only_with_status() {
    let rt = runtime(APP);
    let mut instance = instance(json!({"name": "shop", "replicas": 1, "monitoring": false}));
    let first = rt.plan(&instance, &Observed::new(), &settings());
    instance["status"] = first.status.clone();
    let later = Settings {
        now: "2026-11-23T13:00:00Z".into(),
        ..settings()
    };
    let second = rt.plan(&instance, &Observed::new(), &later);
    assert_eq!(
        first.status, second.status,
        "nothing changed, so nothing to write"
    );
    let mut observed = Observed::new();
    observed.insert("config", json!({"metadata": {"name": "shop-config"}}));
    let third = rt.plan(&instance, &observed, &later);
    let managed = &third.status["conditions"][0];
    assert_eq!(managed["lastTransitionTime"], "2026-11-23T12:00:00Z");
}

const COLLECTION: &str = r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: regions}
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      regions: "[]string"
      tiers: "[]string"
    status:
      names: ${configs.map(c, c.metadata.name)}
  resources:
    - id: configs
      forEach:
        - region: ${schema.spec.regions}
        - tier: ${schema.spec.tiers}
      readyWhen:
        - ${each.metadata.?uid.hasValue()}
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${region}-${tier}
"#;

#[test]
fn collections_expand_to_the_cartesian_product_outer_first() {
    let rt = runtime(COLLECTION);
    let instance = instance(json!({"regions": ["eu", "us"], "tiers": ["web", "api"]}));
    let plan = rt.plan(&instance, &Observed::new(), &settings());
    let configs = plan.resource("configs").unwrap();
    let names: Vec<&str> = configs
        .desired
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["eu-web", "eu-api", "us-web", "us-api"]);
    assert_eq!(
        configs.desired[2]["metadata"]["labels"]["kro.run/collection-index"],
        "2"
    );
    assert_eq!(
        configs.desired[2]["metadata"]["labels"]["kro.run/collection-size"],
        "4"
    );
    assert_eq!(
        reason(&plan, "configs"),
        "0 of 4 items exist; waiting for prod/eu-web"
    );
}

#[test]
fn collection_readiness_checks_each_item() {
    let rt = runtime(COLLECTION);
    let instance = instance(json!({"regions": ["eu"], "tiers": ["web", "api"]}));
    let mut observed = Observed::new();
    observed.insert_items(
        "configs",
        vec![
            json!({"metadata": {"name": "eu-web", "namespace": "prod", "uid": "a"}}),
            json!({"metadata": {"name": "eu-api", "namespace": "prod"}}),
        ],
    );
    let plan = rt.plan(&instance, &observed, &settings());
    assert!(
        reason(&plan, "configs").starts_with("item eu-api: readyWhen"),
        "{}",
        reason(&plan, "configs")
    );
    observed.insert_items(
        "configs",
        vec![
            json!({"metadata": {"name": "eu-web", "namespace": "prod", "uid": "a"}}),
            json!({"metadata": {"name": "eu-api", "namespace": "prod", "uid": "b"}}),
        ],
    );
    let plan = rt.plan(&instance, &observed, &settings());
    assert!(plan.resource("configs").unwrap().is_ready());
    assert_eq!(plan.status["names"], json!(["eu-web", "eu-api"]));
}

#[test]
fn empty_collections_are_ready_and_large_ones_fail() {
    let rt = runtime(COLLECTION);
    let plan = rt.plan(
        &instance(json!({"regions": [], "tiers": ["web"]})),
        &Observed::new(),
        &settings(),
    );
    assert!(plan.resource("configs").unwrap().is_ready());
    assert_eq!(plan.state, InstanceState::Active);
    let small = Settings {
        max_collection_size: 3,
        ..settings()
    };
    let plan = rt.plan(
        &instance(json!({"regions": ["a", "b"], "tiers": ["x", "y"]})),
        &Observed::new(),
        &small,
    );
    assert!(reason(&plan, "configs").contains("would expand to 4 objects; at most 3"));
    assert_eq!(plan.state, InstanceState::Error);
    assert_eq!(plan.status["conditions"][1]["reason"], "ResolutionFailed");
}

#[test]
fn duplicate_collection_identities_fail() {
    let rt = runtime(COLLECTION);
    let plan = rt.plan(
        &instance(json!({"regions": ["eu", "eu"], "tiers": ["web"]})),
        &Observed::new(),
        &settings(),
    );
    assert!(
        reason(&plan, "configs").contains("both named prod/eu-web"),
        "{}",
        reason(&plan, "configs")
    );
}

const EXTERNAL: &str = r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: ext}
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      source: string | default="settings"
  resources:
    - id: settings
      externalRef:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.source}
    - id: copy
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: copy
        data:
          level: ${settings.data.level}
"#;

#[test]
fn external_references_are_read_never_applied() {
    let rt = runtime(EXTERNAL);
    let instance = instance(json!({"source": "platform"}));
    let plan = rt.plan(&instance, &Observed::new(), &settings());
    let settings_plan = plan.resource("settings").unwrap();
    assert_eq!(
        reason(&plan, "settings"),
        "waiting for the external ConfigMap prod/platform to exist"
    );
    assert_eq!(
        settings_plan.external.as_ref().unwrap()["metadata"]["name"],
        "platform"
    );
    assert!(settings_plan.desired.is_empty());
    let mut observed = Observed::new();
    observed.insert(
        "settings",
        json!({"metadata": {"name": "platform"}, "data": {"level": "debug"}}),
    );
    let plan = rt.plan(&instance, &observed, &settings());
    assert_eq!(
        plan.resource("copy").unwrap().desired[0]["data"]["level"],
        "debug"
    );
    assert_eq!(plan.apply().count(), 1, "only the template is applied");
}

#[test]
fn missing_data_means_pending_not_failed() {
    let rt = runtime(EXTERNAL);
    let instance = instance(json!({"source": "platform"}));
    let mut observed = Observed::new();
    observed.insert(
        "settings",
        json!({"metadata": {"name": "platform"}, "data": {}}),
    );
    let plan = rt.plan(&instance, &observed, &settings());
    assert!(
        matches!(phase(&plan, "copy"), Phase::Pending { .. }),
        "{:?}",
        phase(&plan, "copy")
    );
    assert!(
        reason(&plan, "copy").contains("copy.data.level"),
        "{}",
        reason(&plan, "copy")
    );
    assert_eq!(plan.state, InstanceState::InProgress);
}

#[test]
fn offline_rendering_treats_planned_objects_as_observed() {
    let rt = runtime(APP);
    let instance = instance(json!({"name": "shop", "replicas": 2, "monitoring": true}));
    let offline = Settings {
        assume_ready: true,
        ..settings()
    };
    let plan = rt.plan(&instance, &Observed::new(), &offline);
    let names: Vec<&str> = plan
        .apply()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "shop-config",
            "shop",
            "shop-monitor",
            "shop-monitor-dashboard"
        ]
    );
    assert!(plan.resources.iter().all(|r| r.phase
        == Phase::Resolved {
            readiness: Readiness::Unknown
        }));
}

#[test]
fn plans_are_deterministic() {
    let rt = runtime(COLLECTION);
    let instance = instance(json!({"regions": ["eu", "us"], "tiers": ["a"]}));
    let a = rt.plan(&instance, &Observed::new(), &settings());
    let b = rt.plan(&instance, &Observed::new(), &settings());
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
}

#[test]
fn a_refused_apply_fails_the_resource_and_says_why() {
    let rt = runtime(APP);
    let instance = instance(json!({"name": "Shop", "replicas": 1}));
    let mut observed = Observed::new();
    observed.insert_error(
        "config",
        "metadata.name: Invalid value: \"Shop-config\": must be lowercase".into(),
    );
    let plan = rt.plan(&instance, &observed, &settings());
    assert_eq!(
        reason(&plan, "config"),
        "the API server refused it: metadata.name: Invalid value: \"Shop-config\": must be lowercase"
    );
    assert!(plan.resource("config").unwrap().desired.is_empty());
    assert_eq!(
        reason(&plan, "deployment"),
        "waiting for its dependency: `config` failed"
    );
    assert_eq!(plan.state, InstanceState::Error);
    let ready = plan.status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Ready")
        .unwrap();
    assert_eq!(ready["status"], "False");
    assert!(
        ready["message"]
            .as_str()
            .unwrap()
            .contains("config: the API server refused it: metadata.name: Invalid value"),
        "{ready}"
    );
    assert!(!plan.can_prune());
}

#[test]
fn observed_objects_are_typed_by_their_kind_schema() {
    let rt = runtime(
        r#"
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: creds}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Creds
    spec:
      name: string
  resources:
    - id: secret
      externalRef:
        apiVersion: v1
        kind: Secret
        metadata:
          name: ${schema.spec.name}
    - id: copy
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name}-copy
        data:
          user: ${string(secret.data.user)}
          created: ${string(secret.metadata.creationTimestamp)}
"#,
    );
    let mut observed = Observed::new();
    observed.insert(
        "secret",
        json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "prod", "creationTimestamp": "2026-11-23T10:00:00Z"},
            "data": {"user": "YWRtaW4="}
        }),
    );
    let plan = rt.plan(&instance(json!({"name": "db"})), &observed, &settings());
    let copy = &plan.resource("copy").unwrap().desired[0];
    // `data` values are bytes (base64 on the wire), timestamps are timestamps.
    assert_eq!(copy["data"]["user"], "admin");
    assert_eq!(copy["data"]["created"], "2026-11-23T10:00:00Z");
}
