//! The CustomResourceDefinition kro generates for an RGD's new kind, and the checks on the
//! `spec.schema` values that name it.
//!
//! [`CrdSpec::read`] takes the `spec.schema` node and checks the *values* of `kind`,
//! `apiVersion`, `group`, `scope`, `shortNames`, `categories`, `additionalPrinterColumns` and
//! `metadata`. Whether required fields are present and have the right YAML type is the RGD
//! lowering's job; a field of the wrong type is simply ignored here, so nothing is reported
//! twice. [`generate`] builds the CRD as JSON; it is deterministic and never fails.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value as Json, json};

use super::plural::pluralize;
use crate::diagnostic::{Code, Diagnostic};
use crate::openapi::Schema;
use crate::syntax::{Node, Value};
use crate::text::TextRange;

/// The group an RGD's kind gets when `spec.schema.group` is not set.
pub const DEFAULT_GROUP: &str = "kro.run";
/// Label set to `"true"` on everything kro owns.
pub const OWNED_LABEL: &str = "kro.run/owned";
/// Label with the version of the kro controller that wrote the object.
pub const KRO_VERSION_LABEL: &str = "kro.run/kro-version";
/// Label with the UID of the RGD that owns the CRD.
pub const RGD_ID_LABEL: &str = "kro.run/resource-graph-definition-id";
/// Label with the name of the RGD that owns the CRD.
pub const RGD_NAME_LABEL: &str = "kro.run/resource-graph-definition-name";

/// Why RGD `rgd_name` may not take over the existing CRD `existing` (named `crd_name`): it
/// belongs to another RGD, or kro does not own it. `None` when it is this RGD's.
pub fn takeover_refusal(
    existing: &serde_json::Value,
    crd_name: &str,
    rgd_name: &str,
) -> Option<String> {
    let owner = existing
        .pointer("/metadata/labels")
        .and_then(|labels| labels.get(RGD_NAME_LABEL))
        .and_then(serde_json::Value::as_str);
    match owner {
        Some(owner) if owner == rgd_name => None,
        Some(other) => Some(format!("CRD {crd_name} belongs to RGD {other}")),
        None => Some(format!("CRD {crd_name} exists and is not owned by kro")),
    }
}

/// Whether instances of the kind live in namespaces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// Instances live in a namespace (the default).
    #[default]
    Namespaced,
    /// Instances are cluster-wide.
    Cluster,
}

impl Scope {
    /// `Namespaced` or `Cluster`, as the CRD spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Namespaced => "Namespaced",
            Scope::Cluster => "Cluster",
        }
    }
}

