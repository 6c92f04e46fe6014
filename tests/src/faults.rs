//! Fault injection for the controller tests: a seeded random source (the seed printed, so a
//! failing run can be replayed), a three-resource RGD whose children show the instance's spec,
//! the invariants every fault test checks once the controller has settled, and a restart of
//! the control plane's kube-apiserver (etcd and everything else keep running).
//!
//! The invariants, over the ConfigMaps of a namespace (the only kind the RGD makes):
//!
//! - every instance converges: ACTIVE, or gone once deleted;
//! - no duplicate child: one object per (`kro.run/instance-id`, `kro.run/node-id`);
//! - no orphaned child: every child's instance exists, and has all its children;
//! - no finalizer left behind: an existing instance has kro's finalizer exactly once, and no
//!   child has a finalizer or is being deleted;
//! - no lost update: every child shows the last `spec.value` written to its instance.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{DynamicObject, ListParams};
use kube::{Api, Client, ResourceExt};
use serde_json::{Value as Json, json};

use crate::cluster::cluster_dir;
use crate::controller::{rgd_manifest, state};
use crate::wait;

/// A small deterministic random source (SplitMix64).
pub struct Rng(u64);

impl Rng {
    /// Seeded from `KRO_FAULTS_SEED` when set, else from the clock; the seed is printed (run the
    /// test again with `KRO_FAULTS_SEED=<seed>` to replay the same choices).
    pub fn from_env(test: &str) -> Rng {
        let seed = std::env::var("KRO_FAULTS_SEED")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64)
            });
        eprintln!("{test}: seed {seed} (replay with KRO_FAULTS_SEED={seed})");
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `range` (half-open; empty ranges give their start).
    pub fn below(&mut self, range: std::ops::Range<u64>) -> u64 {
        let width = range.end.saturating_sub(range.start);
        if width == 0 {
            return range.start;
        }
        range.start + self.next_u64() % width
    }

    /// A duration of `range` milliseconds.
    pub fn millis(&mut self, range: std::ops::Range<u64>) -> Duration {
        Duration::from_millis(self.below(range))
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(0..100) < percent
    }
}

/// An RGD of three ConfigMaps in a chain, each showing the instance's `spec.value`:
/// `a` (`<instance>-a`, wave 0) → `b` (`<instance>-a-b`, wave 1) → `c` (wave 2), whose name also
/// carries the value, so an update replaces `c` by a new object and the old one must be pruned.
pub fn chain_rgd(name: &str, kind: &str) -> Json {
    rgd_manifest(
        name,
        kind,
        json!({"value": "string | default=v0"}),
        json!({"c": "${c.metadata.name}"}),
        json!([
            {"id": "a", "template": {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "${schema.metadata.name}-a"},
                "data": {"value": "${schema.spec.value}"}
            }},
            {"id": "b", "template": {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "${a.metadata.name}-b"},
                "data": {"value": "${a.data.value}"}
            }},
            {"id": "c", "template": {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "${b.metadata.name}-c-${b.data.value}"},
                "data": {"value": "${b.data.value}"}
            }}
        ]),
    )
}

/// The node ids of [`chain_rgd`].
pub const CHAIN_NODES: [&str; 3] = ["a", "b", "c"];

/// kro's finalizer on instances.
pub const FINALIZER: &str = "kro.run/finalizer";

/// Waits until the instances of `instances` and the ConfigMaps of `namespace` satisfy the
/// invariants (see the module docs): exactly the instances named in `expected` exist, each
/// ACTIVE with children of every node in `nodes` showing its expected `data.value`.
///
/// # Panics
///
/// After `timeout`, with the first invariant still broken.
pub async fn converged(
    client: &Client,
    namespace: &str,
    instances: &Api<DynamicObject>,
    nodes: &[&str],
    expected: &BTreeMap<String, String>,
    timeout: Duration,
) {
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    wait::until("the invariants to hold", timeout, || async {
        let live = instances
            .list(&ListParams::default())
            .await
            .map_err(|e| e.to_string())?
            .items;
        let children = configmaps
            .list(&ListParams::default().labels("kro.run/instance-id"))
            .await
            .map_err(|e| e.to_string())?
            .items;
        violation(&live, &children, nodes, expected).map_or(Ok(()), Err)
    })
    .await;
}

