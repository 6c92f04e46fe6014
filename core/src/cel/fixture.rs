//! Test fixtures: small schemas shaped like the real ones (an instance with a SimpleSchema-like
//! spec, `$ref`-linked Kubernetes-style components, a CRD-style inline schema, a recursive
//! type) and an environment declaring them.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::json;

use crate::openapi::{KindInfo, Schema, SchemaSource};

use super::env::Env;
use super::types::Type;

/// Components by name, as a bundled source would answer them.
#[derive(Default)]
pub(crate) struct Components(pub(crate) HashMap<String, Arc<Schema>>);

impl SchemaSource for Components {
    fn kind(&self, _api_version: &str, _kind: &str) -> Option<KindInfo> {
        None
    }

    fn component(&self, name: &str) -> Option<Arc<Schema>> {
        self.0.get(name).cloned()
    }

    fn kinds(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}

pub(crate) fn schema(v: serde_json::Value) -> Schema {
    serde_json::from_value(v).expect("fixture schema")
}

fn r(name: &str) -> serde_json::Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// Kubernetes-style components (without ObjectMeta: the built-in fallback serves it).
pub(crate) fn components() -> Components {
    let mut c = HashMap::new();
    let mut add = |name: &str, v: serde_json::Value| {
        c.insert(name.to_owned(), Arc::new(schema(v)));
    };
    add(
        "io.k8s.api.apps.v1.Deployment",
        json!({"type": "object", "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"allOf": [r("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")], "description": "Standard metadata."},
            "spec": r("io.k8s.api.apps.v1.DeploymentSpec"),
            "status": r("io.k8s.api.apps.v1.DeploymentStatus"),
        }}),
    );
    add(
        "io.k8s.api.apps.v1.DeploymentSpec",
        json!({"type": "object", "required": ["selector", "template"], "properties": {
            "replicas": {"type": "integer", "format": "int32", "description": "Number of desired pods."},
            "selector": r("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"),
            "template": r("io.k8s.api.core.v1.PodTemplateSpec"),
            "paused": {"type": "boolean"},
        }}),
    );
    add(
        "io.k8s.api.apps.v1.DeploymentStatus",
        json!({"type": "object", "properties": {
            "availableReplicas": {"type": "integer"},
            "readyReplicas": {"type": "integer"},
            "conditions": {"type": "array", "items": r("io.k8s.api.apps.v1.DeploymentCondition")},
        }}),
    );
    add(
        "io.k8s.api.apps.v1.DeploymentCondition",
        json!({"type": "object", "required": ["type", "status"], "properties": {
            "type": {"type": "string"},
            "status": {"type": "string"},
            "reason": {"type": "string"},
            "message": {"type": "string"},
            "lastTransitionTime": {"type": "string", "format": "date-time"},
        }}),
    );
    add(
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
        json!({"type": "object", "properties": {
            "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
        }}),
    );
    add(
        "io.k8s.api.core.v1.PodTemplateSpec",
        json!({"type": "object", "properties": {
            "metadata": r("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
            "spec": r("io.k8s.api.core.v1.PodSpec"),
        }}),
    );
    add(
        "io.k8s.api.core.v1.PodSpec",
        json!({"type": "object", "properties": {
            "containers": {"type": "array", "items": r("io.k8s.api.core.v1.Container")},
            "serviceAccountName": {"type": "string"},
        }}),
    );
    add(
        "io.k8s.api.core.v1.Container",
        json!({"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"},
            "image": {"type": "string"},
            "ports": {"type": "array", "items": {"type": "object", "properties": {
                "containerPort": {"type": "integer"},
                "name": {"type": "string"},
            }}},
        }}),
    );
    add(
        "io.k8s.api.core.v1.Service",
        json!({"type": "object", "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": r("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
            "spec": {"type": "object", "properties": {
                "clusterIP": {"type": "string"},
                "ports": {"type": "array", "items": {"type": "object", "properties": {
                    "port": {"type": "integer"},
                    "targetPort": {"x-kubernetes-int-or-string": true},
                }}},
            }},
        }}),
    );
    add(
        "io.example.Node",
        json!({"type": "object", "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": r("io.example.Node")},
        }}),
    );
    Components(c)
}

/// The instance CRD's schema (as the SimpleSchema compiler would generate it).
pub(crate) fn instance_schema() -> Schema {
    schema(json!({"type": "object", "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "description": "Application name"},
            "image": {"type": "string"},
            "replicas": {"type": "integer", "default": 2},
            "enabled": {"type": "boolean"},
            "ratio": {"type": "number"},
            "created": {"type": "string", "format": "date-time"},
            "port": {"x-kubernetes-int-or-string": true},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "regions": {"type": "array", "items": {"type": "string"}},
            "ports": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"},
                "port": {"type": "integer"},
            }}},
            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "tree": r("io.example.Node"),
            "my-field": {"type": "string"},
        }},
        "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}},
    }}))
}

/// A CRD-style inline schema, as the API server serves it for a custom kind.
pub(crate) fn bucket_schema() -> Schema {
    schema(json!({"type": "object", "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {"type": "object", "properties": {
            "region": {"type": "string"},
            "versioning": {"type": "boolean"},
        }},
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {
            "arn": {"type": "string"},
        }},
    }}))
}

/// The environment most checker tests use:
/// `schema` (WebApp), `deployment` and `service` (built-in kinds by `$ref`), `bucket` (a CRD),
/// `workers` (a collection of Deployments with iterator `region`), `legacy` (unknown kind).
pub(crate) fn env(source: &Components) -> Env<'_> {
    let mut env = Env::new(source);
    env.set_instance("WebApp", &instance_schema(), false);
    env.add_resource(
        "deployment",
        "Deployment",
        Some(Arc::new(schema(json!(r("io.k8s.api.apps.v1.Deployment"))))),
        false,
    );
    env.add_resource(
        "service",
        "Service",
        Some(Arc::new(schema(json!(r("io.k8s.api.core.v1.Service"))))),
        false,
    );
    env.add_resource("bucket", "Bucket", Some(Arc::new(bucket_schema())), false);
    env.add_resource(
        "workers",
        "Deployment",
        Some(Arc::new(schema(json!(r("io.k8s.api.apps.v1.Deployment"))))),
        true,
    );
    env.add_resource("legacy", "Legacy", None, false);
    env.set_iterators("workers", vec![("region".to_owned(), Type::String)]);
    env
}
