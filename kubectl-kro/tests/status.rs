//! `kubectl kro status` without a cluster: its arguments, its help, and the error when no
//! cluster can be reached. (Against a cluster: tests/tests/status.rs.)

mod common;

use std::ffi::OsStr;

use common::{run_with_env, stderr, stdout};

const NO_KUBECONFIG: &[&str] = &["--kubeconfig", "/nonexistent/kubeconfig"];

fn status(args: &[&str]) -> std::process::Output {
    let mut all = vec!["status"];
    all.extend_from_slice(args);
    all.extend_from_slice(NO_KUBECONFIG);
    run_with_env(&all, &[("KUBECONFIG", OsStr::new(""))])
}

#[test]
fn arguments_are_kind_slash_name_or_kind_and_name() {
    for (args, message) in [
        (&["webapp/shop", "extra"][..], "give KIND/NAME or KIND NAME"),
        (&["webapp/"][..], "\"webapp/\" is not KIND/NAME"),
        (&["/shop"][..], "\"/shop\" is not KIND/NAME"),
        (&["-A", "webapp/shop"][..], "across all namespaces"),
        (&["-A", "webapp", "shop"][..], "across all namespaces"),
    ] {
        let out = status(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    let out = status(&["a", "b", "c"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Usage:"));
    let out = status(&["--interval", "5"]);
    assert_eq!(out.status.code(), Some(2), "--interval needs --watch");
}

#[test]
fn no_cluster_exits_2_with_what_to_do() {
    for args in [&[][..], &["webapp/shop"][..], &["-A"][..]] {
        let out = status(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(stdout(&out), "");
        assert!(
            stderr(&out).contains("cannot read the kubeconfig /nonexistent/kubeconfig"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn help_documents_examples_json_and_exit_status() {
    let out = run_with_env(&["status", "--help"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    for needle in [
        "KIND[/NAME]",
        "-A, --all-namespaces",
        "-w, --watch",
        "kubectl kro status webapp/shop -n shop",
        "\"resources\": [{id, apiVersion, kind",
        "Exit status: 0 when the instance is ACTIVE and Ready",
    ] {
        assert!(help.contains(needle), "help lacks {needle:?}:\n{help}");
    }
    let top = stdout(&run_with_env(&["--help"], &[]));
    assert!(top.contains("status"), "{top}");
}