/// The first invariant broken, if any.
fn violation(
    live: &[DynamicObject],
    children: &[ConfigMap],
    nodes: &[&str],
    expected: &BTreeMap<String, String>,
) -> Option<String> {
    let mut uids: BTreeMap<String, &DynamicObject> = BTreeMap::new();
    for instance in live {
        let name = instance.name_any();
        let Some(value) = expected.get(&name) else {
            return Some(format!(
                "instance {name} still exists (finalizers {:?}, state {:?})",
                instance.finalizers(),
                state(instance)
            ));
        };
        if state(instance) != Some("ACTIVE") {
            return Some(format!(
                "instance {name} is {:?}: {:?}",
                state(instance),
                instance.data.get("status")
            ));
        }
        let ours = instance
            .finalizers()
            .iter()
            .filter(|f| *f == FINALIZER)
            .count();
        if ours != 1 || instance.metadata.deletion_timestamp.is_some() {
            return Some(format!(
                "instance {name} has finalizers {:?} (deleting: {})",
                instance.finalizers(),
                instance.metadata.deletion_timestamp.is_some()
            ));
        }
        if instance.data.pointer("/spec/value").and_then(Json::as_str) != Some(value) {
            return Some(format!(
                "instance {name} has spec {:?}, the test wrote {value}",
                instance.data.get("spec")
            ));
        }
        uids.insert(instance.uid().unwrap_or_default(), instance);
    }
    if let Some(missing) = expected
        .keys()
        .find(|name| !live.iter().any(|i| &i.name_any() == *name))
    {
        return Some(format!("instance {missing} is missing"));
    }

    let mut found: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for child in children {
        let labels = child.labels();
        let name = child.name_any();
        let uid = labels
            .get("kro.run/instance-id")
            .cloned()
            .unwrap_or_default();
        let node = labels.get("kro.run/node-id").cloned().unwrap_or_default();
        let Some(instance) = uids.get(&uid) else {
            return Some(format!(
                "child {name} ({node}) is orphaned: no instance has uid {uid} (finalizers {:?})",
                child.finalizers()
            ));
        };
        if !child.finalizers().is_empty() || child.metadata.deletion_timestamp.is_some() {
            return Some(format!(
                "child {name} has finalizers {:?} (deleting: {})",
                child.finalizers(),
                child.metadata.deletion_timestamp.is_some()
            ));
        }
        let want = &expected[&instance.name_any()];
        let shown = child.data.as_ref().and_then(|d| d.get("value"));
        if shown != Some(want) {
            return Some(format!(
                "child {name} shows value {shown:?}, its instance {} was last written {want}",
                instance.name_any()
            ));
        }
        found.entry((uid, node)).or_default().push(name);
    }
    for ((uid, node), names) in &found {
        if names.len() != 1 {
            return Some(format!("duplicate children of {uid} for {node}: {names:?}"));
        }
    }
    for (uid, instance) in &uids {
        let have: BTreeSet<&str> = found
            .keys()
            .filter(|(u, _)| u == uid)
            .map(|(_, n)| n.as_str())
            .collect();
        let want: BTreeSet<&str> = nodes.iter().copied().collect();
        if have != want {
            return Some(format!(
                "instance {} has children for {have:?}, expected {want:?}",
                instance.name_any()
            ));
        }
    }
    None
}

/// How many times the control plane has restarted its kube-apiserver since it started (the
/// `apiserver-restarts` file it keeps in `target/cluster`); `None` when it keeps no count (it
/// is not running, or was built before it could restart its API server).
pub fn apiserver_restarts() -> Option<u64> {
    std::fs::read_to_string(cluster_dir().join("apiserver-restarts"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

/// Restarts the control plane's kube-apiserver (etcd, the controller manager, the scheduler
/// and the simulated node keep running; the API server comes back on the same port with the
/// same certificates and data) and waits until it is ready again.
///
/// Every client sees its connections drop and its watches end: this disrupts every test
/// running at the same time, so call it only from a test binary of its own.
///
/// # Panics
///
/// When the control plane is not running, or its API server is not back within three minutes.
pub async fn restart_apiserver(client: &Client) {
    // A control plane that keeps no count would take SIGUSR1 for a signal to exit.
    let before = apiserver_restarts().expect(
        "target/cluster/apiserver-restarts: the running control plane cannot restart its API \
         server (restart it with tests/cluster/down and tests/cluster/up)",
    );
    let pid = std::fs::read_to_string(cluster_dir().join("cluster.pid"))
        .expect("the control plane's pid file (is it running?)");
    let status = std::process::Command::new("kill")
        .args(["-USR1", pid.trim()])
        .status()
        .expect("kill runs");
    assert!(
        status.success(),
        "kill -USR1 {} failed: is the control plane running?",
        pid.trim()
    );
    let timeout = Duration::from_secs(180);
    let start = Instant::now();
    wait::until("the kube-apiserver to restart", timeout, || async {
        let now = apiserver_restarts().unwrap_or(0);
        if now > before {
            Ok(())
        } else {
            Err(format!(
                "{now} restarts so far (see {})",
                cluster_dir().join("cluster.log").display()
            ))
        }
    })
    .await;
    wait::until(
        "the kube-apiserver to answer",
        timeout.saturating_sub(start.elapsed()),
        || async {
            client
                .apiserver_version()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
    )
    .await;
}
