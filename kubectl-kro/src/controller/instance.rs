//! The instance controller of one served kind: observe children, ask core's planner what
//! should exist, server-side apply it in plan order, prune what is no longer desired, write
//! the status the plan computed (SPEC A5).
//!
//! Children are watched (metadata only, by kro's labels) and mapped back to their instance,
//! so a deleted child is recreated and an edited one reverted within seconds (SPEC B2.1).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use kro_core::compile::Compiled;
use kro_core::runtime::{
    APPLY_ORDER_ANNOTATION, FIELD_MANAGER, INSTANCE_ID_LABEL, InstanceState, Observed, Phase, Plan,
    Runtime, Settings as PlanSettings, applyset_id, drift, redact, selector_query,
};
use kro_core::schema::Scope;
use kro_core::schema::crd::{KRO_VERSION_LABEL, OWNED_LABEL, RGD_ID_LABEL, RGD_NAME_LABEL};
use kube::api::{
    ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, Preconditions,
};
use kube::runtime::controller::{Action, Config as ControllerConfig};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::{Controller, watcher};
use kube::{Api, ResourceExt};
use serde_json::{Value as Json, json};
use tracing::Instrument;

use super::conditions::{merge_diff, now};
use super::context::Discovered;
use super::error::Error;
use super::externals::{ExternalIndex, ExternalKey};
use super::{Context, FINALIZER, KRO_VERSION};

/// `kro.run/reconcile: suspended` pauses an instance.
const RECONCILE_ANNOTATION: &str = "kro.run/reconcile";
const APPLYSET_ID: &str = "applyset.kubernetes.io/id";
const APPLYSET_TOOLING: &str = "applyset.kubernetes.io/tooling";
const APPLYSET_GROUP_KINDS: &str = "applyset.kubernetes.io/contains-group-kinds";
const APPLYSET_NAMESPACES: &str = "applyset.kubernetes.io/additional-namespaces";

/// A served kind: its CRD's resource and the last graph that compiled.
pub struct Kind {
    /// The RGD's name.
    pub rgd_name: String,
    /// The RGD's uid.
    pub rgd_uid: String,
    /// The CRD's name.
    pub crd_name: String,
    /// The instances' resource.
    pub resource: ApiResource,
    /// Whether instances live in namespaces.
    pub namespaced: bool,
    /// The planner, with every expression prepared.
    pub runtime: Runtime,
    /// `(apiVersion, kind)` of every template and external reference with literal ones.
    pub child_kinds: BTreeSet<(String, String)>,
    /// Kinds of templates only (what instances own).
    pub owned_kinds: BTreeSet<(String, String)>,
    /// Kinds of external references (watched, never written).
    pub external_kinds: BTreeSet<(String, String)>,
    expressions: u64,
    /// Set when the RGD is deleted: only instance deletions are still handled.
    retired: AtomicBool,
}

impl Kind {
    /// Prepares a compiled RGD for serving.
    ///
    /// # Errors
    ///
    /// The planner's message when an expression cannot be prepared.
    pub async fn new(
        rgd: &DynamicObject,
        compiled: Compiled,
        resource: ApiResource,
        _ctx: &Context,
    ) -> Result<Kind, String> {
        let mut child_kinds = BTreeSet::new();
        let mut owned_kinds = BTreeSet::new();
        let mut external_kinds = BTreeSet::new();
        for r in &compiled.rgd.resources {
            if let (Some(v), Some(k)) = (r.api_version(), r.kind())
                && !v.value.contains("${")
                && !k.value.contains("${")
            {
                child_kinds.insert((v.value.clone(), k.value.clone()));
                if r.template.is_some() {
                    owned_kinds.insert((v.value, k.value));
                } else {
                    external_kinds.insert((v.value, k.value));
                }
            }
        }
        let expressions = compiled
            .expressions
            .iter()
            .map(|e| {
                e.template.len() + e.include_when.len() + e.ready_when.len() + e.for_each.len()
            })
            .sum::<usize>()
            + compiled.status_expressions.fields.len();
        let namespaced = compiled.crd_spec.scope == Scope::Namespaced;
        let crd_name = compiled.crd_spec.crd_name();
        let runtime = Runtime::new(compiled)?;
        Ok(Kind {
            rgd_name: rgd.name_any(),
            rgd_uid: rgd.uid().unwrap_or_default(),
            crd_name,
            resource,
            namespaced,
            runtime,
            child_kinds,
            owned_kinds,
            external_kinds,
            expressions: expressions as u64,
            retired: AtomicBool::new(false),
        })
    }

