//! Watches shared across served kinds: one metadata-only watch per resource and label selector,
//! however many RGDs use that kind, reference-counted — the watch stops when the last kind
//! using it stops. Each subscriber filters the events it cares about.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use futures::{Stream, StreamExt};
use kube::Api;
use kube::api::{ApiResource, DynamicObject};
use kube::core::PartialObjectMeta;
use kube::runtime::{WatchStreamExt, watcher};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

/// The metadata of an object that was created, changed or deleted.
pub type Touched = Arc<PartialObjectMeta<DynamicObject>>;

/// How many events a slow subscriber may fall behind before it misses some (it then sees the
/// next ones; the periodic resync covers what it missed).
const BACKLOG: usize = 4096;

/// `(apiVersion, kind, label selector)`.
type Key = (String, String, String);

/// The registry of running watches.
#[derive(Default)]
pub struct Watches {
    running: Mutex<HashMap<Key, Weak<Watch>>>,
}

/// One running watch; stopped when the last subscription drops it.
struct Watch {
    sender: broadcast::Sender<Touched>,
    task: JoinHandle<()>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A subscriber's share of a watch.
pub struct Subscription {
    watch: Arc<Watch>,
}

impl Watches {
    /// Subscribes to the metadata events of `resource` objects matching `selector` (empty: all),
    /// starting the watch if nobody watches them yet.
    pub fn subscribe(
        &self,
        client: &kube::Client,
        resource: &ApiResource,
        selector: &str,
    ) -> Subscription {
        let key = (
            resource.api_version.clone(),
            resource.kind.clone(),
            selector.to_owned(),
        );
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(watch) = running.get(&key).and_then(Weak::upgrade) {
            return Subscription { watch };
        }
        let (sender, _) = broadcast::channel(BACKLOG);
        let task = tokio::spawn(forward(
            Api::all_with(client.clone(), resource),
            selector.to_owned(),
            sender.clone(),
        ));
        let watch = Arc::new(Watch { sender, task });
        running.retain(|_, w| w.strong_count() > 0);
        running.insert(key, Arc::downgrade(&watch));
        Subscription { watch }
    }

    /// How many watches are running.
    #[cfg(test)]
    pub fn running(&self) -> usize {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.values().filter(|w| w.strong_count() > 0).count()
    }
}

impl Subscription {
    /// The events from now on, as a stream that keeps the watch alive while it is polled.
    pub fn into_stream(self) -> impl Stream<Item = Touched> + Send + 'static {
        let receiver = self.watch.sender.subscribe();
        futures::stream::unfold(
            (self, receiver),
            |(subscription, mut receiver)| async move {
                loop {
                    match receiver.recv().await {
                        Ok(touched) => return Some((touched, (subscription, receiver))),
                        Err(broadcast::error::RecvError::Lagged(missed)) => {
                            tracing::warn!(missed, "a watch subscriber fell behind");
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            },
        )
    }
}

/// Runs the watch, sending every touched object to the subscribers.
async fn forward(
    api: Api<PartialObjectMeta<DynamicObject>>,
    selector: String,
    sender: broadcast::Sender<Touched>,
) {
    let mut config = watcher::Config::default();
    if !selector.is_empty() {
        config = config.labels(&selector);
    }
    // An `Api` of `PartialObjectMeta` asks for metadata only: objects' bodies never travel.
    let mut events = watcher(api, config)
        .default_backoff()
        .touched_objects()
        .boxed();
    while let Some(event) = events.next().await {
        match event {
            // No subscriber right now is fine: events are triggers, not state.
            Ok(object) => {
                let _ = sender.send(Arc::new(object));
            }
            Err(error) => tracing::debug!(%error, "watch error; retrying"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(kind: &str) -> ApiResource {
        ApiResource {
            group: String::new(),
            version: "v1".into(),
            api_version: "v1".into(),
            kind: kind.into(),
            plural: format!("{}s", kind.to_lowercase()),
        }
    }

    #[tokio::test]
    async fn one_watch_per_kind_and_selector_until_the_last_subscriber_goes() {
        // A client for an address nobody serves: the watches retry in the background.
        let config = kube::Config::new("http://127.0.0.1:9".parse().unwrap());
        let client = kube::Client::try_from(config).unwrap();
        let watches = Watches::default();
        let a = watches.subscribe(&client, &resource("ConfigMap"), "kro.run/owned=true");
        let b = watches.subscribe(&client, &resource("ConfigMap"), "kro.run/owned=true");
        assert_eq!(watches.running(), 1, "shared");
        let c = watches.subscribe(&client, &resource("ConfigMap"), "");
        let d = watches.subscribe(&client, &resource("Secret"), "kro.run/owned=true");
        assert_eq!(watches.running(), 3);
        drop(a);
        assert_eq!(watches.running(), 3, "b still uses it");
        let stream = b.into_stream();
        drop(c);
        drop(d);
        assert_eq!(watches.running(), 1, "the stream keeps its watch");
        drop(stream);
        assert_eq!(watches.running(), 0);
    }
}
