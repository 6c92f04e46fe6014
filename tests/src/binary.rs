//! The `kubectl-kro` binary of this checkout, for tests that run it as users do.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::cluster::repo_root;

/// The `kubectl-kro` binary, built once per test process (`cargo build` is quick when it is
/// fresh; other crates' binaries are not built for this crate's tests).
pub fn kubectl_kro() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = std::process::Command::new(cargo);
        build
            .args(["build", "--quiet", "-p", "kubectl-kro"])
            .current_dir(repo_root());
        // What cargo sets for this test process is not for the build: ring's build script
        // watches CARGO_MANIFEST_DIR, and a changed value would rebuild half the tree.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            let package_var = [
                "CARGO_PKG_",
                "CARGO_BIN_",
                "CARGO_MANIFEST_",
                "CARGO_CRATE_",
            ]
            .iter()
            .any(|prefix| key.starts_with(prefix));
            if package_var
                || ["CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR", "OUT_DIR"].contains(&&*key)
            {
                build.env_remove(&*key);
            }
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "cargo build -p kubectl-kro failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| repo_root().join("target"), PathBuf::from);
        target.join("debug").join("kubectl-kro")
    })
}
