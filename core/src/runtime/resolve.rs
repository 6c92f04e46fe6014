//! Resolving resources in topological order: dependency gating, includeWhen, forEach
//! expansion, template evaluation and readiness.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::evaluate::{self, Unresolved, identity, show};
use super::labels::{child_labels, decorate};
use super::{Observed, Phase, Readiness, ResourcePlan, Runtime, Settings};
use crate::cel::{Activation, Budget, Output};
use crate::rgd::Resource;

/// The values of resolved resources that dependents read: the live objects, or in offline
/// rendering the planned ones.
struct Bound {
    values: Vec<Option<Json>>,
}

/// Resolves every resource; returns the plans in topological order and, by id, the values of
/// resolved resources that status expressions read.
pub(super) fn resolve_all(
    rt: &Runtime,
    instance: &Json,
    observed: &Observed,
    settings: &Settings,
    budget: &mut Budget,
) -> (Vec<ResourcePlan>, Vec<(String, Json)>) {
    let compiled = &rt.compiled;
    let n = compiled.rgd.resources.len();
    let schema = instance_without_status(instance);
    let namespaced_instance = !compiled
        .rgd
        .schema
        .as_ref()
        .is_some_and(|s| s.is_cluster_scoped());
    let mut plans: Vec<Option<ResourcePlan>> = vec![None; n];
    let mut bound = Bound {
        values: vec![None; n],
    };
    for &i in &compiled.graph.order {
        let resource = &compiled.rgd.resources[i];
        let mut cx = Resolver {
            rt,
            i,
            resource,
            instance,
            schema: &schema,
            namespaced_instance,
            observed,
            settings,
            budget: &mut *budget,
        };
        let (plan, value) = cx.resolve(&plans, &bound);
        bound.values[i] = value;
        plans[i] = Some(plan);
    }
    let values = compiled
        .graph
        .order
        .iter()
        .filter_map(|&i| Some((compiled.graph.ids[i].clone(), bound.values[i].take()?)))
        .collect();
    let plans = compiled
        .graph
        .order
        .iter()
        .filter_map(|&i| plans[i].take())
        .collect();
    (plans, values)
}

/// The instance as expressions see it through `schema`: everything but `status`.
pub(super) fn instance_without_status(instance: &Json) -> Json {
    let mut schema = instance.clone();
    if let Some(map) = schema.as_object_mut() {
        map.remove("status");
    }
    schema
}

struct Resolver<'a, 'b> {
    rt: &'a Runtime,
    i: usize,
    resource: &'a Resource,
    instance: &'a Json,
    schema: &'a Json,
    namespaced_instance: bool,
    observed: &'a Observed,
    settings: &'a Settings,
    budget: &'b mut Budget,
}

