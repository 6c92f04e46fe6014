//! Evaluating a resource's template: every expression slot is computed and written into a copy
//! of the template's JSON at its path.

use serde_json::Value as Json;

use crate::cel::{Activation, Budget, EvalError, Output, Program};
use crate::compile::Slot;
use crate::syntax::{PathSegment, render_path};

/// Why an object could not be computed.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Unresolved {
    /// Data an expression reads is not there yet.
    Pending(String),
    /// An expression failed.
    Failed(String),
}

impl Unresolved {
    /// Classifies an evaluation error of the expression `source` written at `place`.
    pub(super) fn from_error(place: &str, source: &str, error: EvalError) -> Unresolved {
        let message = format!("{place}: `${{{source}}}`: {error}");
        if error.is_missing_data() {
            Unresolved::Pending(message)
        } else {
            Unresolved::Failed(message)
        }
    }
}

/// Evaluates one expression.
pub(super) fn eval(
    program: &Program,
    source: &str,
    place: &str,
    vars: &Activation,
    budget: &mut Budget,
) -> Result<Output, Unresolved> {
    program
        .eval(vars, budget)
        .map_err(|e| Unresolved::from_error(place, source, e))
}

/// The template with every slot filled in; fields whose expression omitted itself are removed.
/// Offline (`unknown_placeholders`), a value whose data only exists in a live cluster (a
/// status, an assigned IP) is shown as `<unknown: ${…}>` instead of blocking the object.
pub(super) fn render(
    id: &str,
    template: &Json,
    slots: &[Slot],
    programs: &[Program],
    vars: &Activation,
    budget: &mut Budget,
    unknown_placeholders: bool,
) -> Result<Json, Unresolved> {
    let mut object = template.clone();
    let mut omitted: Vec<&[PathSegment]> = Vec::new();
    for (slot, program) in slots.iter().zip(programs) {
        let place = format!("{id}.{}", render_path(&slot.path));
        let source = slot.cel_source();
        let output = match program.eval(vars, budget) {
            Ok(output) => output,
            Err(error) if unknown_placeholders && error.is_missing_data() => {
                Output::Value(Json::String(format!("<unknown: ${{{source}}}>")))
            }
            Err(error) => return Err(Unresolved::from_error(&place, &source, error)),
        };
        match output {
            Output::Value(value) => set(&mut object, &slot.path, value),
            Output::Omit => omitted.push(&slot.path),
        }
    }
    // Remove the deepest and last-indexed paths first so earlier indices stay valid.
    omitted.sort();
    for path in omitted.into_iter().rev() {
        remove(&mut object, path);
    }
    Ok(object)
}

/// Writes `value` at `path`, creating nothing: slots always point at existing template nodes.
pub(super) fn set(root: &mut Json, path: &[PathSegment], value: Json) {
    let Some(target) = get_mut(root, path) else {
        return;
    };
    *target = value;
}

fn get_mut<'a>(root: &'a mut Json, path: &[PathSegment]) -> Option<&'a mut Json> {
    let mut node = root;
    for segment in path {
        node = match segment {
            PathSegment::Key(key) => node.as_object_mut()?.get_mut(key)?,
            PathSegment::Index(i) => node.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(node)
}

fn remove(root: &mut Json, path: &[PathSegment]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    let Some(parent) = get_mut(root, parent) else {
        return;
    };
    match (last, parent) {
        (PathSegment::Key(key), Json::Object(map)) => {
            map.remove(key);
        }
        (PathSegment::Index(i), Json::Array(items)) if *i < items.len() => {
            items.remove(*i);
        }
        _ => {}
    }
}

/// `metadata.name` and `metadata.namespace` of an object, its identity within a kind.
pub(super) fn identity(object: &Json) -> (String, String) {
    let text = |p: &str| {
        object
            .pointer(p)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (text("/metadata/namespace"), text("/metadata/name"))
}

/// A short rendering of a value for messages (`3`, `"abc"`, `false`), cut when long.
pub(super) fn show(value: &Json) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(k: &str) -> PathSegment {
        PathSegment::Key(k.to_owned())
    }

    #[test]
    fn set_and_remove_follow_paths() {
        let mut object = json!({"spec": {"ports": [{"port": "x"}, {"port": "y"}], "a": 1}});
        set(
            &mut object,
            &[
                key("spec"),
                key("ports"),
                PathSegment::Index(1),
                key("port"),
            ],
            json!(80),
        );
        assert_eq!(object["spec"]["ports"][1]["port"], 80);
        remove(
            &mut object,
            &[key("spec"), key("ports"), PathSegment::Index(0)],
        );
        remove(&mut object, &[key("spec"), key("a")]);
        assert_eq!(object, json!({"spec": {"ports": [{"port": 80}]}}));
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        assert_eq!(show(&json!("abc")), "\"abc\"");
        assert!(show(&json!("x".repeat(200))).ends_with("..."));
    }
}
