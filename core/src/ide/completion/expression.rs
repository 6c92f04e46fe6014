//! Completion inside `${…}`: root identifiers, then member paths.
//!
//! Members of `schema.spec` come from the SimpleSchema; members of a resource come from the
//! fields its template writes; functions come from the CEL library table. When the compiler
//! keeps each RGD's `cel::Env`, typed members (a Deployment's `status`, a string's methods)
//! come from `cel::complete` here instead.

use super::super::functions;
use super::super::scan::{self, PathStep};
use super::super::spec_tree::{ELEMENT, description_of, type_of};
use super::super::{Rgd, cel_env};
use super::{CompletionItem, CompletionKind, Context, item};
use crate::cel;
use crate::rgd::Resource;
use crate::syntax::{Node, Value};
use crate::text::TextRange;

pub(super) fn complete(cx: &Context<'_>, prefix: &str) -> Vec<CompletionItem> {
    let Some(typing) = scan::typing_at_end(prefix) else {
        return Vec::new();
    };
    let partial = &prefix[typing.partial.clone()];
    let range = if cx.text()[..cx.offset].ends_with(partial) {
        cx.word_range(partial.len())
    } else {
        cx.word_range(0)
    };
    let Some(rgd) = cx.rgd else {
        return Vec::new();
    };
    // The author's own words first: `schema.spec` fields in declaration order, with their
    // SimpleSchema types and descriptions.
    if let [PathStep::Name(root), PathStep::Name(spec), ..] = typing.path.as_slice()
        && root == "schema"
        && spec == "spec"
    {
        let own = schema_members(&rgd, &typing.path[1..], range);
        if !own.is_empty() {
            return own;
        }
    }
    // Then what the type checker knows; then, where it knows nothing (an unknown kind), the
    // fields the template writes.
    let typed = typed(cx, &rgd, prefix, typing.path.is_empty());
    if typed.iter().any(|i| i.kind != CompletionKind::Function) {
        return typed;
    }
    let mut own = match typing.path.split_first() {
        None => roots(cx, &rgd, range),
        Some((PathStep::Name(root), rest)) => members(cx, &rgd, root, rest, range),
        Some((PathStep::Index, _)) => Vec::new(),
    };
    if !typed.is_empty() {
        // Methods of a value of unknown type.
        own.retain(|i| i.kind != CompletionKind::Function);
        own.extend(typed);
    }
    own
}

/// What the CEL checker says can follow: variables in scope, fields by type, functions and
/// methods by receiver type. Empty where it knows nothing (an unknown kind is `dyn`).
fn typed(cx: &Context<'_>, rgd: &Rgd<'_>, prefix: &str, at_root: bool) -> Vec<CompletionItem> {
    let Some(context) = cel_env::context(&cx.position, rgd, cx.offset) else {
        return Vec::new();
    };
    // A resource may name itself only in its readyWhen.
    let own = match context {
        cel::Context::Template(id) | cel::Context::IncludeWhen(id) | cel::Context::ForEach(id) => {
            Some(id)
        }
        _ => None,
    };
    let env = cel_env::env(rgd.compiled, &*cx.analysis.schemas);
    let completions = cel::complete(prefix, &env.scope(context));
    let range = cx.word_range(completions.replace.len());
    completions
        .items
        .into_iter()
        .filter(|c| !(at_root && own == Some(c.label.as_str())))
        .map(|c| {
            let kind = match c.kind {
                cel::CompletionKind::Variable if rgd.resource(&c.label).is_some() => {
                    CompletionKind::Resource
                }
                cel::CompletionKind::Variable => CompletionKind::Variable,
                cel::CompletionKind::Field => CompletionKind::Field,
                cel::CompletionKind::Function
                | cel::CompletionKind::Method
                | cel::CompletionKind::Macro => CompletionKind::Function,
            };
            let detail = (!c.detail.is_empty()).then_some(c.detail);
            item(c.label.clone(), kind, detail, c.doc, range, c.label)
        })
        .collect()
}

/// Where in the RGD the expression is, as far as scoping goes.
struct Scope<'a> {
    resource: Option<&'a Resource>,
    ready_when: bool,
    template: bool,
    status: bool,
    conditions: bool,
}