    /// Stops reconciling instances, except their deletion (the RGD was deleted).
    pub fn retire(&self) {
        self.retired.store(true, Ordering::Relaxed);
    }

    fn gvk(&self) -> String {
        format!("{}/{}", self.resource.api_version, self.resource.kind)
    }
}

struct KindContext {
    ctx: Arc<Context>,
    kind: Arc<Kind>,
    failures: Mutex<HashMap<String, u32>>,
    /// The desired identities last pruned against, by instance uid: prune only when they change.
    pruned: Mutex<HashMap<String, BTreeSet<Identity>>>,
    /// A hash of the object last applied, by instance uid and child: a child whose desired
    /// object is unchanged and still held by the live one is not applied again.
    applied: Mutex<HashMap<(String, Identity), u64>>,
    /// Which instances read which external objects.
    externals: Arc<ExternalIndex>,
    /// The instances reconciled, by uid: child events find their owner by uid label too.
    owners: Arc<Mutex<HashMap<String, ObjectRef<DynamicObject>>>>,
}

/// `(group/kind, namespace, name)` of a child.
type Identity = (String, String, String);

/// Reconciles instances of `kind` until `stop` resolves.
pub async fn run(
    ctx: Arc<Context>,
    kind: Arc<Kind>,
    stop: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let api: Api<DynamicObject> = Api::all_with(ctx.client.clone(), &kind.resource);
    let kc = Arc::new(KindContext {
        ctx: ctx.clone(),
        kind: kind.clone(),
        failures: Mutex::new(HashMap::new()),
        pruned: Mutex::new(HashMap::new()),
        applied: Mutex::new(HashMap::new()),
        externals: Arc::new(ExternalIndex::default()),
        owners: Arc::new(Mutex::new(HashMap::new())),
    });
    let mut controller =
        Controller::new_with(api, watcher::Config::default(), kind.resource.clone())
            .with_config(ControllerConfig::default().concurrency(ctx.settings.concurrency));
    // Children's events (metadata only, by kro's labels; one watch per child kind shared by
    // every served kind) map back to their instance, so a deleted or edited child is repaired
    // within seconds.
    for found in child_resources(&ctx, &kind).await {
        let subscription =
            ctx.watches
                .subscribe(&ctx.client, &found.resource, &format!("{OWNED_LABEL}=true"));
        let instance = kind.resource.clone();
        let owners = kc.owners.clone();
        let triggers = subscription.into_stream().flat_map(move |child| {
            let labels = child.labels();
            let mine = labels.get("kro.run/instance-kind") == Some(&instance.kind)
                && labels.get("kro.run/instance-group") == Some(&instance.group);
            let by_name = labels
                .get("kro.run/instance-name")
                .filter(|_| mine)
                .map(|name| {
                    let reference = ObjectRef::new_with(name, instance.clone());
                    match labels.get("kro.run/instance-namespace") {
                        Some(ns) => reference.within(ns),
                        None => reference,
                    }
                });
            // By uid too: a child whose name, kind or group label someone edited still wakes
            // the instance that owns it (which then puts the labels back).
            let by_uid = labels.get(INSTANCE_ID_LABEL).and_then(|uid| {
                owners
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(uid)
                    .cloned()
            });
            let mut references: Vec<_> = by_name.into_iter().chain(by_uid).collect();
            references.dedup();
            futures::stream::iter(references)
        });
        controller = controller.reconcile_on(triggers);
    }
    // External references are watched too (all objects of their kinds, metadata only): an
    // event wakes the instances that read that object, so one created later is picked up.
    for (api_version, external) in &kind.external_kinds {
        let found = match ctx.discover(api_version, external).await {
            Ok(found) => found,
            Err(error) => {
                tracing::warn!(%error, "not watching external references of this kind");
                continue;
            }
        };
        let subscription = ctx.watches.subscribe(&ctx.client, &found.resource, "");
        let index = kc.externals.clone();
        let group_kind = group_kind(api_version, external);
        let triggers = subscription.into_stream().flat_map(move |object| {
            let (name, namespace) = (object.name_any(), object.namespace().unwrap_or_default());
            futures::stream::iter(index.readers_of(&group_kind, &namespace, &name))
        });
        controller = controller.reconcile_on(triggers);
    }
    controller
        .graceful_shutdown_on(stop)
        .run(reconcile, error_policy, kc)
        .for_each(|_| async {})
        .await;
    tracing::info!(kind = %kind.resource.kind, "stopped serving instances");
}

