//! Where each identifier is used in an RGD's `${…}` expressions, in file offsets.
//!
//! This index is what navigation, rename, hover and the editor's dependency graph read.
//! Expressions are found with the compiler's own extraction (`cel::extract`); the identifiers
//! in them come from [`scan`](super::scan) today. Once the compiler keeps the references
//! `cel::check` resolves (`cel::Reference`, mapped to file ranges) in `Compiled`, [`collect`]
//! becomes a conversion of that list and nothing else in `ide` changes.

use super::scan::{self, Step};
use crate::compile::Compiled;
use crate::syntax::{Node, ScalarOffsets, Value};
use crate::text::TextRange;

/// One use of an identifier in an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Use {
    /// The identifier (a resource id, `schema`, an iterator, …).
    pub(crate) name: String,
    /// Where the identifier is written.
    pub(crate) range: TextRange,
    /// The field names that follow it (`schema.spec.name` → `spec`, `name`), with where each is
    /// written; indexes are dropped.
    pub(crate) fields: Vec<(String, TextRange)>,
    /// Which part of the RGD the expression is in.
    pub(crate) site: Site,
}

/// The part of an RGD an expression sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Site {
    /// A resource's field.
    Resource(usize, Part),
    /// `spec.schema.status`.
    Status,
}

/// A field of a resource that holds expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    Template,
    ExternalRef,
    IncludeWhen,
    ReadyWhen,
    ForEach,
}

/// Every use of an identifier in `compiled`'s expressions, in text order.
pub(crate) fn collect(text: &str, compiled: &Compiled) -> Vec<Use> {
    let mut out = Vec::new();
    expression_strings(compiled, &mut |node, site| {
        scan_string(text, node, site, &mut out)
    });
    out.sort_by_key(|u| (u.range.start, u.range.end));
    // An alias repeats the anchor's nodes, and with them their uses.
    out.dedup_by_key(|u| u.range);
    out
}

/// Calls `f` on every string value of `compiled` that the compiler reads expressions from: the
/// resources' templates, externalRefs, includeWhen, readyWhen and forEach, and the status.
pub(crate) fn expression_strings(compiled: &Compiled, f: &mut dyn FnMut(&Node, Site)) {
    for (index, resource) in compiled.rgd.resources.iter().enumerate() {
        let mut visit =
            |node: &Node, part: Part| strings(node, &mut |n| f(n, Site::Resource(index, part)));
        if let Some(template) = &resource.template {
            visit(template, Part::Template);
        }
        if let Some(external) = &resource.external_ref {
            visit(&external.node, Part::ExternalRef);
        }
        for node in &resource.include_when {
            visit(node, Part::IncludeWhen);
        }
        for node in &resource.ready_when {
            visit(node, Part::ReadyWhen);
        }
        for dimension in &resource.for_each {
            visit(&dimension.expression, Part::ForEach);
        }
    }
    if let Some(status) = compiled.rgd.schema.as_ref().and_then(|s| s.status.as_ref()) {
        strings(status, &mut |n| f(n, Site::Status));
    }
}

/// Calls `f` on every string value under `node` (map keys are never evaluated).
fn strings(node: &Node, f: &mut dyn FnMut(&Node)) {
    match &node.value {
        Value::String(_) => f(node),
        Value::Sequence(items) => items.iter().for_each(|n| strings(n, f)),
        Value::Mapping(entries) => entries.iter().for_each(|e| strings(&e.value, f)),
        _ => {}
    }
}

fn scan_string(text: &str, node: &Node, site: Site, out: &mut Vec<Use>) {
    let Some(decoded) = node.as_str() else { return };
    if !decoded.contains("${") {
        return;
    }
    let Some(offsets) = ScalarOffsets::of(text, node) else {
        return;
    };
    if !offsets.is_exact() {
        return; // no trustworthy positions (e.g. an alias); better no answer than a wrong one
    }
    let to_source =
        |r: std::ops::Range<usize>| offsets.range_to_source(TextRange::new(r.start, r.end));
    // The compiler's extraction, so the editor sees exactly the expressions it checks.
    for expression in crate::cel::extract(decoded).expressions() {
        for reference in scan::references(&expression.text, expression.range.start) {
            out.push(Use {
                name: reference.name,
                range: to_source(reference.range),
                fields: reference
                    .steps
                    .into_iter()
                    .filter_map(|s| match s {
                        Step::Field(name, range) => Some((name, to_source(range))),
                        Step::Index => None,
                    })
                    .collect(),
                site,
            });
        }
    }
}
