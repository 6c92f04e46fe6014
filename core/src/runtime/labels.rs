//! The labels and annotations kro puts on children, and the ApplySet identity of an instance.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

/// The field manager of every server-side apply of children.
pub const FIELD_MANAGER: &str = "kro.run/applyset";
/// Annotation holding a child's apply wave; deletion goes highest wave first.
pub const APPLY_ORDER_ANNOTATION: &str = "internal.kro.run/apply-order";
/// Label tying a child to its instance's ApplySet (KEP-3659).
pub const APPLYSET_PART_OF: &str = "applyset.kubernetes.io/part-of";
/// Label holding the uid of a child's instance: how children are found.
pub const INSTANCE_ID_LABEL: &str = "kro.run/instance-id";
/// Label holding the id of the resource a child was made for.
pub const NODE_ID_LABEL: &str = "kro.run/node-id";

/// The ApplySet id of a parent: `applyset-<base64url(sha256(name.namespace.kind.group))>-v1`.
pub fn applyset_id(name: &str, namespace: &str, kind: &str, group: &str) -> String {
    let digest = Sha256::digest(format!("{name}.{namespace}.{kind}.{group}").as_bytes());
    format!(
        "applyset-{}-v1",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

/// A `metav1.LabelSelector` (`matchLabels`, `matchExpressions`) as the query string the API
/// takes (`app=web,tier in (a,b),!legacy`); empty for no selector.
pub fn selector_query(selector: Option<&Json>) -> String {
    let Some(selector) = selector else {
        return String::new();
    };
    let mut parts = Vec::new();
    if let Some(labels) = selector.get("matchLabels").and_then(Json::as_object) {
        for (key, value) in labels {
            parts.push(format!("{key}={}", value.as_str().unwrap_or_default()));
        }
    }
    for expression in selector
        .get("matchExpressions")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let key = expression["key"].as_str().unwrap_or_default();
        let values: Vec<&str> = expression["values"]
            .as_array()
            .map(|v| v.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        match expression["operator"].as_str().unwrap_or_default() {
            "In" => parts.push(format!("{key} in ({})", values.join(","))),
            "NotIn" => parts.push(format!("{key} notin ({})", values.join(","))),
            "Exists" => parts.push(key.to_owned()),
            "DoesNotExist" => parts.push(format!("!{key}")),
            _ => {}
        }
    }
    parts.join(",")
}

/// A label value as kro writes versions: `+` (not allowed in labels) becomes `-`.
fn safe_version(version: &str) -> String {
    version.replace('+', "-")
}

/// The labels kro sets on every child of `instance` for resource `id`.
pub fn child_labels(
    instance: &Json,
    namespaced_instance: bool,
    id: &str,
    kro_version: &str,
) -> BTreeMap<String, String> {
    let text = |pointer: &str| {
        instance
            .pointer(pointer)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let api_version = text("/apiVersion");
    let (group, version) = match api_version.rsplit_once('/') {
        Some((group, version)) => (group.to_owned(), version.to_owned()),
        None => (String::new(), api_version.clone()),
    };
    let kind = text("/kind");
    let name = text("/metadata/name");
    let namespace = text("/metadata/namespace");
    let mut labels = BTreeMap::from([
        (INSTANCE_ID_LABEL.to_owned(), text("/metadata/uid")),
        ("kro.run/instance-name".to_owned(), name.clone()),
        ("kro.run/instance-group".to_owned(), group.clone()),
        ("kro.run/instance-version".to_owned(), version),
        ("kro.run/instance-kind".to_owned(), kind.clone()),
        ("app.kubernetes.io/managed-by".to_owned(), "kro".to_owned()),
        ("kro.run/owned".to_owned(), "true".to_owned()),
        ("kro.run/kro-version".to_owned(), safe_version(kro_version)),
        (NODE_ID_LABEL.to_owned(), id.to_owned()),
        (
            APPLYSET_PART_OF.to_owned(),
            applyset_id(&name, &namespace, &kind, &group),
        ),
    ]);
    if namespaced_instance {
        labels.insert("kro.run/instance-namespace".to_owned(), namespace);
    }
    labels
}

/// Adds kro's labels and the apply-order annotation to a desired child.
pub(super) fn decorate(
    object: &mut Json,
    labels: &BTreeMap<String, String>,
    wave: usize,
    collection: Option<(usize, usize)>,
) {
    let Some(root) = object.as_object_mut() else {
        return;
    };
    let metadata = root
        .entry("metadata")
        .or_insert_with(|| Json::Object(Default::default()));
    let Some(metadata) = metadata.as_object_mut() else {
        return;
    };
    let object_labels = metadata
        .entry("labels")
        .or_insert_with(|| Json::Object(Default::default()));
    if let Some(map) = object_labels.as_object_mut() {
        for (k, v) in labels {
            map.insert(k.clone(), Json::String(v.clone()));
        }
        if let Some((index, size)) = collection {
            map.insert(
                "kro.run/collection-index".to_owned(),
                Json::String(index.to_string()),
            );
            map.insert(
                "kro.run/collection-size".to_owned(),
                Json::String(size.to_string()),
            );
        }
    }
    let annotations = metadata
        .entry("annotations")
        .or_insert_with(|| Json::Object(Default::default()));
    if let Some(map) = annotations.as_object_mut() {
        map.insert(
            APPLY_ORDER_ANNOTATION.to_owned(),
            Json::String(wave.to_string()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applyset_ids_follow_kep_3659() {
        // sha256("shop.default.WebApp.kro.run"), base64url without padding.
        let digest = Sha256::digest(b"shop.default.WebApp.kro.run");
        let expected = format!(
            "applyset-{}-v1",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
        );
        assert_eq!(
            applyset_id("shop", "default", "WebApp", "kro.run"),
            expected
        );
        assert_eq!(expected.len(), "applyset-".len() + 43 + "-v1".len());
    }

    #[test]
    fn children_carry_the_instance_identity() {
        let instance = serde_json::json!({
            "apiVersion": "kro.run/v1alpha1",
            "kind": "WebApp",
            "metadata": {"name": "shop", "namespace": "prod", "uid": "u-1"}
        });
        let labels = child_labels(&instance, true, "deployment", "v0.1.0+dirty");
        assert_eq!(labels["kro.run/instance-id"], "u-1");
        assert_eq!(labels["kro.run/instance-namespace"], "prod");
        assert_eq!(labels["kro.run/instance-group"], "kro.run");
        assert_eq!(labels["kro.run/instance-version"], "v1alpha1");
        assert_eq!(labels["kro.run/kro-version"], "v0.1.0-dirty");
        assert_eq!(labels["kro.run/node-id"], "deployment");
        assert_eq!(labels["app.kubernetes.io/managed-by"], "kro");
        let cluster = child_labels(&instance, false, "x", "v1");
        assert!(!cluster.contains_key("kro.run/instance-namespace"));
    }

    #[test]
    fn selectors_become_api_queries() {
        let selector = serde_json::json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["a", "b"]},
                {"key": "zone", "operator": "NotIn", "values": ["x"]},
                {"key": "canary", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist"}
            ]
        });
        assert_eq!(
            super::selector_query(Some(&selector)),
            "app=web,tier in (a,b),zone notin (x),canary,!legacy"
        );
        assert_eq!(super::selector_query(None), "");
    }
}