fn scope<'a>(cx: &Context<'_>, rgd: &Rgd<'a>) -> Scope<'a> {
    let p = &cx.position;
    let in_resources = p.path_starts_with(&["spec", "resources", "[]"]);
    let resource = in_resources
        .then(|| rgd.resource_containing(cx.offset).map(|(_, r)| r))
        .flatten();
    Scope {
        resource,
        ready_when: p.path_starts_with(&["spec", "resources", "[]", "readyWhen"]),
        template: p.path_starts_with(&["spec", "resources", "[]", "template"]),
        status: p.path_starts_with(&["spec", "schema", "status"]),
        conditions: p.path_starts_with(&["spec", "schema", "status", "conditions"]),
    }
}

fn roots(cx: &Context<'_>, rgd: &Rgd<'_>, range: TextRange) -> Vec<CompletionItem> {
    let scope = scope(cx, rgd);
    let own = scope.resource.map(|r| r.id.value.as_str());
    let mut out = Vec::new();
    if scope.ready_when {
        // readyWhen may only look at the resource itself (SPEC A1).
        if let Some(resource) = scope.resource {
            out.push(resource_item(resource, range));
            if resource.is_collection() {
                out.push(item(
                    "each",
                    CompletionKind::Variable,
                    Some("one item of the collection".to_owned()),
                    Some(
                        "In a collection's readyWhen, `each` is checked against every item."
                            .to_owned(),
                    ),
                    range,
                    "each",
                ));
            }
        }
        out.extend(function_items(range));
        return out;
    }
    let kind = rgd
        .compiled
        .rgd
        .schema
        .as_ref()
        .and_then(|s| s.kind.as_ref())
        .map(|k| k.value.clone());
    out.push(item(
        "schema",
        CompletionKind::Variable,
        Some(kind.clone().unwrap_or_else(|| "the instance".to_owned())),
        Some(format!(
            "The instance{} this RGD reconciles, without its status.",
            kind.map(|k| format!(" of `{k}`")).unwrap_or_default()
        )),
        range,
        "schema",
    ));
    if scope.template
        && let Some(resource) = scope.resource
    {
        for dimension in &resource.for_each {
            out.push(item(
                dimension.name.value.clone(),
                CompletionKind::Variable,
                Some("forEach iterator".to_owned()),
                Some(format!(
                    "One element of `{}`.",
                    dimension.expression.as_str().unwrap_or_default()
                )),
                range,
                dimension.name.value.clone(),
            ));
        }
    }
    for resource in rgd.resources() {
        if resource.id.value.is_empty() || Some(resource.id.value.as_str()) == own {
            continue; // a resource cannot refer to itself outside readyWhen
        }
        out.push(resource_item(resource, range));
    }
    if scope.status && scope.conditions {
        out.push(item(
            "runtime",
            CompletionKind::Variable,
            Some("condition helpers".to_owned()),
            Some("`runtime.newCondition({type, status, reason, message})` builds a status condition.".to_owned()),
            range,
            "runtime",
        ));
    }
    out.extend(function_items(range));
    out
}

/// The functions called without a receiver (`string`, `has`, `base64.encode`, …).
fn function_items(range: TextRange) -> impl Iterator<Item = CompletionItem> {
    functions::global().into_iter().map(move |f| {
        item(
            f.name,
            CompletionKind::Function,
            Some(f.signatures[0].to_owned()),
            Some(f.markdown()),
            range,
            f.name,
        )
    })
}

fn resource_item(resource: &Resource, range: TextRange) -> CompletionItem {
    let kind = resource.kind().map(|k| k.value);
    let api_version = resource.api_version().map(|v| v.value);
    let mut doc = match (&api_version, &kind) {
        (Some(v), Some(k)) => format!("`{k}` (`{v}`)"),
        (None, Some(k)) => format!("`{k}`"),
        _ => "a resource".to_owned(),
    };
    if resource.external_ref.is_some() {
        doc.push_str(", read from the cluster");
    }
    if resource.is_collection() {
        doc.push_str(", a list of objects");
    }
    item(
        resource.id.value.clone(),
        CompletionKind::Resource,
        kind,
        Some(format!("The observed {doc}.")),
        range,
        resource.id.value.clone(),
    )
}

