//! Completion in the YAML: the RGD's field names by position, SimpleSchema types and markers
//! in the instance spec, and values with a fixed set of choices.

use super::super::position::Slot;
use super::super::spec_tree::{BUILTIN_TYPES, MARKERS, REPEATABLE_MARKERS, SpecTree};
use super::{CompletionItem, CompletionKind, Context, item};
use crate::text::TextRange;

/// A field the RGD API has: name, whether its value is a scalar, and what it is.
type Field = (&'static str, bool, &'static str);

const TOP: &[Field] = &[
    ("apiVersion", true, "`kro.run/v1alpha1`"),
    ("kind", true, "`ResourceGraphDefinition`"),
    ("metadata", false, "The RGD's name, labels and annotations."),
    (
        "spec",
        false,
        "The API this RGD defines and the resources behind it.",
    ),
];
const METADATA: &[Field] = &[
    ("name", true, "The RGD's name."),
    ("labels", false, "Labels of the RGD."),
    (
        "annotations",
        false,
        "Annotations; `kro.run/allow-breaking-changes: \"true\"` permits breaking CRD changes.",
    ),
];
const SPEC: &[Field] = &[
    (
        "schema",
        false,
        "The kind this RGD defines: its name, version, spec and status.",
    ),
    (
        "resources",
        false,
        "The objects each instance creates or reads, in any order.",
    ),
];
const SCHEMA: &[Field] = &[
    (
        "apiVersion",
        true,
        "The version of the new API, e.g. `v1alpha1`.",
    ),
    ("kind", true, "The new kind, UpperCamelCase."),
    ("group", true, "The API group (default `kro.run`)."),
    ("scope", true, "`Namespaced` (default) or `Cluster`."),
    (
        "spec",
        false,
        "The instance's spec in SimpleSchema: `field: type | markers`.",
    ),
    (
        "types",
        false,
        "Named SimpleSchema types, used by name in `spec`.",
    ),
    (
        "status",
        false,
        "Status fields projected from the resources with `${…}`.",
    ),
    (
        "additionalPrinterColumns",
        false,
        "Columns `kubectl get` shows, replacing the defaults.",
    ),
    ("shortNames", false, "Short names for `kubectl`."),
    (
        "categories",
        false,
        "Categories for `kubectl get <category>`.",
    ),
    (
        "metadata",
        false,
        "Labels and annotations copied onto the generated CRD.",
    ),
];
const SCHEMA_METADATA: &[Field] = &[
    ("labels", false, "Labels for the generated CRD."),
    ("annotations", false, "Annotations for the generated CRD."),
];
const RESOURCE: &[Field] = &[
    (
        "id",
        true,
        "The resource's name in expressions: lowerCamelCase, unique.",
    ),
    (
        "template",
        false,
        "The object to create, with `${…}` expressions.",
    ),
    (
        "externalRef",
        false,
        "An existing object to read (never written).",
    ),
    (
        "readyWhen",
        false,
        "Conditions (`${…}` returning bool) that make the resource ready.",
    ),
    (
        "includeWhen",
        false,
        "Conditions (`${…}` returning bool) that must hold for the resource to exist.",
    ),
    (
        "forEach",
        false,
        "Dimensions `iterator: ${list}`: one object per combination.",
    ),
];
const EXTERNAL_REF: &[Field] = &[
    ("apiVersion", true, "The object's apiVersion."),
    ("kind", true, "The object's kind."),
    (
        "metadata",
        false,
        "`name` (or `selector`) and optional `namespace`.",
    ),
];
const EXTERNAL_REF_METADATA: &[Field] = &[
    ("name", true, "The object's name."),
    (
        "namespace",
        true,
        "Its namespace (default: the instance's).",
    ),
    (
        "selector",
        false,
        "A label selector: the resource becomes a list of matching objects.",
    ),
];
const TEMPLATE: &[Field] = &[
    ("apiVersion", true, "The object's apiVersion."),
    ("kind", true, "The object's kind."),
    (
        "metadata",
        false,
        "The object's name, namespace, labels and annotations.",
    ),
];
const TEMPLATE_METADATA: &[Field] = &[
    (
        "name",
        true,
        "The object's name; in a collection it must use every iterator.",
    ),
    ("namespace", true, "The object's namespace."),
    ("labels", false, "Labels (not under `kro.run/`)."),
    ("annotations", false, "Annotations (not under `kro.run/`)."),
];

