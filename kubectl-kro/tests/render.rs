//! `kubectl kro render`: the children an instance produces, offline.

mod common;

use common::run;

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn renders_every_child_in_order_with_values_and_kro_labels() {
    let out = run(&[
        "render",
        "examples/webapp.yaml",
        "examples/instances/webapp.yaml",
        "-o",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let objects: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<&str> = objects
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["ConfigMap", "Deployment", "Service", "Ingress"]);
    let deployment = &objects[1];
    assert_eq!(deployment["metadata"]["name"], "shop");
    assert_eq!(deployment["metadata"]["namespace"], "default");
    assert_eq!(deployment["spec"]["replicas"], 3);
    // The default from the SimpleSchema marker was applied before planning.
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
    assert_eq!(
        deployment["metadata"]["labels"]["kro.run/node-id"],
        "deployment"
    );
    assert_eq!(
        deployment["metadata"]["annotations"]["internal.kro.run/apply-order"],
        "2"
    );
    assert_eq!(objects[3]["spec"]["rules"][0]["host"], "shop.example.com");
    let summary = text(&out.stderr);
    assert!(
        summary.contains("render    ingress (1 object)"),
        "{summary}"
    );
}

#[test]
fn cluster_only_values_show_as_unknown() {
    let dir = std::env::temp_dir().join(format!("kro-render-unknown-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rgd = dir.join("rgd.yaml");
    std::fs::write(
        &rgd,
        r#"apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: endpoint}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Endpoint
    spec:
      name: string
  resources:
    - id: service
      template:
        apiVersion: v1
        kind: Service
        metadata: {name: "${schema.spec.name}"}
        spec:
          ports: [{port: 80}]
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: "${schema.spec.name}-endpoint"}
        data:
          address: ${service.spec.clusterIP}
"#,
    )
    .unwrap();
    let instance = dir.join("instance.yaml");
    std::fs::write(
        &instance,
        "apiVersion: kro.run/v1alpha1\nkind: Endpoint\nmetadata: {name: api}\nspec: {name: api}\n",
    )
    .unwrap();
    let out = run(&[
        "render",
        rgd.to_str().unwrap(),
        instance.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let objects: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        objects[1]["data"]["address"],
        "<unknown: ${service.spec.clusterIP}>"
    );
}

#[test]
fn excluded_resources_are_listed_and_not_rendered() {
    let out = run(&["render", "examples/webapp.yaml", "-", "-o", "json"]);
    // Standard input is empty here: no instance.
    assert_eq!(out.status.code(), Some(2));
    let dir = std::env::temp_dir().join(format!("kro-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let instance = dir.join("small.yaml");
    std::fs::write(&instance, "apiVersion: kro.run/v1alpha1\nkind: WebApp\nmetadata: {name: small}\nspec: {name: small}\n").unwrap();
    let out = run(&[
        "render",
        "examples/webapp.yaml",
        instance.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let objects: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(objects.as_array().unwrap().len(), 3);
    assert!(
        text(&out.stderr)
            .contains("excluded  ingress: includeWhen `${schema.spec.ingress.enabled}` is false")
    );
}

#[test]
fn invalid_instances_are_refused_as_the_api_server_would() {
    let dir = std::env::temp_dir().join(format!("kro-render-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let instance = dir.join("bad.yaml");
    std::fs::write(
        &instance,
        "apiVersion: kro.run/v1alpha1\nkind: WebApp\nmetadata: {name: bad}\nspec: {replicas: 50}\n",
    )
    .unwrap();
    let out = run(&["render", "examples/webapp.yaml", instance.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let errors = text(&out.stderr);
    assert!(errors.contains("spec.name: Required value"), "{errors}");
    assert!(errors.contains("spec.replicas: Invalid value: 50: spec.replicas in body should be less than or equal to 20"), "{errors}");
    assert_eq!(text(&out.stdout), "");
    let wrong = dir.join("wrong.yaml");
    std::fs::write(
        &wrong,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    )
    .unwrap();
    let out = run(&["render", "examples/webapp.yaml", wrong.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("the instance is a `ConfigMap`, but examples/webapp.yaml defines `WebApp`")
    );
}
