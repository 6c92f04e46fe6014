//! Hover fixtures: what the editor shows for a resource, a spec field and a CEL function.

use crate::ide::fixture::{cursor, lines_with};
use crate::ide::navigation::tests::at;

fn hover(fixture: &str) -> String {
    let (analysis, offset) = cursor(fixture);
    match analysis.hover(offset) {
        Some(h) => format!(
            "{}\n{}",
            lines_with(analysis.text(), &[h.range]),
            h.markdown.trim_end()
        ),
        None => "none".to_owned(),
    }
}

#[test]
fn a_resource_with_its_place_in_the_graph() {
    assert_eq!(
        hover(&at("deployment.status.readyReplicas > 0}", 1)),
        "- ${has(schema.spec.ingress.host) && «deployment».status.readyReplicas > 0}
```yaml
id: deployment
apiVersion: apps/v1
kind: Deployment
```

- wave: 2
- depends on: `config`
- used by: `ingress`

readyWhen:
- `${deployment.status.readyReplicas > 0}`"
    );
    assert_eq!(
        hover(&at("config\n", 0)),
        "- id: «config»
```yaml
id: config
apiVersion: v1
kind: ConfigMap
```

- wave: 1
- depends on: nothing
- used by: `deployment`"
    );
}

#[test]
fn conditions_and_collections() {
    assert_eq!(
        hover(&at("ingress\n", 0)),
        "- id: «ingress»
```yaml
id: ingress
apiVersion: networking.k8s.io/v1
kind: Ingress
```

- wave: 3
- depends on: `deployment`
- used by: nothing

includeWhen:
- `${has(schema.spec.ingress.host) && deployment.status.readyReplicas > 0}`"
    );
}

#[test]
fn a_spec_field() {
    assert_eq!(
        hover(&at("host)", 0)),
        "- ${has(schema.spec.ingress.«host») && deployment.status.readyReplicas > 0}
```yaml
spec.ingress.host: string
```

type `string`"
    );
}

#[test]
fn a_cel_function() {
    assert_eq!(
        hover(&at("has(", 0)),
        "- ${«has»(schema.spec.ingress.host) && deployment.status.readyReplicas > 0}
```
has(e.f) -> bool
```

Whether a field is present."
    );
}

#[test]
fn the_type_of_a_selection() {
    assert_eq!(
        hover(&at("readyReplicas > 0}", 0)),
        "- ${deployment.status.«readyReplicas» > 0}
```
deployment.status.readyReplicas: int
```"
    );
    assert_eq!(
        hover(&at("metadata.name +", 0)),
        "name: ${config.«metadata».name + \"-\" + schema.spec.ingress.host}
```
config.metadata: ObjectMeta
```"
    );
}
