//! The list view of `kubectl kro status`: every RGD with its state and instance counts, and
//! the instances with their state and the reason they are not ready.

use std::collections::BTreeMap;

use anyhow::{Context, Result, anyhow};
use kube::Api;
use kube::api::{DynamicObject, ListParams};
use serde::Serialize;
use serde_json::Value as Json;

use super::{condition, find_kind, instance_ready};
use crate::cluster_rgd::{self, DefinedKind};
use crate::kube_client::Connection;
use crate::output::{Paint, Table};

/// RGDs and instances.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    /// Every RGD (or the one defining the kind asked for).
    pub rgds: Vec<RgdSummary>,
    /// Their instances in the namespace (or all namespaces).
    pub instances: Vec<InstanceSummary>,
}

/// One RGD.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RgdSummary {
    /// Its name.
    pub name: String,
    /// The kind it defines.
    pub kind: Option<String>,
    /// `group/version` of that kind.
    pub api_version: Option<String>,
    /// `status.state` (`Active`, `Inactive`).
    pub state: Option<String>,
    /// Whether it is `Active`.
    pub ready: bool,
    /// How many of the instances listed are in each state (`unknown` when they have none yet).
    pub instances: BTreeMap<String, usize>,
}

/// One instance.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceSummary {
    /// `group/version`.
    pub api_version: String,
    /// The kind.
    pub kind: String,
    /// Its namespace (none for cluster-scoped kinds).
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// `status.state`.
    pub state: Option<String>,
    /// `ACTIVE` with a `Ready` condition that is `True`.
    pub ready: bool,
    /// The `Ready` condition's message when it is not `True`.
    pub reason: Option<String>,
}

impl Overview {
    /// Whether every RGD is Active and every instance ready.
    pub fn ready(&self) -> bool {
        self.rgds.iter().all(|r| r.ready) && self.instances.iter().all(|i| i.ready)
    }

    /// Two tables: RGDs, then instances.
    pub fn render(&self, all_namespaces: bool, namespace: &str, color: bool) -> String {
        let mut out = String::new();
        if self.rgds.is_empty() {
            out.push_str("No ResourceGraphDefinitions found.\n");
            return out;
        }
        let mut rgds = Table::new(&["RGD", "KIND", "STATE", "INSTANCES"]);
        for rgd in &self.rgds {
            let counts: Vec<String> = rgd
                .instances
                .iter()
                .map(|(state, n)| format!("{n} {state}"))
                .collect();
            rgds.row(vec![
                (rgd.name.clone(), Paint::Plain),
                (rgd.kind.clone().unwrap_or_else(|| "-".into()), Paint::Plain),
                (
                    rgd.state.clone().unwrap_or_else(|| "-".into()),
                    if rgd.ready { Paint::Good } else { Paint::Bad },
                ),
                (
                    if counts.is_empty() {
                        "0".to_owned()
                    } else {
                        counts.join(", ")
                    },
                    Paint::Plain,
                ),
            ]);
        }
        out.push_str(&rgds.render(color));
        out.push('\n');
        if self.instances.is_empty() {
            if all_namespaces {
                out.push_str("No instances found.\n");
            } else {
                out.push_str(&format!("No instances found in namespace {namespace}.\n"));
            }
            return out;
        }
        let mut header = vec!["KIND", "NAME", "STATE", "READY", "REASON"];
        if all_namespaces {
            header.insert(0, "NAMESPACE");
        }
        let mut instances = Table::new(&header);
        for i in &self.instances {
            let mut row = vec![
                (i.kind.clone(), Paint::Plain),
                (i.name.clone(), Paint::Plain),
                (
                    i.state.clone().unwrap_or_else(|| "-".into()),
                    state_paint(i.state.as_deref()),
                ),
                (
                    if i.ready { "True" } else { "False" }.to_owned(),
                    if i.ready { Paint::Good } else { Paint::Bad },
                ),
                (i.reason.clone().unwrap_or_default(), Paint::Plain),
            ];
            if all_namespaces {
                row.insert(0, (i.namespace.clone().unwrap_or_default(), Paint::Plain));
            }
            instances.row(row);
        }
        out.push_str(&instances.render(color));
        out
    }
}