/// The resources of the kinds instances own.
async fn child_resources(ctx: &Context, kind: &Kind) -> Vec<Discovered> {
    let mut found = Vec::new();
    for (api_version, child) in &kind.owned_kinds {
        match ctx.discover(api_version, child).await {
            Ok(resource) => found.push(resource),
            Err(error) => tracing::warn!(%error, "not watching children of this kind"),
        }
    }
    found
}

fn error_policy(instance: Arc<DynamicObject>, error: &Error, kc: Arc<KindContext>) -> Action {
    let key = instance.uid().unwrap_or_else(|| instance.name_any());
    let failures = {
        let mut map = kc.failures.lock().expect("failures lock");
        let count = map.entry(key).or_insert(0);
        *count += 1;
        *count
    };
    let delay = Duration::from_millis(500u64.saturating_mul(1 << failures.min(10)))
        .min(Duration::from_secs(300));
    tracing::warn!(
        kind = %kc.kind.resource.kind,
        namespace = instance.namespace().unwrap_or_default(),
        name = %instance.name_any(),
        %error,
        retry_in = ?delay,
        "instance reconcile failed"
    );
    Action::requeue(delay)
}

async fn reconcile(instance: Arc<DynamicObject>, kc: Arc<KindContext>) -> Result<Action, Error> {
    let gvk = vec![("gvk", kc.kind.gvk())];
    let metrics = &kc.ctx.metrics;
    metrics.instance_reconcile.get_or_create(&gvk).inc();
    let queue = metrics.queue_length.get_or_create(&gvk).clone();
    queue.inc();
    let started = Instant::now();
    let span = tracing::info_span!(
        "instance",
        kind = %kc.kind.resource.kind,
        namespace = instance.namespace().unwrap_or_default(),
        name = %instance.name_any(),
    );
    let result = reconcile_instance(&instance, &kc).instrument(span).await;
    queue.dec();
    metrics
        .instance_reconcile_duration
        .get_or_create(&gvk)
        .observe(started.elapsed().as_secs_f64());
    match &result {
        Ok(_) => {
            let key = instance.uid().unwrap_or_else(|| instance.name_any());
            kc.failures.lock().expect("failures lock").remove(&key);
        }
        Err(error) => {
            metrics
                .instance_reconcile_errors
                .get_or_create(&vec![
                    ("gvk", kc.kind.gvk()),
                    ("error", error.kind().to_owned()),
                ])
                .inc();
        }
    }
    result
}

fn instance_ref(kc: &KindContext, instance: &DynamicObject) -> ObjectRef<DynamicObject> {
    let reference = ObjectRef::new_with(&instance.name_any(), kc.kind.resource.clone());
    match instance.namespace() {
        Some(ns) if kc.kind.namespaced => reference.within(&ns),
        _ => reference,
    }
}

fn instance_api(kc: &KindContext, instance: &DynamicObject) -> Api<DynamicObject> {
    match instance.namespace() {
        Some(ns) if kc.kind.namespaced => {
            Api::namespaced_with(kc.ctx.client.clone(), &ns, &kc.kind.resource)
        }
        _ => Api::all_with(kc.ctx.client.clone(), &kc.kind.resource),
    }
}