fn members(
    cx: &Context<'_>,
    rgd: &Rgd<'_>,
    root: &str,
    rest: &[PathStep],
    range: TextRange,
) -> Vec<CompletionItem> {
    if root == "schema" {
        return schema_members(rgd, rest, range);
    }
    let resource = if root == "each" {
        scope(cx, rgd).resource
    } else {
        rgd.resource(root).map(|(_, r)| r)
    };
    match resource {
        Some(resource) => template_members(resource, rest, range),
        None if rest.is_empty() => namespace_members(root, range),
        None => Vec::new(),
    }
}

/// The functions of a namespace: `encode` and `decode` after `base64.`.
fn namespace_members(namespace: &str, range: TextRange) -> Vec<CompletionItem> {
    let prefix = format!("{namespace}.");
    functions::global()
        .into_iter()
        .filter_map(|f| {
            let name = f.name.strip_prefix(&prefix)?;
            Some(item(
                name,
                CompletionKind::Function,
                Some(f.signatures[0].to_owned()),
                Some(f.markdown()),
                range,
                name,
            ))
        })
        .collect()
}

fn field_item(name: &str, detail: &str, doc: Option<String>, range: TextRange) -> CompletionItem {
    item(
        name,
        CompletionKind::Field,
        Some(detail.to_owned()),
        doc,
        range,
        name,
    )
}

fn schema_members(rgd: &Rgd<'_>, rest: &[PathStep], range: TextRange) -> Vec<CompletionItem> {
    let names: Vec<String> = rest
        .iter()
        .map(|s| match s {
            PathStep::Name(n) => n.clone(),
            PathStep::Index => ELEMENT.to_owned(),
        })
        .collect();
    match names.split_first() {
        None => [
            (
                "spec",
                "object",
                "The instance's spec, as its SimpleSchema declares it.",
            ),
            ("metadata", "ObjectMeta", "The instance's metadata."),
            ("apiVersion", "string", "The instance's apiVersion."),
            ("kind", "string", "The instance's kind."),
        ]
        .into_iter()
        .map(|(name, detail, doc)| field_item(name, detail, Some(doc.to_owned()), range))
        .collect(),
        Some((first, path)) if first == "spec" => rgd
            .spec_tree()
            .fields(path)
            .into_iter()
            .map(|entry| {
                let (detail, doc) = match &entry.value.value {
                    Value::String(s) => (type_of(&s.text).to_owned(), description_of(&s.text)),
                    Value::Mapping(_) => ("object".to_owned(), None),
                    _ => ("unknown".to_owned(), None),
                };
                field_item(&entry.key_text(), &detail, doc, range)
            })
            .collect(),
        Some((first, path)) if first == "metadata" && path.is_empty() => [
            ("name", "string"),
            ("namespace", "string"),
            ("labels", "map[string]string"),
            ("annotations", "map[string]string"),
            ("uid", "string"),
            ("generation", "integer"),
        ]
        .into_iter()
        .map(|(name, detail)| field_item(name, detail, None, range))
        .collect(),
        _ => Vec::new(),
    }
}

/// Fields written in the resource's template (or externalRef) at `rest`.
fn template_members(
    resource: &Resource,
    rest: &[PathStep],
    range: TextRange,
) -> Vec<CompletionItem> {
    let Some(mut node) = resource.object() else {
        return Vec::new();
    };
    for step in rest {
        node = match (step, &node.value) {
            (PathStep::Name(name), Value::Mapping(_)) => match node.get(name) {
                Some(child) => child,
                None => return Vec::new(),
            },
            (PathStep::Index, Value::Sequence(items)) => match items.first() {
                Some(first) => first,
                None => return Vec::new(),
            },
            _ => return Vec::new(),
        };
    }
    let doc = || Some("Written in the template; the observed object may hold more.".to_owned());
    let mut out: Vec<CompletionItem> = node
        .as_mapping()
        .unwrap_or_default()
        .iter()
        .map(|e| field_item(&e.key_text(), describe(&e.value), doc(), range))
        .collect();
    if rest.is_empty() && node.get("status").is_none() {
        out.push(field_item(
            "status",
            "object",
            Some("The object's observed status, as the cluster reports it.".to_owned()),
            range,
        ));
    }
    out
}

fn describe(node: &Node) -> &'static str {
    match node.value {
        Value::Mapping(_) => "object",
        Value::Sequence(_) => "list",
        Value::String(_) => "string",
        Value::Int(_) => "integer",
        Value::Float(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
    }
}
