//! What every reconcile shares: the client, the settings, the metrics, the served kinds and a
//! cache of discovered resources.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use kube::api::{ApiResource, GroupVersionKind};
use kube::discovery::Scope;
use tokio::sync::Mutex;

use super::Settings;
use super::error::Error;
use super::events::Events;
use super::kinds::Kinds;
use super::metrics::Metrics;
use super::watches::Watches;

/// A resource as discovery described it.
#[derive(Clone, Debug)]
pub struct Discovered {
    /// How to address it.
    pub resource: ApiResource,
    /// Whether it lives in namespaces.
    pub namespaced: bool,
}

/// Shared by the RGD controller and every instance controller.
pub struct Context {
    /// The API client.
    pub client: kube::Client,
    /// The command line's choices.
    pub settings: Settings,
    /// The Prometheus families.
    pub metrics: Arc<Metrics>,
    /// The kinds being served.
    pub kinds: Kinds,
    /// Kubernetes Events.
    pub events: Events,
    /// Watches shared by the served kinds.
    pub watches: Watches,
    /// RGDs whose graph was not accepted: reconciled again when any CRD changes (a missing
    /// kind may have been installed).
    pub unaccepted: std::sync::Mutex<BTreeSet<String>>,
    ready: AtomicBool,
    discovered: Mutex<HashMap<(String, String), Discovered>>,
}

impl Context {
    /// A context with nothing served yet.
    pub fn new(client: kube::Client, settings: Settings, metrics: Arc<Metrics>) -> Context {
        Context {
            events: Events::new(client.clone()),
            client,
            settings,
            metrics,
            kinds: Kinds::default(),
            watches: Watches::default(),
            unaccepted: std::sync::Mutex::new(BTreeSet::new()),
            ready: AtomicBool::new(false),
            discovered: Mutex::new(HashMap::new()),
        }
    }

    /// Whether /readyz answers ok (leadership taken, controllers started).
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }

    /// Sets readiness.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Relaxed);
    }

    /// The resource serving `kind` of `api_version`, asked of discovery once and then cached.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownKind`] when the API server does not serve it.
    pub async fn discover(&self, api_version: &str, kind: &str) -> Result<Discovered, Error> {
        let key = (api_version.to_owned(), kind.to_owned());
        if let Some(found) = self.discovered.lock().await.get(&key) {
            return Ok(found.clone());
        }
        let (group, version) = match api_version.rsplit_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let (resource, capabilities) = kube::discovery::pinned_kind(&self.client, &gvk)
            .await
            .map_err(|source| Error::UnknownKind {
                api_version: api_version.to_owned(),
                kind: kind.to_owned(),
                source,
            })?;
        let found = Discovered {
            resource,
            namespaced: matches!(capabilities.scope, Scope::Namespaced),
        };
        self.discovered.lock().await.insert(key, found.clone());
        Ok(found)
    }

    /// Forgets what discovery said (after CRDs change).
    pub async fn forget(&self, api_version: &str, kind: &str) {
        self.discovered
            .lock()
            .await
            .remove(&(api_version.to_owned(), kind.to_owned()));
    }
}