async fn reconcile_instance(instance: &DynamicObject, kc: &KindContext) -> Result<Action, Error> {
    let name = instance.name_any();
    let uid = instance
        .uid()
        .ok_or_else(|| Error::Malformed(format!("instance {name} has no uid")))?;
    if instance.metadata.deletion_timestamp.is_some() {
        return delete(instance, &uid, kc).await;
    }
    if kc.kind.retired.load(Ordering::Relaxed) {
        tracing::debug!("the RGD is deleted: only deletion is handled");
        return Ok(Action::await_change());
    }
    if instance
        .annotations()
        .get(RECONCILE_ANNOTATION)
        .map(String::as_str)
        == Some("suspended")
    {
        tracing::debug!("suspended");
        return Ok(Action::await_change());
    }
    let instance = ensure_metadata(instance, kc).await?;
    let instance_json = serde_json::to_value(&instance)?;
    let namespace = instance.namespace().unwrap_or_default();

    let Converged {
        plan,
        applied,
        errors: apply_errors,
        external_reads,
    } = converge(kc, &uid, &instance_json, &namespace).await;
    kc.externals
        .record(instance_ref(kc, &instance), external_reads);
    kc.owners
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(uid.clone(), instance_ref(kc, &instance));
    // Children in other namespaces join the ApplySet's additional namespaces.
    let others: BTreeSet<&str> = applied
        .keys()
        .map(|(_, ns, _)| ns.as_str())
        .filter(|ns| !ns.is_empty() && *ns != namespace)
        .collect();
    if !others.is_empty() {
        let current = instance
            .annotations()
            .get(APPLYSET_NAMESPACES)
            .cloned()
            .unwrap_or_default();
        let mut all: BTreeSet<&str> = current.split(',').filter(|s| !s.is_empty()).collect();
        let before = all.len();
        all.extend(others);
        if all.len() != before {
            let joined = all.into_iter().collect::<Vec<_>>().join(",");
            instance_api(kc, &instance)
                .patch(
                    &instance.name_any(),
                    &PatchParams::default(),
                    &Patch::Merge(
                        json!({"metadata": {"annotations": {APPLYSET_NAMESPACES: joined}}}),
                    ),
                )
                .await
                .map_err(Error::api("annotating the instance"))?;
        }
    }

    if plan.can_prune() {
        let desired: BTreeSet<Identity> = applied.keys().cloned().collect();
        let uid = instance.uid().unwrap_or_default();
        let unchanged = kc.pruned.lock().expect("pruned lock").get(&uid) == Some(&desired);
        if !unchanged {
            prune(kc, &instance, &uid, &desired).await?;
            kc.pruned.lock().expect("pruned lock").insert(uid, desired);
        }
    }

    write_status(kc, &instance, plan.status.clone()).await?;
    // Retried with backoff; the status already says what failed.
    if let Some(message) = apply_errors.into_iter().next() {
        return Err(Error::Child(message));
    }
    Ok(if plan.state == InstanceState::Active {
        Action::requeue(kc.ctx.settings.instance_resync_interval)
    } else {
        Action::requeue(kc.ctx.settings.instance_requeue_interval)
    })
}

/// What one pass of observe → plan → apply left: the last plan, the children applied (with
/// their waves), the refusals (already in the plan), and the external objects read.
struct Converged {
    plan: Plan,
    applied: BTreeMap<Identity, usize>,
    errors: Vec<String>,
    external_reads: BTreeSet<ExternalKey>,
}

/// Applies what the plan resolves and plans again with what the cluster returned, until nothing
/// more resolves: every resource whose dependencies are ready gets applied in this one pass.
async fn converge(kc: &KindContext, uid: &str, instance_json: &Json, namespace: &str) -> Converged {
    let settings = PlanSettings {
        kro_version: KRO_VERSION.to_owned(),
        max_collection_size: kc.ctx.settings.max_collection_size,
        now: now(),
        ..PlanSettings::default()
    };
    let runtime = &kc.kind.runtime;
    let mut observed = Observed::new();
    let mut done: HashSet<String> = HashSet::new();
    let mut plan = runtime.plan(instance_json, &observed, &settings);
    let mut plans = 1u64;
    let mut applied: BTreeMap<Identity, usize> = BTreeMap::new();
    let mut apply_errors: Vec<String> = Vec::new();
    let mut external_reads = BTreeSet::new();
    for _ in 0..=plan.resources.len() {
        let mut progressed = false;
        for resource in &plan.resources {
            if done.contains(&resource.id) {
                continue;
            }
            if matches!(
                resource.phase,
                Phase::Excluded { .. } | Phase::Failed { .. }
            ) {
                continue;
            }
            if let Some(reference) = &resource.external {
                done.insert(resource.id.clone());
                let (key, read) = match read_external(kc, reference, namespace, resource.collection)
                    .await
                {
                    Ok(read) => read,
                    // Reported like a refused child: in the status, then retried.
                    Err(error) => {
                        let message = redacted(&error, &plan, &observed);
                        tracing::warn!(resource = %resource.id, %message, "reading an external reference failed");
                        observed.insert_error(&resource.id, message.clone());
                        apply_errors.push(message);
                        progressed = true;
                        continue;
                    }
                };
                external_reads.insert(key);
                if let Some(items) = read {
                    if resource.collection {
                        observed.insert_items(&resource.id, items);
                    } else if let Some(first) = items.into_iter().next() {
                        observed.insert(&resource.id, first);
                    }
                    progressed = true;
                }
                continue;
            }
            if !matches!(resource.phase, Phase::Resolved { .. }) {
                continue;
            }
            done.insert(resource.id.clone());
            let mut live = Vec::new();
            let mut refused = None;
            for object in &resource.desired {
                match ensure_child(kc, uid, object, namespace).await {
                    Ok((identity, object)) => {
                        applied.insert(identity, resource.wave);
                        live.push(object);
                    }
                    Err(error) => {
                        refused = Some(error);
                        break;
                    }
                }
            }
            // A refused child fails its resource in the plan (and so in the status, with the
            // API server's reason); independent resources still proceed.
            if let Some(error) = refused {
                let message = redacted(&error, &plan, &observed);
                tracing::warn!(resource = %resource.id, %message, "applying a child failed");
                observed.insert_error(&resource.id, message.clone());
                apply_errors.push(message);
                progressed = true;
                continue;
            }
            if resource.collection {
                observed.insert_items(&resource.id, live);
            } else if let Some(first) = live.into_iter().next() {
                observed.insert(&resource.id, first);
            }
            progressed = true;
        }
        if !progressed {
            break;
        }
        plan = runtime.plan(instance_json, &observed, &settings);
        plans += 1;
    }
    kc.ctx
        .metrics
        .cel_expr_eval
        .get_or_create(&vec![("gvk", kc.kind.gvk())])
        .inc_by(plans * kc.kind.expressions);
    Converged {
        plan,
        applied,
        errors: apply_errors,
        external_reads,
    }
}

