//! One instance explained: its state and conditions, and each resource of its graph in
//! topological order with the objects that exist for it, whether it is ready and why not —
//! from core's planner run over the live objects, as the controller runs it.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, Result, bail};
use kro_core::compile::Compiled;
use kro_core::runtime::{
    INSTANCE_ID_LABEL, NODE_ID_LABEL, Observed, Phase, Readiness, Runtime, Settings, selector_query,
};
use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::discovery::Scope;
use serde::Serialize;
use serde_json::Value as Json;

use super::overview::{list_rgds, state_paint};
use super::{find_kind, instance_ready};
use crate::cluster_rgd::{self, DefinedKind};
use crate::kube_client::Connection;
use crate::output::{Paint, Table, painted};

/// An instance and its children.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceStatus {
    /// The instance itself.
    pub instance: Head,
    /// Each resource of the graph, in topological order.
    pub resources: Vec<ResourceStatus>,
    /// Why the children could not be planned, when they could not (the resources are then
    /// listed with what exists and `phase: unknown`).
    pub problem: Option<String>,
}

/// The instance.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Head {
    /// `group/version`.
    pub api_version: String,
    /// The kind.
    pub kind: String,
    /// Its namespace (none for cluster-scoped kinds).
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// Its uid.
    pub uid: String,
    /// The RGD that defines its kind.
    pub rgd: String,
    /// `status.state` (`ACTIVE`, `IN_PROGRESS`, `ERROR`, `DELETING`).
    pub state: Option<String>,
    /// `ACTIVE`, with a `Ready` condition (if any) that is `True`.
    pub ready: bool,
    /// `status.conditions` as the controller wrote them.
    pub conditions: Vec<Json>,
}

/// One resource of the graph.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceStatus {
    /// The resource id.
    pub id: String,
    /// `apiVersion` of its objects (none when it is an expression).
    pub api_version: Option<String>,
    /// `kind` of its objects (none when it is an expression).
    pub kind: Option<String>,
    /// Its apply wave.
    pub wave: usize,
    /// Whether it is an external reference (read, never written).
    pub external: bool,
    /// Whether it is a collection (forEach, or an external reference by selector).
    pub collection: bool,
    /// `resolved`, `pending`, `excluded`, `failed`, or `unknown` when it could not be planned.
    pub phase: &'static str,
    /// Whether it is ready; none when excluded or unknown.
    pub ready: Option<bool>,
    /// Why it is not ready, pending, excluded or failed.
    pub reason: Option<String>,
    /// Its objects: those that exist, else those it should have.
    pub objects: Vec<ObjectRef>,
}

/// An object of a resource.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// Its namespace.
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// Whether it exists.
    pub exists: bool,
}

