//! `kubectl kro install` and `uninstall` against the real control plane, run as the built
//! binary the way a user runs it: the manifests pass the real `kubectl apply`, the controller's
//! Deployment becomes Available, a second install changes nothing, the RBAC grants what it
//! promises, `--context` picks the cluster, and uninstall refuses while RGDs exist.
//!
//! Installs go into the test's own namespace, so the cluster-scoped roles are named
//! `kro-controller-<namespace>` and never collide with other tests; only the RGD CRD is
//! shared, and no test here deletes it.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_core::compile::{Options, compile_file};
use kro_core::schema::Ownership;
use kro_tests::cleanup::DeleteOnDrop;
use kro_tests::cluster::{admin_kubeconfig, repo_root};
use kro_tests::{TestNamespace, client, kubectl_kro, rgd_api_resource, unique_name, wait};
use kube::api::{ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::json;
use tokio::io::AsyncWriteExt;

/// What a command printed and how it exited.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

async fn run(program: &Path, args: &[&str], env: &[(&str, &Path)], stdin: Option<&str>) -> Ran {
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).await.unwrap();
    }
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// `kubectl kro …` as the admin (the `--kubeconfig` flag, not the environment).
async fn kro(args: &[&str]) -> Ran {
    let kubeconfig = admin_kubeconfig();
    let mut all = vec!["--kubeconfig", kubeconfig.to_str().unwrap()];
    all.extend(args);
    run(kubectl_kro(), &all, &[], None).await
}

/// The real kubectl, as the admin.
async fn kubectl(args: &[&str], stdin: Option<&str>) -> Ran {
    run(
        Path::new("kubectl"),
        args,
        &[("KUBECONFIG", &admin_kubeconfig())],
        stdin,
    )
    .await
}

/// Guards for the cluster-scoped objects an install into `namespace` creates.
fn cluster_scoped_guards(namespace: &str, broad: bool) -> Vec<DeleteOnDrop> {
    let mut roles = vec![
        format!("kro-controller-{namespace}"),
        format!("kro-controller-resources-{namespace}"),
    ];
    if broad {
        roles.push(format!("kro-controller-broad-{namespace}"));
    }
    roles
        .iter()
        .flat_map(|name| {
            [
                DeleteOnDrop::cluster_scoped::<ClusterRole>(name),
                DeleteOnDrop::cluster_scoped::<ClusterRoleBinding>(name),
            ]
        })
        .collect()
}

#[tokio::test]
async fn dry_run_manifests_pass_kubectl_apply_on_the_server() {
    let client = client().await;
    let ns = TestNamespace::create(&client, "install-dry").await;
    for format in ["yaml", "json"] {
        let manifests = kro(&[
            "install",
            "--dry-run",
            "-o",
            format,
            "-n",
            ns.name(),
            "--broad-rbac",
            "--allow-crd-deletion",
        ])
        .await;
        assert_eq!(manifests.code, Some(0), "{manifests}");
        let applied = kubectl(
            &["apply", "--dry-run=server", "-f", "-"],
            Some(&manifests.stdout),
        )
        .await;
        assert_eq!(applied.code, Some(0), "{format}: {applied}");
        let n = ns.name();
        for expected in [
            "serviceaccount/kro-controller created (server dry run)".to_owned(),
            format!(
                "clusterrole.rbac.authorization.k8s.io/kro-controller-{n} created (server dry run)"
            ),
            format!(
                "clusterrole.rbac.authorization.k8s.io/kro-controller-resources-{n} created (server dry run)"
            ),
            format!(
                "clusterrolebinding.rbac.authorization.k8s.io/kro-controller-broad-{n} created (server dry run)"
            ),
            "role.rbac.authorization.k8s.io/kro-controller-leader-election created (server dry run)".to_owned(),
            "deployment.apps/kro-controller created (server dry run)".to_owned(),
        ] {
            assert!(
                applied.stdout.contains(&expected),
                "{format}: {expected}\n{applied}"
            );
        }
    }
}