/// The error as the status reports it, without the value of any Secret the reconcile handled
/// (an API server's refusal quotes the value it refused).
fn redacted(error: &Error, plan: &Plan, observed: &Observed) -> String {
    let desired = plan.resources.iter().flat_map(|r| r.desired.iter());
    let values = redact::secret_values(observed.objects().chain(desired));
    redact::redact(&error.status_message(), &values)
}

/// The ApplySet `contains-group-kinds` value for a set of `(apiVersion, kind)`.
fn group_kinds(kinds: &BTreeSet<(String, String)>) -> BTreeSet<String> {
    kinds
        .iter()
        .map(|(api_version, kind)| match api_version.rsplit_once('/') {
            Some((group, _)) => format!("{kind}.{group}"),
            None => kind.clone(),
        })
        .collect()
}

/// Adds the finalizer, kro's labels and the ApplySet parent metadata when any is missing.
async fn ensure_metadata(
    instance: &DynamicObject,
    kc: &KindContext,
) -> Result<DynamicObject, Error> {
    let kind = &kc.kind;
    let name = instance.name_any();
    let namespace = instance.namespace().unwrap_or_default();
    let mut labels = BTreeMap::from([
        (OWNED_LABEL.to_owned(), "true".to_owned()),
        (KRO_VERSION_LABEL.to_owned(), KRO_VERSION.replace('+', "-")),
        (RGD_ID_LABEL.to_owned(), kind.rgd_uid.clone()),
        (RGD_NAME_LABEL.to_owned(), kind.rgd_name.clone()),
    ]);
    labels.insert(
        APPLYSET_ID.to_owned(),
        applyset_id(&name, &namespace, &kind.resource.kind, &kind.resource.group),
    );
    let existing = instance.annotations();
    let mut kinds: BTreeSet<String> = existing
        .get(APPLYSET_GROUP_KINDS)
        .map(|s| {
            s.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    kinds.extend(group_kinds(&kind.owned_kinds));
    let mut annotations = BTreeMap::from([
        (APPLYSET_TOOLING.to_owned(), format!("kro/{KRO_VERSION}")),
        (
            APPLYSET_GROUP_KINDS.to_owned(),
            kinds.into_iter().collect::<Vec<_>>().join(","),
        ),
    ]);
    if !existing.contains_key(APPLYSET_NAMESPACES) {
        annotations.insert(APPLYSET_NAMESPACES.to_owned(), String::new());
    }
    let has_finalizer = instance.finalizers().iter().any(|f| f == FINALIZER);
    let labels_ok = labels
        .iter()
        .all(|(k, v)| instance.labels().get(k) == Some(v));
    let annotations_ok = annotations.iter().all(|(k, v)| existing.get(k) == Some(v));
    if has_finalizer && labels_ok && annotations_ok {
        return Ok(instance.clone());
    }
    let mut metadata = json!({"labels": labels, "annotations": annotations});
    if !has_finalizer {
        let mut finalizers = instance.finalizers().to_vec();
        finalizers.push(FINALIZER.to_owned());
        metadata["finalizers"] = json!(finalizers);
    }
    instance_api(kc, instance)
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": metadata})),
        )
        .await
        .map_err(Error::api(
            "adding the finalizer and labels to the instance",
        ))
}

fn identity_of(object: &Json) -> (String, String, String, String) {
    let text = |p: &str| {
        object
            .pointer(p)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (
        text("/apiVersion"),
        text("/kind"),
        text("/metadata/namespace"),
        text("/metadata/name"),
    )
}

fn group_kind(api_version: &str, kind: &str) -> String {
    match api_version.rsplit_once('/') {
        Some((group, _)) => format!("{kind}.{group}"),
        None => kind.to_owned(),
    }
}

fn api_for(ctx: &Context, found: &Discovered, namespace: Option<&str>) -> Api<DynamicObject> {
    match namespace {
        Some(ns) if found.namespaced && !ns.is_empty() => {
            Api::namespaced_with(ctx.client.clone(), ns, &found.resource)
        }
        _ => Api::all_with(ctx.client.clone(), &found.resource),
    }
}

/// Makes one desired child exist as planned; returns its identity and the live object.
///
/// A child applied before with the same desired object is read instead, and applied again only
/// when the live object no longer holds what was applied (deleted, edited): a steady-state
/// resync makes no writes.
async fn ensure_child(
    kc: &KindContext,
    instance_uid: &str,
    object: &Json,
    instance_namespace: &str,
) -> Result<(Identity, Json), Error> {
    let (api_version, kind, namespace, name) = identity_of(object);
    let found = kc.ctx.discover(&api_version, &kind).await?;
    let mut object = object.clone();
    let namespace = if found.namespaced {
        let ns = if namespace.is_empty() {
            instance_namespace.to_owned()
        } else {
            namespace
        };
        object["metadata"]["namespace"] = json!(ns);
        ns
    } else {
        String::new()
    };
    let identity = (
        group_kind(&api_version, &kind),
        namespace.clone(),
        name.clone(),
    );
    let key = (instance_uid.to_owned(), identity.clone());
    let hash = hash_of(&object);
    let api = api_for(&kc.ctx, &found, Some(&namespace));
    let applied_before = kc.applied.lock().expect("applied lock").get(&key) == Some(&hash);
    if applied_before {
        let live = api
            .get_opt(&name)
            .await
            .map_err(Error::api(format!("reading {kind} {namespace}/{name}")))?;
        if let Some(live) = live {
            let live = without_managed_fields(serde_json::to_value(live)?);
            if drift::holds(&object, &live) {
                return Ok((identity, live));
            }
            tracing::info!(child = %identity.0, namespace = %namespace, name = %name, "drift: applying again");
        }
    }
    let live = api
        .patch(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&object),
        )
        .await
        .map_err(Error::api(format!("applying {kind} {namespace}/{name}")))?;
    kc.applied.lock().expect("applied lock").insert(key, hash);
    tracing::debug!(child = %identity.0, namespace = %namespace, name = %name, "applied");
    Ok((
        identity,
        without_managed_fields(serde_json::to_value(live)?),
    ))
}

fn hash_of(object: &Json) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    object.to_string().hash(&mut hasher);
    hasher.finish()
}

