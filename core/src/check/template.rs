//! `invalid-template`, `reserved-metadata`, `cluster-scoped-namespace`, `namespace-required`:
//! a template is a Kubernetes object (`apiVersion`, `kind`, a `metadata` mapping), does not set
//! kro's own labels or annotations, and sets `metadata.namespace` only where the kind's scope
//! allows it (and must, for namespaced kinds of a cluster-scoped instance).

use super::Context;
use crate::diagnostic::{Code, Diagnostic};
use crate::rgd::{Resource, Rgd};
use crate::syntax::{Node, Value};

const RESERVED_PREFIXES: &[&str] = &["kro.run/", "internal.kro.run/"];

pub(super) fn check(rgd: &Rgd, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let instance_cluster_scoped = rgd.schema.as_ref().is_some_and(|s| s.is_cluster_scoped());
    for resource in &rgd.resources {
        let Some(template) = &resource.template else {
            continue;
        };
        if template.as_mapping().is_none() {
            continue; // lowering reported the wrong type
        }
        object_fields(resource, template, out);
        let Some(metadata) = template.get("metadata") else {
            continue;
        };
        for key in ["labels", "annotations"] {
            reserved_keys(resource, metadata.get(key), key, out);
        }
        namespace_rules(resource, metadata, instance_cluster_scoped, cx, out);
    }
}

fn object_fields(resource: &Resource, template: &Node, out: &mut Vec<Diagnostic>) {
    let id = &resource.id.value;
    for key in ["apiVersion", "kind"] {
        match template.get(key) {
            None => out.push(Diagnostic::new(
                Code::InvalidTemplate,
                first_line(template),
                format!("the template of `{id}` needs `{key}`"),
            )),
            Some(node) if node.as_str().is_none() => out.push(Diagnostic::new(
                Code::InvalidTemplate,
                node.range,
                format!(
                    "`{key}` of `{id}` must be a string, not {}",
                    node.describe()
                ),
            )),
            Some(_) => {}
        }
    }
    match template.get("metadata") {
        None => out.push(Diagnostic::new(
            Code::InvalidTemplate,
            first_line(template),
            format!("the template of `{id}` needs `metadata` (at least a `name`)"),
        )),
        Some(node) if node.as_mapping().is_none() => out.push(Diagnostic::new(
            Code::InvalidTemplate,
            node.range,
            format!(
                "`metadata` of `{id}` must be a mapping, not {}",
                node.describe()
            ),
        )),
        Some(_) => {}
    }
}

fn reserved_keys(resource: &Resource, map: Option<&Node>, what: &str, out: &mut Vec<Diagnostic>) {
    let Some(entries) = map.and_then(Node::as_mapping) else {
        return;
    };
    for entry in entries {
        let key = entry.key_text();
        if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| key.starts_with(*p)) {
            out.push(Diagnostic::new(
                Code::ReservedMetadata,
                entry.key.range,
                format!(
                    "{what} under `{prefix}` are kro's own; `{}` cannot set `{key}` — use another prefix",
                    resource.id.value
                ),
            ));
        }
    }
}

fn namespace_rules(
    resource: &Resource,
    metadata: &Node,
    instance_cluster_scoped: bool,
    cx: &Context<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let (Some(api_version), Some(kind)) = (resource.api_version(), resource.kind()) else {
        return;
    };
    let Some(namespaced) = (cx.is_namespaced)(&api_version.value, &kind.value) else {
        return; // unknown kind: the type checker reports it
    };
    let namespace = metadata.get("namespace");
    match (namespaced, namespace) {
        (false, Some(ns)) => out.push(Diagnostic::new(
            Code::ClusterScopedNamespace,
            ns.range,
            format!(
                "{} is cluster-scoped, so `{}` must not set metadata.namespace",
                kind.value, resource.id.value
            ),
        )),
        (true, ns) if instance_cluster_scoped => {
            let empty = ns.is_none_or(|n| match &n.value {
                Value::String(s) => s.text.trim().is_empty(),
                _ => true,
            });
            if empty {
                out.push(Diagnostic::new(
                    Code::NamespaceRequired,
                    ns.map_or(first_line(metadata), |n| n.range),
                    format!(
                        "{} is namespaced and the instance is cluster-scoped, so `{}` must set metadata.namespace",
                        kind.value, resource.id.value
                    ),
                ));
            }
        }
        _ => {}
    }
}

/// The first key of a mapping, or an empty range at its start: a short place to point at.
fn first_line(node: &Node) -> crate::text::TextRange {
    node.as_mapping()
        .and_then(|e| e.first())
        .map_or(crate::text::TextRange::empty(node.range.start), |e| {
            e.key.range
        })
}