/// A kubeconfig whose current context points at a port nothing listens on, plus the admin's
/// context `kro-test`: commands work only when `--context kro-test` really selects it.
fn two_context_kubeconfig(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(admin_kubeconfig()).unwrap();
    let mut config = kro_core::syntax::parse(&text).documents[0]
        .root
        .as_ref()
        .unwrap()
        .to_json();
    config["clusters"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "name": "dead", "cluster": { "server": "https://127.0.0.1:1" } }));
    config["contexts"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "name": "dead", "context": { "cluster": "dead", "user": "kro-admin" } }));
    config["current-context"] = json!("dead");
    let path = dir.join("kubeconfig");
    // JSON is YAML: kubectl and kube-rs read it alike.
    std::fs::write(&path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
    path
}

fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

#[tokio::test]
async fn install_upgrade_and_uninstall_in_a_namespace() {
    let client = client().await;
    let ns = TestNamespace::create(&client, "install").await;
    let n = ns.name().to_owned();
    let _guards = cluster_scoped_guards(&n, false);
    let dir = std::env::temp_dir().join(unique_name("kubectl-kro-install"));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = two_context_kubeconfig(&dir);
    let kubeconfig = kubeconfig.to_str().unwrap();
    let with = |args: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = ["--kubeconfig", kubeconfig]
            .iter()
            .map(|s| s.to_string())
            .collect();
        all.extend(args.iter().map(|s| s.to_string()));
        all
    };
    let kro_as = |args: Vec<String>| async move {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(kubectl_kro(), &args, &[], None).await
    };

    // The current context is dead: the command says where it tried and what to do.
    let dead = kro_as(with(&["install", "-n", &n])).await;
    assert_eq!(dead.code, Some(2), "{dead}");
    assert_eq!(
        dead.stderr,
        "error: cannot reach the cluster at https://127.0.0.1:1 (context dead): Connection refused (os error 111) — check --context or KUBECONFIG\n"
    );
    assert_eq!(dead.stdout, "");

    // --context picks the live cluster.
    let first = kro_as(with(&["install", "--context", "kro-test", "-n", &n])).await;
    assert_eq!(first.code, Some(0), "{first}");
    assert!(
        first.stdout.starts_with(&format!(
            "Installing kro {} into namespace {n} of https://127.0.0.1:",
            env!("CARGO_PKG_VERSION")
        )),
        "{first}"
    );
    for expected in [
        format!("· Namespace {n} exists; left as it is"),
        format!("✓ ServiceAccount {n}/kro-controller created"),
        format!("✓ ClusterRole kro-controller-{n} created"),
        format!("✓ ClusterRole kro-controller-resources-{n} created"),
        format!("✓ ClusterRoleBinding kro-controller-{n} created"),
        format!("✓ Role {n}/kro-controller-leader-election created"),
        format!("✓ Deployment {n}/kro-controller created"),
        format!("✓ Deployment {n}/kro-controller is Available (1/1 replicas available)"),
    ] {
        assert!(first.stdout.contains(&expected), "{expected}\n{first}");
    }
    // Shared with other tests: created by the first of them, unchanged for the rest.
    assert_eq!(
        lines_with(
            &first.stdout,
            "✓ CustomResourceDefinition resourcegraphdefinitions.kro.run "
        )
        .len(),
        1,
        "{first}"
    );

    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &n);
    let deployment = deployments.get("kro-controller").await.unwrap();
    assert_eq!(
        deployment
            .status
            .as_ref()
            .and_then(|s| s.available_replicas),
        Some(1)
    );
    let managers: Vec<_> = deployment
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .filter(|m| m.operation.as_deref() == Some("Apply"))
        .filter_map(|m| m.manager.clone())
        .collect();
    assert_eq!(managers, ["kubectl-kro"]);

    // A second install is a no-op for everything install owns.
    let second = kro_as(with(&["--context", "kro-test", "install", "-n", &n])).await;
    assert_eq!(second.code, Some(0), "{second}");
    let applied: Vec<&str> = second
        .stdout
        .lines()
        .filter(|l| l.starts_with("✓ ") && !l.contains(" is "))
        .filter(|l| !l.contains("CustomResourceDefinition")) // shared with other tests
        .collect();
    assert_eq!(applied.len(), 8, "{second}");
    for line in applied {
        assert!(line.ends_with(" unchanged"), "{line}\n{second}");
    }

    // Least privilege: the controller may manage RGDs but not Deployments, until a role
    // labelled for aggregation grants them.
    let sa = format!("system:serviceaccount:{n}:kro-controller");
    let can = |verb: &'static str, resource: &'static str| {
        let sa = sa.clone();
        let n = n.clone();
        async move {
            kubectl(
                &["auth", "can-i", verb, resource, "--as", &sa, "-n", &n],
                None,
            )
            .await
            .stdout
            .trim()
            .to_owned()
        }
    };
    assert_eq!(
        can("watch", "resourcegraphdefinitions.kro.run").await,
        "yes"
    );
    assert_eq!(can("patch", "customresourcedefinitions").await, "yes");
    assert_eq!(can("delete", "customresourcedefinitions").await, "no");
    assert_eq!(can("create", "deployments.apps").await, "no");
    let grant = unique_name("kro-manages-deployments");
    let _grant = DeleteOnDrop::cluster_scoped::<ClusterRole>(&grant);
    let role: ClusterRole = serde_json::from_value(json!({
        "metadata": {
            "name": grant,
            "labels": { "rbac.kro.run/aggregate-to-controller": "true" },
        },
        "rules": [{
            "apiGroups": ["apps"],
            "resources": ["deployments"],
            "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
        }],
    }))
    .unwrap();
    Api::<ClusterRole>::all(client.clone())
        .create(&PostParams::default(), &role)
        .await
        .unwrap();
    wait::until(
        "the aggregated role to grant deployments",
        wait::TIMEOUT,
        || async {
            match can("create", "deployments.apps").await.as_str() {
                "yes" => Ok(()),
                other => Err(other.to_owned()),
            }
        },
    )
    .await;

    // With an RGD in the cluster, uninstall refuses.
    let rgd_name = unique_name("install-webapp");
    let text = std::fs::read_to_string(repo_root().join("examples/webapp.yaml")).unwrap();
    let mut rgd = kro_core::syntax::parse(&text).documents[0]
        .root
        .as_ref()
        .unwrap()
        .to_json();
    rgd["metadata"]["name"] = json!(rgd_name);
    // A group of its own: a controller another test runs must not give this RGD's CRD the
    // name of theirs (webapps.kro.run).
    rgd["spec"]["schema"]["group"] = json!(format!("{rgd_name}.kro-tests.kro.run"));
    let rgds: Api<DynamicObject> = Api::all_with(client.clone(), &rgd_api_resource());
    rgds.create(
        &PostParams::default(),
        &serde_json::from_value(rgd).unwrap(),
    )
    .await
    .expect("the RGD CRD install applied accepts the example");
    let _rgd = DeleteOnDrop::dynamic(rgd_api_resource(), None, &rgd_name);

    let refused = kro_as(with(&["uninstall", "--context", "kro-test", "-n", &n])).await;
    assert_eq!(refused.code, Some(1), "{refused}");
    assert!(
        refused
            .stderr
            .starts_with("error: refusing to uninstall: the cluster has "),
        "{refused}"
    );
    assert!(
        refused.stderr.contains("kubectl delete rgd --all"),
        "{refused}"
    );
    assert!(refused.stderr.contains("pass --force"), "{refused}");
    assert_eq!(refused.stdout, "");
    assert!(
        deployments
            .get_opt("kro-controller")
            .await
            .unwrap()
            .is_some()
    );

    // --dry-run shows what --force would do, and does nothing.
    let preview = kro_as(with(&[
        "uninstall",
        "--context",
        "kro-test",
        "-n",
        &n,
        "--force",
        "--dry-run",
    ]))
    .await;
    assert_eq!(preview.code, Some(0), "{preview}");
    for expected in [
        format!("· would delete Deployment {n}/kro-controller"),
        format!("· would delete ClusterRole kro-controller-resources-{n}"),
        "· would delete CustomResourceDefinition resourcegraphdefinitions.kro.run and with it"
            .to_owned(),
    ] {
        assert!(preview.stdout.contains(&expected), "{expected}\n{preview}");
    }
    assert!(
        deployments
            .get_opt("kro-controller")
            .await
            .unwrap()
            .is_some()
    );

    // --force --keep-crd removes the controller and keeps the RGDs (deleting the shared RGD
    // CRD would take other tests' RGDs with it).
    let removed = kro_as(with(&[
        "uninstall",
        "--context",
        "kro-test",
        "-n",
        &n,
        "--force",
        "--keep-crd",
    ]))
    .await;
    assert_eq!(removed.code, Some(0), "{removed}");
    for expected in [
        format!("✓ deleted Deployment {n}/kro-controller"),
        format!("✓ deleted RoleBinding {n}/kro-controller-leader-election"),
        format!("✓ deleted ClusterRoleBinding kro-controller-{n}"),
        format!("✓ deleted ClusterRole kro-controller-resources-{n}"),
        format!("✓ deleted ServiceAccount {n}/kro-controller"),
        format!("· kept Namespace {n} (it existed before kubectl kro install)"),
        "· kept CustomResourceDefinition resourcegraphdefinitions.kro.run and ".to_owned(),
    ] {
        assert!(removed.stdout.contains(&expected), "{expected}\n{removed}");
    }
    let roles: Api<ClusterRole> = Api::all(client.clone());
    for name in [
        format!("kro-controller-{n}"),
        format!("kro-controller-resources-{n}"),
    ] {
        let left = roles.get_opt(&name).await.unwrap();
        assert!(
            left.is_none_or(|r| r.metadata.deletion_timestamp.is_some()),
            "{name} is deleted"
        );
    }
    assert!(
        rgds.get_opt(&rgd_name).await.unwrap().is_some(),
        "the RGD is kept"
    );
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    assert!(
        crds.get_opt("resourcegraphdefinitions.kro.run")
            .await
            .unwrap()
            .is_some()
    );

    let again = kro_as(with(&[
        "uninstall",
        "--context",
        "kro-test",
        "-n",
        &n,
        "--force",
        "--keep-crd",
    ]))
    .await;
    assert_eq!(again.code, Some(0), "{again}");
    assert!(
        again.stdout.contains(&format!(
            "· nothing to uninstall: kro is not installed in namespace {n}"
        )),
        "{again}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn install_timeout_says_why_the_controller_is_not_ready() {
    let client = client().await;
    let ns = TestNamespace::create(&client, "install-slow").await;
    let n = ns.name().to_owned();
    let _guards = cluster_scoped_guards(&n, true);

    // KUBECONFIG works as with kubectl.
    let quick = run(
        kubectl_kro(),
        &["install", "-n", &n, "--broad-rbac", "--wait=false"],
        &[("KUBECONFIG", &admin_kubeconfig())],
        None,
    )
    .await;
    assert_eq!(quick.code, Some(0), "{quick}");
    assert!(
        quick.stdout.ends_with(&format!(
            "Not waiting for the controller; see it with: kubectl -n {n} rollout status deployment/kro-controller\n"
        )),
        "{quick}"
    );
    assert!(!quick.stdout.contains("Available"), "{quick}");

    // The simulated node never makes pods with this annotation ready. The annotation is
    // someone else's field, so the next install keeps it.
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &n);
    deployments
        .patch(
            "kro-controller",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "template": { "metadata": {
                "annotations": { "sim.kro.run/ready": "false" }
            } } } })),
        )
        .await
        .unwrap();

    let slow = kro(&["install", "-n", &n, "--broad-rbac", "--timeout", "4s"]).await;
    assert_eq!(slow.code, Some(1), "{slow}");
    let mut lines = slow.stderr.lines();
    assert_eq!(
        lines.next(),
        Some(
            format!("error: the Deployment {n}/kro-controller is not Available after 4s:").as_str()
        ),
        "{slow}"
    );
    assert!(
        slow.stderr.contains(
            "container controller is running but not ready (readiness probe /readyz on port 8079)"
        ),
        "{slow}"
    );
    assert!(
        slow.stderr.ends_with(&format!(
            "  see: kubectl -n {n} describe deployment/kro-controller and its pods\n"
        )),
        "{slow}"
    );
    assert!(
        slow.stdout.contains(&format!(
            "… waiting for Deployment {n}/kro-controller to be Available"
        )),
        "{slow}"
    );
}

