//! Status conditions whose `lastTransitionTime` changes only when their status changes.

use serde_json::{Value as Json, json};

/// Builds conditions against the ones already on the object.
pub struct Conditions<'a> {
    previous: &'a [Json],
    generation: Option<i64>,
    now: String,
    built: Vec<Json>,
}

impl<'a> Conditions<'a> {
    /// Against `previous`, at `generation`, transitions stamped `now`.
    pub fn new(previous: &'a [Json], generation: Option<i64>, now: String) -> Self {
        Conditions {
            previous,
            generation,
            now,
            built: Vec::new(),
        }
    }

    /// Adds a condition.
    pub fn set(&mut self, type_: &str, ok: bool, reason: &str, message: impl Into<String>) {
        let status = if ok { "True" } else { "False" };
        let since = self
            .previous
            .iter()
            .find(|c| c["type"] == type_ && c["status"] == status)
            .and_then(|c| c.get("lastTransitionTime").cloned())
            .unwrap_or_else(|| json!(self.now));
        let mut condition = json!({
            "type": type_,
            "status": status,
            "reason": reason,
            "message": message.into(),
            "lastTransitionTime": since,
        });
        if let Some(generation) = self.generation {
            condition["observedGeneration"] = json!(generation);
        }
        self.built.push(condition);
    }

    /// Adds root `Ready`: True when every other condition is, else the first that is not.
    pub fn finish(mut self) -> (bool, Vec<Json>) {
        let worst = self.built.iter().find(|c| c["status"] != "True").map(|c| {
            (
                c["reason"].as_str().unwrap_or_default().to_owned(),
                c["message"].as_str().unwrap_or_default().to_owned(),
            )
        });
        let ready = worst.is_none();
        match worst {
            None => self.set("Ready", true, "Ready", "all conditions are true"),
            Some((reason, message)) => self.set("Ready", false, &reason, message),
        }
        (ready, self.built)
    }
}

/// Now, to the second, as RFC 3339.
pub fn now() -> String {
    let now = k8s_openapi::jiff::Timestamp::now();
    k8s_openapi::jiff::Timestamp::from_second(now.as_second())
        .map_or_else(|_| now.to_string(), |t| t.to_string())
}

/// The JSON merge patch (RFC 7386) turning `old` into `new`.
pub fn merge_diff(old: &Json, new: &Json) -> Json {
    match (old, new) {
        (Json::Object(old), Json::Object(new)) => {
            let mut patch = serde_json::Map::new();
            for (key, value) in new {
                match old.get(key) {
                    Some(previous) if previous == value => {}
                    Some(previous) => {
                        patch.insert(key.clone(), merge_diff(previous, value));
                    }
                    None => {
                        patch.insert(key.clone(), value.clone());
                    }
                }
            }
            for key in old.keys() {
                if !new.contains_key(key) {
                    patch.insert(key.clone(), Json::Null);
                }
            }
            Json::Object(patch)
        }
        _ => new.clone(),
    }
}