pub(super) fn complete(cx: &Context<'_>) -> Vec<CompletionItem> {
    match &cx.position.slot {
        Slot::Key { word, siblings } => keys(cx, *word, siblings),
        Slot::Value { key, start } => values(cx, key.as_deref(), *start),
    }
}

fn keys(cx: &Context<'_>, word: TextRange, siblings: &[String]) -> Vec<CompletionItem> {
    let p = &cx.position;
    let fields = if p.path_is(&[]) {
        TOP
    } else if p.path_is(&["metadata"]) {
        METADATA
    } else if p.path_is(&["spec"]) {
        SPEC
    } else if p.path_is(&["spec", "schema"]) {
        SCHEMA
    } else if p.path_is(&["spec", "schema", "metadata"]) {
        SCHEMA_METADATA
    } else if p.path_is(&["spec", "resources", "[]"]) {
        RESOURCE
    } else if p.path_is(&["spec", "resources", "[]", "externalRef"]) {
        EXTERNAL_REF
    } else if p.path_is(&["spec", "resources", "[]", "externalRef", "metadata"]) {
        EXTERNAL_REF_METADATA
    } else if p.path_is(&["spec", "resources", "[]", "template"]) {
        TEMPLATE
    } else if p.path_is(&["spec", "resources", "[]", "template", "metadata"]) {
        TEMPLATE_METADATA
    } else {
        &[]
    };
    fields
        .iter()
        .filter(|(name, _, _)| !siblings.iter().any(|s| s == name))
        .map(|(name, scalar, doc)| {
            let insert = if *scalar {
                format!("{name}: ")
            } else {
                format!("{name}:")
            };
            item(
                *name,
                CompletionKind::Field,
                None,
                Some((*doc).to_owned()),
                word,
                insert,
            )
        })
        .collect()
}

fn values(cx: &Context<'_>, key: Option<&str>, start: usize) -> Vec<CompletionItem> {
    let p = &cx.position;
    let start = start.min(cx.offset);
    let typed = &cx.text()[start..cx.offset];
    let object = p.path_is(&["spec", "resources", "[]", "template"])
        || p.path_is(&["spec", "resources", "[]", "externalRef"]);
    if object && matches!(key, Some("kind" | "apiVersion")) {
        let range = TextRange::new(start, cx.word_range(0).end);
        return kinds(cx, key == Some("kind"), range);
    }
    let choices: &[&str] = match key {
        Some("apiVersion") if p.path_is(&[]) => &["kro.run/v1alpha1"],
        Some("kind") if p.path_is(&[]) => &["ResourceGraphDefinition"],
        Some("scope") if p.path_is(&["spec", "schema"]) => &["Namespaced", "Cluster"],
        Some(_)
            if p.path_starts_with(&["spec", "schema", "spec"])
                || p.path_starts_with(&["spec", "schema", "types"]) =>
        {
            let tree = cx.rgd.map(|rgd| rgd.spec_tree());
            return simple_schema(cx, tree, typed, start);
        }
        _ => &[],
    };
    let range = TextRange::new(start, cx.word_range(0).end);
    choices
        .iter()
        .map(|c| item(*c, CompletionKind::Value, None, None, range, *c))
        .collect()
}

