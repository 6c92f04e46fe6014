//! The runtime planner: from a compiled RGD, an instance and the objects observed in the
//! cluster, compute what should exist — the desired children in order, what waits and why,
//! readiness, and the instance's status — without touching the cluster.
//!
//! This is the functional core of the controller: the controller only observes and executes
//! plans, and `kubectl kro render` runs the same code offline. Plans are deterministic: the
//! same inputs give the same plan (ordered maps, time passed in).
//!
//! Rules (kro's, SPEC A5):
//! - A resource resolves only when every dependency is resolved and ready; otherwise it is
//!   pending, and independent resources still proceed.
//! - `includeWhen` must all be true; an excluded resource excludes its dependents.
//! - Data an expression reads that is not there yet (no such field, index out of range) makes
//!   the resource pending, not failed.
//! - forEach expands to the cartesian product of its dimensions (first = outer loop).
//! - Ready means: exists, and every `readyWhen` holds (for each item of a collection, via
//!   `each`); an empty collection is ready.

pub mod drift;
mod evaluate;
mod labels;
pub mod redact;
mod resolve;
mod status;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;

use crate::cel::{Activation, Budget, Program};
use crate::compile::Compiled;
use crate::openapi::Builtin;

pub use labels::{
    APPLY_ORDER_ANNOTATION, FIELD_MANAGER, INSTANCE_ID_LABEL, NODE_ID_LABEL, applyset_id,
    child_labels, selector_query,
};
pub use status::InstanceState;

/// Settings of the controller that shape plans.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The controller's version, written to `kro.run/kro-version` labels.
    pub kro_version: String,
    /// Most objects one collection may expand to (`--rgd-max-collection-size`).
    pub max_collection_size: usize,
    /// The time conditions transition at (RFC 3339), passed in so plans are deterministic.
    pub now: String,
    /// Offline rendering: resources count as ready once planned and their readiness is
    /// reported as unknown, so dependents resolve without a cluster.
    pub assume_ready: bool,
    /// CEL cost allowed for the whole plan.
    pub budget: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            kro_version: concat!("v", env!("CARGO_PKG_VERSION")).to_owned(),
            max_collection_size: 1000,
            now: "1970-01-01T00:00:00Z".to_owned(),
            assume_ready: false,
            budget: Budget::default().limit(),
        }
    }
}

/// The objects the controller observed, by resource id: one object for a resource, the items
/// for a collection (forEach, or an external reference by selector). A resource with no
/// entry has not been observed (does not exist yet). A resource whose objects the API server
/// refused carries that error instead, and fails in the plan with it.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    objects: BTreeMap<String, Vec<Json>>,
    errors: BTreeMap<String, String>,
}

impl Observed {
    /// Nothing observed.
    pub fn new() -> Self {
        Observed::default()
    }

    /// Records the live object of a resource.
    pub fn insert(&mut self, id: &str, object: Json) {
        self.objects.insert(id.to_owned(), vec![object]);
    }

    /// Records the live items of a collection (possibly none).
    pub fn insert_items(&mut self, id: &str, items: Vec<Json>) {
        self.objects.insert(id.to_owned(), items);
    }

    /// The observed objects of a resource, if it was observed.
    pub fn get(&self, id: &str) -> Option<&[Json]> {
        self.objects.get(id).map(Vec::as_slice)
    }

    /// Records that the API server refused a resource's objects (the message says why).
    pub fn insert_error(&mut self, id: &str, message: String) {
        self.errors.insert(id.to_owned(), message);
    }

    /// Every observed object.
    pub fn objects(&self) -> impl Iterator<Item = &Json> {
        self.objects.values().flatten()
    }

    /// Why the API server refused a resource's objects, if it did.
    pub fn error(&self, id: &str) -> Option<&str> {
        self.errors.get(id).map(String::as_str)
    }
}

/// Where a resource stands in this plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "phase", rename_all = "camelCase")]
pub enum Phase {
    /// `includeWhen` is false here, or a dependency is excluded: nothing should exist.
    Excluded {
        /// Which condition or dependency excluded it.
        reason: String,
    },
    /// Waiting: a dependency is not ready, or data an expression reads is not there yet.
    Pending {
        /// What it waits for.
        reason: String,
    },
    /// An expression failed or a limit was exceeded; nothing is applied for it.
    Failed {
        /// What went wrong, with the expression.
        error: String,
    },
    /// The desired objects are known (and should be applied).
    Resolved {
        /// Whether they are ready.
        readiness: Readiness,
    },
}

/// Readiness of a resolved resource.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum Readiness {
    /// Exists, and every readyWhen holds.
    Ready,
    /// Not ready yet.
    NotReady {
        /// Which readyWhen failed and the value it saw, or that the object does not exist yet.
        reason: String,
    },
    /// Not known (offline rendering).
    Unknown,
}