fn without_managed_fields(mut object: Json) -> Json {
    if let Some(metadata) = object.get_mut("metadata").and_then(Json::as_object_mut) {
        metadata.remove("managedFields");
    }
    object
}

/// Reads an external reference: GET by name, or LIST by selector. `None` when it does not exist.
/// Also returns what was read, for the index that wakes the instance when it changes.
async fn read_external(
    kc: &KindContext,
    reference: &Json,
    instance_namespace: &str,
    collection: bool,
) -> Result<(ExternalKey, Option<Vec<Json>>), Error> {
    let (api_version, kind, namespace, name) = identity_of(reference);
    let found = kc.ctx.discover(&api_version, &kind).await?;
    let group_kind = group_kind(&api_version, &kind);
    let strip = |object: DynamicObject| -> Result<Json, Error> {
        Ok(without_managed_fields(serde_json::to_value(object)?))
    };
    if collection {
        let selector = selector_query(reference.pointer("/metadata/selector"));
        let api = if namespace.is_empty() {
            Api::all_with(kc.ctx.client.clone(), &found.resource)
        } else {
            api_for(&kc.ctx, &found, Some(&namespace))
        };
        let list = api
            .list(&ListParams::default().labels(&selector))
            .await
            .map_err(Error::api(format!("listing external {kind}")))?;
        let items = list
            .items
            .into_iter()
            .map(strip)
            .collect::<Result<_, _>>()?;
        let namespace = if found.namespaced {
            namespace
        } else {
            String::new()
        };
        return Ok(((group_kind, namespace, None), Some(items)));
    }
    let namespace = if namespace.is_empty() {
        instance_namespace.to_owned()
    } else {
        namespace
    };
    let api = api_for(&kc.ctx, &found, Some(&namespace));
    let object = api.get_opt(&name).await.map_err(Error::api(format!(
        "reading external {kind} {namespace}/{name}"
    )))?;
    let namespace = if found.namespaced {
        namespace
    } else {
        String::new()
    };
    Ok((
        (group_kind, namespace, Some(name)),
        object.map(strip).transpose()?.map(|o| vec![o]),
    ))
}

