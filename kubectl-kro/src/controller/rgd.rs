//! The RGD controller: compile each ResourceGraphDefinition with core, create or update its
//! CRD, serve its kind, and report it all in the RGD's status (SPEC A1, A6, A7).
//!
//! An RGD that does not compile gets `GraphAccepted=False` with the compiler's messages, and
//! its instances keep being served with the last graph that compiled.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_core::compile::{Compiled, FileAnalysis, Options, compile_file};
use kro_core::diagnostic::Severity;
use kro_core::runtime::drift;
use kro_core::schema::crd::{RGD_NAME_LABEL, takeover_refusal};
use kro_core::schema::{Ownership, compare_crds};
use kro_core::syntax::PathSegment::{Index, Key};
use kro_core::syntax::render_path;
use kube::api::{ApiResource, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::core::PartialObjectMeta;
use kube::runtime::controller::Action;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::{Controller, watcher};
use kube::{Api, ResourceExt};
use serde_json::{Value as Json, json};
use tracing::Instrument;

use crate::cluster_rgd;

use super::conditions::{Conditions, merge_diff, now};
use super::error::Error;
use super::instance::Kind;
use super::{Context, FINALIZER, KRO_VERSION};

/// The field manager of the CRDs the controller writes.
const CRD_MANAGER: &str = "kro.run/rgd-controller";

/// The ResourceGraphDefinition resource.
pub fn resource() -> ApiResource {
    ApiResource {
        group: "kro.run".to_owned(),
        version: "v1alpha1".to_owned(),
        api_version: "kro.run/v1alpha1".to_owned(),
        kind: "ResourceGraphDefinition".to_owned(),
        plural: "resourcegraphdefinitions".to_owned(),
    }
}

/// Watches RGDs until `stop` resolves.
pub async fn run(ctx: Arc<Context>, stop: impl Future<Output = ()> + Send + Sync + 'static) {
    let api: Api<DynamicObject> = Api::all_with(ctx.client.clone(), &resource());
    let mut config = watcher::Config::default();
    if let Some(selector) = &ctx.settings.rgd_selector {
        config = config.labels(selector);
    }
    // A CRD appearing or changing may be the kind an unaccepted RGD was missing.
    let crds: Api<PartialObjectMeta<CustomResourceDefinition>> = Api::all(ctx.client.clone());
    let waiting = ctx.clone();
    Controller::new_with(api, config, resource())
        .watches(crds, watcher::Config::default(), move |_crd| {
            let names = waiting
                .unaccepted
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            names
                .into_iter()
                .map(|name| ObjectRef::new_with(&name, resource()))
                .collect::<Vec<_>>()
        })
        .graceful_shutdown_on(stop)
        .run(reconcile, error_policy, ctx)
        .for_each(|_| async {})
        .await;
}

fn error_policy(rgd: Arc<DynamicObject>, error: &Error, _ctx: Arc<Context>) -> Action {
    tracing::warn!(rgd = %rgd.name_any(), %error, "RGD reconcile failed");
    Action::requeue(Duration::from_secs(5))
}

async fn reconcile(rgd: Arc<DynamicObject>, ctx: Arc<Context>) -> Result<Action, Error> {
    let name = rgd.name_any();
    let span = tracing::info_span!("rgd", rgd = %name);
    reconcile_rgd(&rgd, &ctx).instrument(span).await
}

async fn reconcile_rgd(rgd: &DynamicObject, ctx: &Arc<Context>) -> Result<Action, Error> {
    let name = rgd.name_any();
    let api: Api<DynamicObject> = Api::all_with(ctx.client.clone(), &resource());
    let finalizers = rgd.finalizers().to_vec();

    if rgd.metadata.deletion_timestamp.is_some() {
        ctx.unaccepted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&name);
        if !finalizers.iter().any(|f| f == FINALIZER) {
            return Ok(Action::await_change());
        }
        // Instances are no longer reconciled, but their deletion still works (also the
        // deletions the API server makes when the CRD is deleted below).
        let served = ctx.kinds.retire(&name).await;
        if ctx.settings.allow_crd_deletion {
            let crd_name = served
                .as_ref()
                .map(|(crd, _)| crd.clone())
                .or_else(|| crd_name_of(rgd));
            if let Some(crd_name) = crd_name {
                delete_owned_crd(ctx, &crd_name, &name).await?;
                // Once the API server has deleted every instance (through the retired
                // kind's deletions) and the CRD is gone, stop watching the kind.
                if let Some((_, key)) = served {
                    tokio::spawn(stop_when_gone(ctx.clone(), crd_name, name.clone(), key));
                }
            }
        }
        let remaining: Vec<&String> = finalizers.iter().filter(|f| *f != FINALIZER).collect();
        api.patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": remaining}})),
        )
        .await
        .map_err(Error::api(format!("removing the finalizer of RGD {name}")))?;
        tracing::info!("RGD deleted; its kind is no longer served");
        return Ok(Action::await_change());
    }

    if !finalizers.iter().any(|f| f == FINALIZER) {
        let mut with = finalizers.clone();
        with.push(FINALIZER.to_owned());
        api.patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": with}})),
        )
        .await
        .map_err(Error::api(format!("adding the finalizer to RGD {name}")))?;
    }

    let generation = rgd.metadata.generation;
    let previous: Vec<Json> = rgd
        .data
        .pointer("/status/conditions")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let mut conditions = Conditions::new(&previous, generation, now());
    let mut status = serde_json::Map::new();

    let (compiled, mut errors) = compile(rgd, ctx).await?;
    if let Some(compiled) = &compiled {
        errors.extend(unserved_kinds(compiled, ctx).await);
    }
    {
        let mut unaccepted = ctx.unaccepted.lock().unwrap_or_else(|e| e.into_inner());
        if errors.is_empty() && compiled.is_some() {
            unaccepted.remove(&name);
        } else {
            unaccepted.insert(name.clone());
        }
    }
    let serving = ctx.kinds.serving(&name).await;
    let mut requeue = None;
    match (compiled, errors.is_empty()) {
        (Some(compiled), true) => {
            conditions.set(
                "GraphAccepted",
                true,
                "Valid",
                "resource graph and schema are valid",
            );
            describe_graph(&compiled, &mut status);
            match ensure_crd(rgd, &compiled, ctx).await? {
                CrdOutcome::Ready(resource) => {
                    conditions.set(
                        "KindReady",
                        true,
                        "Ready",
                        format!("kind {} is served", compiled.crd_spec.kind),
                    );
                    let key = format!(
                        "{}/{}",
                        rgd.uid().unwrap_or_default(),
                        generation.unwrap_or_default()
                    );
                    match Kind::new(rgd, compiled, resource, ctx).await {
                        Ok(kind) => {
                            ctx.kinds.serve(ctx.clone(), &name, key, kind).await;
                            conditions.set(
                                "ControllerReady",
                                true,
                                "Running",
                                "the instance controller is running",
                            );
                        }
                        Err(message) => conditions.set("ControllerReady", false, "Failed", message),
                    }
                }
                CrdOutcome::Refused { reason, message } => {
                    conditions.set("KindReady", false, reason, message);
                    controller_condition(&mut conditions, serving.is_some());
                }
                CrdOutcome::Waiting(message) => {
                    conditions.set("KindReady", false, "NotEstablished", message);
                    controller_condition(&mut conditions, serving.is_some());
                    requeue = Some(Duration::from_secs(1));
                }
            }
        }
        (compiled, _) => {
            let message = if errors.is_empty() {
                "the document is not a ResourceGraphDefinition".to_owned()
            } else {
                errors.join("; ")
            };
            tracing::info!(%message, "RGD does not compile; instances keep the last good graph");
            conditions.set("GraphAccepted", false, "InvalidResourceGraph", message);
            if let Some(compiled) = &compiled {
                describe_graph(compiled, &mut status);
            }
            let served = serving.is_some();
            conditions.set(
                "KindReady",
                served,
                if served { "Ready" } else { "NotReady" },
                if served {
                    "serving the last valid graph"
                } else {
                    "no valid graph yet"
                },
            );
            controller_condition(&mut conditions, served);
        }
    }
    conditions.set(
        "GraphRevisionsResolved",
        true,
        "Resolved",
        "the graph revision is resolved",
    );
    let (ready, conditions) = conditions.finish();
    // An Event for each condition whose status or reason changed.
    for condition in &conditions {
        let before = previous.iter().find(|c| c["type"] == condition["type"]);
        let changed = before.is_none_or(|b| {
            b["status"] != condition["status"] || b["reason"] != condition["reason"]
        });
        let (Some(type_), Some(reason)) =
            (condition["type"].as_str(), condition["reason"].as_str())
        else {
            continue;
        };
        if changed && (before.is_some() || condition["status"] != "True") {
            let message = condition["message"].as_str().unwrap_or_default();
            let warning = condition["status"] != "True";
            ctx.events
                .publish(
                    rgd,
                    &resource(),
                    warning,
                    reason,
                    &format!("{type_}: {message}"),
                )
                .await;
        }
    }
    status.insert(
        "state".to_owned(),
        json!(if ready { "Active" } else { "Inactive" }),
    );
    status.insert("conditions".to_owned(), Json::Array(conditions));
    if let Some(revision) = generation {
        status.insert("lastIssuedRevision".to_owned(), json!(revision));
    }
    let status = Json::Object(status);
    let old = rgd.data.get("status").cloned().unwrap_or(Json::Null);
    if old != status {
        let patch = json!({"status": merge_diff(&old, &status)});
        api.patch_status(&name, &PatchParams::default(), &Patch::Merge(patch))
            .await
            .map_err(Error::api(format!("writing the status of RGD {name}")))?;
    }
    Ok(match requeue {
        Some(after) => Action::requeue(after),
        None => Action::await_change(),
    })
}