/// The sample instance `generate instance` prints is accepted by the API server as it is, for
/// every example whose placeholders satisfy its own constraints (database.yaml's placeholders
/// are deliberately empty and break its pattern and minLength: the user must fill them in).
#[tokio::test]
async fn generated_sample_instances_are_accepted_by_the_api_server() {
    let client = client().await;
    let ns = TestNamespace::create(&client, "sample").await;
    let mut guards = Vec::new();
    let mut checked = Vec::new();
    for entry in std::fs::read_dir(repo_root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.extension().is_none_or(|e| e != "yaml") || name == "database" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let analysis = compile_file(&text, &Options::default());
        let compiled = analysis.rgds.into_iter().next().unwrap();
        let (resource, namespaced, guard) = install_crd(&client, &compiled).await;
        guards.push(guard);

        let sample = kro(&[
            "generate",
            "instance",
            path.to_str().unwrap(),
            "-n",
            ns.name(),
        ])
        .await;
        assert_eq!(sample.code, Some(0), "{name}: {sample}");
        let mut instance = kro_core::syntax::parse(&sample.stdout).documents[0]
            .root
            .as_ref()
            .unwrap()
            .to_json();
        instance["apiVersion"] = json!(resource.api_version);
        let api: Api<DynamicObject> = if namespaced {
            Api::namespaced_with(client.clone(), ns.name(), &resource)
        } else {
            Api::all_with(client.clone(), &resource)
        };
        let object: DynamicObject = serde_json::from_value(instance).unwrap();
        let params = PostParams {
            dry_run: true,
            ..PostParams::default()
        };
        // Established CRDs take a moment to be served.
        wait::until(
            &format!("{name}: the sample to be accepted"),
            wait::TIMEOUT,
            || async {
                match api.create(&params, &object).await {
                    Ok(_) => Ok(()),
                    Err(kube::Error::Api(s)) if s.code == 404 => Err("not served yet".to_owned()),
                    Err(e) => panic!(
                        "{name}: the API server refused the sample: {e}\n{}",
                        sample.stdout
                    ),
                }
            },
        )
        .await;
        checked.push(name);
    }
    assert!(checked.len() >= 5, "{checked:?}");
}

