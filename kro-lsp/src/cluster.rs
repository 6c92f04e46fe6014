//! Cluster mode: the schemas of the CRDs in the current kube context, so templates of custom
//! kinds are type-checked as the controller checks them, and an RGD's schema is checked for
//! breaking changes against the CRD it generated in that cluster.
//!
//! Off unless the client turns it on (`initializationOptions` or
//! `workspace/didChangeConfiguration`: `clusterMode: true`, optionally `clusterContext`; or
//! `cluster: {enabled, context}` as the VS Code extension sends it). The CRDs are listed in the
//! background, never on a request: documents are analysed offline until they arrive, then
//! every open document is analysed again and its diagnostics re-published. The list is kept
//! (the cache) and refreshed every [`REFRESH`]; an unreachable cluster is said once in the
//! editor's log, and analysis carries on with the last schemas read, or offline.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_core::compile::Options;
use kro_core::ide::Baselines;
use kro_core::openapi::CrdSchemas;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::Value;
use tokio::task::JoinHandle;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::MessageType;

use crate::documents::{Documents, Inputs};
use crate::publish::Publisher;

/// How often the CRDs are listed again while cluster mode is on.
const REFRESH: Duration = Duration::from_secs(60);

/// How long one reading (kubeconfig, credentials, listing) may take before it counts as a
/// failure.
const TIMEOUT: Duration = Duration::from_secs(20);

/// What the client asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Whether to read CRDs from the cluster.
    pub(crate) enabled: bool,
    /// The kube context; the kubeconfig's current one when `None`.
    pub(crate) context: Option<String>,
}

impl Settings {
    /// The settings in `value` (initialization options, or the `settings` of
    /// `didChangeConfiguration`, possibly under a `kro` key); `None` if it names none.
    pub(crate) fn from_json(value: &Value) -> Option<Settings> {
        let value = value.get("kro").filter(|v| v.is_object()).unwrap_or(value);
        let context = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
        };
        if let Some(enabled) = value.get("clusterMode").and_then(Value::as_bool) {
            return Some(Settings {
                enabled,
                context: context(value.get("clusterContext")),
            });
        }
        match value.get("cluster")? {
            Value::Bool(enabled) => Some(Settings {
                enabled: *enabled,
                context: None,
            }),
            cluster @ Value::Object(_) => Some(Settings {
                enabled: cluster.get("enabled").and_then(Value::as_bool)?,
                context: context(cluster.get("context")),
            }),
            _ => None,
        }
    }
}

/// Why the CRDs could not be read.
#[derive(Debug, thiserror::Error)]
enum FetchError {
    /// No kubeconfig, or one that cannot be read or used.
    #[error("cannot use the kubeconfig: {0}")]
    Kubeconfig(String),
    /// The API server did not answer, or refused.
    #[error("cannot list CRDs at {url}: {cause}")]
    Unreachable { url: String, cause: String },
    /// Reading the kubeconfig and listing took longer than [`TIMEOUT`].
    #[error("reading the CRDs took longer than {}s", TIMEOUT.as_secs())]
    Timeout,
}

/// The CRDs of one listing.
struct Fetched {
    context: Option<String>,
    schemas: CrdSchemas,
    /// The same CRDs whole, for breaking changes.
    baselines: Baselines,
    crds: usize,
    kinds: usize,
    /// Names and resource versions: what changed between listings.
    fingerprint: Vec<(String, String)>,
}

/// The cluster-mode state of a session.
pub(crate) struct Cluster {
    client: Client,
    documents: Arc<Documents>,
    publisher: Arc<Publisher>,
    settings: Mutex<Settings>,
    task: Mutex<Option<JoinHandle<()>>>,
    /// Whether the client takes `workspace/inlayHint/refresh` (status types may change with
    /// the schemas).
    refresh_inlay_hints: std::sync::atomic::AtomicBool,
}

impl Cluster {
    pub(crate) fn new(
        client: Client,
        documents: Arc<Documents>,
        publisher: Arc<Publisher>,
    ) -> Self {
        Cluster {
            client,
            documents,
            publisher,
            settings: Mutex::default(),
            task: Mutex::default(),
            refresh_inlay_hints: Default::default(),
        }
    }

    /// Whether to ask the client to refresh inlay hints when the schemas change.
    pub(crate) fn set_refresh_inlay_hints(&self, refresh: bool) {
        self.refresh_inlay_hints
            .store(refresh, std::sync::atomic::Ordering::Relaxed);
    }

    /// Applies new settings: starts reading the cluster, switches to another context, or goes
    /// back offline. Returns at once.
    pub(crate) fn configure(&self, settings: Settings) {
        let previous = std::mem::replace(&mut *lock(&self.settings), settings.clone());
        if previous == settings {
            return;
        }
        if let Some(task) = lock(&self.task).take() {
            task.abort();
        }
        if settings.enabled {
            let (client, documents, publisher) = (
                self.client.clone(),
                self.documents.clone(),
                self.publisher.clone(),
            );
            let refresh = self
                .refresh_inlay_hints
                .load(std::sync::atomic::Ordering::Relaxed);
            let task = tokio::spawn(watch(settings, refresh, client, documents, publisher));
            *lock(&self.task) = Some(task);
        } else if previous.enabled {
            reanalyse(&self.documents, &self.publisher, Inputs::default());
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.task).take() {
            task.abort();
        }
    }
}

