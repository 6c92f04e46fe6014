//! Publishing diagnostics: debounced per document, newest edit wins.
//!
//! Each edit schedules a run that waits a short quiet period, then analyses the current
//! snapshot off the async threads and publishes with its version. A newer edit aborts the
//! pending run, and a run whose version is no longer current publishes nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::Uri;

use crate::documents::Documents;
use crate::handlers;

/// The quiet period before diagnostics are computed, unless the client sets
/// `initializationOptions.diagnosticsDebounceMs`.
pub(crate) const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(50);

pub(crate) struct Publisher {
    client: Client,
    documents: Arc<Documents>,
    pending: Mutex<HashMap<Uri, JoinHandle<()>>>,
    debounce: Mutex<Duration>,
}

impl Publisher {
    pub(crate) fn new(client: Client, documents: Arc<Documents>) -> Self {
        Publisher {
            client,
            documents,
            pending: Mutex::default(),
            debounce: Mutex::new(DEFAULT_DEBOUNCE),
        }
    }

    pub(crate) fn set_debounce(&self, debounce: Duration) {
        *self.debounce.lock().unwrap_or_else(|e| e.into_inner()) = debounce;
    }

    /// Schedules diagnostics for the document's current version, cancelling older runs.
    pub(crate) fn schedule(&self, uri: Uri) {
        let debounce = *self.debounce.lock().unwrap_or_else(|e| e.into_inner());
        let (client, documents) = (self.client.clone(), self.documents.clone());
        let task_uri = uri.clone();
        let task = tokio::spawn(async move {
            tokio::time::sleep(debounce).await;
            publish(client, documents, task_uri).await;
        });
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|_, task| !task.is_finished());
        if let Some(older) = pending.insert(uri, task) {
            older.abort();
        }
    }

    /// Cancels pending runs and clears what was published for a closed document.
    pub(crate) async fn closed(&self, uri: Uri, had_diagnostics: bool) {
        let older = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&uri);
        if let Some(older) = older {
            older.abort();
        }
        if had_diagnostics {
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }
}

async fn publish(client: Client, documents: Arc<Documents>, uri: Uri) {
    let Some(snapshot) = documents.snapshot(&uri) else {
        return;
    };
    let version = snapshot.version;
    let computed = tokio::task::spawn_blocking(move || handlers::diagnostics::compute(&snapshot));
    let diagnostics = match computed.await {
        Ok(diagnostics) => diagnostics,
        Err(error) => {
            tracing::error!(uri = uri.as_str(), %error, "computing diagnostics failed");
            return;
        }
    };
    if documents.version(&uri) != Some(version) {
        return; // a newer edit has its own run
    }
    let published = diagnostics.as_ref().is_some_and(|d| !d.is_empty());
    let was_published = documents.set_published(&uri, published);
    match diagnostics {
        Some(diagnostics) => {
            client
                .publish_diagnostics(uri, diagnostics, Some(version))
                .await;
        }
        // Not an RGD (any more): clear what we said about it before, then stay quiet.
        None if was_published => {
            client
                .publish_diagnostics(uri, Vec::new(), Some(version))
                .await
        }
        None => {}
    }
}
