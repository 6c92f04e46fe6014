//! `kubectl kro install` and `uninstall` as users run them without a cluster: the manifests of
//! `--dry-run`, flag mistakes, the cluster flags' errors, and kubectl finding the plugin.
//! (Installing into a real cluster is tested in tests/tests/install.rs.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-kro"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The objects of `install --dry-run -o json` with `extra` flags.
fn manifests(extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["install", "--dry-run", "-o", "json"];
    args.extend(extra);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list["kind"], "List");
    list["items"].as_array().unwrap().clone()
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {objects:#?}"))
}

fn kinds_and_names(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .map(|o| {
            let name = o["metadata"]["name"].as_str().unwrap();
            match o["metadata"]["namespace"].as_str() {
                Some(ns) => format!("{} {ns}/{name}", o["kind"].as_str().unwrap()),
                None => format!("{} {name}", o["kind"].as_str().unwrap()),
            }
        })
        .collect()
}

#[test]
fn dry_run_lists_every_object_in_the_order_it_is_applied() {
    assert_eq!(
        kinds_and_names(&manifests(&[])),
        [
            "CustomResourceDefinition resourcegraphdefinitions.kro.run",
            "Namespace kro-system",
            "ServiceAccount kro-system/kro-controller",
            "ClusterRole kro-controller",
            "ClusterRole kro-controller-resources",
            "ClusterRoleBinding kro-controller",
            "ClusterRoleBinding kro-controller-resources",
            "Role kro-system/kro-controller-leader-election",
            "RoleBinding kro-system/kro-controller-leader-election",
            "Deployment kro-system/kro-controller",
        ]
    );
}

#[test]
fn the_crd_is_the_one_in_manifests() {
    let objects = manifests(&[]);
    let crd = find(
        &objects,
        "CustomResourceDefinition",
        "resourcegraphdefinitions.kro.run",
    );
    let text = std::fs::read_to_string(
        repo().join("kubectl-kro/manifests/resourcegraphdefinitions.kro.run.yaml"),
    )
    .unwrap();
    let file = kro_core::syntax::parse(&text).documents[0]
        .root
        .as_ref()
        .unwrap()
        .to_json();
    assert_eq!(crd, &file);
    assert_eq!(crd["spec"]["scope"], "Cluster");
    assert_eq!(crd["spec"]["names"]["shortNames"], json!(["rgd"]));
}

#[test]
fn the_deployment_runs_the_controller_safely() {
    let objects = manifests(&[]);
    let deployment = find(&objects, "Deployment", "kro-controller");
    let pod = &deployment["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    assert_eq!(
        container["image"],
        format!("ghcr.io/kro-rs/kubectl-kro:{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        container["args"],
        json!([
            "controller",
            "--metrics-bind-address=:8078",
            "--health-probe-bind-address=:8079",
            "--leader-elect"
        ])
    );
    assert_eq!(
        container["ports"],
        json!([
            { "name": "metrics", "containerPort": 8078, "protocol": "TCP" },
            { "name": "health", "containerPort": 8079, "protocol": "TCP" }
        ])
    );
    assert_eq!(
        container["livenessProbe"]["httpGet"],
        json!({ "path": "/healthz", "port": "health" })
    );
    assert_eq!(
        container["readinessProbe"]["httpGet"],
        json!({ "path": "/readyz", "port": "health" })
    );
    assert_eq!(
        container["resources"]["requests"],
        json!({ "cpu": "100m", "memory": "128Mi" })
    );
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["capabilities"]["drop"],
        json!(["ALL"])
    );
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["securityContext"]["runAsUser"], 65532);
    assert_eq!(pod["serviceAccountName"], "kro-controller");
    let env: Vec<&str> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(env, ["POD_NAMESPACE", "POD_NAME"]);
    // The selector matches the pods, and every object says who made it.
    let selector = deployment["spec"]["selector"]["matchLabels"]
        .as_object()
        .unwrap();
    for (key, value) in selector {
        assert_eq!(
            &deployment["spec"]["template"]["metadata"]["labels"][key],
            value
        );
    }
    for object in &objects[1..] {
        assert_eq!(
            object["metadata"]["labels"]["app.kubernetes.io/managed-by"], "kubectl-kro",
            "{object}"
        );
        assert_eq!(
            object["metadata"]["labels"]["app.kubernetes.io/name"],
            "kro"
        );
    }
}