/// Lists the CRDs now and every [`REFRESH`]; re-analyses open documents when they change.
async fn watch(
    settings: Settings,
    refresh_inlay_hints: bool,
    client: Client,
    documents: Arc<Documents>,
    publisher: Arc<Publisher>,
) {
    let mut last: Option<Vec<(String, String)>> = None;
    let mut failing = false;
    loop {
        let fetched = tokio::time::timeout(TIMEOUT, fetch(settings.context.as_deref())).await;
        match fetched.unwrap_or(Err(FetchError::Timeout)) {
            Ok(fetched) => {
                failing = false;
                if last.as_ref() != Some(&fetched.fingerprint) {
                    let context = fetched
                        .context
                        .as_deref()
                        .map_or_else(String::new, |c| format!(" of context {c}"));
                    let message = format!(
                        "kro: cluster mode: {} kinds from {} CRDs{context}; templates of those kinds are type-checked and RGD schemas compared with their CRDs",
                        fetched.kinds, fetched.crds
                    );
                    tracing::info!("{message}");
                    client.log_message(MessageType::INFO, message).await;
                    last = Some(fetched.fingerprint);
                    let inputs = Inputs {
                        options: Options::with_crds(fetched.schemas),
                        baselines: Arc::new(fetched.baselines),
                    };
                    reanalyse(&documents, &publisher, inputs);
                    if refresh_inlay_hints && let Err(error) = client.inlay_hint_refresh().await {
                        tracing::debug!(%error, "the client refused to refresh inlay hints");
                    }
                }
            }
            Err(error) => {
                if !failing {
                    let kept = if last.is_some() {
                        "the CRDs read before"
                    } else {
                        "built-in kinds only (offline)"
                    };
                    let message = format!(
                        "kro: cluster mode: {error}; checking with {kept}, retrying every {}s",
                        REFRESH.as_secs()
                    );
                    tracing::warn!("{message}");
                    client.log_message(MessageType::WARNING, message).await;
                }
                failing = true;
            }
        }
        tokio::time::sleep(REFRESH).await;
    }
}

/// Analyses every open document again with `inputs`, and publishes its diagnostics.
fn reanalyse(documents: &Documents, publisher: &Publisher, inputs: Inputs) {
    for uri in documents.set_inputs(inputs) {
        publisher.schedule(uri);
    }
}

/// One listing of the CRDs of `context` (the current one when `None`).
async fn fetch(context: Option<&str>) -> Result<Fetched, FetchError> {
    let kubeconfig = Kubeconfig::read().map_err(|e| FetchError::Kubeconfig(innermost(&e)))?;
    let context = context
        .map(str::to_owned)
        .or_else(|| kubeconfig.current_context.clone());
    let options = KubeConfigOptions {
        context: context.clone(),
        ..KubeConfigOptions::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| FetchError::Kubeconfig(innermost(&e)))?;
    let url = config.cluster_url.to_string();
    let unreachable = |e: kube::Error| FetchError::Unreachable {
        url: url.clone(),
        cause: innermost(&e),
    };
    let client = kube::Client::try_from(config).map_err(unreachable)?;
    let crds: Api<CustomResourceDefinition> = Api::all(client);
    let list = crds
        .list(&ListParams::default())
        .await
        .map_err(unreachable)?;
    let mut schemas = CrdSchemas::new();
    let mut baselines = Baselines::new();
    let (mut kinds, mut fingerprint) = (0, Vec::new());
    for crd in &list.items {
        let Ok(value) = serde_json::to_value(crd) else {
            continue;
        };
        // A CRD core cannot use is skipped; its kinds stay unchecked, as offline.
        kinds += schemas.add_crd(&value).unwrap_or(0);
        baselines.add_crd(value);
        fingerprint.push((
            crd.metadata.name.clone().unwrap_or_default(),
            crd.metadata.resource_version.clone().unwrap_or_default(),
        ));
    }
    fingerprint.sort();
    Ok(Fetched {
        context,
        schemas,
        baselines,
        crds: list.items.len(),
        kinds,
        fingerprint,
    })
}

/// The innermost cause of an error: what actually went wrong.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = error;
    while let Some(next) = deepest.source() {
        deepest = next;
    }
    deepest.to_string()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Settings;

    #[test]
    fn settings_in_every_shape_clients_send() {
        let on = |context: Option<&str>| {
            Some(Settings {
                enabled: true,
                context: context.map(str::to_owned),
            })
        };
        assert_eq!(Settings::from_json(&json!({"clusterMode": true})), on(None));
        assert_eq!(
            Settings::from_json(&json!({"kro": {"clusterMode": true, "clusterContext": "a"}})),
            on(Some("a"))
        );
        assert_eq!(
            Settings::from_json(&json!({"cluster": {"enabled": true, "context": null}})),
            on(None)
        );
        assert_eq!(
            Settings::from_json(&json!({"cluster": {"enabled": true, "context": "b"}})),
            on(Some("b"))
        );
        assert_eq!(Settings::from_json(&json!({"cluster": true})), on(None));
        assert_eq!(
            Settings::from_json(&json!({"clusterMode": false})),
            Some(Settings::default())
        );
        assert_eq!(
            Settings::from_json(&json!({"diagnosticsDebounceMs": 5})),
            None
        );
        assert_eq!(Settings::from_json(&json!(null)), None);
    }
}