/// A child found by label, with what deletion needs.
struct Child {
    identity: Identity,
    uid: String,
    wave: usize,
    deleting: bool,
    found: Discovered,
}

/// Every child of the instance, of every kind its graphs used or its ApplySet lists.
async fn list_children(
    kc: &KindContext,
    instance: &DynamicObject,
    uid: &str,
) -> Result<Vec<Child>, Error> {
    let mut resources: Vec<Discovered> = Vec::new();
    let mut known: BTreeSet<String> = BTreeSet::new();
    for (api_version, kind) in &kc.kind.child_kinds {
        if let Ok(found) = kc.ctx.discover(api_version, kind).await {
            known.insert(group_kind(api_version, kind));
            resources.push(found);
        }
    }
    // Kinds the ApplySet lists that no graph of this process knows (after a restart).
    if let Some(listed) = instance.annotations().get(APPLYSET_GROUP_KINDS) {
        for gk in listed
            .split(',')
            .filter(|s| !s.is_empty() && !known.contains(*s))
        {
            let (kind, group) = gk.split_once('.').unwrap_or((gk, ""));
            if let Ok(api_group) = kube::discovery::group(&kc.ctx.client, group).await
                && let Some((resource, capabilities)) = api_group.recommended_kind(kind)
            {
                resources.push(Discovered {
                    resource,
                    namespaced: matches!(capabilities.scope, kube::discovery::Scope::Namespaced),
                });
            }
        }
    }
    let selector = ListParams::default().labels(&format!("{INSTANCE_ID_LABEL}={uid}"));
    // Where namespaced children can be when the controller may not list across namespaces:
    // the instance's namespace and the ApplySet's additional namespaces.
    let namespaces: BTreeSet<String> = instance
        .namespace()
        .into_iter()
        .chain(
            instance
                .annotations()
                .get(APPLYSET_NAMESPACES)
                .into_iter()
                .flat_map(|list| list.split(','))
                .filter(|ns| !ns.is_empty())
                .map(str::to_owned),
        )
        .collect();
    let mut children = Vec::new();
    for found in resources {
        let listing = |e| Error::api(format!("listing {} children", found.resource.kind))(e);
        let api: Api<DynamicObject> = Api::all_with(kc.ctx.client.clone(), &found.resource);
        let items = match api.list_metadata(&selector).await {
            Ok(list) => list.items,
            Err(kube::Error::Api(status)) if status.code == 403 && found.namespaced => {
                let mut items = Vec::new();
                for namespace in &namespaces {
                    let api = api_for(&kc.ctx, &found, Some(namespace));
                    items.extend(api.list_metadata(&selector).await.map_err(listing)?.items);
                }
                items
            }
            Err(error) => return Err(listing(error)),
        };
        for item in items {
            let wave = item
                .annotations()
                .get(APPLY_ORDER_ANNOTATION)
                .and_then(|w| w.parse().ok())
                .unwrap_or(0);
            children.push(Child {
                identity: (
                    group_kind(&found.resource.api_version, &found.resource.kind),
                    item.namespace().unwrap_or_default(),
                    item.name_any(),
                ),
                uid: item.uid().unwrap_or_default(),
                wave,
                deleting: item.metadata.deletion_timestamp.is_some(),
                found: found.clone(),
            });
        }
    }
    children.sort_by(|a, b| {
        b.wave
            .cmp(&a.wave)
            .then_with(|| a.identity.cmp(&b.identity))
    });
    Ok(children)
}