#[test]
fn rbac_is_least_privilege_plus_an_aggregated_role() {
    let objects = manifests(&[]);
    let own = find(&objects, "ClusterRole", "kro-controller");
    let rules = own["rules"].as_array().unwrap();
    let verbs_on = |group: &str, resource: &str| -> Vec<String> {
        rules
            .iter()
            .filter(|r| {
                r["apiGroups"].as_array().unwrap().contains(&json!(group))
                    && r["resources"]
                        .as_array()
                        .unwrap()
                        .contains(&json!(resource))
            })
            .flat_map(|r| r["verbs"].as_array().unwrap().clone())
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        verbs_on("kro.run", "resourcegraphdefinitions"),
        ["get", "list", "watch", "update", "patch"]
    );
    assert_eq!(
        verbs_on("kro.run", "resourcegraphdefinitions/status"),
        ["get", "update", "patch"]
    );
    assert_eq!(
        verbs_on("kro.run", "resourcegraphdefinitions/finalizers"),
        ["update"]
    );
    assert_eq!(
        verbs_on("apiextensions.k8s.io", "customresourcedefinitions"),
        ["get", "list", "watch", "create", "update", "patch"]
    );
    assert_eq!(verbs_on("", "events"), ["create", "patch"]);
    // Nothing outside kro's own groups: the kinds RGDs manage come through aggregation.
    for rule in rules {
        for group in rule["apiGroups"].as_array().unwrap() {
            assert!(
                ["kro.run", "apiextensions.k8s.io", "", "events.k8s.io"]
                    .contains(&group.as_str().unwrap()),
                "{rule}"
            );
        }
    }
    let aggregated = find(&objects, "ClusterRole", "kro-controller-resources");
    assert_eq!(
        aggregated["aggregationRule"],
        json!({ "clusterRoleSelectors": [
            { "matchLabels": { "rbac.kro.run/aggregate-to-controller": "true" } }
        ] })
    );
    assert!(
        aggregated.get("rules").is_none(),
        "the aggregation controller owns the rules"
    );
    for binding in ["kro-controller", "kro-controller-resources"] {
        let binding = find(&objects, "ClusterRoleBinding", binding);
        assert_eq!(binding["roleRef"]["name"], binding["metadata"]["name"]);
        assert_eq!(
            binding["subjects"],
            json!([{ "kind": "ServiceAccount", "name": "kro-controller", "namespace": "kro-system" }])
        );
    }
    let leases = find(&objects, "Role", "kro-controller-leader-election");
    assert_eq!(leases["rules"][0]["resources"], json!(["leases"]));
    assert_eq!(leases["metadata"]["namespace"], "kro-system");
}

#[test]
fn flags_change_the_manifests() {
    let objects = manifests(&[
        "-n",
        "team-a",
        "--image",
        "registry.example/kro:dev",
        "--broad-rbac",
        "--allow-crd-deletion",
    ]);
    let names = kinds_and_names(&objects);
    for expected in [
        "Namespace team-a",
        "ServiceAccount team-a/kro-controller",
        "ClusterRole kro-controller-team-a",
        "ClusterRole kro-controller-resources-team-a",
        "ClusterRole kro-controller-broad-team-a",
        "ClusterRoleBinding kro-controller-broad-team-a",
        "Deployment team-a/kro-controller",
    ] {
        assert!(
            names.contains(&expected.to_owned()),
            "{expected} in {names:#?}"
        );
    }
    let broad = find(&objects, "ClusterRole", "kro-controller-broad-team-a");
    assert_eq!(broad["rules"][0]["apiGroups"], json!(["*"]));
    assert_eq!(broad["rules"][0]["resources"], json!(["*"]));
    let binding = find(&objects, "ClusterRoleBinding", "kro-controller-team-a");
    assert_eq!(binding["subjects"][0]["namespace"], "team-a");
    let deployment = find(&objects, "Deployment", "kro-controller");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "registry.example/kro:dev");
    assert!(
        container["args"]
            .as_array()
            .unwrap()
            .contains(&json!("--allow-crd-deletion"))
    );
    let own = find(&objects, "ClusterRole", "kro-controller-team-a");
    assert!(own.to_string().contains("\"delete\""), "{own}");
}

