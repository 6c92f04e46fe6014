//! An assist: add the fields a template's kind requires but the template leaves out (a
//! Deployment's `spec.selector`, a container's `name`), with placeholder values, so the API
//! server does not reject the object when kro applies it.
//!
//! Only mappings the template writes in block style are completed; a mapping built by an
//! expression, or written in flow style, is left alone.

use std::sync::Arc;

use super::{Analysis, Assist, TextEdit};
use crate::openapi::{Schema, SchemaSource};
use crate::syntax::{Node, Value};
use crate::text::TextRange;

/// How many `$ref`s are followed for one schema, and how deep placeholders nest.
const MAX_DEPTH: usize = 16;

impl Analysis {
    /// "add missing required fields" for the template of the resource at `offset`, when its
    /// kind's schema is known and it lacks some.
    pub(crate) fn required_fields(&self, offset: usize) -> Option<Assist> {
        let rgd = self.rgd_at(offset)?;
        let (_, resource) = rgd.resource_containing(offset)?;
        let template = resource.template.as_ref()?;
        let (api_version, kind) = (resource.api_version()?, resource.kind()?);
        let info = self.schemas.kind(&api_version.value, &kind.value)?;
        let mut walk = Walk {
            text: &self.text,
            schemas: &*self.schemas,
            edits: Vec::new(),
            added: Vec::new(),
        };
        walk.node(template, &info.schema, 0);
        if walk.edits.is_empty() {
            return None;
        }
        let shown: Vec<String> = walk
            .added
            .iter()
            .take(3)
            .map(|f| format!("`{f}`"))
            .collect();
        let more = if walk.added.len() > 3 { ", …" } else { "" };
        Some(Assist {
            title: format!("add missing required fields: {}{more}", shown.join(", ")),
            edits: walk.edits,
            diagnostic: None,
        })
    }
}

struct Walk<'a> {
    text: &'a str,
    schemas: &'a dyn SchemaSource,
    /// Inner mappings' edits come before outer ones at the same offset (inserted first).
    edits: Vec<TextEdit>,
    /// The dotted paths of the fields added, for the title.
    added: Vec<String>,
}