impl<'a> Resolver<'a, '_> {
    /// The resource id (borrowed from the compiled RGD, not from the resolver).
    fn id(&self) -> &'a str {
        let resource: &'a Resource = self.resource;
        &resource.id.value
    }

    /// The runtime (borrowed for as long as the resolver's inputs).
    fn rt(&self) -> &'a Runtime {
        self.rt
    }

    fn plan(&self, phase: Phase) -> ResourcePlan {
        ResourcePlan {
            id: self.id().to_owned(),
            wave: self.rt.compiled.graph.waves[self.i],
            phase,
            desired: Vec::new(),
            external: None,
            collection: self.resource.is_collection(),
        }
    }

    fn resolve(
        &mut self,
        plans: &[Option<ResourcePlan>],
        bound: &Bound,
    ) -> (ResourcePlan, Option<Json>) {
        if let Some(phase) = self.gate(plans) {
            return (self.plan(phase), None);
        }
        let mut vars = Activation::new();
        vars.insert("schema", self.schema.clone());
        for &d in &self.rt.compiled.graph.dependencies[self.i] {
            if let Some(value) = &bound.values[d] {
                self.rt
                    .bind(&mut vars, d, &self.rt.compiled.graph.ids[d], value);
            }
        }
        if let Err(phase) = self.include(&vars) {
            return (self.plan(phase), None);
        }
        match &self.resource.external_ref {
            Some(_) => self.external(vars),
            None => self.template(vars),
        }
    }

    /// Excluded when a dependency is excluded; pending while a dependency is not ready.
    fn gate(&self, plans: &[Option<ResourcePlan>]) -> Option<Phase> {
        let graph = &self.rt.compiled.graph;
        let dependencies = &graph.dependencies[self.i];
        for &d in dependencies {
            if let Some(Phase::Excluded { .. }) = plans[d].as_ref().map(|p| &p.phase) {
                return Some(Phase::Excluded {
                    reason: format!("it depends on `{}`, which is excluded", graph.ids[d]),
                });
            }
        }
        for &d in dependencies {
            let Some(plan) = plans[d].as_ref() else {
                continue;
            };
            let waiting = match &plan.phase {
                Phase::Pending { reason } => format!("`{}` is pending ({reason})", graph.ids[d]),
                Phase::Failed { .. } => format!("`{}` failed", graph.ids[d]),
                Phase::Resolved {
                    readiness: Readiness::NotReady { reason },
                } => format!("`{}` is not ready ({reason})", graph.ids[d]),
                _ => continue,
            };
            return Some(Phase::Pending {
                reason: format!("waiting for its dependency: {waiting}"),
            });
        }
        None
    }

    fn include(&mut self, vars: &Activation) -> Result<(), Phase> {
        let rt = self.rt();
        let expressions = &rt.compiled.expressions[self.i].include_when;
        let programs = &rt.programs[self.i].include_when;
        for (expression, program) in expressions.iter().zip(programs) {
            let place = format!("{} includeWhen", self.id());
            match evaluate::eval(program, &expression.text, &place, vars, self.budget) {
                Ok(Output::Value(Json::Bool(true))) => {}
                Ok(Output::Value(Json::Bool(false)))
                | Ok(Output::Omit)
                | Ok(Output::Value(Json::Null)) => {
                    return Err(Phase::Excluded {
                        reason: format!("includeWhen `${{{}}}` is false", expression.text),
                    });
                }
                Ok(Output::Value(other)) => {
                    return Err(Phase::Failed {
                        error: format!(
                            "includeWhen `${{{}}}` returned {}, not a boolean",
                            expression.text,
                            show(&other)
                        ),
                    });
                }
                Err(unresolved) => return Err(phase_of(unresolved)),
            }
        }
        Ok(())
    }

    /// Computes the objects of a template (one, or one per forEach combination).
    fn template(&mut self, vars: Activation) -> (ResourcePlan, Option<Json>) {
        let combinations = match self.combinations(&vars) {
            Ok(c) => c,
            Err(phase) => return (self.plan(phase), None),
        };
        let template = self
            .resource
            .template
            .as_ref()
            .map_or(Json::Null, |t| t.to_json());
        let labels = child_labels(
            self.instance,
            self.namespaced_instance,
            self.id(),
            &self.settings.kro_version,
        );
        let wave = self.rt.compiled.graph.waves[self.i];
        let collection = self.resource.is_collection();
        let size = combinations.len();
        let mut desired = Vec::with_capacity(size);
        let mut seen = BTreeSet::new();
        for (index, iterators) in combinations.into_iter().enumerate() {
            let mut item_vars = vars.clone();
            for (name, value) in iterators {
                item_vars.insert(&name, value);
            }
            let rt = self.rt();
            let rendered = evaluate::render(
                self.id(),
                &template,
                &rt.compiled.expressions[self.i].template,
                &rt.programs[self.i].template,
                &item_vars,
                self.budget,
                self.settings.assume_ready,
            );
            let mut object = match rendered {
                Ok(object) => object,
                Err(unresolved) => return (self.plan(phase_of(unresolved)), None),
            };
            self.default_namespace(&mut object);
            decorate(
                &mut object,
                &labels,
                wave,
                collection.then_some((index, size)),
            );
            let key = identity(&object);
            if !seen.insert(key.clone()) {
                return (
                    self.plan(Phase::Failed {
                        error: format!(
                            "two items of `{}` are both named {}{}; every forEach iterator must appear in the name",
                            self.id(),
                            if key.0.is_empty() { String::new() } else { format!("{}/", key.0) },
                            key.1
                        ),
                    }),
                    None,
                );
            }
            desired.push(object);
        }
        if let Some(error) = self.observed.error(self.id()) {
            return (
                self.plan(Phase::Failed {
                    error: format!("the API server refused it: {error}"),
                }),
                None,
            );
        }
        let (readiness, value) = self.readiness(&desired);
        let mut plan = self.plan(Phase::Resolved { readiness });
        plan.desired = desired;
        (plan, value)
    }

    /// The forEach iterator bindings, outer dimension first; one empty binding when the
    /// resource is not a collection.
    fn combinations(&mut self, vars: &Activation) -> Result<Vec<Vec<(String, Json)>>, Phase> {
        let rt = self.rt();
        let dimensions = &rt.compiled.expressions[self.i].for_each;
        let programs = &rt.programs[self.i].for_each;
        let mut combinations: Vec<Vec<(String, Json)>> = vec![Vec::new()];
        for (dimension, program) in dimensions.iter().zip(programs) {
            let place = format!("{} forEach `{}`", self.id(), dimension.name);
            let items = match evaluate::eval(
                program,
                &dimension.expression.text,
                &place,
                vars,
                self.budget,
            )
            .map_err(phase_of)?
            {
                Output::Value(Json::Array(items)) => items,
                Output::Value(Json::Null) | Output::Omit => Vec::new(),
                Output::Value(other) => {
                    return Err(Phase::Failed {
                        error: format!("{place} returned {}, not a list", show(&other)),
                    });
                }
            };
            let total = combinations.len().saturating_mul(items.len());
            if total > self.settings.max_collection_size {
                return Err(Phase::Failed {
                    error: format!(
                        "`{}` would expand to {total} objects; at most {} are allowed (--rgd-max-collection-size)",
                        self.id(),
                        self.settings.max_collection_size
                    ),
                });
            }
            let mut next = Vec::with_capacity(total);
            for combination in &combinations {
                for item in &items {
                    let mut extended = combination.clone();
                    extended.push((dimension.name.clone(), item.clone()));
                    next.push(extended);
                }
            }
            combinations = next;
        }
        Ok(combinations)
    }

    /// Namespaced children of a namespaced instance default to the instance's namespace.
    fn default_namespace(&self, object: &mut Json) {
        let namespaced_kind = self.rt.compiled.expressions[self.i].namespaced != Some(false);
        if !namespaced_kind || !self.namespaced_instance {
            return;
        }
        let Some(namespace) = self.instance.pointer("/metadata/namespace").cloned() else {
            return;
        };
        if let Some(metadata) = object.get_mut("metadata").and_then(Json::as_object_mut)
            && metadata
                .get("namespace")
                .is_none_or(|n| n.as_str().is_none_or(str::is_empty))
        {
            metadata.insert("namespace".to_owned(), namespace);
        }
    }

    /// Readiness of planned objects, and the value dependents read.
    fn readiness(&mut self, desired: &[Json]) -> (Readiness, Option<Json>) {
        let collection = self.resource.is_collection();
        if self.settings.assume_ready {
            let value = if collection {
                Json::Array(desired.to_vec())
            } else {
                desired.first().cloned().unwrap_or(Json::Null)
            };
            return (Readiness::Unknown, Some(value));
        }
        let live = self.observed.get(self.id()).unwrap_or_default();
        if collection {
            let mut items = Vec::with_capacity(desired.len());
            for want in desired {
                match live.iter().find(|o| identity(o) == identity(want)) {
                    Some(object) => items.push(object.clone()),
                    None => {
                        let (ns, name) = identity(want);
                        return (
                            Readiness::NotReady {
                                reason: format!(
                                    "{} of {} items exist; waiting for {}{name}",
                                    items.len(),
                                    desired.len(),
                                    if ns.is_empty() {
                                        String::new()
                                    } else {
                                        format!("{ns}/")
                                    }
                                ),
                            },
                            None,
                        );
                    }
                }
            }
            for item in &items {
                if let Some(reason) = self.ready_when(item, "each") {
                    let (_, name) = identity(item);
                    return (
                        Readiness::NotReady {
                            reason: format!("item {name}: {reason}"),
                        },
                        None,
                    );
                }
            }
            return (Readiness::Ready, Some(Json::Array(items)));
        }
        let Some(object) = live.first() else {
            return (
                Readiness::NotReady {
                    reason: "it does not exist yet".to_owned(),
                },
                None,
            );
        };
        match self.ready_when(object, self.id()) {
            Some(reason) => (Readiness::NotReady { reason }, None),
            None => (Readiness::Ready, Some(object.clone())),
        }
    }

    /// Why `object` is not ready per readyWhen, or `None` when every condition holds.
    fn ready_when(&mut self, object: &Json, name: &str) -> Option<String> {
        let rt = self.rt();
        let expressions = &rt.compiled.expressions[self.i].ready_when;
        let programs = &rt.programs[self.i].ready_when;
        let mut vars = Activation::new();
        rt.bind(&mut vars, self.i, name, object);
        for (expression, program) in expressions.iter().zip(programs) {
            let seen = || values_seen(&expression.text, name, object);
            match program.eval(&vars, self.budget) {
                Ok(Output::Value(Json::Bool(true))) => {}
                Ok(Output::Value(value)) => {
                    let shown = match value {
                        Json::Bool(_) | Json::Null => show(&value),
                        _ if is_secret(object) => "a value read from a Secret".to_owned(),
                        _ => show(&value),
                    };
                    return Some(format!(
                        "readyWhen `${{{}}}` is {shown}{}",
                        expression.text,
                        seen()
                    ));
                }
                Ok(Output::Omit) => {
                    return Some(format!(
                        "readyWhen `${{{}}}` has no value{}",
                        expression.text,
                        seen()
                    ));
                }
                Err(error) => {
                    return Some(format!(
                        "readyWhen `${{{}}}`: {error}{}",
                        expression.text,
                        seen()
                    ));
                }
            }
        }
        None
    }

    /// An external reference: resolve what to read, then wait for it to exist.
    fn external(&mut self, vars: Activation) -> (ResourcePlan, Option<Json>) {
        let resource: &'a Resource = self.resource;
        let Some(external) = &resource.external_ref else {
            return (
                self.plan(Phase::Failed {
                    error: "no externalRef".to_owned(),
                }),
                None,
            );
        };
        let rt = self.rt();
        let rendered = evaluate::render(
            self.id(),
            &external.node.to_json(),
            &rt.compiled.expressions[self.i].template,
            &rt.programs[self.i].template,
            &vars,
            self.budget,
            self.settings.assume_ready,
        );
        let mut reference = match rendered {
            Ok(reference) => reference,
            Err(unresolved) => return (self.plan(phase_of(unresolved)), None),
        };
        let selector = external.selector.is_some();
        if !selector {
            self.default_namespace(&mut reference);
        }
        if let Some(error) = self.observed.error(self.id()) {
            return (
                self.plan(Phase::Failed {
                    error: format!("reading it failed: {error}"),
                }),
                None,
            );
        }
        let live = self.observed.get(self.id());
        let mut plan;
        let value;
        match live {
            Some(items) if selector => {
                value = Some(Json::Array(items.to_vec()));
                let mut ready = Readiness::Ready;
                for item in items {
                    if let Some(reason) = self.ready_when(item, "each") {
                        ready = Readiness::NotReady { reason };
                        break;
                    }
                }
                plan = self.plan(Phase::Resolved { readiness: ready });
            }
            Some([object, ..]) => {
                let readiness = match self.ready_when(object, self.id()) {
                    Some(reason) => Readiness::NotReady { reason },
                    None => Readiness::Ready,
                };
                value = matches!(readiness, Readiness::Ready).then(|| object.clone());
                plan = self.plan(Phase::Resolved { readiness });
            }
            _ if self.settings.assume_ready => {
                value = Some(if selector {
                    Json::Array(Vec::new())
                } else {
                    reference.clone()
                });
                plan = self.plan(Phase::Resolved {
                    readiness: Readiness::Unknown,
                });
            }
            _ => {
                value = None;
                let kind = reference
                    .get("kind")
                    .and_then(Json::as_str)
                    .unwrap_or("object");
                let (ns, name) = identity(&reference);
                plan = self.plan(Phase::Pending {
                    reason: format!(
                        "waiting for the external {kind} {}{name} to exist",
                        if ns.is_empty() {
                            String::new()
                        } else {
                            format!("{ns}/")
                        }
                    ),
                });
            }
        }
        plan.external = Some(reference);
        (plan, value)
    }
}

