//! Navigation fixtures: definition and references of resource ids and spec fields.

use crate::ide::fixture::{cursor, lines_with};

pub(crate) const RGD: &str = "apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: app
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      name: string
      ingress:
        host: string
    status:
      ready: ${deployment.status.readyReplicas}
  resources:
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name}
    - id: \"deployment\"
      readyWhen:
        - ${deployment.status.readyReplicas > 0}
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: \"${schema.spec.name}\"
          annotations:
            note: ${'config is not a reference'}
        spec:
          template:
            spec:
              containers:
                - envFrom:
                    - configMapRef:
                        name: ${config.metadata.name + \"-\" + schema.spec.ingress.host}
    - id: ingress
      includeWhen:
        - ${has(schema.spec.ingress.host) && deployment.status.readyReplicas > 0}
      template:
        apiVersion: networking.k8s.io/v1
        kind: Ingress
";

/// The fixture with `$0` put before the `nth` (0-based) occurrence of `needle`.
pub(crate) fn at(needle: &str, nth: usize) -> String {
    let index = RGD
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no occurrence {nth} of {needle:?}"))
        .0;
    format!("{}$0{}", &RGD[..index], &RGD[index..])
}

fn definition(fixture: &str) -> String {
    let (analysis, offset) = cursor(fixture);
    match analysis.goto_definition(offset) {
        Some(target) => format!(
            "{}: {}",
            target.name,
            lines_with(analysis.text(), &[target.focus_range])
        ),
        None => "none".to_owned(),
    }
}

fn references(fixture: &str) -> String {
    let (analysis, offset) = cursor(fixture);
    let refs = analysis.find_references(offset).expect("references");
    format!(
        "declared {}\n{}",
        lines_with(analysis.text(), &[refs.declaration.focus_range]),
        lines_with(analysis.text(), &refs.uses)
    )
}

#[test]
fn definition_of_a_resource_use_is_its_id() {
    assert_eq!(
        definition(&at("config.metadata", 0)),
        "config: - id: «config»"
    );
    assert_eq!(
        definition(&at("deployment.status.readyReplicas > 0}", 0)),
        "deployment: - id: \"«deployment»\""
    );
    // The end of a name counts too.
    assert_eq!(
        definition(&at(".status.readyReplicas}", 0)),
        "deployment: - id: \"«deployment»\""
    );
}

#[test]
fn definition_of_a_spec_field_is_its_declaration() {
    assert_eq!(
        definition(&at("host}", 0)),
        "spec.ingress.host: «host»: string"
    );
    assert_eq!(definition(&at("name}\n", 0)), "spec.name: «name»: string");
    assert_eq!(definition(&at("name}\"\n", 0)), "spec.name: «name»: string");
}

#[test]
fn nothing_to_find_in_strings_and_plain_text() {
    assert_eq!(definition(&at("config is not", 0)), "none");
    assert_eq!(definition(&at("ConfigMap", 0)), "none");
}

#[test]
fn references_of_a_resource() {
    assert_eq!(
        references(&at("deployment\"", 0)),
        "declared - id: \"«deployment»\"
ready: ${«deployment».status.readyReplicas}
- ${«deployment».status.readyReplicas > 0}
- ${has(schema.spec.ingress.host) && «deployment».status.readyReplicas > 0}"
    );
    assert_eq!(
        references(&at("config\n", 0)),
        "declared - id: «config»
name: ${«config».metadata.name + \"-\" + schema.spec.ingress.host}"
    );
}

#[test]
fn references_of_a_spec_field() {
    assert_eq!(
        references(&at("host: string", 0)),
        "declared «host»: string
name: ${config.metadata.name + \"-\" + schema.spec.ingress.«host»}
- ${has(schema.spec.ingress.«host») && deployment.status.readyReplicas > 0}"
    );
    assert_eq!(
        references(&at("ingress.host)", 0)),
        "declared «ingress»:
name: ${config.metadata.name + \"-\" + schema.spec.«ingress».host}
- ${has(schema.spec.«ingress».host) && deployment.status.readyReplicas > 0}"
    );
}