fn controller_condition(conditions: &mut Conditions<'_>, served: bool) {
    if served {
        conditions.set(
            "ControllerReady",
            true,
            "Running",
            "serving instances with the last valid graph",
        );
    } else {
        conditions.set(
            "ControllerReady",
            false,
            "NotRunning",
            "no valid graph to serve yet",
        );
    }
}

/// `topologicalOrder` and `resources` of the RGD status.
fn describe_graph(compiled: &Compiled, status: &mut serde_json::Map<String, Json>) {
    let view = compiled.graph_view();
    status.insert("topologicalOrder".to_owned(), json!(view.topological_order));
    let resources: Vec<Json> = view
        .resources
        .iter()
        .map(|r| {
            let deps: Vec<Json> = r
                .dependencies
                .iter()
                .map(|d: &String| json!({"id": d}))
                .collect();
            if deps.is_empty() {
                json!({"id": r.id})
            } else {
                json!({"id": r.id, "dependencies": deps})
            }
        })
        .collect();
    status.insert("resources".to_owned(), Json::Array(resources));
}

/// Compiles the RGD as the API server stores it, with the cluster's CRDs as known kinds.
/// Returns the compiled graph (if the document was an RGD) and the error messages.
async fn compile(
    rgd: &DynamicObject,
    ctx: &Context,
) -> Result<(Option<Compiled>, Vec<String>), Error> {
    let text = cluster_rgd::source_text(rgd)?;
    let schemas = cluster_rgd::crd_schemas(&ctx.client)
        .await
        .map_err(Error::api("listing CRDs"))?;
    let mut options = Options::with_crds(schemas);
    options.max_collection_dimensions = ctx.settings.max_collection_dimensions;
    let started = Instant::now();
    let analysis = compile_file(&text, &options);
    let elapsed = started.elapsed().as_secs_f64();
    let errors: Vec<String> = analysis
        .diagnostics()
        .into_iter()
        .filter(|d| d.severity() == Severity::Error)
        .map(|d| {
            format!(
                "{}: {} ({})",
                locate(&analysis, d.range.start),
                d.message,
                d.code
            )
        })
        .collect();
    let result = if errors.is_empty() {
        "success"
    } else {
        "error"
    };
    ctx.metrics
        .rgd_graph_build
        .get_or_create(&vec![("result", result.to_owned())])
        .inc();
    ctx.metrics
        .rgd_graph_build_duration
        .get_or_create(&vec![])
        .observe(elapsed);
    Ok((analysis.rgds.into_iter().next(), errors))
}