fn phase_of(unresolved: Unresolved) -> Phase {
    match unresolved {
        Unresolved::Pending(reason) => Phase::Pending { reason },
        Unresolved::Failed(error) => Phase::Failed { error },
    }
}

/// Whether an object is a Secret (its `data` and `stringData` are never shown).
pub(super) fn is_secret(object: &Json) -> bool {
    object.get("kind").and_then(Json::as_str) == Some("Secret")
        && object.get("apiVersion").and_then(Json::as_str) == Some("v1")
}

/// The values of the `name.a.b` paths a readyWhen expression reads, as ` (name.a.b = 1, …)`,
/// so a user sees why a condition is false.
fn values_seen(expression: &str, name: &str, object: &Json) -> String {
    let mut seen = Vec::new();
    let bytes = expression.as_bytes();
    let mut start = 0;
    while let Some(found) = expression[start..].find(name) {
        let at = start + found;
        start = at + name.len();
        let before_ok = at == 0
            || !(bytes[at - 1].is_ascii_alphanumeric()
                || bytes[at - 1] == b'_'
                || bytes[at - 1] == b'.');
        if !before_ok {
            continue;
        }
        let mut end = at + name.len();
        let mut path = Vec::new();
        while end < bytes.len() && bytes[end] == b'.' {
            // `a.b` or the optional select `a.?b`.
            let field_start = end
                + if bytes.get(end + 1) == Some(&b'?') {
                    2
                } else {
                    1
                };
            let mut field_end = field_start;
            while field_end < bytes.len()
                && (bytes[field_end].is_ascii_alphanumeric() || bytes[field_end] == b'_')
            {
                field_end += 1;
            }
            if field_end == field_start || bytes.get(field_end) == Some(&b'(') {
                break;
            }
            path.push(&expression[field_start..field_end]);
            end = field_end;
        }
        if path.is_empty() {
            continue;
        }
        let pointer: String = path.iter().map(|p| format!("/{p}")).collect();
        let value = object.pointer(&pointer);
        // A Secret's values never reach a status message (or the logs and events that
        // repeat it): that they are there is all it says.
        let secret = is_secret(object) && matches!(path[0], "data" | "stringData");
        let shown = match value {
            None => "<absent>".to_owned(),
            Some(_) if secret => "<secret value>".to_owned(),
            Some(value) => show(value),
        };
        let text = format!("{name}.{} = {shown}", path.join("."));
        if !seen.contains(&text) {
            seen.push(text);
        }
    }
    if seen.is_empty() {
        String::new()
    } else {
        format!(" ({})", seen.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::values_seen;
    use serde_json::json;

    #[test]
    fn ready_when_messages_never_show_secret_values() {
        let secret = json!({"apiVersion": "v1", "kind": "Secret",
                            "metadata": {"name": "db"}, "data": {"password": "aHVudGVyMg=="}});
        let seen = values_seen(
            "creds.data.password == 'x' && creds.metadata.name == 'db'",
            "creds",
            &secret,
        );
        assert_eq!(
            seen,
            " (creds.data.password = <secret value>, creds.metadata.name = \"db\")"
        );
        assert_eq!(
            values_seen("creds.data.missing == 'x'", "creds", &secret),
            " (creds.data.missing = <absent>)"
        );
    }

    #[test]
    fn ready_when_messages_show_the_values_read() {
        let object = json!({"status": {"availableReplicas": 1}, "spec": {"replicas": 3}});
        assert_eq!(
            values_seen(
                "deployment.status.availableReplicas == deployment.spec.replicas",
                "deployment",
                &object
            ),
            " (deployment.status.availableReplicas = 1, deployment.spec.replicas = 3)"
        );
        assert_eq!(
            values_seen(
                "deployment.status.?readyReplicas.orValue(0) > 0",
                "deployment",
                &object
            ),
            " (deployment.status.readyReplicas = <absent>)"
        );
        assert_eq!(values_seen("size(x) > 0", "deployment", &object), "");
    }
}
