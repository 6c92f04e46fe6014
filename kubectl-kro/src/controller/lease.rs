//! Leader election with a coordination.k8s.io Lease (`kro-controller-leader`), so only one
//! replica reconciles: take it when free or expired, renew it every few seconds, and report
//! losing it.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::Api;
use kube::api::{ObjectMeta, PostParams};

const NAME: &str = "kro-controller-leader";
const LEASE_SECONDS: i32 = 15;
const RENEW: Duration = Duration::from_secs(5);

fn identity() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "kro".to_owned());
    format!("{host}-{}", std::process::id())
}

/// Waits until this process holds the Lease. Returns a future that resolves (with the reason)
/// if leadership is lost, or `None` when `stop` came first.
///
/// # Errors
///
/// When the Lease cannot be read or written for a reason other than a conflict.
pub async fn acquire(
    client: &kube::Client,
    namespace: &str,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Option<impl Future<Output = anyhow::Error> + Send + 'static>> {
    let api: Api<Lease> = Api::namespaced(client.clone(), namespace);
    let me = identity();
    tokio::pin!(stop);
    tracing::info!(lease = NAME, namespace, identity = %me, "waiting for leadership");
    loop {
        if try_hold(&api, &me).await? {
            break;
        }
        tokio::select! {
            () = &mut stop => return Ok(None),
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
    tracing::info!(lease = NAME, identity = %me, "leader");
    Ok(Some(async move {
        let mut failures = 0;
        loop {
            tokio::time::sleep(RENEW).await;
            match try_hold(&api, &me).await {
                Ok(true) => failures = 0,
                Ok(false) => {
                    return anyhow::anyhow!("lost the leader lease {NAME} to another replica");
                }
                Err(error) => {
                    failures += 1;
                    if failures * RENEW.as_secs() >= LEASE_SECONDS as u64 - 2 {
                        return anyhow::anyhow!("could not renew the leader lease {NAME}: {error}");
                    }
                }
            }
        }
    }))
}

/// Takes or renews the Lease; `false` when someone else holds it.
async fn try_hold(api: &Api<Lease>, me: &str) -> anyhow::Result<bool> {
    let now = Timestamp::now();
    let current = api.get_opt(NAME).await?;
    let Some(mut lease) = current else {
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(NAME.to_owned()),
                ..ObjectMeta::default()
            },
            spec: Some(k8s_openapi::api::coordination::v1::LeaseSpec {
                holder_identity: Some(me.to_owned()),
                lease_duration_seconds: Some(LEASE_SECONDS),
                acquire_time: Some(MicroTime(now)),
                renew_time: Some(MicroTime(now)),
                lease_transitions: Some(0),
                ..Default::default()
            }),
        };
        return match api.create(&PostParams::default(), &lease).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
            Err(error) => Err(error.into()),
        };
    };
    let spec = lease.spec.get_or_insert_with(Default::default);
    let holder = spec.holder_identity.clone().unwrap_or_default();
    let expired = spec.renew_time.as_ref().is_none_or(|renewed| {
        let duration = spec.lease_duration_seconds.unwrap_or(LEASE_SECONDS);
        renewed.0 + SignedDuration::from_secs(i64::from(duration)) < now
    });
    if holder != me && !holder.is_empty() && !expired {
        return Ok(false);
    }
    if holder != me {
        spec.acquire_time = Some(MicroTime(now));
        spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
    }
    spec.holder_identity = Some(me.to_owned());
    spec.lease_duration_seconds = Some(LEASE_SECONDS);
    spec.renew_time = Some(MicroTime(now));
    match api.replace(NAME, &PostParams::default(), &lease).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Gives the lease up (graceful shutdown of the leader), so another replica takes over at once
/// instead of after the lease expires. Best effort: a failure only delays the takeover.
pub async fn release(client: &kube::Client, namespace: &str) {
    let api: Api<Lease> = Api::namespaced(client.clone(), namespace);
    let me = identity();
    let Ok(Some(mut lease)) = api.get_opt(NAME).await else {
        return;
    };
    let Some(spec) = lease.spec.as_mut() else {
        return;
    };
    if spec.holder_identity.as_deref() != Some(me.as_str()) {
        return;
    }
    spec.holder_identity = None;
    spec.renew_time = None;
    spec.acquire_time = None;
    match api.replace(NAME, &PostParams::default(), &lease).await {
        Ok(_) => tracing::info!(lease = NAME, "released the leader lease"),
        Err(error) => tracing::warn!(lease = NAME, %error, "could not release the leader lease"),
    }
}
