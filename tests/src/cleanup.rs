//! Deleting what a test created when the test ends, however it ends.
//!
//! Guards delete in [`Drop`], which cannot await and may run while the test's runtime shuts down
//! (after a panic, say). So the deletion runs on a short-lived thread with its own runtime and its
//! own client, and the guard waits for the API server to accept the delete, not for the object
//! to be gone.

use std::path::PathBuf;

use kube::api::{ApiResource, DeleteParams, DynamicObject};
use kube::{Api, Resource};

use crate::cluster::{admin_kubeconfig, client_from_kubeconfig};

/// Deletes one object when dropped. For cluster-scoped objects a test creates under a
/// [`unique_name`](crate::unique_name): CRDs, RGDs, cluster roles.
///
/// ```no_run
/// use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
/// use kro_tests::cleanup::DeleteOnDrop;
///
/// let _crd = DeleteOnDrop::cluster_scoped::<CustomResourceDefinition>("widgets.example.com");
/// ```
pub struct DeleteOnDrop {
    resource: ApiResource,
    namespace: Option<String>,
    name: String,
    armed: bool,
}

impl DeleteOnDrop {
    /// Delete the cluster-scoped object `name` of kind `K` on drop.
    pub fn cluster_scoped<K: Resource<DynamicType = ()>>(name: &str) -> DeleteOnDrop {
        DeleteOnDrop::dynamic(ApiResource::erase::<K>(&()), None, name)
    }

    /// Delete the object `name` of kind `K` in `namespace` on drop.
    pub fn namespaced<K: Resource<DynamicType = ()>>(namespace: &str, name: &str) -> DeleteOnDrop {
        DeleteOnDrop::dynamic(ApiResource::erase::<K>(&()), Some(namespace), name)
    }

    /// Delete an object of a kind known only at run time (a custom resource) on drop.
    pub fn dynamic(resource: ApiResource, namespace: Option<&str>, name: &str) -> DeleteOnDrop {
        DeleteOnDrop {
            resource,
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
            armed: true,
        }
    }

    /// Keep the object after all (the test deleted it itself, or wants it kept).
    pub fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for DeleteOnDrop {
    fn drop(&mut self) {
        if self.armed && !keep_objects() {
            delete_now(
                admin_kubeconfig(),
                self.resource.clone(),
                self.namespace.take(),
                std::mem::take(&mut self.name),
            );
        }
    }
}

/// Whether `KRO_TEST_KEEP_NAMESPACES` asks to keep what the tests created, for a look afterwards.
pub(crate) fn keep_objects() -> bool {
    std::env::var_os("KRO_TEST_KEEP_NAMESPACES").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Ask the API server to delete an object (in the background, dependents too) and return once
/// it accepted; a missing object is fine, other failures are printed, never panicked on.
pub(crate) fn delete_now(
    kubeconfig: PathBuf,
    resource: ApiResource,
    namespace: Option<String>,
    name: String,
) {
    let what = format!("{} {name}", resource.kind);
    let joined = std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => return eprintln!("warning: deleting {} {name}: {e}", resource.kind),
        };
        runtime.block_on(async {
            let client = client_from_kubeconfig(&kubeconfig).await;
            let api: Api<DynamicObject> = match &namespace {
                Some(ns) => Api::namespaced_with(client, ns, &resource),
                None => Api::all_with(client, &resource),
            };
            match api.delete(&name, &DeleteParams::background()).await {
                Ok(_) => {}
                Err(kube::Error::Api(status)) if status.is_not_found() => {}
                Err(e) => eprintln!("warning: deleting {} {name}: {e}", resource.kind),
            }
        });
    })
    .join();
    if joined.is_err() {
        eprintln!("warning: could not delete {what}");
    }
}
