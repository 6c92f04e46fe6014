//! The `kubectl-kro` binary as users run it: arguments in, text and an exit code out.

mod common;

use std::process::Command;

use common::{repo, run, stderr, stdout};

#[test]
fn validate_accepts_the_example() {
    let out = run(&["validate", "examples/webapp.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("valid"));
}

#[test]
fn validate_reports_every_problem_with_its_position() {
    let out = run(&["validate", "kubectl-kro/tests/fixtures/broken.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let path = "kubectl-kro/tests/fixtures/broken.yaml";
    assert_eq!(
        stdout(&out),
        format!(
            "{path}:10:11: error[invalid-resource-id]: resource id `my-config` must be lowerCamelCase: a lowercase letter, then letters and digits (e.g. `myConfig`)\n\
             {path}:16:11: error[template-or-external-ref]: resource `secret` needs a `template` (an object to create) or an `externalRef` (an object to read)\n\
             {path}:17:7: error[rgd-unknown-field]: a resource has no field `tempalte`; did you mean `template`?\n"
        )
    );
}

#[test]
fn validate_json_is_machine_readable() {
    let out = run(&[
        "validate",
        "-o",
        "json",
        "kubectl-kro/tests/fixtures/broken.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let problems: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let first = &problems[0];
    assert_eq!(first["code"], "invalid-resource-id");
    assert_eq!(first["line"], 10);
    assert_eq!(first["column"], 11);
    assert_eq!(first["endColumn"], 20);
    assert_eq!(first["severity"], "error");
    assert_eq!(problems.as_array().unwrap().len(), 3);
}

#[test]
fn validate_walks_directories_and_skips_other_yaml() {
    let out = run(&["validate", "examples"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&["validate", "kubectl-kro/tests/fixtures"]);
    // broken.yaml is invalid; not-an-rgd.yaml is skipped silently inside a directory.
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains("not-an-rgd"));
}

#[test]
fn validate_says_when_a_named_file_holds_no_rgd() {
    let out = run(&["validate", "kubectl-kro/tests/fixtures/not-an-rgd.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no ResourceGraphDefinition in this file"));
}

#[test]
fn usage_errors_exit_2_with_help() {
    let out = run(&["validate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Usage:"));
    let out = run(&["validate", "does-not-exist.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read does-not-exist.yaml"));
    let out = run(&["graph", "examples/webapp.yaml", "-o", "png"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("possible values: ascii, dot, mermaid, json, svg"));
}

#[test]
fn standard_input_is_read_with_a_dash() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubectl-kro"))
        .args(["validate", "-"])
        .current_dir(repo())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let text =
        std::fs::read_to_string(repo().join("kubectl-kro/tests/fixtures/broken.yaml")).unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("<stdin>:10:11: error[invalid-resource-id]"));
}

#[test]
fn graph_formats() {
    let dot = stdout(&run(&["graph", "examples/webapp.yaml", "-o", "dot"]));
    assert!(dot.starts_with("digraph \"webapp\" {"));
    assert!(dot.contains("\"deployment\" -> \"service\";"), "{dot}");
    assert!(dot.contains("\"config\" -> \"deployment\";"), "{dot}");
    let mermaid = stdout(&run(&["graph", "examples/webapp.yaml", "-o", "mermaid"]));
    assert!(mermaid.starts_with("flowchart LR\n"));
    assert!(mermaid.contains("  service --> ingress\n"), "{mermaid}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&run(&[
        "graph",
        "examples/webapp.yaml",
        "-o",
        "json",
    ])))
    .unwrap();
    assert_eq!(
        json[0]["topologicalOrder"],
        serde_json::json!(["config", "deployment", "service", "ingress"])
    );
    let ascii = stdout(&run(&["graph", "examples/webapp.yaml"]));
    assert!(
        ascii.contains("ingress     Ingress    [conditional]  ← service"),
        "{ascii}"
    );
}

#[test]
fn completion_scripts() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completion", shell]);
        assert_eq!(out.status.code(), Some(0));
        assert!(stdout(&out).contains("validate"), "{shell}");
    }
}

#[test]
fn validate_against_a_cluster_that_cannot_be_reached_exits_2() {
    let out = run(&[
        "validate",
        "examples/webapp.yaml",
        "--against-cluster",
        "--kubeconfig",
        "/nonexistent/kubeconfig",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("cannot read the kubeconfig /nonexistent/kubeconfig"));
    let help = stdout(&run(&["validate", "--help"]));
    assert!(help.contains("--against-cluster"), "{help}");
    assert!(help.contains("kro.run/allow-breaking-changes"), "{help}");
}
