//! Polling until the cluster reaches a state, failing with the last state seen.

use std::future::Future;
use std::time::{Duration, Instant};

/// A timeout long enough for anything the local control plane does (a Deployment becomes
/// available within a few seconds there).
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// How often [`until`] checks.
pub const INTERVAL: Duration = Duration::from_millis(200);

/// Call `check` every [`INTERVAL`] until it returns `Ok(value)`, and return the value.
///
/// `check` returns `Err(state)` while the cluster is not there yet, describing what it saw (a
/// condition, a count, an API error), so that a timeout says why rather than only that.
///
/// # Panics
///
/// After `timeout`, with `what` and the last state seen.
pub async fn until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let start = Instant::now();
    loop {
        let last = match check().await {
            Ok(value) => return value,
            Err(state) => state,
        };
        if start.elapsed() >= timeout {
            panic!("timed out after {timeout:?} waiting for {what}; last seen: {last}");
        }
        tokio::time::sleep(INTERVAL).await;
    }
}

/// Waits until the CRD `name` is Established (its kind is being served).
///
/// # Panics
///
/// After [`TIMEOUT`], with the CRD's last conditions.
pub async fn crd_established(client: &kube::Client, name: &str) {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    let crds: kube::Api<CustomResourceDefinition> = kube::Api::all(client.clone());
    until(
        &format!("CRD {name} to be Established"),
        TIMEOUT,
        || async {
            let crd = crds.get(name).await.map_err(|e| e.to_string())?;
            let conditions = crd.status.and_then(|s| s.conditions).unwrap_or_default();
            if conditions
                .iter()
                .any(|c| c.type_ == "Established" && c.status == "True")
            {
                Ok(())
            } else {
                Err(format!("conditions: {conditions:?}"))
            }
        },
    )
    .await;
}

/// Waits until the object `name` is gone (deleted and its finalizers done).
///
/// # Panics
///
/// After [`TIMEOUT`], with the object's finalizers.
pub async fn gone<K>(api: &kube::Api<K>, name: &str)
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    until(&format!("{name} to be gone"), TIMEOUT, || async {
        match api.get_opt(name).await.map_err(|e| e.to_string())? {
            None => Ok(()),
            Some(object) => Err(format!(
                "still there, finalizers {:?}",
                object.meta().finalizers
            )),
        }
    })
    .await;
}