/// The example's CRD under a group unique to this test, Established.
async fn install_crd(
    client: &Client,
    compiled: &kro_core::compile::Compiled,
) -> (ApiResource, bool, DeleteOnDrop) {
    let group = format!("{}.kro-tests.kro.run", unique_name("g"));
    let mut crd = compiled.crd(&Ownership::default());
    let plural = crd["spec"]["names"]["plural"].as_str().unwrap().to_owned();
    let name = format!("{plural}.{group}");
    crd["spec"]["group"] = json!(group);
    crd["metadata"]["name"] = json!(name);
    // Not labelled as generated by an RGD: other tests' uninstalls must not count these.
    crd["metadata"]["labels"] = json!({});
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.create(
        &PostParams::default(),
        &serde_json::from_value(crd).unwrap(),
    )
    .await
    .unwrap_or_else(|e| panic!("creating {name}: {e}"));
    let guard = DeleteOnDrop::cluster_scoped::<CustomResourceDefinition>(&name);
    wait::crd_established(client, &name).await;
    let version = compiled.crd_spec.version.clone();
    let resource = ApiResource {
        group: group.clone(),
        version: version.clone(),
        api_version: format!("{group}/{version}"),
        kind: compiled.crd_spec.kind.clone(),
        plural,
    };
    let namespaced = compiled.crd_spec.scope == kro_core::schema::Scope::Namespaced;
    (resource, namespaced, guard)
}
