//! The OpenAPI schemas of Kubernetes' built-in kinds, bundled so the compiler type-checks
//! templates with no cluster at hand.
//!
//! The data comes from the `/openapi/v3` documents of the real API server the tests run
//! (`tests/cluster/dump-openapi` refreshes it; `core/data/README.md` describes the format).
//! It is parsed once, on first use; each schema is decoded only when first asked for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{KindInfo, Schema, SchemaSource};

const DATA: &str = include_str!("../../data/k8s-openapi-v1.34.json");

#[derive(Deserialize)]
struct Bundle<'a> {
    #[serde(rename = "kubernetesVersion")]
    kubernetes_version: String,
    #[serde(rename = "groupVersions")]
    group_versions: HashMap<String, GroupVersion>,
    #[serde(borrow)]
    schemas: HashMap<String, &'a RawValue>,
}

#[derive(Deserialize)]
struct GroupVersion {
    kinds: HashMap<String, KindEntry>,
}

#[derive(Deserialize)]
struct KindEntry {
    schema: String,
    resource: String,
    namespaced: bool,
}

/// The built-in kinds of the bundled Kubernetes version, as a [`SchemaSource`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Builtin;

struct Data {
    kubernetes_version: String,
    kinds: HashMap<(String, String), (String, String, bool)>,
    raw: HashMap<String, &'static RawValue>,
    decoded: Mutex<HashMap<String, Arc<Schema>>>,
}

impl Data {
    /// The bundled schemas (parsed on first call, shared afterwards).
    fn get() -> &'static Data {
        static BUILTIN: OnceLock<Data> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let bundle: Bundle<'static> =
                serde_json::from_str(DATA).expect("the bundled OpenAPI data is valid JSON");
            let kinds = bundle
                .group_versions
                .into_iter()
                .flat_map(|(gv, entry)| {
                    entry.kinds.into_iter().map(move |(kind, k)| {
                        ((gv.clone(), kind), (k.schema, k.resource, k.namespaced))
                    })
                })
                .collect();
            Data {
                kubernetes_version: bundle.kubernetes_version,
                kinds,
                raw: bundle.schemas,
                decoded: Mutex::new(HashMap::new()),
            }
        })
    }

    fn component(&self, name: &str) -> Option<Arc<Schema>> {
        let mut decoded = self.decoded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(schema) = decoded.get(name) {
            return Some(schema.clone());
        }
        let raw = self.raw.get(name)?;
        let schema = Arc::new(serde_json::from_str::<Schema>(raw.get()).ok()?);
        decoded.insert(name.to_owned(), schema.clone());
        Some(schema)
    }
}

impl Builtin {
    /// The Kubernetes version the schemas come from (`v1.34.4`).
    pub fn kubernetes_version(&self) -> &'static str {
        &Data::get().kubernetes_version
    }
}

impl SchemaSource for Builtin {
    fn kind(&self, api_version: &str, kind: &str) -> Option<KindInfo> {
        let (schema_name, resource, namespaced) = Data::get()
            .kinds
            .get(&(api_version.to_owned(), kind.to_owned()))?;
        Some(KindInfo {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            resource: resource.clone(),
            namespaced: *namespaced,
            schema: self.component(schema_name)?,
        })
    }

    fn component(&self, name: &str) -> Option<Arc<Schema>> {
        Data::get().component(name)
    }

    fn kinds(&self) -> Vec<(String, String)> {
        let mut kinds: Vec<_> = Data::get().kinds.keys().cloned().collect();
        kinds.sort();
        kinds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_built_in_kinds_and_their_scope() {
        let builtin = Builtin;
        let deployment = builtin.kind("apps/v1", "Deployment").unwrap();
        assert!(deployment.namespaced);
        assert_eq!(deployment.resource, "deployments");
        assert!(deployment.schema.properties.contains_key("spec"));
        let namespace = builtin.kind("v1", "Namespace").unwrap();
        assert!(!namespace.namespaced);
        assert!(builtin.kind("apps/v1", "Deploymnet").is_none());
        assert!(builtin.kubernetes_version().starts_with("v1.34"));
    }

    #[test]
    fn references_resolve_to_components() {
        let builtin = Builtin;
        let deployment = builtin.kind("apps/v1", "Deployment").unwrap();
        let spec = &deployment.schema.properties["spec"];
        let name = spec.reference_name().unwrap();
        assert_eq!(name, "io.k8s.api.apps.v1.DeploymentSpec");
        let spec = builtin.component(name).unwrap();
        assert!(spec.required.contains(&"selector".to_owned()));
    }

    #[test]
    fn every_bundled_schema_decodes() {
        let builtin = Builtin;
        for name in Data::get().raw.keys() {
            assert!(builtin.component(name).is_some(), "{name} does not decode");
        }
    }
}