#[test]
fn yaml_and_json_print_the_same_objects() {
    let out = run(&["install", "--dry-run", "--broad-rbac"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n")
    );
    // Strings YAML would read as something else stay strings.
    assert!(
        text.contains("rbac.kro.run/aggregate-to-controller: \"true\""),
        "{text}"
    );
    assert!(
        text.contains("app.kubernetes.io/version: \"0.1.0\""),
        "{text}"
    );
    let parsed = kro_core::syntax::parse(&text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let from_yaml: Vec<Value> = parsed
        .documents
        .iter()
        .map(|d| d.root.as_ref().unwrap().to_json())
        .collect();
    assert_eq!(from_yaml, manifests(&["--broad-rbac"]));
}

#[test]
fn help_explains_how_to_grant_kinds() {
    let out = run(&["install", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    for expected in [
        "rbac.kro.run/aggregate-to-controller: \"true\"",
        "--broad-rbac",
        "--dry-run",
        "--wait",
        "--timeout",
        "--kubeconfig",
        "--context",
        "--namespace",
        "kro-controller-<namespace>",
    ] {
        assert!(help.contains(expected), "{expected} in\n{help}");
    }
    let out = run(&["uninstall", "--help"]);
    assert!(stdout(&out).contains("--keep-crd"));
}

#[test]
fn flag_mistakes_exit_2_and_say_what_is_wrong() {
    let cases: [(&[&str], &str); 5] = [
        (&["install", "-o", "json"], "--dry-run"),
        (
            &["install", "--timeout", "soon"],
            "invalid duration \"soon\": use e.g. 90s, 2m",
        ),
        (
            &["install", "--dry-run", "-n", "Team_A"],
            "invalid namespace \"Team_A\"",
        ),
        (
            &["install", "--wait=maybe"],
            "invalid value 'maybe' for '--wait",
        ),
        (&["uninstall", "--keep-crd"], "--force"),
    ];
    for (args, expected) in cases {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(stdout(&out), "", "{args:?}");
    }
}

/// A kubeconfig with one context whose API server does not listen.
fn dead_kubeconfig(dir: &Path) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Config\ncurrent-context: dead\n\
         clusters:\n- name: dead\n  cluster: {server: \"https://127.0.0.1:1\"}\n\
         contexts:\n- name: dead\n  context: {cluster: dead, user: someone}\n\
         - name: also-dead\n  context: {cluster: dead, user: someone}\n\
         users:\n- name: someone\n  user: {token: abc}\n",
    )
    .unwrap();
    path
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubectl-kro-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn connection_problems_exit_2_and_say_what_to_do() {
    let dir = temp_dir("connect");
    let kubeconfig = dead_kubeconfig(&dir);
    let kubeconfig = kubeconfig.to_str().unwrap();

    let out = run(&["install", "--kubeconfig", kubeconfig]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).lines().next().unwrap_or_default(),
        "error: cannot reach the cluster at https://127.0.0.1:1 (context dead): Connection refused (os error 111) — check --context or KUBECONFIG"
    );

    // KUBECONFIG is read like kubectl reads it, and --context picks among its contexts.
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-kro"))
        .args(["uninstall", "--context", "also-dead"])
        .env("KUBECONFIG", kubeconfig)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("cannot reach the cluster at https://127.0.0.1:1 (context also-dead)"),
        "{}",
        stderr(&out)
    );

    let out = run(&["install", "--kubeconfig", kubeconfig, "--context", "prod"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim_end(),
        format!(
            "error: context \"prod\" is not in the kubeconfig {kubeconfig} (it has: dead, also-dead) — check --context"
        )
    );

    let missing = dir.join("missing");
    let out = run(&["install", "--kubeconfig", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim_end(),
        format!(
            "error: cannot read the kubeconfig {}: No such file or directory (os error 2)",
            missing.display()
        )
    );

    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-kro"))
        .args(["uninstall"])
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", &dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no kubeconfig: KUBECONFIG is not set and ~/.kube/config does not exist — pass --kubeconfig or set KUBECONFIG"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn dry_run_needs_no_cluster_at_all() {
    let dir = temp_dir("offline");
    let kubeconfig = dead_kubeconfig(&dir);
    let out = run(&[
        "install",
        "--dry-run",
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("kind: Deployment"));
    std::fs::remove_dir_all(&dir).ok();
}

/// kubectl runs any `kubectl-*` executable on PATH as a plugin.
fn kubectl(args: &[&str]) -> Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_kubectl-kro"))
        .parent()
        .unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    Command::new("kubectl")
        .args(args)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .current_dir(repo())
        .output()
        .expect("kubectl is installed (the tests use the real kubectl)")
}

#[test]
fn kubectl_finds_and_runs_the_plugin() {
    let out = kubectl(&["plugin", "list"]);
    assert!(
        stdout(&out).contains(env!("CARGO_BIN_EXE_kubectl-kro")),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );

    let out = kubectl(&["kro", "--help"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let help = stdout(&out);
    assert!(help.contains("Usage: kubectl kro"), "{help}");
    assert!(help.contains("install"), "{help}");

    let out = kubectl(&["kro", "install", "--dry-run", "-n", "via-kubectl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("namespace: via-kubectl"));

    let out = kubectl(&["kro", "install", "--timeout", "soon"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "kubectl passes the exit status on"
    );
}
