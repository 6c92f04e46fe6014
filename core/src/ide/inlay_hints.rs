//! Inlay hints: the type each status field gets in the generated CRD, inferred from its
//! expression, shown after the value.

use super::Analysis;
use crate::openapi::Schema;
use crate::syntax::PathSegment;
use crate::text::TextRange;

/// A short label the editor shows inline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    /// Where it is shown (before the character at this offset).
    pub offset: usize,
    /// What is shown (`integer`, `[]string`).
    pub label: String,
    /// More on hover.
    pub tooltip: Option<String>,
}

impl Analysis {
    /// The hints whose position lies in `range`: one per status field, with the OpenAPI type
    /// the compiler inferred for it.
    pub fn inlay_hints(&self, range: TextRange) -> Vec<InlayHint> {
        let mut out = Vec::new();
        for compiled in &self.file.rgds {
            let status = &compiled.status_expressions;
            for slot in &status.fields {
                if !range.contains_inclusive(slot.range.end) {
                    continue;
                }
                let Some(schema) = at_path(&status.schema, &slot.path) else {
                    continue;
                };
                out.push(InlayHint {
                    offset: slot.range.end,
                    label: describe(schema),
                    tooltip: Some(format!(
                        "status field type in the generated CRD, from the CEL type `{}`",
                        slot.ty
                    )),
                });
            }
        }
        out.sort_by_key(|h| h.offset);
        out
    }
}

fn at_path<'s>(schema: &'s Schema, path: &[PathSegment]) -> Option<&'s Schema> {
    let mut schema = schema;
    for segment in path {
        schema = match segment {
            PathSegment::Key(key) => schema.properties.get(key)?,
            PathSegment::Index(_) => schema.items.as_deref()?,
        };
    }
    Some(schema)
}

/// An OpenAPI schema in SimpleSchema words: `integer`, `[]string`, `map[string]integer`.
fn describe(schema: &Schema) -> String {
    match schema.type_.as_deref() {
        Some("array") => format!(
            "[]{}",
            schema
                .items
                .as_deref()
                .map_or_else(|| "any".to_owned(), describe)
        ),
        Some("number") => "float".to_owned(),
        Some("object") => match &schema.additional_properties {
            Some(crate::openapi::AdditionalProperties::Schema(value)) => {
                format!("map[string]{}", describe(value))
            }
            _ => "object".to_owned(),
        },
        Some(other) => other.to_owned(),
        None if schema.int_or_string => "int-or-string".to_owned(),
        None => "any".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::ide::Analysis;
    use crate::ide::fixture::lines_with;
    use crate::text::TextRange;

    #[test]
    fn status_fields_show_their_inferred_type() {
        let text = "apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: app
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      name: string
    status:
      ready: ${deployment.status.readyReplicas}
      name: \"${schema.spec.name}-x\"
      nested:
        ports: ${deployment.spec.template.spec.containers.map(c, c.name)}
  resources:
    - id: deployment
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ${schema.spec.name}
";
        let analysis = Analysis::new(text);
        let hints = analysis.inlay_hints(TextRange::new(0, text.len()));
        let rendered: Vec<String> = hints
            .iter()
            .map(|h| {
                let line = lines_with(text, &[TextRange::empty(h.offset)]);
                format!("{line} : {}", h.label)
            })
            .collect();
        assert_eq!(
            rendered,
            [
                "ready: ${deployment.status.readyReplicas}«» : integer",
                "name: \"${schema.spec.name}-x\"«» : string",
                "ports: ${deployment.spec.template.spec.containers.map(c, c.name)}«» : []string",
            ]
        );
        assert!(analysis.inlay_hints(TextRange::new(0, 10)).is_empty());
    }
}