impl Walk<'_> {
    fn node(&mut self, node: &Node, schema: &Schema, depth: usize) {
        let Some(schema) = resolve(self.schemas, schema) else {
            return;
        };
        if depth > MAX_DEPTH {
            return;
        }
        match &node.value {
            Value::Mapping(entries) => {
                for entry in entries {
                    if let Some(property) = schema.properties.get(&entry.key_text()) {
                        self.node(&entry.value, property, depth + 1);
                    }
                }
                let missing: Vec<&String> = schema
                    .required
                    .iter()
                    .filter(|name| !entries.iter().any(|e| e.key_text() == **name))
                    .collect();
                let block = self.text.as_bytes().get(node.range.start) != Some(&b'{');
                if let (false, true, Some(first), Some(last)) =
                    (missing.is_empty(), block, entries.first(), entries.last())
                {
                    let indent = self.column(first.key.range.start);
                    let mut inserted = String::new();
                    for name in missing {
                        let property = schema.properties.get(name);
                        inserted.push('\n');
                        inserted.push_str(&" ".repeat(indent));
                        inserted.push_str(name);
                        inserted.push(':');
                        inserted.push_str(&self.placeholder(property, indent, depth));
                        self.added.push(name.clone());
                    }
                    let at = self.line_end(last.value.range.end.max(last.key.range.end));
                    self.edits.push(TextEdit {
                        range: TextRange::empty(at),
                        new_text: inserted,
                    });
                }
            }
            Value::Sequence(items) => {
                if let Some(item) = schema.items.as_deref() {
                    for node in items {
                        self.node(node, item, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    /// The value written after `name:` for a missing field: a typed empty value, or a nested
    /// block with the object's own required fields.
    fn placeholder(&mut self, schema: Option<&Schema>, indent: usize, depth: usize) -> String {
        let Some(schema) = schema.and_then(|s| resolve(self.schemas, s)) else {
            return " \"\"".to_owned();
        };
        if schema.int_or_string {
            return " 0".to_owned();
        }
        match schema.type_.as_deref() {
            Some("integer" | "number") => " 0".to_owned(),
            Some("boolean") => " false".to_owned(),
            Some("array") => " []".to_owned(),
            Some("object") if !schema.required.is_empty() && depth < MAX_DEPTH => {
                let mut out = String::new();
                for name in &schema.required {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent + 2));
                    out.push_str(name);
                    out.push(':');
                    let property = schema.properties.get(name);
                    out.push_str(&self.placeholder(property, indent + 2, depth + 1));
                }
                out
            }
            Some("object") => " {}".to_owned(),
            _ => " \"\"".to_owned(),
        }
    }

    /// The column (in bytes; indentation is ASCII) of `offset`.
    fn column(&self, offset: usize) -> usize {
        offset - self.text[..offset].rfind('\n').map_or(0, |i| i + 1)
    }

    /// The end of the line holding `offset` (before its newline), so a trailing comment stays
    /// on its line.
    fn line_end(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        let end = self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i);
        if self.text[..end].ends_with('\r') {
            end - 1
        } else {
            end
        }
    }
}

/// A schema, or the one its `$ref` chain ends at.
enum Resolved<'s> {
    Borrowed(&'s Schema),
    Held(Arc<Schema>),
}

impl std::ops::Deref for Resolved<'_> {
    type Target = Schema;
    fn deref(&self) -> &Schema {
        match self {
            Resolved::Borrowed(s) => s,
            Resolved::Held(s) => s,
        }
    }
}

fn resolve<'s>(schemas: &dyn SchemaSource, schema: &'s Schema) -> Option<Resolved<'s>> {
    let Some(mut name) = schema.reference_name().map(str::to_owned) else {
        return Some(Resolved::Borrowed(schema));
    };
    for _ in 0..MAX_DEPTH {
        let held = schemas.component(&name)?;
        match held.reference_name() {
            Some(next) => name = next.to_owned(),
            None => return Some(Resolved::Held(held)),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::ide::Analysis;
    use crate::text::TextRange;

    fn apply(text: &str, edits: &[crate::ide::TextEdit]) -> String {
        let mut out = text.to_owned();
        // Same-offset inserts keep their order: apply from the back, last first.
        for edit in edits.iter().rev() {
            out.replace_range(edit.range.start..edit.range.end, &edit.new_text);
        }
        out
    }

    const RGD: &str = "apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: app
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
  resources:
    - id: web
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 1 # one is enough
          template:
            spec:
              containers:
                - image: nginx
    - id: cm
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: cm
";

    #[test]
    fn adds_the_fields_the_kind_requires() {
        let analysis = Analysis::new(RGD);
        let offset = RGD.find("replicas").unwrap();
        let assists = analysis.fixes(TextRange::empty(offset));
        let [assist] = assists.as_slice() else {
            panic!("{assists:?}");
        };
        assert_eq!(
            assist.title,
            "add missing required fields: `name`, `selector`"
        );
        assert!(assist.diagnostic.is_none());
        let fixed = apply(RGD, &assist.edits);
        assert!(
            fixed.contains(
                "          replicas: 1 # one is enough
          template:
            spec:
              containers:
                - image: nginx
                  name: \"\"
          selector: {}
    - id: cm"
            ),
            "{fixed}"
        );
        // Complete now: nothing more to add.
        let again = Analysis::new(fixed.as_str());
        assert!(again.fixes(TextRange::empty(offset)).is_empty());
        // A ConfigMap requires nothing.
        let cm = RGD.find("name: cm").unwrap();
        assert!(analysis.fixes(TextRange::empty(cm)).is_empty());
    }
}