/// Types before the first `|`, markers after it, marker values after `=`.
fn simple_schema(
    cx: &Context<'_>,
    tree: Option<SpecTree<'_>>,
    typed: &str,
    start: usize,
) -> Vec<CompletionItem> {
    let (typed, start) = match typed.strip_prefix(['"', '\'']) {
        Some(rest) => (rest, start + 1),
        None => (typed, start),
    };
    let Some(bar) = typed.find('|') else {
        return types(cx, tree, typed);
    };
    let markers = &typed[bar + 1..];
    if (markers.matches('"').count() - markers.matches("\\\"").count()) % 2 == 1 {
        return Vec::new(); // inside a quoted marker value
    }
    let token_start = markers.rfind([' ', '\t']).map_or(0, |i| i + 1);
    let token = &markers[token_start..];
    let token_offset = start + bar + 1 + token_start;
    if let Some(eq) = token.find('=') {
        let values: &[&str] = match &token[..eq] {
            "required" | "immutable" | "uniqueItems" => &["true", "false"],
            "listType" => &["atomic", "set", "map"],
            _ => &[],
        };
        let range = cx.word_range(token.len() - eq - 1);
        return values
            .iter()
            .map(|v| item(*v, CompletionKind::Value, None, None, range, *v))
            .collect();
    }
    let used: Vec<&str> = markers
        .split_whitespace()
        .filter_map(|t| t.split_once('=').map(|(name, _)| name))
        .collect();
    let range = TextRange::new(token_offset, cx.word_range(0).end);
    MARKERS
        .iter()
        .filter(|(name, _)| REPEATABLE_MARKERS.contains(name) || !used.contains(name))
        .map(|(name, doc)| {
            let insert = match *name {
                "required" | "immutable" | "uniqueItems" => format!("{name}=true"),
                _ => format!("{name}="),
            };
            item(
                *name,
                CompletionKind::Marker,
                None,
                Some((*doc).to_owned()),
                range,
                insert,
            )
        })
        .collect()
}

fn types(cx: &Context<'_>, tree: Option<SpecTree<'_>>, typed: &str) -> Vec<CompletionItem> {
    let word = typed.len()
        - typed
            .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
            .len();
    let before = typed[..typed.len() - word].trim_start();
    let range = cx.word_range(word);
    if before.ends_with("map[") {
        return vec![item(
            "string",
            CompletionKind::Type,
            None,
            Some("Map keys are always strings.".to_owned()),
            range,
            "string",
        )];
    }
    if !(before.is_empty() || before.ends_with(']')) {
        return Vec::new();
    }
    let mut out: Vec<CompletionItem> = BUILTIN_TYPES
        .iter()
        .map(|(name, doc)| {
            item(
                *name,
                CompletionKind::Type,
                None,
                Some((*doc).to_owned()),
                range,
                *name,
            )
        })
        .collect();
    for name in tree.map(|t| t.type_names()).unwrap_or_default() {
        out.push(item(
            name,
            CompletionKind::Type,
            Some("from types".to_owned()),
            None,
            range,
            name,
        ));
    }
    out.push(item(
        "[]",
        CompletionKind::Type,
        Some("list".to_owned()),
        Some("`[]T`: a list of `T`.".to_owned()),
        range,
        "[]",
    ));
    out.push(item(
        "map[string]",
        CompletionKind::Type,
        Some("map".to_owned()),
        Some("`map[string]T`: a map from strings to `T`.".to_owned()),
        range,
        "map[string]",
    ));
    out
}

/// Kinds (or apiVersions) the schemas know, narrowed by what the object already says.
fn kinds(cx: &Context<'_>, kind: bool, range: TextRange) -> Vec<CompletionItem> {
    let resource = cx
        .rgd
        .and_then(|rgd| rgd.resource_containing(cx.offset).map(|(_, r)| r));
    let written_api_version = resource.and_then(|r| r.api_version()).map(|v| v.value);
    let written_kind = resource.and_then(|r| r.kind()).map(|k| k.value);
    let mut known = cx.analysis.schemas.kinds();
    known.sort();
    // label → the other half of each pair it appears in
    let mut choices: Vec<(String, Vec<String>)> = Vec::new();
    for (api_version, k) in known {
        let (label, other) = if kind {
            if written_api_version
                .as_ref()
                .is_some_and(|v| *v != api_version)
            {
                continue;
            }
            (k, api_version)
        } else {
            if written_kind.as_ref().is_some_and(|w| *w != k) {
                continue;
            }
            (api_version, k)
        };
        match choices.iter_mut().find(|(l, _)| *l == label) {
            Some((_, others)) => others.push(other),
            None => choices.push((label, vec![other])),
        }
    }
    choices
        .into_iter()
        .map(|(label, others)| {
            let detail = if kind {
                others.join(", ")
            } else {
                format!("{} kinds", others.len())
            };
            item(
                label.clone(),
                CompletionKind::Value,
                Some(detail),
                None,
                range,
                label,
            )
        })
        .collect()
}