/// How an instance state is painted.
pub fn state_paint(state: Option<&str>) -> Paint {
    match state {
        Some("ACTIVE") => Paint::Good,
        Some("ERROR") => Paint::Bad,
        Some("DELETING") => Paint::Dim,
        _ => Paint::Waiting,
    }
}

/// Lists RGDs and their instances.
pub async fn read(
    connection: &Connection,
    kind: Option<&str>,
    all_namespaces: bool,
) -> Result<Overview> {
    let rgds = list_rgds(connection).await?;
    let kinds: Vec<DefinedKind> = rgds.iter().filter_map(DefinedKind::of).collect();
    let selected: Vec<&DynamicObject> = match kind {
        Some(kind) => {
            let defined = find_kind(&kinds, kind)?;
            rgds.iter()
                .filter(|r| r.metadata.name.as_deref() == Some(defined.rgd.as_str()))
                .collect()
        }
        None => rgds.iter().collect(),
    };
    let mut overview = Overview {
        rgds: Vec::new(),
        instances: Vec::new(),
    };
    for rgd in selected {
        let name = rgd.metadata.name.clone().unwrap_or_default();
        let defined = DefinedKind::of(rgd);
        let state = rgd
            .data
            .pointer("/status/state")
            .and_then(Json::as_str)
            .map(str::to_owned);
        let mut summary = RgdSummary {
            name,
            kind: defined.as_ref().map(|d| d.kind.clone()),
            api_version: defined.as_ref().map(DefinedKind::api_version),
            ready: state.as_deref() == Some("Active"),
            state,
            instances: BTreeMap::new(),
        };
        if let Some(defined) = &defined {
            for instance in list_instances(connection, defined, all_namespaces).await? {
                let object = serde_json::to_value(&instance)?;
                let (state, ready) = instance_ready(&object);
                *summary
                    .instances
                    .entry(state.clone().unwrap_or_else(|| "unknown".to_owned()))
                    .or_default() += 1;
                let reason = condition(&object, "Ready")
                    .filter(|c| c["status"] != "True")
                    .and_then(|c| c["message"].as_str().or(c["reason"].as_str()))
                    .map(str::to_owned);
                overview.instances.push(InstanceSummary {
                    api_version: defined.api_version(),
                    kind: defined.kind.clone(),
                    namespace: instance.metadata.namespace.clone(),
                    name: instance.metadata.name.clone().unwrap_or_default(),
                    state,
                    ready,
                    reason,
                });
            }
        }
        overview.rgds.push(summary);
    }
    overview
        .instances
        .sort_by(|a, b| (&a.namespace, &a.kind, &a.name).cmp(&(&b.namespace, &b.kind, &b.name)));
    Ok(overview)
}

/// Every RGD, with a message that says what to do when kro is not installed.
pub async fn list_rgds(connection: &Connection) -> Result<Vec<DynamicObject>> {
    match cluster_rgd::list(&connection.client).await {
        Ok(rgds) => Ok(rgds),
        Err(kube::Error::Api(status)) if status.code == 404 => Err(anyhow!(
            "the cluster at {} has no ResourceGraphDefinition API: kro is not installed (kubectl kro install)",
            connection.url
        )),
        Err(error) => Err(connection.error(error)).context("listing ResourceGraphDefinitions"),
    }
}

/// The instances of a kind in the connection's namespace (or all); none when the kind is
/// not served (its CRD is not there yet).
async fn list_instances(
    connection: &Connection,
    defined: &DefinedKind,
    all_namespaces: bool,
) -> Result<Vec<DynamicObject>> {
    let resource = defined.api_resource();
    let api: Api<DynamicObject> = if all_namespaces || !defined.namespaced {
        Api::all_with(connection.client.clone(), &resource)
    } else {
        Api::namespaced_with(connection.client.clone(), &connection.namespace, &resource)
    };
    match api.list(&ListParams::default()).await {
        Ok(list) => Ok(list.items),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(Vec::new()),
        Err(error) => {
            Err(connection.error(error)).with_context(|| format!("listing {}", defined.plural))
        }
    }
}
