//! A namespace per test, deleted when the test ends however it ends.

use std::path::PathBuf;

use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use kube::api::{ApiResource, DeleteParams, ObjectMeta, PostParams};
use kube::{Api, Client};

use crate::cleanup::{delete_now, keep_objects};
use crate::cluster::admin_kubeconfig;
use crate::names::unique_name;
use crate::wait;

/// The label every test namespace carries, so that leftovers can be found:
/// `kubectl delete namespace -l kro-tests.kro.run/test`.
pub const TEST_LABEL: &str = "kro-tests.kro.run/test";

/// A uniquely named namespace for one test.
///
/// # Guarantees
///
/// - [`TestNamespace::create`] returns once the namespace exists and its `default` service
///   account does, so pods can be created in it at once.
/// - Dropping the guard deletes the namespace (without waiting for it to be gone), also when the
///   test panics. [`TestNamespace::delete`] deletes it and waits until it is gone.
/// - With `KRO_TEST_KEEP_NAMESPACES=1` in the environment, namespaces are kept for inspection.
pub struct TestNamespace {
    name: String,
    client: Client,
    kubeconfig: PathBuf,
    deleted: bool,
}

impl TestNamespace {
    /// Create a namespace named `<prefix>-<unique suffix>`, labelled [`TEST_LABEL`]`=true`.
    ///
    /// # Panics
    ///
    /// When the namespace cannot be created or its service account does not appear in time.
    pub async fn create(client: &Client, prefix: &str) -> TestNamespace {
        let name = unique_name(prefix);
        let namespaces: Api<Namespace> = Api::all(client.clone());
        let ns = Namespace {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                labels: Some([(TEST_LABEL.to_string(), "true".to_string())].into()),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        };
        namespaces
            .create(&PostParams::default(), &ns)
            .await
            .unwrap_or_else(|e| panic!("creating namespace {name}: {e}"));
        let guard = TestNamespace {
            name,
            client: client.clone(),
            kubeconfig: admin_kubeconfig(),
            deleted: false,
        };
        let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), &guard.name);
        wait::until(
            &format!("service account default in namespace {}", guard.name),
            wait::TIMEOUT,
            || async {
                match accounts.get_opt("default").await {
                    Ok(Some(_)) => Ok(()),
                    Ok(None) => Err("not created yet".to_string()),
                    Err(e) => Err(e.to_string()),
                }
            },
        )
        .await;
        guard
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Delete the namespace and wait until it is gone (its objects finalized).
    ///
    /// # Panics
    ///
    /// When the deletion fails or the namespace is still there after [`wait::TIMEOUT`].
    pub async fn delete(mut self) {
        self.deleted = true;
        let namespaces: Api<Namespace> = Api::all(self.client.clone());
        match namespaces
            .delete(&self.name, &DeleteParams::default())
            .await
        {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.is_not_found() => return,
            Err(e) => panic!("deleting namespace {}: {e}", self.name),
        }
        wait::until(
            &format!("namespace {} to be gone", self.name),
            wait::TIMEOUT,
            || async {
                match namespaces.get_opt(&self.name).await {
                    Ok(None) => Ok(()),
                    Ok(Some(ns)) => Err(format!(
                        "phase {:?}",
                        ns.status.and_then(|s| s.phase).unwrap_or_default()
                    )),
                    Err(e) => Err(e.to_string()),
                }
            },
        )
        .await;
    }
}

impl Drop for TestNamespace {
    fn drop(&mut self) {
        if !self.deleted && !keep_objects() {
            delete_now(
                self.kubeconfig.clone(),
                ApiResource::erase::<Namespace>(&()),
                None,
                std::mem::take(&mut self.name),
            );
        }
    }
}
