//! RGDs as the cluster has them: the RGD object turned back into the text core compiles, and the
//! cluster's CRDs as known kinds, so custom kinds in templates are type-checked like built-in
//! ones. Shared by the controller and the commands that read RGDs from a cluster (`status`,
//! `graph RGD-NAME`, `validate --against-cluster`).

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_core::openapi::CrdSchemas;
use kube::Api;
use kube::api::ListParams;
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