/// The plan for one resource.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcePlan {
    /// The resource id.
    pub id: String,
    /// Its apply wave (deletion goes highest wave first).
    pub wave: usize,
    /// Where it stands.
    #[serde(flatten)]
    pub phase: Phase,
    /// The objects to apply, with kro's labels and annotations (empty unless resolved, and
    /// always empty for external references).
    pub desired: Vec<Json>,
    /// For an external reference: the object to read (`apiVersion`, `kind`, `metadata` with
    /// `name` or `selector`, and `namespace`), once its expressions resolve.
    pub external: Option<Json>,
    /// Whether the resource is a collection.
    pub collection: bool,
}

impl ResourcePlan {
    /// Whether it is resolved and ready (or of unknown readiness offline).
    pub fn is_ready(&self) -> bool {
        matches!(
            self.phase,
            Phase::Resolved {
                readiness: Readiness::Ready | Readiness::Unknown
            }
        )
    }
}

/// What should happen for one instance.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Every resource, in topological order.
    pub resources: Vec<ResourcePlan>,
    /// The instance's state.
    pub state: InstanceState,
    /// The instance's whole `status`: user fields that resolved, `state` and `conditions`.
    pub status: Json,
}

impl Plan {
    /// The objects to server-side apply, in topological order.
    pub fn apply(&self) -> impl Iterator<Item = &Json> {
        self.resources.iter().flat_map(|r| r.desired.iter())
    }

    /// Whether children no longer desired may be pruned: only when nothing is pending or
    /// failed, so a transient gap never deletes something still wanted.
    pub fn can_prune(&self) -> bool {
        !self
            .resources
            .iter()
            .any(|r| matches!(r.phase, Phase::Pending { .. } | Phase::Failed { .. }))
    }

    /// The resource plan with this id.
    pub fn resource(&self, id: &str) -> Option<&ResourcePlan> {
        self.resources.iter().find(|r| r.id == id)
    }
}

/// A compiled RGD with its expressions ready to run.
pub struct Runtime {
    compiled: Compiled,
    programs: Vec<ResourcePrograms>,
    status_programs: Vec<Program>,
    condition_programs: Option<Vec<Program>>,
}

struct ResourcePrograms {
    template: Vec<Program>,
    include_when: Vec<Program>,
    ready_when: Vec<Program>,
    for_each: Vec<Program>,
}

impl Runtime {
    /// Binds an object (or a collection's items) of resource `index` as `name`, typed by its
    /// kind's schema when known, as kro binds observed objects: a Secret's `data` values are
    /// bytes, `date-time` fields timestamps, and so on.
    fn bind(&self, vars: &mut Activation, index: usize, name: &str, value: &Json) {
        match &self.compiled.expressions[index].schema {
            Some(schema) => vars.insert_typed(name, value, schema, Some(&Builtin)),
            None => vars.insert(name, value.clone()),
        }
    }

    /// Prepares every expression of a valid compiled RGD; an RGD with errors is refused with
    /// its first error.
    pub fn new(compiled: Compiled) -> Result<Runtime, String> {
        if let Some(error) = compiled
            .diagnostics
            .iter()
            .find(|d| d.severity() == crate::diagnostic::Severity::Error)
        {
            return Err(format!("the RGD has errors: {}", error.message));
        }
        let program =
            |source: &str| Program::new(source).map_err(|e| format!("expression `{source}`: {e}"));
        let mut programs = Vec::new();
        for expressions in &compiled.expressions {
            programs.push(ResourcePrograms {
                template: expressions
                    .template
                    .iter()
                    .map(|s| program(&s.cel_source()))
                    .collect::<Result<_, _>>()?,
                include_when: expressions
                    .include_when
                    .iter()
                    .map(|e| program(&e.text))
                    .collect::<Result<_, _>>()?,
                ready_when: expressions
                    .ready_when
                    .iter()
                    .map(|e| program(&e.text))
                    .collect::<Result<_, _>>()?,
                for_each: expressions
                    .for_each
                    .iter()
                    .map(|d| program(&d.expression.text))
                    .collect::<Result<_, _>>()?,
            });
        }
        let status_programs = compiled
            .status_expressions
            .fields
            .iter()
            .map(|s| program(&s.cel_source()))
            .collect::<Result<_, _>>()?;
        let condition_programs = match &compiled.status_expressions.conditions {
            Some(conditions) => Some(
                conditions
                    .iter()
                    .map(|e| program(&e.text))
                    .collect::<Result<_, _>>()?,
            ),
            None => None,
        };
        Ok(Runtime {
            compiled,
            programs,
            status_programs,
            condition_programs,
        })
    }

    /// The compiled RGD.
    pub fn compiled(&self) -> &Compiled {
        &self.compiled
    }

    /// Plans one instance against what was observed.
    pub fn plan(&self, instance: &Json, observed: &Observed, settings: &Settings) -> Plan {
        let mut budget = Budget::new(settings.budget);
        let (resources, values) =
            resolve::resolve_all(self, instance, observed, settings, &mut budget);
        status::finish(
            self,
            instance,
            observed,
            resources,
            &values,
            settings,
            &mut budget,
        )
    }
}

#[cfg(test)]
mod tests;
