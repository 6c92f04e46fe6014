//! Where schemas of kinds come from: the bundled built-in kinds, CRDs handed in by the caller,
//! and layers of both.

use std::collections::HashMap;
use std::sync::Arc;

use super::Schema;

/// What the compiler needs to know about a kind.
#[derive(Clone, Debug, PartialEq)]
pub struct KindInfo {
    /// `group/version` (`v1` for the core group).
    pub api_version: String,
    /// The kind.
    pub kind: String,
    /// The plural resource name (`deployments`).
    pub resource: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// The kind's schema; `$ref`s in it name components of the same source.
    pub schema: Arc<Schema>,
}

/// A source of kind schemas. Implementations hold data handed to them: core reads no files and
/// makes no requests.
pub trait SchemaSource: Send + Sync {
    /// The kind `kind` of `api_version`, if this source knows it.
    fn kind(&self, api_version: &str, kind: &str) -> Option<KindInfo>;

    /// A named component schema (the target of a `$ref`).
    fn component(&self, name: &str) -> Option<Arc<Schema>>;

    /// Every kind this source knows, as `(apiVersion, kind)`, for completion.
    fn kinds(&self) -> Vec<(String, String)>;
}

/// Kinds defined by CustomResourceDefinitions, e.g. CRDs found next to the RGD being checked,
/// read from the cluster, or generated from other RGDs.
#[derive(Clone, Debug, Default)]
pub struct CrdSchemas {
    kinds: HashMap<(String, String), KindInfo>,
}

impl CrdSchemas {
    /// An empty set.
    pub fn new() -> Self {
        CrdSchemas::default()
    }

    /// Adds every served version of a CRD given as JSON; returns how many kinds were added, or
    /// why the object is not a usable CRD.
    pub fn add_crd(&mut self, crd: &serde_json::Value) -> Result<usize, String> {
        let spec = crd.get("spec").ok_or("the CRD has no spec")?;
        let group = spec
            .get("group")
            .and_then(|g| g.as_str())
            .ok_or("the CRD has no spec.group")?;
        let names = spec.get("names").ok_or("the CRD has no spec.names")?;
        let kind = names
            .get("kind")
            .and_then(|k| k.as_str())
            .ok_or("the CRD has no spec.names.kind")?;
        let resource = names
            .get("plural")
            .and_then(|p| p.as_str())
            .unwrap_or_default();
        let namespaced = spec.get("scope").and_then(|s| s.as_str()) != Some("Cluster");
        let versions = spec
            .get("versions")
            .and_then(|v| v.as_array())
            .ok_or("the CRD has no spec.versions")?;
        let mut added = 0;
        for version in versions {
            let Some(name) = version.get("name").and_then(|n| n.as_str()) else {
                continue;
            };
            if version.get("served").and_then(|s| s.as_bool()) == Some(false) {
                continue;
            }
            let schema = version
                .pointer("/schema/openAPIV3Schema")
                .map(|s| serde_json::from_value::<Schema>(s.clone()))
                .transpose()
                .map_err(|e| format!("version {name}: the schema does not parse: {e}"))?
                .unwrap_or_else(|| Schema {
                    preserve_unknown_fields: Some(true),
                    ..Schema::of_type("object")
                });
            let api_version = format!("{group}/{name}");
            self.kinds.insert(
                (api_version.clone(), kind.to_owned()),
                KindInfo {
                    api_version,
                    kind: kind.to_owned(),
                    resource: resource.to_owned(),
                    namespaced,
                    schema: Arc::new(schema),
                },
            );
            added += 1;
        }
        Ok(added)
    }

    /// Adds one kind directly.
    pub fn insert(&mut self, info: KindInfo) {
        self.kinds
            .insert((info.api_version.clone(), info.kind.clone()), info);
    }
}

impl SchemaSource for CrdSchemas {
    fn kind(&self, api_version: &str, kind: &str) -> Option<KindInfo> {
        self.kinds
            .get(&(api_version.to_owned(), kind.to_owned()))
            .cloned()
    }

    fn component(&self, _name: &str) -> Option<Arc<Schema>> {
        // CRD schemas are self-contained: Kubernetes forbids `$ref` in them.
        None
    }

    fn kinds(&self) -> Vec<(String, String)> {
        let mut kinds: Vec<_> = self.kinds.keys().cloned().collect();
        kinds.sort();
        kinds
    }
}

/// Several sources asked in order; the first that knows a kind answers.
#[derive(Clone, Default)]
pub struct Layered {
    layers: Vec<Arc<dyn SchemaSource>>,
}

impl Layered {
    /// No layers.
    pub fn new() -> Self {
        Layered::default()
    }

    /// Adds a layer asked after the existing ones.
    pub fn with(mut self, layer: Arc<dyn SchemaSource>) -> Self {
        self.layers.push(layer);
        self
    }
}

impl SchemaSource for Layered {
    fn kind(&self, api_version: &str, kind: &str) -> Option<KindInfo> {
        self.layers.iter().find_map(|l| l.kind(api_version, kind))
    }

    fn component(&self, name: &str) -> Option<Arc<Schema>> {
        self.layers.iter().find_map(|l| l.component(name))
    }

    fn kinds(&self) -> Vec<(String, String)> {
        let mut kinds: Vec<_> = self.layers.iter().flat_map(|l| l.kinds()).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}
