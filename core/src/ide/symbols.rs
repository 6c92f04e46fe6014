//! The outline of a file: each RGD with its schema (spec fields as a tree, types, status
//! fields) and its resources.

use super::Analysis;
use super::spec_tree::type_of;
use crate::compile::Compiled;
use crate::syntax::{Entry, Node, Value};
use crate::text::TextRange;

/// What a symbol stands for, in RGD terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// A ResourceGraphDefinition.
    Rgd,
    /// `spec.schema`: the API the RGD defines.
    Schema,
    /// A group of symbols (`spec`, `status`, `types`, `resources`).
    Section,
    /// A field of the instance spec.
    Field,
    /// A named SimpleSchema type.
    Type,
    /// A status field (a CEL projection).
    StatusField,
    /// A resource.
    Resource,
}

/// One entry of the outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// The name shown.
    pub name: String,
    /// A short description shown beside it (a type, a kind).
    pub detail: Option<String>,
    /// What it is.
    pub kind: SymbolKind,
    /// The whole declaration.
    pub range: TextRange,
    /// The name within it.
    pub selection_range: TextRange,
    /// Nested symbols.
    pub children: Vec<Symbol>,
}

impl Analysis {
    /// The outline of the file: one symbol per RGD.
    pub fn document_symbols(&self) -> Vec<Symbol> {
        self.file
            .rgds
            .iter()
            .map(|compiled| self.rgd_symbol(compiled))
            .collect()
    }

    fn rgd_symbol(&self, compiled: &Compiled) -> Symbol {
        let rgd = &compiled.rgd;
        let range = self.file.parsed.documents[compiled.document]
            .range
            .cover(rgd.range);
        let (name, selection_range) = match &rgd.name {
            Some(name) => (name.value.clone(), name.range),
            None => (
                "ResourceGraphDefinition".to_owned(),
                TextRange::empty(rgd.range.start),
            ),
        };
        let mut children = Vec::new();
        if let Some(schema) = &rgd.schema {
            let mut sections = Vec::new();
            if let Some(spec) = &schema.spec {
                sections.push(section(&schema.node, "spec", spec, fields(spec)));
            }
            if let Some(types) = &schema.types {
                let types = entries(types)
                    .iter()
                    .map(|e| Symbol {
                        children: match &e.value.value {
                            Value::Mapping(_) => fields(&e.value),
                            _ => Vec::new(),
                        },
                        ..leaf(e, SymbolKind::Type, type_detail(&e.value))
                    })
                    .collect();
                sections.push(section(
                    &schema.node,
                    "types",
                    schema.types.as_ref().unwrap(),
                    types,
                ));
            }
            if let Some(status) = &schema.status {
                sections.push(section(
                    &schema.node,
                    "status",
                    status,
                    status_fields(status),
                ));
            }
            let kind = schema.kind.as_ref();
            children.push(Symbol {
                name: kind.map_or_else(|| "schema".to_owned(), |k| k.value.clone()),
                detail: schema
                    .api_version
                    .as_ref()
                    .map(|v| format!("{}/{}", schema.group(), v.value)),
                kind: SymbolKind::Schema,
                range: schema.node.range,
                selection_range: kind
                    .map_or(TextRange::empty(schema.node.range.start), |k| k.range),
                children: sections,
            });
        }
        if !rgd.resources.is_empty() {
            let resources: Vec<Symbol> = rgd
                .resources
                .iter()
                .filter(|r| !r.id.value.is_empty())
                .map(|r| Symbol {
                    name: r.id.value.clone(),
                    detail: r.kind().map(|k| k.value),
                    kind: SymbolKind::Resource,
                    range: r.node.range,
                    selection_range: r.id.range,
                    children: Vec::new(),
                })
                .collect();
            let first = rgd.resources[0].node.range;
            let last = rgd.resources[rgd.resources.len() - 1].node.range;
            children.push(Symbol {
                name: "resources".to_owned(),
                detail: None,
                kind: SymbolKind::Section,
                range: first.cover(last),
                selection_range: TextRange::empty(first.start),
                children: resources,
            });
        }
        Symbol {
            name,
            detail: rgd
                .schema
                .as_ref()
                .and_then(|s| s.kind.as_ref())
                .map(|k| format!("defines {}", k.value)),
            kind: SymbolKind::Rgd,
            range,
            selection_range,
            children,
        }
    }
}

fn entries(node: &Node) -> &[Entry] {
    node.as_mapping().unwrap_or_default()
}

/// A section symbol (`spec`, `types`, `status`) for the key `name` of `parent`.
fn section(parent: &Node, name: &str, node: &Node, children: Vec<Symbol>) -> Symbol {
    let key = parent.entry(name).map_or(node.range, |e| e.key.range);
    Symbol {
        name: name.to_owned(),
        detail: None,
        kind: SymbolKind::Section,
        range: key.cover(node.range),
        selection_range: key,
        children,
    }
}

fn leaf(entry: &Entry, kind: SymbolKind, detail: Option<String>) -> Symbol {
    Symbol {
        name: entry.key_text(),
        detail,
        kind,
        range: entry.key.range.cover(entry.value.range),
        selection_range: entry.key.range,
        children: Vec::new(),
    }
}

fn type_detail(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(type_of(&s.text).to_owned()),
        Value::Mapping(_) => Some("object".to_owned()),
        _ => None,
    }
}

/// Spec fields as a tree: nested maps are objects.
fn fields(node: &Node) -> Vec<Symbol> {
    entries(node)
        .iter()
        .map(|e| Symbol {
            children: match &e.value.value {
                Value::Mapping(_) => fields(&e.value),
                _ => Vec::new(),
            },
            ..leaf(e, SymbolKind::Field, type_detail(&e.value))
        })
        .collect()
}

/// Status fields as a tree, each leaf with its expression.
fn status_fields(node: &Node) -> Vec<Symbol> {
    entries(node)
        .iter()
        .map(|e| match &e.value.value {
            Value::Mapping(_) => Symbol {
                children: status_fields(&e.value),
                ..leaf(e, SymbolKind::StatusField, None)
            },
            _ => leaf(
                e,
                SymbolKind::StatusField,
                e.value.as_str().map(str::to_owned),
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests;
