//! Shared support for the end-to-end tests: the local control plane and per-test namespaces.
//!
//! Every test that needs Kubernetes talks to one real control plane (etcd, kube-apiserver,
//! kube-controller-manager, kube-scheduler and a simulated node, built from `tests/cluster`), never
//! to a mock. The first test that asks for it starts it; later tests and later `cargo test` runs
//! reuse it. It keeps running after the tests end; `tests/cluster/down` stops it.
//!
//! # The pattern
//!
//! ```no_run
//! use kro_tests::{client, TestNamespace, unique_name};
//!
//! # async fn example() {
//! let client = client().await; // starts the control plane if needed
//! let ns = TestNamespace::create(&client, "my-feature").await;
//! // … create objects in `ns.name()`; cluster-scoped objects (CRDs, RGDs) get names from
//! // `unique_name(…)` and are deleted by the test …
//! ns.delete().await; // optional: waits until the namespace is gone
//! # }
//! ```
//!
//! - Build one [`kube::Client`] per test (per tokio runtime): a client is tied to the runtime that
//!   created it, and every `#[tokio::test]` has its own runtime, so never keep one in a static.
//! - Each test works in its own [`TestNamespace`], which is deleted when the guard drops, also when
//!   the test fails; set `KRO_TEST_KEEP_NAMESPACES=1` to keep them for a look afterwards.
//! - Cluster-scoped objects are shared by all tests: give them names from [`unique_name`] and
//!   delete them with a [`cleanup::DeleteOnDrop`] guard.
//! - Wait for the cluster to converge with [`wait::until`], which fails with the last state seen.

pub mod binary;
pub mod cleanup;
pub mod cluster;
pub mod controller;
pub mod faults;
pub mod identity;
pub mod names;
pub mod namespace;
pub mod scale;
pub mod wait;

pub use binary::kubectl_kro;
pub use cluster::{client, ensure_cluster, unprivileged_client};
pub use names::unique_name;
pub use namespace::TestNamespace;

/// The API resource of ResourceGraphDefinitions (`kro.run/v1alpha1`).
pub fn rgd_api_resource() -> kube::api::ApiResource {
    kube::api::ApiResource {
        group: "kro.run".into(),
        version: "v1alpha1".into(),
        api_version: "kro.run/v1alpha1".into(),
        kind: "ResourceGraphDefinition".into(),
        plural: "resourcegraphdefinitions".into(),
    }
}
