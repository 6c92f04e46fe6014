//! The CEL cost limit stops hostile expressions in the running controller: an instance whose
//! spec makes an expression explode (three nested loops over a list the instance supplies)
//! fails with the cost error in its status, while the controller keeps serving the other
//! instances of the same RGD, and the instance recovers when its spec becomes reasonable.
//! (The limit itself and the compile-time side are core's tests, in `core/src/cel/eval`.)

use k8s_openapi::api::core::v1::ConfigMap;
use kro_tests::controller::{
    Controller, apply, apply_rgd_and_wait_active, condition, generated_kind, install_rgd_crd,
    rgd_guards, state, wait_instance_active,
};
use kro_tests::{TestNamespace, client, unique_name, wait};
use kube::Api;
use kube::api::DynamicObject;
use serde_json::json;

/// `items.size()³` comparisons: 2 items cost nothing, 200 cost eight million.
const PAIRS: &str = "${string(schema.spec.items.map(a, schema.spec.items.map(b, \
                     schema.spec.items.filter(c, c == a + b).size())).size())}";

#[tokio::test]
async fn a_hostile_expression_fails_its_instance_and_the_others_are_served() {
    let client = client().await;
    install_rgd_crd(&client).await;
    let ns = TestNamespace::create(&client, "sec-cel").await;
    let name = unique_name("sec-cel");
    let kind: String = format!("SecCel{}", name.replace('-', ""))
        .chars()
        .take(40)
        .collect();
    let resource = generated_kind(&kind);
    let _controller = Controller::start(&name, &[]);
    let _guards = rgd_guards(&name, &kind);
    apply_rgd_and_wait_active(
        &client,
        &json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": "ResourceGraphDefinition",
            "metadata": { "name": name, "labels": { "kro-test": name } },
            "spec": {
                "schema": {
                    "apiVersion": "v1alpha1",
                    "kind": kind,
                    "spec": { "items": "[]string" },
                },
                "resources": [{
                    "id": "config",
                    "template": {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "metadata": { "name": "${schema.metadata.name}-config" },
                        "data": { "pairs": PAIRS },
                    },
                }],
            },
        }),
    )
    .await;

    let instance = |name: &str, n: usize| {
        let items: Vec<String> = (0..n).map(|i| format!("item{i}")).collect();
        json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": kind,
            "metadata": { "name": name },
            "spec": { "items": items },
        })
    };
    let instances = Api::<DynamicObject>::namespaced_with(client.clone(), ns.name(), &resource);
    // The hostile one first, so the benign one is served after it.
    apply(
        &client,
        &resource,
        Some(ns.name()),
        &instance("hostile", 200),
    )
    .await;
    apply(&client, &resource, Some(ns.name()), &instance("benign", 2)).await;

    let hostile = wait::until("the hostile instance to fail", wait::TIMEOUT, || async {
        let o = instances.get("hostile").await.map_err(|e| e.to_string())?;
        match state(&o) {
            Some("ERROR") => Ok(o),
            _ => Err(format!("{:?}", o.data.get("status"))),
        }
    })
    .await;
    let expected = format!(
        "config: config.data.pairs: `{PAIRS}`: the expression exceeded its cost limit of 1000000 \
         (too much work: large lists, nested loops or huge strings)"
    );
    for type_ in ["Ready", "GraphResolved"] {
        let c = condition(&hostile, type_).unwrap_or_else(|| panic!("no {type_}"));
        assert_eq!(c["status"], "False", "{c}");
        assert_eq!(c["message"].as_str().unwrap(), expected, "{type_}");
    }
    let configs = Api::<ConfigMap>::namespaced(client.clone(), ns.name());
    assert!(configs.get_opt("hostile-config").await.unwrap().is_none());

    // The other instance of the same kind is served.
    wait_instance_active(&instances, "benign").await;
    let benign = configs.get("benign-config").await.unwrap();
    assert_eq!(benign.data.unwrap()["pairs"], "2");

    // Within the limit again, the hostile instance recovers.
    apply(&client, &resource, Some(ns.name()), &instance("hostile", 3)).await;
    wait_instance_active(&instances, "hostile").await;
    let recovered = configs.get("hostile-config").await.unwrap();
    assert_eq!(recovered.data.unwrap()["pairs"], "3");
    ns.delete().await;
}
