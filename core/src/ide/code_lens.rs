//! Code lenses: above each resource's `id:`, its place in the compiled graph (wave, what it
//! depends on, what uses it), and what kind of resource it is (external, collection,
//! conditional).

use super::Analysis;
use crate::text::TextRange;

/// A line of information shown above a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lens {
    /// The resource's id, where the lens is anchored.
    pub range: TextRange,
    /// What is shown.
    pub title: String,
    /// What the lens says.
    pub kind: LensKind,
}

/// What a lens says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LensKind {
    /// The resource's wave, dependencies and dependents.
    Graph,
    /// A marker: externalRef, collection, or conditional.
    Marker,
}

impl Analysis {
    /// The lenses of every resource of every RGD in the file, in text order.
    pub fn lenses(&self) -> Vec<Lens> {
        let mut out = Vec::new();
        for (compiled, uses) in self.file.rgds.iter().zip(&self.uses) {
            let rgd = super::Rgd {
                compiled,
                uses,
                text: &self.text,
            };
            let view = compiled.graph_view();
            for (resource, place) in rgd.resources().iter().zip(&view.resources) {
                if resource.id.value.is_empty() {
                    continue;
                }
                let range = rgd.id_name_range(resource);
                let mut parts = vec![match place.wave {
                    0 => "on a dependency cycle".to_owned(),
                    wave => format!("wave {wave}"),
                }];
                if !place.dependencies.is_empty() {
                    parts.push(format!("depends on: {}", place.dependencies.join(", ")));
                }
                if !place.dependents.is_empty() {
                    parts.push(format!("used by: {}", place.dependents.join(", ")));
                }
                out.push(Lens {
                    range,
                    title: parts.join(" · "),
                    kind: LensKind::Graph,
                });
                let mut marker = |title: String| {
                    out.push(Lens {
                        range,
                        title,
                        kind: LensKind::Marker,
                    })
                };
                if place.external {
                    marker("external: read only".to_owned());
                }
                if place.collection {
                    let names: Vec<&str> = resource
                        .for_each
                        .iter()
                        .map(|d| d.name.value.as_str())
                        .collect();
                    marker(format!("collection over {}", names.join(" × ")));
                }
                if place.conditional {
                    marker("conditional (includeWhen)".to_owned());
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::ide::Analysis;
    use crate::ide::fixture::lines_with;

    #[test]
    fn each_resource_shows_its_place_and_markers() {
        let text = "apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: app
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      names: \"[]string\"
      enabled: boolean
  resources:
    - id: ns
      externalRef:
        apiVersion: v1
        kind: Namespace
        metadata:
          name: default
    - id: cms
      forEach:
        - name: ${schema.spec.names}
      includeWhen:
        - ${schema.spec.enabled}
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${name}
          namespace: ${ns.metadata.name}
    - id: \"x\"
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${cms[0].metadata.name}
";
        let analysis = Analysis::new(text);
        let rendered: Vec<String> = analysis
            .lenses()
            .iter()
            .map(|l| format!("{} — {}", lines_with(text, &[l.range]), l.title))
            .collect();
        assert_eq!(
            rendered,
            [
                "- id: «ns» — wave 1 · used by: cms",
                "- id: «ns» — external: read only",
                "- id: «cms» — wave 2 · depends on: ns · used by: x",
                "- id: «cms» — collection over name",
                "- id: «cms» — conditional (includeWhen)",
                "- id: \"«x»\" — wave 3 · depends on: cms",
            ]
        );
    }
}