impl ObjectRef {
    fn of(object: &Json, exists: bool) -> ObjectRef {
        let text = |pointer: &str| {
            object
                .pointer(pointer)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let namespace = text("/metadata/namespace");
        ObjectRef {
            api_version: text("/apiVersion"),
            kind: text("/kind"),
            namespace: (!namespace.is_empty()).then_some(namespace),
            name: text("/metadata/name"),
            exists,
        }
    }
}

/// Reads `kind/name` in the connection's namespace and explains it.
pub async fn read(connection: &Connection, kind: &str, name: &str) -> Result<InstanceStatus> {
    let rgds = list_rgds(connection).await?;
    let kinds: Vec<DefinedKind> = rgds.iter().filter_map(DefinedKind::of).collect();
    let defined = find_kind(&kinds, kind)?;
    let instances: Api<DynamicObject> = if defined.namespaced {
        Api::namespaced_with(
            connection.client.clone(),
            &connection.namespace,
            &defined.api_resource(),
        )
    } else {
        Api::all_with(connection.client.clone(), &defined.api_resource())
    };
    let found = instances
        .get_opt(name)
        .await
        .map_err(|e| connection.error(e))
        .with_context(|| format!("reading {}/{name}", defined.kind))?;
    let Some(instance) = found else {
        if defined.namespaced {
            bail!(
                "{}/{name} not found in namespace {}",
                defined.kind,
                connection.namespace
            );
        }
        bail!("{}/{name} not found", defined.kind);
    };
    let object = serde_json::to_value(&instance)?;
    let (state, ready) = instance_ready(&object);
    let uid = instance.metadata.uid.clone().unwrap_or_default();
    let head = Head {
        api_version: defined.api_version(),
        kind: defined.kind.clone(),
        namespace: instance.metadata.namespace.clone(),
        name: name.to_owned(),
        uid: uid.clone(),
        rgd: defined.rgd.clone(),
        state,
        ready,
        conditions: object
            .pointer("/status/conditions")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default(),
    };

    let rgd = rgds
        .iter()
        .find(|r| r.metadata.name.as_deref() == Some(defined.rgd.as_str()))
        .context("the RGD vanished")?;
    let (_, analysis) = cluster_rgd::compile(&connection.client, rgd)
        .await
        .map_err(|e| connection.error(e))
        .context("listing the cluster's CRDs")?;
    let Some(compiled) = analysis.rgds.into_iter().next() else {
        return Ok(InstanceStatus {
            instance: head,
            resources: Vec::new(),
            problem: Some(format!(
                "RGD {} is not a ResourceGraphDefinition",
                defined.rgd
            )),
        });
    };
    let mut reader = Reader::new(connection);
    let children = reader.children(&compiled, &uid, &head).await?;
    let namespace = head.namespace.clone().unwrap_or_default();
    let runtime = match Runtime::new(compiled.clone()) {
        Ok(runtime) => runtime,
        Err(error) => {
            return Ok(InstanceStatus {
                resources: unplanned(&compiled, &children),
                instance: head,
                problem: Some(format!("RGD {}: {error}", defined.rgd)),
            });
        }
    };

    // Observe as the controller does: children by node id, then external references as
    // the plan names them, planning again until nothing new is read.
    let mut observed = Observed::new();
    for resource in &compiled.rgd.resources {
        let id = &resource.id.value;
        let items = children.get(id).cloned().unwrap_or_default();
        if resource.external_ref.is_some() {
            continue;
        }
        if resource.is_collection() {
            observed.insert_items(id, items);
        } else if let Some(first) = items.into_iter().next() {
            observed.insert(id, first);
        }
    }
    let settings = Settings::default();
    let mut externals: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    let mut plan = runtime.plan(&object, &observed, &settings);
    for _ in 0..=plan.resources.len() {
        let mut progressed = false;
        for resource in &plan.resources {
            let Some(reference) = &resource.external else {
                continue;
            };
            if externals.contains_key(&resource.id) {
                continue;
            }
            let items = reader
                .external(reference, &namespace, resource.collection)
                .await?;
            externals.insert(resource.id.clone(), items.clone().unwrap_or_default());
            if let Some(items) = items {
                if resource.collection {
                    observed.insert_items(&resource.id, items);
                } else if let Some(first) = items.into_iter().next() {
                    observed.insert(&resource.id, first);
                }
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
        plan = runtime.plan(&object, &observed, &settings);
    }

    let mut resources = Vec::new();
    for planned in &plan.resources {
        let declared = compiled.rgd.resource(&planned.id);
        let literal = |s: Option<kro_core::rgd::Spanned<String>>| {
            s.map(|s| s.value).filter(|v| !v.contains("${"))
        };
        let (phase, ready, reason) = match &planned.phase {
            Phase::Resolved { readiness } => match readiness {
                Readiness::Ready => ("resolved", Some(true), None),
                Readiness::NotReady { reason } => ("resolved", Some(false), Some(reason.clone())),
                Readiness::Unknown => ("resolved", None, None),
            },
            Phase::Pending { reason } => ("pending", Some(false), Some(reason.clone())),
            Phase::Excluded { reason } => ("excluded", None, Some(reason.clone())),
            Phase::Failed { error } => ("failed", Some(false), Some(error.clone())),
        };
        let live =
            if planned.external.is_some() || declared.is_some_and(|d| d.external_ref.is_some()) {
                externals.get(&planned.id).cloned().unwrap_or_default()
            } else {
                children.get(&planned.id).cloned().unwrap_or_default()
            };
        let mut objects: Vec<ObjectRef> = live.iter().map(|o| ObjectRef::of(o, true)).collect();
        if objects.is_empty() {
            objects = planned
                .desired
                .iter()
                .map(|o| ObjectRef::of(o, false))
                .collect();
        }
        if objects.is_empty()
            && let Some(reference) = &planned.external
            && reference.pointer("/metadata/name").is_some()
        {
            objects.push(ObjectRef::of(reference, false));
        }
        resources.push(ResourceStatus {
            id: planned.id.clone(),
            api_version: literal(declared.and_then(|d| d.api_version())),
            kind: literal(declared.and_then(|d| d.kind())),
            wave: planned.wave,
            external: planned.external.is_some()
                || declared.is_some_and(|d| d.external_ref.is_some()),
            collection: planned.collection,
            phase,
            ready,
            reason,
            objects,
        });
    }
    Ok(InstanceStatus {
        instance: head,
        resources,
        problem: None,
    })
}

/// The resources of an RGD that cannot be planned, with the children that exist.
fn unplanned(compiled: &Compiled, children: &BTreeMap<String, Vec<Json>>) -> Vec<ResourceStatus> {
    compiled
        .graph
        .order_ids()
        .into_iter()
        .filter_map(|id| compiled.rgd.resource(id))
        .map(|r| {
            let id = r.id.value.clone();
            ResourceStatus {
                api_version: r.api_version().map(|s| s.value),
                kind: r.kind().map(|s| s.value),
                wave: compiled
                    .graph
                    .index(&id)
                    .and_then(|i| compiled.graph.waves.get(i).copied())
                    .unwrap_or(0),
                external: r.external_ref.is_some(),
                collection: r.is_collection(),
                phase: "unknown",
                ready: None,
                reason: None,
                objects: children
                    .get(&id)
                    .map(|items| items.iter().map(|o| ObjectRef::of(o, true)).collect())
                    .unwrap_or_default(),
                id,
            }
        })
        .collect()
}

/// Reads objects of any kind, discovering each kind once.
struct Reader<'a> {
    connection: &'a Connection,
    discovered: HashMap<(String, String), Option<(ApiResource, bool)>>,
}

impl<'a> Reader<'a> {
    fn new(connection: &'a Connection) -> Self {
        Reader {
            connection,
            discovered: HashMap::new(),
        }
    }

    /// The API resource of a kind and whether it is namespaced; `None` when not served.
    async fn discover(&mut self, api_version: &str, kind: &str) -> Option<(ApiResource, bool)> {
        let key = (api_version.to_owned(), kind.to_owned());
        if let Some(found) = self.discovered.get(&key) {
            return found.clone();
        }
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let found = kube::discovery::pinned_kind(&self.connection.client, &gvk)
            .await
            .ok()
            .map(|(resource, capabilities)| {
                (resource, matches!(capabilities.scope, Scope::Namespaced))
            });
        self.discovered.insert(key, found.clone());
        found
    }

    /// The children of an instance by resource id: every object labelled with its uid, of
    /// every kind the graph's templates name.
    async fn children(
        &mut self,
        compiled: &Compiled,
        uid: &str,
        head: &Head,
    ) -> Result<BTreeMap<String, Vec<Json>>> {
        let mut kinds: Vec<(String, String)> = Vec::new();
        for resource in &compiled.rgd.resources {
            if resource.template.is_none() {
                continue;
            }
            if let (Some(v), Some(k)) = (resource.api_version(), resource.kind())
                && !v.value.contains("${")
                && !k.value.contains("${")
                && !kinds.contains(&(v.value.clone(), k.value.clone()))
            {
                kinds.push((v.value, k.value));
            }
        }
        let selector = format!("{INSTANCE_ID_LABEL}={uid}");
        let mut children: BTreeMap<String, Vec<Json>> = BTreeMap::new();
        for (api_version, kind) in kinds {
            let Some((resource, namespaced)) = self.discover(&api_version, &kind).await else {
                continue;
            };
            let params = ListParams::default().labels(&selector);
            let all: Api<DynamicObject> = Api::all_with(self.connection.client.clone(), &resource);
            let items = match all.list(&params).await {
                Ok(list) => list.items,
                // Allowed to read the instance's namespace only: look there.
                Err(kube::Error::Api(status)) if status.code == 403 && namespaced => {
                    let namespace = head.namespace.clone().unwrap_or_default();
                    Api::<DynamicObject>::namespaced_with(
                        self.connection.client.clone(),
                        &namespace,
                        &resource,
                    )
                    .list(&params)
                    .await
                    .map_err(|e| self.connection.error(e))
                    .with_context(|| format!("listing {} children", resource.kind))?
                    .items
                }
                Err(error) => {
                    return Err(self.connection.error(error))
                        .with_context(|| format!("listing {} children", resource.kind));
                }
            };
            for item in items {
                let Some(node) = item
                    .metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(NODE_ID_LABEL))
                else {
                    continue;
                };
                let node = node.clone();
                children
                    .entry(node)
                    .or_default()
                    .push(stripped(item, &resource)?);
            }
        }
        for items in children.values_mut() {
            items.sort_by_key(|o| {
                (
                    o.pointer("/metadata/namespace").map(Json::to_string),
                    o.pointer("/metadata/name").map(Json::to_string),
                )
            });
        }
        Ok(children)
    }

    /// Reads an external reference: GET by name, or LIST by selector. `None` when it does not
    /// exist or its kind is not served.
    async fn external(
        &mut self,
        reference: &Json,
        instance_namespace: &str,
        collection: bool,
    ) -> Result<Option<Vec<Json>>> {
        let text = |pointer: &str| {
            reference
                .pointer(pointer)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (api_version, kind) = (text("/apiVersion"), text("/kind"));
        let namespace = text("/metadata/namespace");
        let Some((resource, namespaced)) = self.discover(&api_version, &kind).await else {
            return Ok(None);
        };
        let client = self.connection.client.clone();
        if collection {
            let selector = selector_query(reference.pointer("/metadata/selector"));
            let api: Api<DynamicObject> = if namespace.is_empty() || !namespaced {
                Api::all_with(client, &resource)
            } else {
                Api::namespaced_with(client, &namespace, &resource)
            };
            let list = api
                .list(&ListParams::default().labels(&selector))
                .await
                .map_err(|e| self.connection.error(e))
                .with_context(|| format!("listing external {kind}"))?;
            let items = list
                .items
                .into_iter()
                .map(|o| stripped(o, &resource))
                .collect::<Result<_>>()?;
            return Ok(Some(items));
        }
        let name = text("/metadata/name");
        let api: Api<DynamicObject> = if namespaced {
            let namespace = if namespace.is_empty() {
                instance_namespace.to_owned()
            } else {
                namespace
            };
            Api::namespaced_with(client, &namespace, &resource)
        } else {
            Api::all_with(client, &resource)
        };
        let object = api
            .get_opt(&name)
            .await
            .map_err(|e| self.connection.error(e))
            .with_context(|| format!("reading external {kind} {name}"))?;
        object
            .map(|o| stripped(o, &resource).map(|o| vec![o]))
            .transpose()
    }
}

/// An object as JSON with its `apiVersion` and `kind` (lists leave them out) and without
/// managed fields.
fn stripped(object: DynamicObject, resource: &ApiResource) -> Result<Json> {
    let mut json = serde_json::to_value(object)?;
    if let Some(map) = json.as_object_mut() {
        map.insert(
            "apiVersion".into(),
            Json::String(resource.api_version.clone()),
        );
        map.insert("kind".into(), Json::String(resource.kind.clone()));
        if let Some(metadata) = map.get_mut("metadata").and_then(Json::as_object_mut) {
            metadata.remove("managedFields");
        }
    }
    Ok(json)
}

impl InstanceStatus {
    /// The instance, its conditions, and the tree of its children.
    pub fn render(&self, color: bool) -> String {
        let head = &self.instance;
        let mut out = String::new();
        let state = head.state.as_deref().unwrap_or("no state yet");
        let place = match &head.namespace {
            Some(ns) => format!(" in namespace {ns}"),
            None => String::new(),
        };
        out.push_str(&format!(
            "{}/{}{place} (RGD {}): {}\n\n",
            head.kind,
            head.name,
            head.rgd,
            painted(state, state_paint(head.state.as_deref()), color)
        ));
        if !head.conditions.is_empty() {
            let mut conditions = Table::new(&["CONDITION", "STATUS", "REASON", "MESSAGE"]);
            for c in &head.conditions {
                let text = |key: &str| c[key].as_str().unwrap_or_default().to_owned();
                let status = text("status");
                conditions.row(vec![
                    (text("type"), Paint::Plain),
                    (status.clone(), ready_paint(Some(status == "True"))),
                    (text("reason"), Paint::Plain),
                    (text("message"), Paint::Plain),
                ]);
            }
            out.push_str(&conditions.render(color));
            out.push('\n');
        }
        let mut tree = Table::new(&["RESOURCE", "ID", "READY", "STATUS"]);
        tree.row(vec![
            (format!("{}/{}", head.kind, head.name), Paint::Plain),
            (String::new(), Paint::Plain),
            (
                ready_text(Some(head.ready)).to_owned(),
                ready_paint(Some(head.ready)),
            ),
            (state.to_owned(), state_paint(head.state.as_deref())),
        ]);
        let count = self.resources.len();
        for (i, resource) in self.resources.iter().enumerate() {
            let last = i + 1 == count;
            let branch = if last { "└─ " } else { "├─ " };
            let status = match (&resource.reason, resource.phase, resource.ready) {
                (Some(reason), "excluded", _) => format!("excluded: {reason}"),
                (Some(reason), "failed", _) => format!("failed: {reason}"),
                (Some(reason), _, _) => reason.clone(),
                (None, _, Some(true)) => "Ready".to_owned(),
                (None, "unknown", _) => "unknown".to_owned(),
                (None, _, _) => String::new(),
            };
            let paint = match resource.phase {
                "excluded" | "unknown" => Paint::Dim,
                "failed" => Paint::Bad,
                "pending" => Paint::Waiting,
                _ => ready_paint(resource.ready),
            };
            let label = self.label(resource);
            tree.row(vec![
                (format!("{branch}{label}"), Paint::Plain),
                (resource.id.clone(), Paint::Plain),
                (ready_text(resource.ready).to_owned(), paint),
                (status, Paint::Plain),
            ]);
            if resource.collection {
                let stem = if last { "   " } else { "│  " };
                let items = resource.objects.len();
                for (j, object) in resource.objects.iter().enumerate() {
                    let branch = if j + 1 == items { "└─ " } else { "├─ " };
                    tree.row(vec![
                        (
                            format!("{stem}{branch}{}", self.object_label(object)),
                            Paint::Plain,
                        ),
                        (String::new(), Paint::Plain),
                        (String::new(), Paint::Plain),
                        (
                            if object.exists {
                                String::new()
                            } else {
                                "does not exist yet".to_owned()
                            },
                            Paint::Plain,
                        ),
                    ]);
                }
            }
        }
        out.push_str(&tree.render(color));
        if let Some(problem) = &self.problem {
            out.push_str(&format!(
                "\n{}: {problem}\n",
                painted("cannot explain the children", Paint::Bad, color)
            ));
        }
        out
    }

    /// How a resource is named in the tree.
    fn label(&self, resource: &ResourceStatus) -> String {
        let kind = resource
            .kind
            .clone()
            .or_else(|| resource.objects.first().map(|o| o.kind.clone()))
            .unwrap_or_else(|| resource.id.clone());
        let mut notes = Vec::new();
        if resource.external {
            notes.push("external".to_owned());
        }
        let name = if resource.collection {
            let n = resource.objects.iter().filter(|o| o.exists).count();
            format!("{kind} [{n}]")
        } else {
            match resource.objects.first() {
                Some(object) => {
                    notes.extend(self.namespace_note(object));
                    format!("{}/{}", object.kind, object.name)
                }
                None => kind,
            }
        };
        with_notes(name, &notes)
    }

    /// `Kind/name`, with the namespace when it is not the instance's.
    fn object_label(&self, object: &ObjectRef) -> String {
        let notes: Vec<String> = self.namespace_note(object).into_iter().collect();
        with_notes(format!("{}/{}", object.kind, object.name), &notes)
    }

    fn namespace_note(&self, object: &ObjectRef) -> Option<String> {
        match &object.namespace {
            Some(ns) if Some(ns) != self.instance.namespace.as_ref() => {
                Some(format!("namespace {ns}"))
            }
            _ => None,
        }
    }
}

fn with_notes(name: String, notes: &[String]) -> String {
    if notes.is_empty() {
        name
    } else {
        format!("{name} ({})", notes.join(", "))
    }
}

fn ready_text(ready: Option<bool>) -> &'static str {
    match ready {
        Some(true) => "True",
        Some(false) => "False",
        None => "-",
    }
}

fn ready_paint(ready: Option<bool>) -> Paint {
    match ready {
        Some(true) => Paint::Good,
        Some(false) => Paint::Bad,
        None => Paint::Dim,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(kind: &str, name: &str, namespace: &str, exists: bool) -> ObjectRef {
        ObjectRef {
            api_version: "v1".into(),
            kind: kind.into(),
            namespace: Some(namespace.into()),
            name: name.into(),
            exists,
        }
    }

    fn resource(id: &str, kind: &str, phase: &'static str, ready: Option<bool>) -> ResourceStatus {
        ResourceStatus {
            id: id.into(),
            api_version: Some("v1".into()),
            kind: Some(kind.into()),
            wave: 0,
            external: false,
            collection: false,
            phase,
            ready,
            reason: None,
            objects: Vec::new(),
        }
    }

    #[test]
    fn the_tree_names_each_child_and_why_it_is_not_ready() {
        let mut config = resource("config", "ConfigMap", "resolved", Some(true));
        config.objects = vec![object("ConfigMap", "shop-config", "shop", true)];
        let mut secret = resource("secret", "Secret", "resolved", Some(true));
        secret.external = true;
        secret.objects = vec![object("Secret", "creds", "vault", true)];
        let mut deployment = resource("deployment", "Deployment", "resolved", Some(false));
        deployment.objects = vec![object("Deployment", "shop", "shop", true)];
        deployment.reason = Some("readyWhen `${deployment.spec.replicas > 1}` is false".into());
        let mut pods = resource("pods", "ConfigMap", "pending", Some(false));
        pods.collection = true;
        pods.reason = Some("waiting for its dependency: `deployment` is not ready".into());
        pods.objects = vec![
            object("ConfigMap", "a", "shop", true),
            object("ConfigMap", "b", "shop", false),
        ];
        let mut service = resource("service", "Service", "excluded", None);
        service.reason = Some("includeWhen `${schema.spec.expose}` is false".into());
        let status = InstanceStatus {
            instance: Head {
                api_version: "kro.run/v1alpha1".into(),
                kind: "WebApp".into(),
                namespace: Some("shop".into()),
                name: "shop".into(),
                uid: "u".into(),
                rgd: "webapp".into(),
                state: Some("IN_PROGRESS".into()),
                ready: false,
                conditions: vec![json!({
                    "type": "Ready", "status": "False", "reason": "NotReady",
                    "message": "deployment is not ready"
                })],
            },
            resources: vec![config, secret, deployment, pods, service],
            problem: None,
        };
        let expected = "\
WebApp/shop in namespace shop (RGD webapp): IN_PROGRESS

CONDITION   STATUS   REASON     MESSAGE
Ready       False    NotReady   deployment is not ready

RESOURCE                                      ID           READY   STATUS
WebApp/shop                                                False   IN_PROGRESS
├─ ConfigMap/shop-config                      config       True    Ready
├─ Secret/creds (external, namespace vault)   secret       True    Ready
├─ Deployment/shop                            deployment   False   readyWhen `${deployment.spec.replicas > 1}` is false
├─ ConfigMap [1]                              pods         False   waiting for its dependency: `deployment` is not ready
│  ├─ ConfigMap/a
│  └─ ConfigMap/b                                                  does not exist yet
└─ Service                                    service      -       excluded: includeWhen `${schema.spec.expose}` is false
";
        let rendered = status.render(false);
        assert_eq!(rendered, expected, "\n{rendered}");
    }
}
