//! RGDs as the cluster has them: the RGD object turned back into the text core compiles, and the
//! cluster's CRDs as known kinds, so custom kinds in templates are type-checked like built-in
//! ones. Shared by the controller and the commands that read RGDs from a cluster (`status`,
//! `graph RGD-NAME`, `validate --against-cluster`).

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_core::compile::{FileAnalysis, Options, compile_file};
use kro_core::openapi::CrdSchemas;
use kro_core::schema::pluralize;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, ListParams};
use serde::Serialize;
use serde_json::Value as Json;

/// The schemas of every CRD the cluster serves.
///
/// # Errors
///
/// When the CRDs cannot be listed.
pub async fn crd_schemas(client: &kube::Client) -> Result<CrdSchemas, kube::Error> {
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let list = crds.list(&ListParams::default()).await?;
    let mut schemas = CrdSchemas::new();
    for crd in &list.items {
        if let Ok(crd) = serde_json::to_value(crd) {
            // A CRD core cannot read leaves its kind unknown; the compiler says so where used.
            let _ = schemas.add_crd(&crd);
        }
    }
    Ok(schemas)
}

/// The text of an RGD object as a user would have written it: without status and managed
/// fields, so compiler messages point into what matters.
///
/// # Errors
///
/// When the object cannot be serialised (never for objects read from the API).
pub fn source_text(rgd: &impl Serialize) -> Result<String, serde_json::Error> {
    let mut object = serde_json::to_value(rgd)?;
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
        if let Some(metadata) = map.get_mut("metadata").and_then(Json::as_object_mut) {
            metadata.remove("managedFields");
        }
    }
    serde_json::to_string_pretty(&object)
}

/// The API resource of ResourceGraphDefinitions (`kro.run/v1alpha1`, cluster-scoped).
pub fn rgd_resource() -> ApiResource {
    ApiResource {
        group: "kro.run".into(),
        version: "v1alpha1".into(),
        api_version: "kro.run/v1alpha1".into(),
        kind: "ResourceGraphDefinition".into(),
        plural: "resourcegraphdefinitions".into(),
    }
}

/// Every RGD in the cluster, sorted by name.
///
/// # Errors
///
/// When they cannot be listed (a 404 means the RGD CRD is not installed).
pub async fn list(client: &kube::Client) -> Result<Vec<DynamicObject>, kube::Error> {
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &rgd_resource());
    let mut items = api.list(&ListParams::default()).await?.items;
    items.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    Ok(items)
}

/// The RGD named `name`, if there is one.
///
/// # Errors
///
/// When it cannot be read (a 404 for the whole API means the RGD CRD is not installed).
pub async fn get(client: &kube::Client, name: &str) -> Result<Option<DynamicObject>, kube::Error> {
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &rgd_resource());
    api.get_opt(name).await
}

/// Compiles an RGD read from the cluster with the cluster's CRDs as known kinds, as the
/// controller does. Returns the text compiled (diagnostics point into it) and the analysis.
///
/// # Errors
///
/// When the CRDs cannot be listed.
pub async fn compile(
    client: &kube::Client,
    rgd: &DynamicObject,
) -> Result<(String, FileAnalysis), kube::Error> {
    let text = source_text(rgd).map_err(kube::Error::SerdeError)?;
    let schemas = crd_schemas(client).await?;
    let analysis = compile_file(&text, &Options::with_crds(schemas));
    Ok((text, analysis))
}

/// The kind an RGD defines, read from its `spec.schema` without compiling: enough to find and
/// list its instances.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinedKind {
    /// The RGD's name.
    pub rgd: String,
    /// `Kind`.
    pub kind: String,
    /// The API group (default `kro.run`).
    pub group: String,
    /// The version (`v1alpha1`).
    pub version: String,
    /// The resource name (`webapps`).
    pub plural: String,
    /// Whether instances are namespaced.
    pub namespaced: bool,
    /// `shortNames`.
    pub short_names: Vec<String>,
}

impl DefinedKind {
    /// Reads the kind of an RGD object; `None` when its schema has no kind or version.
    pub fn of(rgd: &DynamicObject) -> Option<DefinedKind> {
        let schema = rgd.data.pointer("/spec/schema")?;
        let text = |key: &str| schema.get(key).and_then(Json::as_str).map(str::to_owned);
        let kind = text("kind").filter(|k| !k.is_empty())?;
        let version = text("apiVersion").filter(|v| !v.is_empty())?;
        Some(DefinedKind {
            rgd: rgd.metadata.name.clone().unwrap_or_default(),
            plural: pluralize(&kind.to_lowercase()),
            group: text("group")
                .filter(|g| !g.is_empty())
                .unwrap_or_else(|| "kro.run".to_owned()),
            namespaced: text("scope").as_deref() != Some("Cluster"),
            short_names: schema
                .get("shortNames")
                .and_then(Json::as_array)
                .map(|names| {
                    names
                        .iter()
                        .filter_map(Json::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            kind,
            version,
        })
    }

    /// Whether `name` names this kind as kubectl accepts it: the kind, its singular or plural
    /// resource name or a short name, case-insensitively, optionally followed by `.group` or
    /// `.version.group`.
    pub fn matches(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        let (resource, rest) = name.split_once('.').unwrap_or((&name, ""));
        let group = self.group.to_lowercase();
        let version_group = format!("{}.{group}", self.version.to_lowercase());
        if !(rest.is_empty() || rest == group || rest == version_group) {
            return false;
        }
        resource == self.kind.to_lowercase()
            || resource == self.plural
            || self
                .short_names
                .iter()
                .any(|s| s.to_lowercase() == resource)
    }

    /// `group/version`.
    pub fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.version)
    }

    /// The API resource of its instances.
    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version: self.api_version(),
            kind: self.kind.clone(),
            plural: self.plural.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgd(schema: Json) -> DynamicObject {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": "ResourceGraphDefinition",
            "metadata": {"name": "webapp"},
            "spec": {"schema": schema},
        }))
        .unwrap()
    }

    #[test]
    fn a_kind_is_named_as_kubectl_names_it() {
        let defined = DefinedKind::of(&rgd(serde_json::json!({
            "kind": "WebApp", "apiVersion": "v1alpha1", "shortNames": ["wa"]
        })))
        .unwrap();
        assert_eq!(defined.plural, "webapps");
        assert_eq!(defined.api_version(), "kro.run/v1alpha1");
        assert!(defined.namespaced);
        for name in [
            "WebApp",
            "webapp",
            "WEBAPP",
            "webapps",
            "wa",
            "webapps.kro.run",
            "WebApp.v1alpha1.kro.run",
        ] {
            assert!(defined.matches(name), "{name}");
        }
        for name in [
            "web",
            "webapp.example.com",
            "webapps.v1.kro.run",
            "deployment",
        ] {
            assert!(!defined.matches(name), "{name}");
        }
    }

    #[test]
    fn group_and_scope_come_from_the_schema() {
        let defined = DefinedKind::of(&rgd(serde_json::json!({
            "kind": "Tenant", "apiVersion": "v1", "group": "example.com", "scope": "Cluster"
        })))
        .unwrap();
        assert_eq!(defined.api_resource().api_version, "example.com/v1");
        assert_eq!(defined.api_resource().plural, "tenants");
        assert!(!defined.namespaced);
        assert!(defined.matches("tenants.example.com"));
        assert!(DefinedKind::of(&rgd(serde_json::json!({"apiVersion": "v1"}))).is_none());
    }
}
