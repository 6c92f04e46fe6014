//! `kubectl kro graph` beyond the offline formats: SVG through Graphviz, and a name that is
//! not a file read from the cluster.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::{run_with_env, stderr, stdout, temp_dir};

/// Writes an executable shell script `dot` into `dir`.
#[cfg(unix)]
fn fake_dot(dir: &Path, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("dot");
    std::fs::write(&path, format!("#!/bin/sh\nPATH=/usr/bin:/bin\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn svg_without_graphviz_says_to_install_it_or_use_dot() {
    let empty = temp_dir("no-graphviz");
    let out = run_with_env(
        &["graph", "examples/webapp.yaml", "-o", "svg"],
        &[("PATH", empty.as_os_str())],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.contains("`dot` is not on PATH"), "{err}");
    assert!(err.contains("install Graphviz"), "{err}");
    assert!(err.contains("-o dot"), "{err}");
}

#[cfg(unix)]
#[test]
fn svg_is_the_dot_output_drawn_by_graphviz() {
    let bin = temp_dir("fake-graphviz");
    // Stands in for Graphviz: echoes its arguments and the graph it was given.
    fake_dot(
        &bin,
        "printf '<svg args=\"%s\">\\n' \"$*\"; cat; printf '</svg>\\n'",
    );
    let out = run_with_env(
        &["graph", "examples/webapp.yaml", "-o", "svg"],
        &[("PATH", bin.as_os_str())],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let svg = stdout(&out);
    assert!(
        svg.starts_with("<svg args=\"-Tsvg\">\ndigraph \"webapp\" {"),
        "{svg}"
    );
    assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
}

#[cfg(unix)]
#[test]
fn a_graphviz_failure_is_reported() {
    let bin = temp_dir("failing-graphviz");
    fake_dot(
        &bin,
        "cat >/dev/null; echo 'Error: syntax error in line 1' >&2; exit 1",
    );
    let out = run_with_env(
        &["graph", "examples/webapp.yaml", "-o", "svg"],
        &[("PATH", bin.as_os_str())],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("-Tsvg failed"), "{err}");
    assert!(err.contains("syntax error in line 1"), "{err}");
}

#[test]
fn a_name_that_is_not_a_file_is_an_rgd_in_the_cluster() {
    let out = run_with_env(
        &["graph", "webapp", "--kubeconfig", "/nonexistent/kubeconfig"],
        &[("KUBECONFIG", OsStr::new(""))],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("webapp is not a file; reading RGD webapp from the cluster"),
        "{err}"
    );
    assert!(err.contains("cannot read the kubeconfig"), "{err}");
}

#[test]
fn a_missing_file_is_still_a_file() {
    let out = run_with_env(&["graph", "missing.yaml"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read missing.yaml"));
    let out = run_with_env(&["graph", "rgds/webapp"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read rgds/webapp"));
}

#[test]
fn help_shows_both_sources_and_svg() {
    let out = run_with_env(&["graph", "--help"], &[]);
    let help = stdout(&out);
    assert!(help.contains("FILE|RGD"), "{help}");
    assert!(
        help.contains("kubectl kro graph webapp.yaml -o svg"),
        "{help}"
    );
    assert!(
        help.contains("the RGD named webapp in the cluster"),
        "{help}"
    );
}
