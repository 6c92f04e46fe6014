//! The local control plane: started once per test process, shared by all tests.
//!
//! [`ensure_cluster`] runs `tests/cluster/up`, which builds the control plane when its sources
//! changed, starts it unless one is already running, and waits until it is ready. Parallel test
//! binaries serialize on a lock file, so only one of them starts it.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};

/// Where the control plane keeps its binary, state, log and kubeconfigs: `<repo>/target/cluster`.
pub fn cluster_dir() -> PathBuf {
    repo_root().join("target").join("cluster")
}

/// The root of the repository: the nearest ancestor of the running package's directory that holds
/// `tests/cluster/up`.
///
/// The running package comes from `CARGO_MANIFEST_DIR` as cargo sets it when it runs a test, and
/// only then from where this crate was compiled: test binaries may be built in another checkout
/// that shares the target directory.
pub fn repo_root() -> PathBuf {
    let compiled_in = Path::new(env!("CARGO_MANIFEST_DIR"));
    let running = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    running
        .iter()
        .map(PathBuf::as_path)
        .chain([compiled_in])
        .flat_map(Path::ancestors)
        .find(|dir| dir.join("tests").join("cluster").join("up").is_file())
        .unwrap_or(compiled_in)
        .to_path_buf()
}

/// The admin kubeconfig (user `kro-admin` in `system:masters`, context `kro-test`).
pub fn admin_kubeconfig() -> PathBuf {
    cluster_dir().join("kubeconfig")
}

/// The kubeconfig of `kro-unprivileged`, an authenticated user with no RBAC bindings.
pub fn unprivileged_kubeconfig() -> PathBuf {
    cluster_dir().join("kubeconfig-unprivileged")
}

/// Start the control plane unless it runs, once per test process, and return the admin kubeconfig.
///
/// The first call runs `tests/cluster/up` (its progress goes to the terminal: the very first
/// build of the control plane takes minutes); later calls return at once.
///
/// # Panics
///
/// When the control plane cannot be built or started; the message names the log to read. Every
/// later call in the same process panics with the same message.
pub fn ensure_cluster() -> &'static Path {
    static STARTED: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match STARTED.get_or_init(start) {
        Ok(path) => path,
        Err(message) => panic!("{message}"),
    }
}

fn start() -> Result<PathBuf, String> {
    let dir = cluster_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    // Test binaries run in parallel; one of them starts the control plane, the others then find
    // it running. (`up` has its own lock too, for people running it by hand meanwhile.)
    let lock_path = dir.join("tests.lock");
    let lock = File::create(&lock_path)
        .map_err(|e| format!("creating lock {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("locking {}: {e}", lock_path.display()))?;

    let up = repo_root().join("tests").join("cluster").join("up");
    let status = Command::new(&up)
        .stdin(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("running {}: {e}", up.display()))?;
    drop(lock);
    if !status.success() {
        return Err(format!(
            "{} failed ({status}); see {}",
            up.display(),
            dir.join("cluster.log").display()
        ));
    }
    Ok(admin_kubeconfig())
}

/// A client of the control plane as the admin user, starting the control plane if needed.
///
/// # Panics
///
/// When the control plane cannot be started or the kubeconfig cannot be loaded.
pub async fn client() -> Client {
    ensure_cluster();
    client_from_kubeconfig(&admin_kubeconfig()).await
}

/// A client as `kro-unprivileged`, who is authenticated but bound to no role: every request
/// beyond discovery and self-review is forbidden (403).
///
/// # Panics
///
/// When the control plane cannot be started or the kubeconfig cannot be loaded.
pub async fn unprivileged_client() -> Client {
    ensure_cluster();
    client_from_kubeconfig(&unprivileged_kubeconfig()).await
}

/// A client built from a kubeconfig file, with its current context.
///
/// # Panics
///
/// When the file cannot be read or describes no usable cluster.
pub async fn client_from_kubeconfig(path: &Path) -> Client {
    let kubeconfig = Kubeconfig::read_from(path)
        .unwrap_or_else(|e| panic!("reading kubeconfig {}: {e}", path.display()));
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap_or_else(|e| panic!("loading kubeconfig {}: {e}", path.display()));
    Client::try_from(config)
        .unwrap_or_else(|e| panic!("client from kubeconfig {}: {e}", path.display()))
}
