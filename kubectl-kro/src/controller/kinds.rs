//! The kinds being served: one instance controller per RGD, restarted when its graph changes
//! and stopped when the RGD goes.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;

use super::Context;
use super::instance::{self, Kind};

struct Served {
    key: String,
    crd_name: String,
    kind: Arc<Kind>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// Every served kind, by RGD name.
#[derive(Default)]
pub struct Kinds {
    served: Mutex<HashMap<String, Served>>,
    /// Child kinds any graph of an RGD ever used, so pruning finds children of resources
    /// since removed from the RGD.
    seen: Mutex<HashMap<String, BTreeSet<(String, String)>>>,
}

impl Kinds {
    /// The key (RGD uid and generation) of the graph served for `rgd`, if any.
    pub async fn serving(&self, rgd: &str) -> Option<String> {
        self.served.lock().await.get(rgd).map(|s| s.key.clone())
    }

    /// Serves `kind` for `rgd` with the graph identified by `key`, replacing what was served.
    pub async fn serve(&self, ctx: Arc<Context>, rgd: &str, key: String, mut kind: Kind) {
        let mut served = self.served.lock().await;
        if served.get(rgd).is_some_and(|s| s.key == key) {
            return;
        }
        if let Some(old) = served.remove(rgd) {
            finish(old).await;
        }
        {
            let mut seen = self.seen.lock().await;
            let kinds = seen.entry(rgd.to_owned()).or_default();
            kinds.extend(kind.child_kinds.iter().cloned());
            kind.child_kinds = kinds.clone();
        }
        let crd_name = kind.crd_name.clone();
        let (stop, mut stopped) = watch::channel(false);
        tracing::info!(rgd, kind = %kind.resource.kind, "serving instances");
        let kind = Arc::new(kind);
        let task = tokio::spawn(instance::run(ctx, kind.clone(), async move {
            let _ = stopped.wait_for(|s| *s).await;
        }));
        served.insert(
            rgd.to_owned(),
            Served {
                key,
                crd_name,
                kind,
                stop,
                task,
            },
        );
    }

    /// The RGD is gone: its instances are no longer reconciled, but deleting one still deletes
    /// its children and removes its finalizer (with the last graph), for as long as the kind
    /// exists. Returns the CRD name it served and the key of that graph.
    pub async fn retire(&self, rgd: &str) -> Option<(String, String)> {
        let served = self.served.lock().await;
        let old = served.get(rgd)?;
        old.kind.retire();
        Some((old.crd_name.clone(), old.key.clone()))
    }

    /// Stops serving `rgd` if it still serves the graph `key` (a retired kind whose CRD is
    /// gone; a recreated RGD has another key and keeps being served).
    pub async fn stop_if(&self, rgd: &str, key: &str) {
        let mut served = self.served.lock().await;
        if served.get(rgd).is_some_and(|s| s.key == key)
            && let Some(old) = served.remove(rgd)
        {
            drop(served);
            finish(old).await;
        }
    }

    /// Stops every kind (shutdown).
    pub async fn stop_all(&self) {
        let all: Vec<Served> = self.served.lock().await.drain().map(|(_, s)| s).collect();
        for served in all {
            finish(served).await;
        }
    }
}

async fn finish(served: Served) {
    let _ = served.stop.send(true);
    let mut task = served.task;
    if tokio::time::timeout(Duration::from_secs(10), &mut task)
        .await
        .is_err()
    {
        task.abort();
    }
}