/// Every template or external reference whose kind the cluster does not serve: offline such a
/// kind is merely unchecked, but the controller cannot create or read it. The RGD is checked
/// again when a CRD appears.
async fn unserved_kinds(compiled: &Compiled, ctx: &Context) -> Vec<String> {
    let mut missing = Vec::new();
    for resource in &compiled.rgd.resources {
        let (Some(api_version), Some(kind)) = (resource.api_version(), resource.kind()) else {
            continue;
        };
        if api_version.value.contains("${") || kind.value.contains("${") {
            continue;
        }
        if let Err(Error::UnknownKind { .. }) = ctx.discover(&api_version.value, &kind.value).await
        {
            missing.push(format!(
                "resource `{}`: the cluster does not serve kind {} in {} (install its CRD; this RGD is checked again when it appears)",
                resource.id.value, kind.value, api_version.value
            ));
        }
    }
    missing
}

/// Stops the retired kind of `rgd` once its CRD no longer exists.
async fn stop_when_gone(ctx: Arc<Context>, crd_name: String, rgd: String, key: String) {
    let crds: Api<CustomResourceDefinition> = Api::all(ctx.client.clone());
    loop {
        match crds.get_opt(&crd_name).await {
            Ok(None) => break,
            Ok(Some(_)) | Err(_) => tokio::time::sleep(Duration::from_secs(2)).await,
        }
    }
    ctx.kinds.stop_if(&rgd, &key).await;
    tracing::info!(rgd = %rgd, crd = %crd_name, "the CRD is gone; stopped watching its kind");
}

