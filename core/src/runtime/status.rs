//! The instance's status: the user's fields projected from the resources, the state, and
//! conditions that say what is blocking (never "in progress" without a reason).

use serde::Serialize;
use serde_json::{Map, Value as Json, json};

use super::resolve::instance_without_status;
use super::{Observed, Phase, Plan, Readiness, ResourcePlan, Runtime, Settings};
use crate::cel::{Activation, Budget, Output};
use crate::syntax::PathSegment;

/// The instance's `status.state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InstanceState {
    /// Every resource is ready (or excluded).
    Active,
    /// Something is pending or not ready yet.
    InProgress,
    /// A resource failed.
    Error,
    /// The instance is being deleted.
    Deleting,
}

impl InstanceState {
    /// The wire value (`ACTIVE`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceState::Active => "ACTIVE",
            InstanceState::InProgress => "IN_PROGRESS",
            InstanceState::Error => "ERROR",
            InstanceState::Deleting => "DELETING",
        }
    }
}

pub(super) fn finish(
    rt: &Runtime,
    instance: &Json,
    observed: &Observed,
    resources: Vec<ResourcePlan>,
    values: &[(String, Json)],
    settings: &Settings,
    budget: &mut Budget,
) -> Plan {
    let mut vars = Activation::new();
    vars.insert("schema", instance_without_status(instance));
    // Status reads what exists, ready or not: the values dependents were given, and else the
    // live objects.
    for (index, resource) in rt.compiled.rgd.resources.iter().enumerate() {
        let id = resource.id.value.as_str();
        if let Some((_, value)) = values.iter().find(|(bound, _)| bound == id) {
            rt.bind(&mut vars, index, id, value);
        } else if let Some(live) = observed.get(id) {
            let value = if resource.is_collection() {
                Json::Array(live.to_vec())
            } else {
                match live.first() {
                    Some(object) => object.clone(),
                    None => continue,
                }
            };
            rt.bind(&mut vars, index, id, &value);
        }
    }
    let mut status = Map::new();
    for (slot, program) in rt
        .compiled
        .status_expressions
        .fields
        .iter()
        .zip(&rt.status_programs)
    {
        // A field whose data is missing (or whose expression fails) is left out this time.
        if let Ok(Output::Value(value)) = program.eval(&vars, budget) {
            insert(&mut status, &slot.path, value);
        }
    }

    let failed: Vec<&ResourcePlan> = resources
        .iter()
        .filter(|r| matches!(r.phase, Phase::Failed { .. }))
        .collect();
    let blocking: Vec<&ResourcePlan> = resources
        .iter()
        .filter(|r| match &r.phase {
            Phase::Pending { .. } | Phase::Failed { .. } => true,
            Phase::Resolved { readiness } => matches!(readiness, Readiness::NotReady { .. }),
            Phase::Excluded { .. } => false,
        })
        .collect();
    let state = if !failed.is_empty() {
        InstanceState::Error
    } else if blocking.is_empty() {
        InstanceState::Active
    } else {
        InstanceState::InProgress
    };

    let generation = instance.pointer("/metadata/generation").cloned();
    let previous = instance
        .pointer("/status/conditions")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let condition = |type_: &str, ok: bool, reason: &str, message: String| {
        let status = if ok { "True" } else { "False" };
        let since = previous
            .iter()
            .find(|c| c["type"] == type_ && c["status"] == status)
            .and_then(|c| c.get("lastTransitionTime").cloned())
            .unwrap_or_else(|| json!(settings.now));
        let mut c = json!({
            "type": type_,
            "status": status,
            "reason": reason,
            "message": message,
            "lastTransitionTime": since,
        });
        if let Some(generation) = &generation {
            c["observedGeneration"] = generation.clone();
        }
        c
    };

    let graph_resolved = match failed.as_slice() {
        [] => condition(
            "GraphResolved",
            true,
            "Resolved",
            "runtime graph created and all resources resolved".to_owned(),
        ),
        failed => condition(
            "GraphResolved",
            false,
            "ResolutionFailed",
            failed
                .iter()
                .map(|r| describe(r))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    };
    let resources_ready = if blocking.is_empty() {
        condition(
            "ResourcesReady",
            true,
            "AllResourcesReady",
            "all resources are created and ready".to_owned(),
        )
    } else {
        condition(
            "ResourcesReady",
            false,
            "NotReady",
            format!(
                "{} of {} resources not ready: {}",
                blocking.len(),
                resources.len(),
                blocking
                    .iter()
                    .map(|r| describe(r))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )
    };
    let managed = condition(
        "InstanceManaged",
        true,
        "Managed",
        "instance is properly managed with finalizers and labels".to_owned(),
    );
    let parts = [managed, graph_resolved, resources_ready];
    let worst = parts.iter().find(|c| c["status"] != "True");
    let ready = match worst {
        None => condition("Ready", true, "Ready", "all conditions are true".to_owned()),
        Some(c) => condition(
            "Ready",
            false,
            c["reason"].as_str().unwrap_or_default(),
            c["message"].as_str().unwrap_or_default().to_owned(),
        ),
    };
    let mut conditions: Vec<Json> = parts.into_iter().collect();
    conditions.push(ready);

    if let Some(programs) = &rt.condition_programs {
        // The RGD's own conditions replace the built-in ones on the wire.
        conditions = programs
            .iter()
            .filter_map(|p| match p.eval(&vars, budget) {
                Ok(Output::Value(value)) if value.is_object() => Some(value),
                _ => None,
            })
            .collect();
    }

    status.insert("state".to_owned(), json!(state.as_str()));
    status.insert("conditions".to_owned(), Json::Array(conditions));
    Plan {
        resources,
        state,
        status: Json::Object(status),
    }
}

/// `id: why` for a resource that blocks the instance.
fn describe(r: &ResourcePlan) -> String {
    match &r.phase {
        Phase::Pending { reason } => format!("{}: {reason}", r.id),
        Phase::Failed { error } => format!("{}: {error}", r.id),
        Phase::Resolved {
            readiness: Readiness::NotReady { reason },
        } => format!("{}: {reason}", r.id),
        Phase::Excluded { reason } => format!("{}: excluded ({reason})", r.id),
        Phase::Resolved { .. } => format!("{}: ready", r.id),
    }
}

/// Writes `value` at `path` under `status`, creating the objects on the way.
fn insert(status: &mut Map<String, Json>, path: &[PathSegment], value: Json) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = status;
    for segment in parents {
        let PathSegment::Key(key) = segment else {
            return;
        };
        let entry = node
            .entry(key.clone())
            .or_insert_with(|| Json::Object(Map::new()));
        let Some(map) = entry.as_object_mut() else {
            return;
        };
        node = map;
    }
    if let PathSegment::Key(key) = last {
        node.insert(key.clone(), value);
    }
}
