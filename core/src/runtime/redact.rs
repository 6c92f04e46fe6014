//! Keeping Secret values out of messages: an API server's refusal quotes the value it refused
//! (`Invalid value: "…"`), and that value may come from a Secret. Before such a message goes
//! into a status, an event or a log, every Secret value the reconcile handled is cut out.

use base64::Engine;
use serde_json::Value as Json;

use super::resolve::is_secret;

/// Values shorter than this are not redacted: they would match ordinary words.
const SHORTEST: usize = 4;

/// The values of every Secret among `objects` (`data` decoded from base64, `stringData` as is),
/// longest first, and their base64 forms.
pub fn secret_values<'a>(objects: impl IntoIterator<Item = &'a Json>) -> Vec<String> {
    let mut values = Vec::new();
    for object in objects.into_iter().filter(|o| is_secret(o)) {
        let entries = ["data", "stringData"]
            .iter()
            .filter_map(|field| object.get(*field).and_then(Json::as_object))
            .flatten();
        for (field, value) in entries {
            let Some(text) = value.as_str() else {
                continue;
            };
            let is_data = object
                .get("data")
                .and_then(Json::as_object)
                .is_some_and(|d| d.get(field) == Some(value));
            let decoded = if is_data {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
            } else {
                None
            };
            // Judge by the plain value: a short one would match ordinary words.
            let plain = if is_data {
                decoded.clone()
            } else {
                Some(text.to_owned())
            };
            if plain.as_ref().is_some_and(|p| p.len() < SHORTEST) {
                continue;
            }
            values.push(text.to_owned());
            if let Some(decoded) = decoded {
                values.push(decoded);
            } else if !is_data {
                values.push(base64::engine::general_purpose::STANDARD.encode(text));
            }
        }
    }
    values.retain(|v| v.len() >= SHORTEST);
    values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    values.dedup();
    values
}

/// `message` with every one of `values` replaced by `<secret value>`.
pub fn redact(message: &str, values: &[String]) -> String {
    let mut out = message.to_owned();
    for value in values {
        if out.contains(value.as_str()) {
            out = out.replace(value.as_str(), "<secret value>");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{redact, secret_values};

    #[test]
    fn refusals_lose_the_secret_values_they_quote() {
        let secret = json!({"apiVersion": "v1", "kind": "Secret",
            "data": {"password": "aHVudGVyMjAyNg=="}, "stringData": {"token": "s3cr3t-token"}});
        let other =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "visible-value"}});
        let values = secret_values([&secret, &other]);
        let message = r#"ConfigMap "x" is invalid: data.key: Invalid value: "hunter2026", and "s3cr3t-token" (base64 aHVudGVyMjAyNg==), visible-value"#;
        assert_eq!(
            redact(message, &values),
            r#"ConfigMap "x" is invalid: data.key: Invalid value: "<secret value>", and "<secret value>" (base64 <secret value>), visible-value"#
        );
    }

    #[test]
    fn short_values_are_left_alone() {
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "stringData": {"flag": "on"}});
        assert!(secret_values([&secret]).is_empty());
    }
}