/// Where a diagnostic is, as a user finds it in the RGD: the resource id and the field path
/// inside it (`resource `web`, template.spec.replicas`), else the field path from the root.
fn locate(analysis: &FileAnalysis, offset: usize) -> String {
    let Some((path, _)) = analysis
        .parsed
        .documents
        .first()
        .and_then(|d| d.root.as_ref())
        .and_then(|root| root.node_at(offset))
    else {
        return "the RGD".to_owned();
    };
    if let [Key(spec), Key(resources), Index(i), rest @ ..] = path.as_slice()
        && spec == "spec"
        && resources == "resources"
        && let Some(id) = analysis
            .rgds
            .first()
            .and_then(|c| c.rgd.resources.get(*i))
            .map(|r| r.id.value.clone())
            .filter(|id| !id.is_empty())
    {
        return if rest.is_empty() {
            format!("resource `{id}`")
        } else {
            format!("resource `{id}`, {}", render_path(rest))
        };
    }
    render_path(&path)
}

/// The CRD name an RGD would have, read without compiling (for deletion).
fn crd_name_of(rgd: &DynamicObject) -> Option<String> {
    let schema = rgd.data.pointer("/spec/schema")?;
    let kind = schema.get("kind")?.as_str()?;
    let group = schema
        .get("group")
        .and_then(Json::as_str)
        .unwrap_or("kro.run");
    Some(format!(
        "{}.{group}",
        kro_core::schema::pluralize(&kind.to_lowercase())
    ))
}