/// What `spec.schema` says about the CRD, apart from the schemas themselves. The default is
/// what an empty `spec.schema` means: no kind or version yet, group `kro.run`, namespaced.
#[derive(Clone, Debug, PartialEq)]
pub struct CrdSpec {
    /// `kind` (empty when missing).
    pub kind: String,
    /// `apiVersion`: the version name, such as `v1alpha1` (empty when missing).
    pub version: String,
    /// `group`, defaulted to [`DEFAULT_GROUP`].
    pub group: String,
    /// `scope`, defaulted to namespaced.
    pub scope: Scope,
    /// `shortNames`.
    pub short_names: Vec<String>,
    /// `categories`.
    pub categories: Vec<String>,
    /// `additionalPrinterColumns`, normalised to the fields Kubernetes keeps; empty means the
    /// default columns.
    pub printer_columns: Vec<Json>,
    /// `metadata.labels`, copied onto the CRD.
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`, copied onto the CRD.
    pub annotations: BTreeMap<String, String>,
}

impl Default for CrdSpec {
    fn default() -> Self {
        CrdSpec {
            kind: String::new(),
            version: String::new(),
            group: DEFAULT_GROUP.to_owned(),
            scope: Scope::Namespaced,
            short_names: Vec::new(),
            categories: Vec::new(),
            printer_columns: Vec::new(),
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
        }
    }
}

/// Who owns the CRD: values that come from the running controller rather than the RGD text.
/// Labels whose value is `None` are left out (as `kubectl kro generate crd` does offline).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ownership {
    /// The RGD's `metadata.name`.
    pub rgd_name: Option<String>,
    /// The RGD's `metadata.uid`.
    pub rgd_uid: Option<String>,
    /// The controller's version (`+` is replaced by `-` to make it a valid label value).
    pub kro_version: Option<String>,
}

static KIND: LazyLock<Regex> = LazyLock::new(|| Regex::new("^[A-Z][a-zA-Z0-9]{0,62}$").unwrap());
static VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("^v[0-9]+(alpha[0-9]+|beta[0-9]+)?$").unwrap());
static DNS_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("^[a-z]([-a-z0-9]*[a-z0-9])?$").unwrap());
static DNS_SUBDOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$").unwrap()
});
static LABEL_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$").unwrap());

impl CrdSpec {
    /// Reads the `spec.schema` node and checks its values. `kind`, `apiVersion` and the rest
    /// are taken as they are even when a check fails, so the CRD can still be shown.
    pub fn read(schema: &Node) -> (CrdSpec, Vec<Diagnostic>) {
        let mut out = CrdSpec::default();
        let mut diagnostics = Vec::new();
        let string = |key: &str| {
            let node = schema.get(key)?;
            Some((node.as_str()?.to_owned(), node.range))
        };
        if let Some((kind, range)) = string("kind") {
            diagnostics.extend(check_kind(&kind, range));
            out.kind = kind;
        }
        if let Some((version, range)) = string("apiVersion") {
            diagnostics.extend(check_version(&version, range));
            out.version = version;
        }
        if let Some((group, range)) = string("group") {
            diagnostics.extend(check_group(&group, range));
            out.group = group;
        }
        if let Some((scope, range)) = string("scope") {
            match scope.as_str() {
                "Namespaced" => out.scope = Scope::Namespaced,
                "Cluster" => out.scope = Scope::Cluster,
                other => diagnostics.push(Diagnostic::new(
                    Code::SchemaInvalidScope,
                    range,
                    format!("`scope` must be `Namespaced` or `Cluster`, not `{other}`"),
                )),
            }
        }
        if let Some(node) = schema.get("shortNames") {
            out.short_names = names(node, "shortNames", &mut diagnostics);
        }
        if let Some(node) = schema.get("categories") {
            out.categories = names(node, "categories", &mut diagnostics);
        }
        if let Some(items) = schema
            .get("additionalPrinterColumns")
            .and_then(Node::as_sequence)
        {
            out.printer_columns = items
                .iter()
                .filter_map(|item| printer_column(item, &mut diagnostics))
                .collect();
        }
        if let Some(metadata) = schema.get("metadata") {
            if let Some(labels) = metadata.get("labels") {
                out.labels = string_map(labels, true, &mut diagnostics);
            }
            if let Some(annotations) = metadata.get("annotations") {
                out.annotations = string_map(annotations, false, &mut diagnostics);
            }
        }
        (out, diagnostics)
    }

    /// The resource name: the lowercased kind pluralised as kro does (`webapps`).
    pub fn plural(&self) -> String {
        pluralize(&self.kind.to_lowercase())
    }

    /// The CRD's name, `<plural>.<group>`.
    pub fn crd_name(&self) -> String {
        format!("{}.{}", self.plural(), self.group)
    }
}

/// Checks `spec.schema.kind`, including that its plural is a valid resource name.
pub fn check_kind(kind: &str, range: TextRange) -> Option<Diagnostic> {
    if !KIND.is_match(kind) {
        return Some(Diagnostic::new(
            Code::SchemaInvalidKind,
            range,
            format!(
                "kind `{kind}` must be UpperCamelCase: a capital letter, then at most 62 letters or digits"
            ),
        ));
    }
    let plural = pluralize(&kind.to_lowercase());
    if plural.len() > 63 || !DNS_LABEL.is_match(&plural) {
        return Some(Diagnostic::new(
            Code::SchemaInvalidPlural,
            range,
            format!(
                "kind `{kind}` pluralises to `{plural}`, which Kubernetes does not accept as a resource name (lowercase letters, digits and `-`, at most 63 characters); choose another kind"
            ),
        ));
    }
    None
}

/// Checks `spec.schema.apiVersion` (a version name such as `v1alpha1`).
pub fn check_version(version: &str, range: TextRange) -> Option<Diagnostic> {
    if VERSION.is_match(version) {
        return None;
    }
    let hint = if version.contains('/') {
        "; give only the version, the group goes in `group`"
    } else {
        ""
    };
    Some(Diagnostic::new(
        Code::SchemaInvalidApiVersion,
        range,
        format!("apiVersion `{version}` must look like `v1`, `v1alpha1` or `v2beta3`{hint}"),
    ))
}

/// Checks `spec.schema.group`: a lowercase DNS subdomain with at least one dot.
pub fn check_group(group: &str, range: TextRange) -> Option<Diagnostic> {
    let message = if group.len() > 253 || !DNS_SUBDOMAIN.is_match(group) {
        format!(
            "group `{group}` must be a lowercase DNS subdomain such as `example.com` (letters, digits, `-` and `.`)"
        )
    } else if !group.contains('.') {
        format!(
            "group `{group}` must be a domain with at least one dot, such as `{group}.example.com`"
        )
    } else {
        return None;
    };
    Some(Diagnostic::new(Code::SchemaInvalidGroup, range, message))
}

/// Reads `shortNames` or `categories`: at most 32 DNS labels of at most 63 characters.
fn names(node: &Node, field: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<String> {
    let Some(items) = node.as_sequence() else {
        return Vec::new();
    };
    if items.len() > 32 {
        diagnostics.push(Diagnostic::new(
            Code::SchemaInvalidNames,
            node.range,
            format!(
                "`{field}` has {} items; at most 32 are allowed",
                items.len()
            ),
        ));
    }
    let mut out = Vec::new();
    for item in items {
        let Some(name) = item.as_str() else { continue };
        if name.len() > 63 || !DNS_LABEL.is_match(name) {
            diagnostics.push(Diagnostic::new(
                Code::SchemaInvalidNames,
                item.range,
                format!(
                    "`{name}` in `{field}` must be a lowercase DNS label: letters, digits and `-`, starting with a letter, at most 63 characters"
                ),
            ));
        }
        out.push(name.to_owned());
    }
    out
}

const COLUMN_TYPES: &[&str] = &["integer", "number", "string", "boolean", "date"];
const COLUMN_FORMATS: &[&str] = &[
    "int32",
    "int64",
    "float",
    "double",
    "byte",
    "date",
    "date-time",
    "password",
];

/// One `additionalPrinterColumns` entry, normalised to the fields Kubernetes keeps.
fn printer_column(node: &Node, diagnostics: &mut Vec<Diagnostic>) -> Option<Json> {
    node.as_mapping()?;
    let mut column = Map::new();
    let mut complain = |range: TextRange, message: String| {
        diagnostics.push(Diagnostic::new(
            Code::SchemaInvalidPrinterColumn,
            range,
            message,
        ));
    };
    for key in ["name", "type", "jsonPath"] {
        match node.get(key) {
            Some(value) => match value.as_str() {
                Some(text) if !text.is_empty() => {
                    column.insert(key.to_owned(), Json::String(text.to_owned()));
                }
                _ => complain(
                    value.range,
                    format!("the column's `{key}` must be a non-empty string"),
                ),
            },
            None => complain(node.range, format!("the printer column needs `{key}`")),
        }
    }
    if let Some(Json::String(type_)) = column.get("type")
        && !COLUMN_TYPES.contains(&type_.as_str())
    {
        let range = node.get("type").map_or(node.range, |n| n.range);
        complain(
            range,
            format!(
                "column type `{type_}` must be one of {}",
                COLUMN_TYPES.join(", ")
            ),
        );
    }
    if let Some(Json::String(path)) = column.get("jsonPath")
        && !path.starts_with('.')
        && !path.starts_with('{')
    {
        let range = node.get("jsonPath").map_or(node.range, |n| n.range);
        complain(
            range,
            format!("jsonPath `{path}` must start with `.`, such as `.spec.replicas`"),
        );
    }
    if let Some(format) = node.get("format") {
        match format.as_str() {
            Some(text) if COLUMN_FORMATS.contains(&text) => {
                column.insert("format".to_owned(), Json::String(text.to_owned()));
            }
            Some("") => {}
            _ => complain(
                format.range,
                format!("column format must be one of {}", COLUMN_FORMATS.join(", ")),
            ),
        }
    }
    if let Some(description) = node.get("description").and_then(Node::as_str)
        && !description.is_empty()
    {
        column.insert(
            "description".to_owned(),
            Json::String(description.to_owned()),
        );
    }
    if let Some(priority) = node.get("priority") {
        match priority.value {
            Value::Int(0) => {}
            Value::Int(n) if (0..=i64::from(i32::MAX)).contains(&n) => {
                column.insert("priority".to_owned(), Json::from(n));
            }
            _ => complain(
                priority.range,
                "the column's `priority` must be a non-negative integer".to_owned(),
            ),
        }
    }
    Some(Json::Object(column))
}

/// Reads labels or annotations, checking keys (and label values) as Kubernetes would.
fn string_map(
    node: &Node,
    labels: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(entries) = node.as_mapping() else {
        return out;
    };
    let what = if labels { "label" } else { "annotation" };
    for entry in entries {
        let key = entry.key_text();
        let value = match &entry.value.value {
            Value::String(s) => s.text.clone(),
            _ => {
                diagnostics.push(Diagnostic::new(
                    Code::SchemaInvalidCrdMetadata,
                    entry.value.range,
                    format!("the value of {what} `{key}` must be a string; quote it"),
                ));
                continue;
            }
        };
        if let Some(problem) = qualified_name_problem(&key) {
            diagnostics.push(Diagnostic::new(
                Code::SchemaInvalidCrdMetadata,
                entry.key.range,
                format!("{what} key `{key}` {problem}"),
            ));
        }
        if labels && !value.is_empty() && (value.len() > 63 || !LABEL_NAME.is_match(&value)) {
            diagnostics.push(Diagnostic::new(
                Code::SchemaInvalidCrdMetadata,
                entry.value.range,
                format!(
                    "label value `{value}` must be at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit"
                ),
            ));
        }
        out.insert(key, value);
    }
    out
}

/// Why `key` is not a Kubernetes qualified name (`[prefix/]name`), if it is not.
fn qualified_name_problem(key: &str) -> Option<&'static str> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix
        && (prefix.is_empty() || prefix.len() > 253 || !DNS_SUBDOMAIN.is_match(prefix))
    {
        return Some("has a prefix that is not a lowercase DNS subdomain");
    }
    if name.is_empty() || name.len() > 63 || !LABEL_NAME.is_match(name) {
        return Some(
            "must be at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit, after an optional `prefix/`",
        );
    }
    None
}

/// The printer columns kro gives every instance kind: State, Ready and Age.
pub fn default_printer_columns() -> Vec<Json> {
    vec![
        json!({
            "name": "State",
            "type": "string",
            "description": "The state of a ResourceGraphDefinition instance",
            "jsonPath": ".status.state",
        }),
        json!({
            "name": "Ready",
            "type": "string",
            "description": "Whether a ResourceGraphDefinition instance is ready",
            "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status",
        }),
        json!({
            "name": "Age",
            "type": "date",
            "description": "Age of the resource",
            "jsonPath": ".metadata.creationTimestamp",
        }),
    ]
}

/// The schema kro adds for `status.conditions` (the fields of a Kubernetes condition).
pub fn conditions_schema() -> Schema {
    let mut item = Schema::of_type("object");
    for (name, type_) in [
        ("type", "string"),
        ("status", "string"),
        ("reason", "string"),
        ("message", "string"),
        ("lastTransitionTime", "string"),
        ("observedGeneration", "integer"),
    ] {
        item.properties
            .insert(name.to_owned(), Schema::of_type(type_));
    }
    Schema {
        items: Some(Box::new(item)),
        ..Schema::of_type("array")
    }
}

/// The status schema with kro's `state` and `conditions` added where the RGD does not define
/// them.
pub fn status_with_defaults(status: &Schema) -> Schema {
    let mut status = status.clone();
    if status.type_.is_none() {
        status.type_ = Some("object".to_owned());
    }
    status
        .properties
        .entry("state".to_owned())
        .or_insert_with(|| Schema::of_type("string"));
    status
        .properties
        .entry("conditions".to_owned())
        .or_insert_with(conditions_schema);
    status
}

/// The instance's whole schema (`openAPIV3Schema`): apiVersion, kind, metadata, spec and the
/// status (with [`status_with_defaults`] applied).
pub fn instance_schema(spec: &Schema, status: &Schema) -> Schema {
    let mut root = Schema::of_type("object");
    root.properties
        .insert("apiVersion".to_owned(), Schema::of_type("string"));
    root.properties
        .insert("kind".to_owned(), Schema::of_type("string"));
    root.properties
        .insert("metadata".to_owned(), Schema::of_type("object"));
    let mut spec = spec.clone();
    if spec.type_.is_none() {
        spec.type_ = Some("object".to_owned());
    }
    root.properties.insert("spec".to_owned(), spec);
    root.properties
        .insert("status".to_owned(), status_with_defaults(status));
    root
}

/// The instance's schema without `status`: the type of the `schema` variable in CEL.
pub fn instance_schema_without_status(spec: &Schema) -> Schema {
    let mut root = instance_schema(spec, &Schema::default());
    root.properties.remove("status");
    root
}

/// The CRD for the RGD's kind, as the JSON the API server is sent.
pub fn generate(crd: &CrdSpec, spec: &Schema, status: &Schema, owner: &Ownership) -> Json {
    let plural = crd.plural();
    let mut labels: BTreeMap<String, String> = crd.labels.clone();
    labels.insert(OWNED_LABEL.to_owned(), "true".to_owned());
    if let Some(version) = &owner.kro_version {
        labels.insert(KRO_VERSION_LABEL.to_owned(), version.replace('+', "-"));
    }
    if let Some(uid) = &owner.rgd_uid {
        labels.insert(RGD_ID_LABEL.to_owned(), uid.clone());
    }
    if let Some(name) = &owner.rgd_name {
        labels.insert(RGD_NAME_LABEL.to_owned(), name.clone());
    }
    let mut metadata = Map::new();
    metadata.insert(
        "name".to_owned(),
        Json::String(format!("{plural}.{}", crd.group)),
    );
    metadata.insert("labels".to_owned(), json!(labels));
    if !crd.annotations.is_empty() {
        metadata.insert("annotations".to_owned(), json!(crd.annotations));
    }
    let mut names = Map::new();
    names.insert("kind".to_owned(), Json::String(crd.kind.clone()));
    names.insert(
        "listKind".to_owned(),
        Json::String(format!("{}List", crd.kind)),
    );
    names.insert("plural".to_owned(), Json::String(plural));
    names.insert("singular".to_owned(), Json::String(crd.kind.to_lowercase()));
    if !crd.short_names.is_empty() {
        names.insert("shortNames".to_owned(), json!(crd.short_names));
    }
    if !crd.categories.is_empty() {
        names.insert("categories".to_owned(), json!(crd.categories));
    }
    let columns = if crd.printer_columns.is_empty() {
        default_printer_columns()
    } else {
        crd.printer_columns.clone()
    };
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": metadata,
        "spec": {
            "group": crd.group,
            "names": names,
            "scope": crd.scope.as_str(),
            "versions": [{
                "name": crd.version,
                "served": true,
                "storage": true,
                "schema": {"openAPIV3Schema": instance_schema(spec, status).to_json()},
                "subresources": {"status": {}},
                "additionalPrinterColumns": columns,
            }],
        },
    })
}

#[cfg(test)]
mod takeover_tests {
    #[test]
    fn only_the_owning_rgd_may_take_a_crd_over() {
        let labelled = |owner: &str| serde_json::json!({"metadata": {"labels": {super::RGD_NAME_LABEL: owner}}});
        assert_eq!(
            super::takeover_refusal(&labelled("web"), "apps.kro.run", "web"),
            None
        );
        assert_eq!(
            super::takeover_refusal(&labelled("other"), "apps.kro.run", "web").as_deref(),
            Some("CRD apps.kro.run belongs to RGD other")
        );
        assert_eq!(
            super::takeover_refusal(&serde_json::json!({"metadata": {}}), "apps.kro.run", "web")
                .as_deref(),
            Some("CRD apps.kro.run exists and is not owned by kro")
        );
    }
}
