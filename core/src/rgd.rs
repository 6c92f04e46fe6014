//! The ResourceGraphDefinition as a typed model that still knows where each part was written.
//!
//! Lowering checks the shape of the object the way the API server's schema for
//! `kro.run/v1alpha1` would (unknown fields, wrong types, missing required fields) and keeps
//! going: a resource with a broken field is still lowered so later stages can look at the rest.

mod lower;

use crate::syntax::Node;
use crate::text::TextRange;

pub use lower::{is_rgd, lower};

/// The API group/version of RGDs.
pub const API_VERSION: &str = "kro.run/v1alpha1";
/// The kind of RGDs.
pub const KIND: &str = "ResourceGraphDefinition";
/// Annotation that lets an RGD make breaking changes to its CRD.
pub const ALLOW_BREAKING_CHANGES: &str = "kro.run/allow-breaking-changes";

/// A value with the bytes it was written in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub range: TextRange,
}

impl<T> Spanned<T> {
    /// Pairs a value with its range.
    pub fn new(value: T, range: TextRange) -> Self {
        Spanned { value, range }
    }
}

/// One ResourceGraphDefinition document.
#[derive(Clone, Debug)]
pub struct Rgd {
    /// The whole document.
    pub range: TextRange,
    /// `metadata.name`.
    pub name: Option<Spanned<String>>,
    /// `metadata.annotations` that are strings.
    pub annotations: Vec<(Spanned<String>, Spanned<String>)>,
    /// `spec.schema`.
    pub schema: Option<SchemaSection>,
    /// `spec.resources`, in declaration order.
    pub resources: Vec<Resource>,
}

impl Rgd {
    /// Whether `kro.run/allow-breaking-changes: "true"` is set.
    pub fn allows_breaking_changes(&self) -> bool {
        self.annotations
            .iter()
            .any(|(k, v)| k.value == ALLOW_BREAKING_CHANGES && v.value == "true")
    }

    /// The resource with this id, if any.
    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.id.value == id)
    }
}

/// `spec.schema`: the new API's kind and its SimpleSchema.
#[derive(Clone, Debug)]
pub struct SchemaSection {
    /// The `schema` node.
    pub node: Node,
    /// `kind`.
    pub kind: Option<Spanned<String>>,
    /// `apiVersion` (a version like `v1alpha1`, not a group/version).
    pub api_version: Option<Spanned<String>>,
    /// `group` (default `kro.run`).
    pub group: Option<Spanned<String>>,
    /// `scope` (default `Namespaced`).
    pub scope: Option<Spanned<String>>,
    /// `spec`: the SimpleSchema of the instance's spec.
    pub spec: Option<Node>,
    /// `types`: named SimpleSchema types.
    pub types: Option<Node>,
    /// `status`: CEL projections of the instance's status.
    pub status: Option<Node>,
    /// `additionalPrinterColumns`.
    pub additional_printer_columns: Option<Node>,
    /// `shortNames`.
    pub short_names: Option<Node>,
    /// `categories`.
    pub categories: Option<Node>,
    /// `metadata` copied onto the CRD (labels, annotations).
    pub metadata: Option<Node>,
}

impl SchemaSection {
    /// The group, defaulted.
    pub fn group(&self) -> &str {
        self.group.as_ref().map_or("kro.run", |g| g.value.as_str())
    }

    /// Whether instances are cluster-scoped.
    pub fn is_cluster_scoped(&self) -> bool {
        self.scope.as_ref().is_some_and(|s| s.value == "Cluster")
    }
}

/// One entry of `spec.resources`.
#[derive(Clone, Debug)]
pub struct Resource {
    /// Position in `spec.resources`.
    pub index: usize,
    /// The resource's node.
    pub node: Node,
    /// `id` (empty when missing; a diagnostic says so).
    pub id: Spanned<String>,
    /// `template`.
    pub template: Option<Node>,
    /// `externalRef`.
    pub external_ref: Option<ExternalRef>,
    /// `readyWhen` entries.
    pub ready_when: Vec<Node>,
    /// `includeWhen` entries.
    pub include_when: Vec<Node>,
    /// `forEach` dimensions, outer loop first.
    pub for_each: Vec<Dimension>,
}

impl Resource {
    /// `apiVersion` of the template or external reference.
    pub fn api_version(&self) -> Option<Spanned<String>> {
        self.object_string("apiVersion")
    }

    /// `kind` of the template or external reference.
    pub fn kind(&self) -> Option<Spanned<String>> {
        self.object_string("kind")
    }

    /// Whether this resource expands to a list of objects (forEach, or an external reference
    /// by label selector).
    pub fn is_collection(&self) -> bool {
        !self.for_each.is_empty()
            || self
                .external_ref
                .as_ref()
                .is_some_and(|r| r.selector.is_some())
    }

    /// The object node: the template, or the external reference.
    pub fn object(&self) -> Option<&Node> {
        self.template
            .as_ref()
            .or(self.external_ref.as_ref().map(|r| &r.node))
    }

    fn object_string(&self, key: &str) -> Option<Spanned<String>> {
        let node = self.object()?.get(key)?;
        Some(Spanned::new(node.as_str()?.to_owned(), node.range))
    }
}

/// `externalRef`: an object read from the cluster, never written.
#[derive(Clone, Debug)]
pub struct ExternalRef {
    /// The `externalRef` node.
    pub node: Node,
    /// `metadata.name`.
    pub name: Option<Node>,
    /// `metadata.namespace`.
    pub namespace: Option<Node>,
    /// `metadata.selector`.
    pub selector: Option<Node>,
}

/// One `forEach` dimension: `iterator: ${list expression}`.
#[derive(Clone, Debug)]
pub struct Dimension {
    /// The iterator's name.
    pub name: Spanned<String>,
    /// The list expression's node.
    pub expression: Node,
}