async fn delete_owned_crd(ctx: &Context, crd_name: &str, rgd_name: &str) -> Result<(), Error> {
    let crds: Api<CustomResourceDefinition> = Api::all(ctx.client.clone());
    let Some(crd) = crds
        .get_opt(crd_name)
        .await
        .map_err(Error::api(format!("reading CRD {crd_name}")))?
    else {
        return Ok(());
    };
    if crd.labels().get(RGD_NAME_LABEL).map(String::as_str) != Some(rgd_name) {
        tracing::warn!(crd = crd_name, "not deleting a CRD this RGD does not own");
        return Ok(());
    }
    match crds.delete(crd_name, &DeleteParams::default()).await {
        Ok(_) => {
            tracing::info!(crd = crd_name, "deleted the CRD (--allow-crd-deletion)");
            Ok(())
        }
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(error) => Err(Error::api(format!("deleting CRD {crd_name}"))(error)),
    }
}

enum CrdOutcome {
    /// Established; instances are served from this resource.
    Ready(ApiResource),
    /// Not written: not ours, or a breaking change.
    Refused {
        reason: &'static str,
        message: String,
    },
    /// Written, not yet Established.
    Waiting(String),
}

async fn ensure_crd(
    rgd: &DynamicObject,
    compiled: &Compiled,
    ctx: &Context,
) -> Result<CrdOutcome, Error> {
    let name = rgd.name_any();
    let owner = Ownership {
        rgd_name: Some(name.clone()),
        rgd_uid: rgd.uid(),
        kro_version: Some(KRO_VERSION.to_owned()),
    };
    let crd = compiled.crd(&owner);
    let crd_name = compiled.crd_spec.crd_name();
    let crds: Api<CustomResourceDefinition> = Api::all(ctx.client.clone());
    let existing = crds
        .get_opt(&crd_name)
        .await
        .map_err(Error::api(format!("reading CRD {crd_name}")))?;
    if let Some(existing) = &existing {
        let old = serde_json::to_value(existing)?;
        if let Some(refusal) = takeover_refusal(&old, &crd_name, &name) {
            return Ok(CrdOutcome::Refused {
                reason: "CRDNotOwned",
                message: format!("{refusal}; refusing to take it over"),
            });
        }
        if let Ok(comparison) = compare_crds(&old, &crd)
            && comparison.is_breaking()
            && !compiled.rgd.allows_breaking_changes()
        {
            let changes: Vec<String> = comparison.breaking().map(|c| c.description()).collect();
            return Ok(CrdOutcome::Refused {
                reason: "BreakingChanges",
                message: format!(
                    "breaking changes to CRD {crd_name} refused (annotate the RGD kro.run/allow-breaking-changes: \"true\" to allow): {}",
                    changes.join("; ")
                ),
            });
        }
    }
    // Applied only when it differs: reconciling an unchanged RGD writes nothing.
    let unchanged = match &existing {
        Some(existing) => drift::holds(&crd, &serde_json::to_value(existing)?),
        None => false,
    };
    let applied = match existing {
        Some(existing) if unchanged => existing,
        _ => crds
            .patch(
                &crd_name,
                &PatchParams::apply(CRD_MANAGER).force(),
                &Patch::Apply(&crd),
            )
            .await
            .map_err(Error::api(format!("applying CRD {crd_name}")))?,
    };
    let established = |crd: &CustomResourceDefinition| {
        crd.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| {
                cs.iter()
                    .any(|c| c.type_ == "Established" && c.status == "True")
            })
    };
    let mut current = applied;
    for _ in 0..50 {
        if established(&current) {
            let spec = &compiled.crd_spec;
            let api_version = format!("{}/{}", spec.group, spec.version);
            ctx.forget(&api_version, &spec.kind).await;
            return Ok(CrdOutcome::Ready(ApiResource {
                group: spec.group.clone(),
                version: spec.version.clone(),
                api_version,
                kind: spec.kind.clone(),
                plural: spec.plural(),
            }));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        current = crds
            .get(&crd_name)
            .await
            .map_err(Error::api(format!("reading CRD {crd_name}")))?;
    }
    Ok(CrdOutcome::Waiting(format!(
        "CRD {crd_name} is not Established yet"
    )))
}