/// Deletes one child (if it is still the object listed); whether it is gone now (`false`: its
/// finalizers are still running).
async fn delete_child(kc: &KindContext, child: &Child) -> Result<bool, Error> {
    let (gk, namespace, name) = &child.identity;
    let api = api_for(&kc.ctx, &child.found, Some(namespace));
    let params = DeleteParams {
        preconditions: Some(Preconditions {
            uid: Some(child.uid.clone()),
            resource_version: None,
        }),
        ..DeleteParams::background()
    };
    match api.delete(name, &params).await {
        Ok(deleted) => {
            tracing::info!(child = %gk, namespace = %namespace, name = %name, wave = child.wave, "deleted child");
            Ok(deleted.is_right())
        }
        // Gone already, or replaced by another object (the UID precondition failed).
        Err(kube::Error::Api(status)) if status.code == 404 || status.code == 409 => Ok(true),
        Err(error) => Err(Error::api(format!("deleting {gk} {namespace}/{name}"))(
            error,
        )),
    }
}

/// Deletes children no longer desired, highest wave first.
async fn prune(
    kc: &KindContext,
    instance: &DynamicObject,
    uid: &str,
    desired: &BTreeSet<Identity>,
) -> Result<(), Error> {
    for child in list_children(kc, instance, uid).await? {
        if desired.contains(&child.identity) || child.deleting {
            continue;
        }
        delete_child(kc, &child).await?;
    }
    Ok(())
}

/// Instance deletion: highest wave first, each wave gone before the next, then the finalizer.
async fn delete(instance: &DynamicObject, uid: &str, kc: &KindContext) -> Result<Action, Error> {
    if !instance.finalizers().iter().any(|f| f == FINALIZER) {
        return Ok(Action::await_change());
    }
    // Highest wave first, from one listing: a child without finalizers is gone when its DELETE
    // returns, so the next wave goes at once; when a wave has children still being finalized,
    // the instance says DELETING and waits (their deletion events, or the requeue, bring it
    // back, and it lists again).
    let children = list_children(kc, instance, uid).await?;
    let mut start = 0;
    while start < children.len() {
        let wave = children[start].wave;
        let end = children[start..]
            .iter()
            .position(|c| c.wave != wave)
            .map_or(children.len(), |n| start + n);
        let mut waiting = false;
        for child in &children[start..end] {
            let gone = !child.deleting && delete_child(kc, child).await?;
            waiting |= !gone;
        }
        if waiting {
            let mut status = instance
                .data
                .get("status")
                .cloned()
                .unwrap_or_else(|| json!({}));
            status["state"] = json!(InstanceState::Deleting.as_str());
            write_status(kc, instance, status).await?;
            return Ok(Action::requeue(Duration::from_millis(500)));
        }
        start = end;
    }
    let remaining: Vec<&String> = instance
        .finalizers()
        .iter()
        .filter(|f| *f != FINALIZER)
        .collect();
    instance_api(kc, instance)
        .patch(
            &instance.name_any(),
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": remaining}})),
        )
        .await
        .map_err(Error::api("removing the instance's finalizer"))?;
    kc.pruned.lock().expect("pruned lock").remove(uid);
    kc.externals.forget(&instance_ref(kc, instance));
    kc.owners
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(uid);
    kc.applied
        .lock()
        .expect("applied lock")
        .retain(|(instance, _), _| instance != uid);
    tracing::info!("children deleted; finalizer removed");
    Ok(Action::await_change())
}

/// Writes `status` when it differs from what the instance has.
async fn write_status(
    kc: &KindContext,
    instance: &DynamicObject,
    status: Json,
) -> Result<(), Error> {
    let old = instance.data.get("status").cloned().unwrap_or(Json::Null);
    if old == status {
        return Ok(());
    }
    let from = old
        .get("state")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_owned();
    let to = status
        .get("state")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_owned();
    let patch = json!({"status": merge_diff(&old, &status)});
    instance_api(kc, instance)
        .patch_status(
            &instance.name_any(),
            &PatchParams::default(),
            &Patch::Merge(patch),
        )
        .await
        .map_err(Error::api("writing the instance's status"))?;
    if from != to {
        tracing::info!(from = %from, to = %to, "state changed");
        let ready = status
            .get("conditions")
            .and_then(Json::as_array)
            .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"))
            .and_then(|c| c["message"].as_str())
            .filter(|_| to != InstanceState::Active.as_str());
        let note = match ready {
            Some(why) => format!("{from} → {to}: {why}"),
            None => format!("{from} → {to}"),
        };
        let warning = to == InstanceState::Error.as_str();
        kc.ctx
            .events
            .publish(instance, &kc.kind.resource, warning, "StateChanged", &note)
            .await;
        kc.ctx
            .metrics
            .instance_state_transitions
            .get_or_create(&vec![("gvk", kc.kind.gvk()), ("from", from), ("to", to)])
            .inc();
    }
    Ok(())
}
