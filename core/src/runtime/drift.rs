//! Drift: does a live object already hold everything a desired child says?
//!
//! The controller skips the server-side apply of a child whose desired object has not changed
//! since it last applied it and whose live object still holds every value the desired one sets.
//! That is what makes a steady-state resync free of API writes. When in doubt the answer is
//! "no" (an apply is always correct, merely a write).
//!
//! The comparison is containment: every field of the desired object must be in the live object
//! with an equal value; the API server's additions (defaults, status, other managers' fields)
//! are allowed. Lists must have the same length and contain element by element, since a list
//! someone lengthened or reordered is drift for an atomic list. Numbers compare by value. A
//! Secret's write-only `stringData` compares against the base64 `data` it becomes.

use base64::Engine;
use serde_json::Value as Json;

/// Whether `live` already holds every value `desired` sets (see the module docs).
pub fn holds(desired: &Json, live: &Json) -> bool {
    let Some(desired_map) = desired.as_object() else {
        return contains(desired, live);
    };
    let is_secret = desired.get("kind").and_then(Json::as_str) == Some("Secret")
        && desired.get("apiVersion").and_then(Json::as_str) == Some("v1");
    desired_map.iter().all(|(key, value)| {
        if is_secret && key == "stringData" {
            return string_data_held(value, live.get("data"));
        }
        match live.get(key) {
            Some(live_value) => contains(value, live_value),
            None => value.is_null(),
        }
    })
}

fn contains(desired: &Json, live: &Json) -> bool {
    match (desired, live) {
        (Json::Object(d), Json::Object(l)) => d.iter().all(|(k, v)| match l.get(k) {
            Some(lv) => contains(v, lv),
            None => v.is_null(),
        }),
        (Json::Array(d), Json::Array(l)) => {
            d.len() == l.len() && d.iter().zip(l).all(|(dv, lv)| contains(dv, lv))
        }
        (Json::Number(d), Json::Number(l)) => match (d.as_i64(), l.as_i64()) {
            (Some(d), Some(l)) => d == l,
            _ => d.as_f64() == l.as_f64(),
        },
        _ => desired == live,
    }
}

fn string_data_held(string_data: &Json, data: Option<&Json>) -> bool {
    let Some(entries) = string_data.as_object() else {
        return string_data.is_null();
    };
    entries.iter().all(|(key, value)| {
        let encoded = value
            .as_str()
            .map(|text| base64::engine::general_purpose::STANDARD.encode(text));
        encoded.as_deref() == data.and_then(|d| d.get(key)).and_then(Json::as_str)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::holds;

    fn deployment() -> serde_json::Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "ns", "labels": {"app": "web"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "app", "image": "nginx"}]}}}
        })
    }

    #[test]
    fn server_additions_are_not_drift() {
        let live = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "ns", "labels": {"app": "web", "other": "x"},
                         "uid": "u", "resourceVersion": "7"},
            "spec": {"replicas": 2, "strategy": {"type": "RollingUpdate"},
                     "template": {"spec": {"containers": [{"name": "app", "image": "nginx",
                                                            "imagePullPolicy": "Always"}]}}},
            "status": {"availableReplicas": 2}
        });
        assert!(holds(&deployment(), &live));
    }

    #[test]
    fn a_changed_missing_or_extra_value_is_drift() {
        let mut changed = deployment();
        changed["spec"]["replicas"] = json!(3);
        assert!(!holds(&deployment(), &changed));

        let mut missing = deployment();
        missing["metadata"]["labels"] = json!({});
        assert!(!holds(&deployment(), &missing));

        let mut longer = deployment();
        longer["spec"]["template"]["spec"]["containers"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "sidecar", "image": "x"}));
        assert!(!holds(&deployment(), &longer));
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(holds(&json!({"a": 1}), &json!({"a": 1.0})));
        assert!(!holds(&json!({"a": 1}), &json!({"a": "1"})));
    }

    #[test]
    fn a_desired_null_holds_when_absent() {
        assert!(holds(&json!({"a": null}), &json!({})));
        assert!(!holds(&json!({"a": null}), &json!({"a": 1})));
    }

    #[test]
    fn secret_string_data_compares_with_data() {
        let desired =
            json!({"apiVersion": "v1", "kind": "Secret", "stringData": {"password": "hunter2"}});
        let live =
            json!({"apiVersion": "v1", "kind": "Secret", "data": {"password": "aHVudGVyMg=="}});
        assert!(holds(&desired, &live));
        let other = json!({"apiVersion": "v1", "kind": "Secret", "data": {"password": "b3RoZXI="}});
        assert!(!holds(&desired, &other));
    }
}
