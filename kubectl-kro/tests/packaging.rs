//! What a release ships besides the binary: the license the crates declare, and the krew
//! manifest that installs both.

mod common;

use common::repo;

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

#[test]
fn the_license_file_is_the_one_the_workspace_declares() {
    let cargo = read("Cargo.toml");
    assert!(
        cargo.contains("license = \"Apache-2.0\""),
        "the workspace declares Apache-2.0"
    );
    let license = read("LICENSE");
    let first: Vec<&str> = license
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(3)
        .collect();
    assert_eq!(
        first,
        [
            "Apache License",
            "Version 2.0, January 2004",
            "http://www.apache.org/licenses/"
        ]
    );
    // The full text: all nine sections and the appendix, not a stub.
    for needle in [
        "1. Definitions.",
        "9. Accepting Warranty or Additional Liability.",
        "END OF TERMS AND CONDITIONS",
        "APPENDIX: How to apply the Apache License to your work.",
    ] {
        assert!(license.contains(needle), "LICENSE lacks {needle:?}");
    }
    assert!(license.lines().count() > 190);
}

#[test]
fn every_krew_platform_ships_the_binary_and_the_license() {
    let manifest = read("deploy/krew/kro.yaml");
    let platforms = manifest.matches("- selector:").count();
    assert_eq!(platforms, 5);
    assert_eq!(
        manifest.matches("- from: LICENSE\n          to: .").count(),
        platforms
    );
    assert_eq!(
        manifest.matches("bin: kubectl-kro").count(),
        platforms,
        "each platform names its binary"
    );
    assert!(repo().join("LICENSE").is_file());
}
